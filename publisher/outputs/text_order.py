"""The order a page's text is drawn in, for viewers that read text in that order.

WeasyPrint draws a line's boxes in the order of the document, right to left in a right-to-left
line, each from its own Tm. PDFium and poppler sort what they read by position; pdf.js, MuPDF and
pypdf read it as drawn. Here, run by the text layer on each recoded content stream, a line's
pieces are put in the order those viewers read best (see in_visual_order).
"""

from __future__ import annotations

import itertools
import re
from typing import NamedTuple

from publisher.outputs import tj

# What pypdf takes for right-to-left (pypdf/_utils.py RTL_CHARACTER_RANGES).
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


class Edges(NamedTuple):
    """What a run of text draws at its ends, and whether it draws right-to-left letters."""

    left: str
    right: str
    right_to_left: bool


NO_EDGES = Edges("", "", False)


def _left_to_right(char: str) -> bool:
    """A letter or digit pypdf reads left to right."""
    return bool(char) and char.isalnum() and not _RIGHT_TO_LEFT.match(char)


def _one_word(before: str, after: str) -> bool:
    """Whether two characters run together read as one word: letters or digits of one script."""
    return (before.isalnum() and after.isalnum()
            and bool(_RIGHT_TO_LEFT.match(before)) == bool(_RIGHT_TO_LEFT.match(after)))


def _run_together(one: _Sequence, after: _Sequence) -> bool:
    """Whether two boxes of a line, drawn one after the other, come out as one word in pdf.js or
    pypdf (see _sequences_in_visual_order)."""
    # pdf.js: each box's text in its reading order, the first's end against the second's start.
    end = one.edges.left if one.edges.right_to_left else one.edges.right
    start = after.edges.right if after.edges.right_to_left else after.edges.left
    # pypdf: the characters as drawn, left to right within each box.
    return _one_word(end, start) or (_left_to_right(one.edges.right) and _left_to_right(after.edges.left))


def in_visual_order(lines: list, edges: dict[int, Edges]) -> list:
    """The text of each line drawn left to right. WeasyPrint draws a line's boxes in the order of
    the document, right to left in a right-to-left line (table cells, a bold word, a link), each
    from its own Tm; pdf.js cuts its text into items at the jump back to the left and joins them
    with no space (the cells' words run together), and MuPDF and pypdf keep such pieces in the
    order they are drawn. Within one text object, the pieces that share a baseline are put in
    the order of their x, each with its own font; a text object holding anything but Tm, Tf, Ts
    and TJ (marked content, colour) is left as it is. In tagged PDF (PDF/UA) each box is a
    marked-content sequence of its own (/Span <</MCID n>> BDC ... BT ... ET EMC): consecutive
    sequences on one baseline are put in the order of their x in the same way, each with the
    colour and text state it was drawn with, when pypdf would otherwise run two of them together
    (see _sequences_in_visual_order). `edges`: the first and last character each TJ line draws,
    by line."""
    out: list = []
    state: dict[bytes, tuple[bytes, ...]] = {b"Ts": (b"0 Ts",)}  # the state operators in force
    stack: list[dict[bytes, tuple[bytes, ...]]] = []
    group: list[_Sequence] = []  # marked sequences on one baseline, not written yet
    index = 0
    while index < len(lines):
        sequence = _marked_sequence(lines, index, state, edges)
        if sequence is not None and group and abs(sequence.key[0] - group[0].key[0]) >= 0.01:
            out += _sequences_in_visual_order(group)
            group = []
        if sequence is not None:
            group.append(sequence)
            state = sequence.after
            index = sequence.end
            continue
        if group:
            out += _sequences_in_visual_order(group)
            group = []
        line = lines[index]
        if line == b"BT":
            end = next((k for k in range(index + 1, len(lines)) if lines[k] == b"ET"), None)
            if end is None:
                return lines
            block, font, rise = _block_in_visual_order(lines[index + 1:end], *_text_state(state))
            out += [b"BT", *block, b"ET"]
            state = _with_text_state(state, font, rise)
            index = end + 1
            continue
        if line == b"q":
            stack.append(state)
        elif line == b"Q" and stack:
            state = stack.pop()
        elif isinstance(line, bytes):
            state = _with_operator(state, line)
        out.append(line)
        index += 1
    return out + _sequences_in_visual_order(group)


# The state operators a reordered marked sequence may set outside its text object, by the part of
# the state they set: colours and the graphics state dictionaries (WeasyPrint's opacity; each adds
# to those before it). Anything else keeps the order as drawn.
_STATE_PARTS = {b"rg": b"fill", b"g": b"fill", b"k": b"fill", b"RG": b"stroke", b"G": b"stroke",
                b"K": b"stroke", b"gs": b"gs", b"Tf": b"Tf", b"Ts": b"Ts"}


class _Sequence(NamedTuple):
    lines: list  # its lines, the text object's pieces already left to right
    end: int  # the index after its EMC
    key: tuple[float, float]  # (baseline, leftmost x): all its text is on one baseline
    before: dict[bytes, tuple[bytes, ...]]  # the state in force where it starts, by part
    after: dict[bytes, tuple[bytes, ...]]  # and where it ends
    edges: Edges  # the characters it draws furthest left and right


def _with_operator(state: dict[bytes, tuple[bytes, ...]], line: bytes) -> dict[bytes, tuple[bytes, ...]]:
    operator = line.rsplit(None, 1)[-1] if line.strip() else b""
    part = _STATE_PARTS.get(operator)
    if part is None or (part == b"Tf" and not tj.TF.match(line)) or (part == b"Ts" and not tj.TS.match(line)):
        return state
    return {**state, part: (*state.get(part, ()), line) if part == b"gs" else (line,)}


_State = dict[bytes, tuple[bytes, ...]]  # the state operators in force, by the part they set


def _with_text_state(state: _State, font: bytes | None, rise: bytes) -> _State:
    state = {**state, b"Ts": (rise,)}
    if font is not None:
        state[b"Tf"] = (font,)
    return state


def _text_state(state: dict[bytes, tuple[bytes, ...]]) -> tuple[bytes | None, bytes]:
    """The Tf line (if any) and the Ts line in force."""
    return (state[b"Tf"][0] if b"Tf" in state else None), state[b"Ts"][0]


def _marked_sequence(lines: list, index: int, state: dict[bytes, tuple[bytes, ...]],
                     edges: dict[int, Edges]) -> _Sequence | None:
    """The marked-content sequence of one tagged box that starts at `index`, when it holds one
    text object and nothing but state operators around it."""
    if not (index + 2 < len(lines) and isinstance(lines[index], str) and lines[index].startswith("/")
            and isinstance(lines[index + 1], dict) and "MCID" in lines[index + 1] and lines[index + 2] == b"BDC"):
        return None
    body: list = []
    after, key, texts, drawn = state, None, 0, NO_EDGES
    position = index + 3
    while position < len(lines) and lines[position] != b"EMC":
        line = lines[position]
        if line == b"BT":
            end = next((k for k in range(position + 1, len(lines)) if lines[k] in (b"ET", b"EMC")), None)
            if end is None or lines[end] != b"ET" or texts:
                return None
            block, font, rise = _block_in_visual_order(lines[position + 1:end], *_text_state(after))
            key, drawn = _where(lines, position + 1, end, edges)
            body += [b"BT", *block, b"ET"]
            after = _with_text_state(after, font, rise)
            texts += 1
            position = end + 1
            continue
        if not isinstance(line, bytes) or _with_operator(after, line) is after:
            return None
        after = _with_operator(after, line)
        body.append(line)
        position += 1
    if position >= len(lines) or key is None:
        return None
    return _Sequence([*lines[index:index + 3], *body, b"EMC"], position + 1, key, state, after, drawn)


def _where(lines: list, start: int, end: int, edges: dict[int, Edges]) -> tuple[tuple[float, float] | None, Edges]:
    """Where a text object (lines[start:end]) stands, read once: (baseline, leftmost x) when all
    its pieces stand on one baseline, else None; and what it draws furthest left and right."""
    places: list[tuple[float, float]] = []
    pieces: list[tuple[float, Edges]] = []
    for index in range(start, end):
        line = lines[index]
        for part in line.split(b"\n") if isinstance(line, bytes) else ():
            if part.endswith(b"Tm"):
                try:
                    numbers = [float(v) for v in part.split()[:6]]
                except ValueError:
                    return None, NO_EDGES
                places.append((numbers[5], numbers[4]))
        if index in edges and places:
            pieces.append((places[-1][1], edges[index]))
    if not places or any(abs(y - places[0][0]) >= 0.01 for y, _ in places):
        return None, NO_EDGES
    key = places[0][0], min(x for _, x in places)
    if not pieces:
        return key, NO_EDGES
    pieces.sort(key=lambda piece: piece[0])
    return key, Edges(pieces[0][1].left, pieces[-1][1].right, any(piece.right_to_left for _, piece in pieces))


def _sequences_in_visual_order(group: list[_Sequence]) -> list:
    """A baseline's marked sequences, ordered by x when pdf.js or pypdf would run two of them
    together as drawn.

    pdf.js starts a text item at every BDC and EMC (evaluator.js getTextContent,
    `case OPS.beginMarkedContentProps: flushTextContentItem()`) and puts each item's characters
    in reading order by itself: it reads a tagged line best in the order the boxes are drawn
    (the document's), and ordered by x it reads the boxes of a right-to-left line backwards. But
    it puts no space where the next box is drawn to the left of the last, so two table cells
    drawn right to left come out as one word ("البندالقيمة"). pypdf starts its text again at
    every BT but keeps the direction of the run it was in (_text_extraction get_display_str): a
    box whose right end is Latin or a digit ("(H5N1)"), drawn before one whose left end is too (a
    line ending in "20"), comes out as one word ("H5N120"). Such a line is put in the order of x,
    which both read as separate words.

    Reordered, each is written inside q and Q, with the state it was drawn with set where that
    differs from the state at the group's start, so none takes the colour or font of one that
    was drawn before it; after them, the state the last one left in the order as drawn."""
    order = sorted(range(len(group)), key=lambda k: group[k].key[1])
    if order == list(range(len(group))) or not any(_run_together(*pair) for pair in itertools.pairwise(group)):
        return [line for sequence in group for line in sequence.lines]
    start = group[0].before

    def changes(state: dict[bytes, tuple[bytes, ...]]) -> list[bytes]:
        # A state only gains parts, and its gs lines only grow, along the stream.
        return [line for part, lines in state.items() if start.get(part) != lines
                for line in lines[len(start.get(part, ())) if part == b"gs" else 0:]]

    out: list = []
    for k in order:
        lines = group[k].lines
        out += [*lines[:3], b"q", *changes(group[k].before), *lines[3:-1], b"Q", lines[-1]]
    return out + changes(group[-1].after)


def _block_in_visual_order(block: list, font: bytes | None, rise: bytes) -> tuple[list, bytes | None, bytes]:
    """A text object's lines with each baseline's pieces ordered by x, and the Tf and Ts lines in
    force after it."""
    lines = [part for line in block if isinstance(line, bytes) for part in line.split(b"\n") if part]
    pieces: list[tuple[tuple[float, float] | None, list[bytes]]] = []  # ((y, x), lines) from each Tm
    states: list[tuple[bytes | None, bytes]] = []
    for line in lines:
        if line.endswith(b"Tm"):
            try:
                numbers = [float(v) for v in line.split()[:6]]
            except ValueError:
                return block, font, rise
            if numbers[:4] != [1, 0, 0, -1]:
                return block, font, rise
            pieces.append(((numbers[5], numbers[4]), [line]))
            states.append((font, rise))
        elif tj.TF.match(line) or tj.TS.match(line) or (line.startswith(b"[") and line.endswith(b"TJ")):
            if not pieces:
                return block, font, rise  # text before any Tm: not one of WeasyPrint's
            pieces[-1][1].append(line)
            if tj.TF.match(line):
                font = line
            elif tj.TS.match(line):
                rise = line
        else:
            return block, font, rise
    final = (font, rise)
    order = list(range(len(pieces)))
    start = 0
    while start < len(pieces):
        after = start + 1
        while after < len(pieces) and abs(pieces[after][0][0] - pieces[start][0][0]) < 0.01:
            after += 1
        order[start:after] = sorted(order[start:after], key=lambda k: pieces[k][0][1])
        start = after
    if order == sorted(order):
        return block, font, rise
    out: list[bytes] = []
    for k in order:
        tm, *rest = pieces[k][1]
        piece_font, piece_rise = states[k]
        out.append(tm)
        if piece_font is not None and not (rest and tj.TF.match(rest[0])):
            out.append(piece_font)
        out.append(piece_rise)
        out += rest
    if final[0] is not None:
        out.append(final[0])
    out.append(final[1])
    return out, font, rise
