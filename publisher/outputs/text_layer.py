"""The PDF's text layer: one code a character, in boxes every viewer reads back as whole words.

A finisher for WeasyPrint's write_pdf, run on the PDF objects before they are written. Viewers
rebuild words from each code's ToUnicode text and its box (where it is drawn, and its /W width):
PDFium (Chrome) inserts a space where a TJ number moves right by half a space and sorts separate
text objects of a line by x; pdf.js (Firefox) cuts a line into items at a gap over 0.6 em or
under -0.2 em and skips the width of a mark (Mn); poppler starts a word at a gap over 0.1 em and
puts a space between words more than 0.03 em apart; MuPDF adds a space at 0.15 em and a line at
0.8 em, and reverses each multi-character mapping of a right-to-left glyph, as all four do.
WeasyPrint writes Pango's glyphs as they are: a ligature is one glyph for several letters, a
letter may be two glyphs (lam and its connector before kaf), a mark is moved by TJ numbers and
text rise, kerning opens gaps inside words. So here every character gets a code of its own:

- a glyph that stands for one character keeps its id as its code; if it advances more or less
  than the font says (kerning), it gets a code whose glyph is the same outline with that advance;
- a glyph for several characters (لا, الله) is drawn by the first of their codes, the others
  draw nothing, each with a share of its advance;
- glyphs for one character (lam + connector) are one code, drawn as a composite of them;
- a mark is a code of its own, drawn as a composite that puts the mark where WeasyPrint drew it,
  in the line's own text object (no text rise), and given a box beside its letter's.

Each new code is a glyph appended to the embedded program (font_program.py) with the advance
its /W says, so W equals the font's widths in PDF/A and PDF/UA too. Outlines stay where
WeasyPrint drew them; composites are drawn from one origin, so a renderer that snaps each
glyph's origin to whole pixels may draw a mark or a connector one pixel from where it drew it.
A word gap too wide for pdf.js and MuPDF (justified narrow columns) is narrowed for them by
widening the box of the letter before it, and the pieces of a line (table cells, a bold word) are
drawn left to right within their text object, as every viewer expects to read them. Measured
with ../shared/tools/viewers.py on 398 corpus articles: see README (Searchable Arabic).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from publisher.outputs import font_program, glyph_text, text_order

_NUMBER = rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rb"<([0-9a-fA-F]*)>|(" + _NUMBER + rb")")
_TF = re.compile(rb"^/(\S+)\s+(" + _NUMBER + rb")\s+Tf$")
_TS = re.compile(rb"^(" + _NUMBER + rb")\s+Ts$")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Operators that move the pen in ways a run's positions do not follow: such a text object is left alone.
_UNREAD = (b"Tc", b"Tw", b"Tz", b"TL", b"Tj", b"'", b'"', b"Td", b"TD", b"T*")

# In thousandths of an em.
MARK_BOX = 115  # a mark's box: poppler takes a character within 0.1 em of the one before as a duplicate
LIGATURE_BOX = 115  # the box of a letter drawn by the ligature before it
MARKS_BOX = 140  # the boxes of a letter's marks together: MuPDF puts a space where 0.15 em pass unadvanced
WIDE_GAP = 550  # a word gap wider than this is cut into items by pdf.js (0.6 em) and lines by MuPDF (0.8)
NARROWED_GAP = 300  # what such a gap is narrowed to: a space to every viewer
MARK_LEAD = 60  # what leading marks leave of the word gap before them: under pdf.js's 0.102 em space

_RLM = "\u200f"

FontPath = Callable[[str, int, bool], Path | None]


class Drawn(NamedTuple):
    """A glyph as WeasyPrint drew it in a run: where (thousandths of an em from the run's start)."""

    glyph: int
    x: float
    rise: float  # thousandths of an em above the run's baseline


class Slot(NamedTuple):
    """A character of the text layer and the glyphs its code draws."""

    char: str
    drawn: tuple[Drawn, ...]
    mark: bool


class Placed(NamedTuple):
    """A code in a run: where it is drawn and how far it advances (thousandths of an em)."""

    code: int
    origin: float
    advance: float
    char: str
    components: tuple[tuple[int, int, int], ...]
    units: int  # the advance in font units


def finisher(font_path: FontPath) -> Callable:
    """The write_pdf finisher."""

    def finish(document, pdf) -> None:
        _Recoding(document, pdf, font_path).apply()

    return finish


# What the fonts set -----------------------------------------------------------------------

def set_text(document, font_path: FontPath) -> dict[str, str]:
    """Font file -> the text the laid-out pages set in it (running heads and folios too)."""
    from weasyprint.formatting_structure import boxes

    texts: dict[str, list[str]] = defaultdict(list)
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TextBox):
                style = box.style
                # The first family of the list: Pango falls back to the next only for a character
                # the first lacks, and such a word is then read glyph by glyph.
                path = font_path(style["font_family"][0], style["font_weight"], style["font_style"] != "normal")
                if path:
                    texts[str(path)].append(box.text)
    return {path: "\n".join(parts) for path, parts in texts.items()}


_PLANS: dict[str | None, dict[tuple, tuple]] = {}  # font file -> a word's glyphs where drawn -> its codes' plan


@functools.cache
def _advances(path: str) -> dict[int, int]:
    """The advance of every glyph of a font file: WeasyPrint's cuts keep the ids and advances."""
    return dict(enumerate(font_program.advances(Path(path).read_bytes())))


class _Font:
    """One embedded font's codes in this document."""

    def __init__(self, font, path: str | None):
        self.font = font
        self.known = glyph_text.font_texts(path) if path else {}
        self.fallback = font.to_unicode  # WeasyPrint's map, for glyphs neither probes nor cmap know
        self.words = glyph_text.words_for(path) if path else glyph_text.Words("")
        self.program = font.file_content
        self.natural = dict(_advances(path) if path else enumerate(font_program.advances(self.program)))
        self.scale = font.upem / 1000  # font units a thousandth of an em
        # New codes start past every id WeasyPrint used (its stand-ins for missing glyphs included).
        self.start = max(font_program.glyph_count(self.program), font.glyph_count, max(font.widths, default=0) + 1)
        self.missing = set(font.missing.values())  # WeasyPrint's stand-ins for glyphs no font has
        for glyph in self.missing:
            self.natural[glyph] = round(font.widths.get(glyph, 0) * self.scale)
        self.spaces = (glyph_text.font_spaces(path) if path else frozenset()) | {
            glyph for glyph, text in font.to_unicode.items() if glyph not in self.known and text and text.isspace()}
        self.plans = _PLANS.setdefault(path, {}) if path else {}
        self.unicode: dict[int, str] = {}
        self.codes: dict[tuple, int] = {}
        self.plan_codes: dict[int, tuple] = {}
        self.added: list[font_program.Added] = []

    def code(self, char: str, components: tuple, units: int) -> int:
        key = (char, components, units)
        code = self.codes.get(key)
        if code is None:
            glyph = components[0][0] if len(components) == 1 and components[0][1:] == (0, 0) else None
            if glyph is not None and self.natural.get(glyph) == units and self.unicode.get(glyph, char) == char:
                code = glyph
            else:
                code = self.start + len(self.added)
                drawn = tuple((0 if g in self.missing else g, dx, dy) for g, dx, dy in components)
                self.added.append(font_program.Added(drawn, units))
            self.codes[key] = code
            self.unicode[code] = char
        return code

    def text(self, glyph: int) -> str:
        text = self.known.get(glyph)
        return self.fallback.get(glyph, "") if text is None else text


# Reading the content streams --------------------------------------------------------------

class _Op(NamedTuple):
    line: int
    key: bytes | None
    size: float
    rise: float
    body: bytes


def _runs(stream) -> list[tuple[list[_Op], list[int]]]:
    """Each run of TJ operators in one font and size that a viewer reads as one line piece: its
    operators, and the Ts lines between them. A text object that moves the pen in any other way
    gives none."""
    font: tuple[bytes | None, float] = (None, 0.0)
    rise = 0.0
    stack: list = []
    runs: list[tuple[list[_Op], list[int]]] = []
    block: list = []  # the current text object since its last Tm: _Op, ("Ts", line) or "other"
    inside = False

    def close() -> None:
        if block and "other" not in block:
            current: list = []
            for item in block:
                if isinstance(item, _Op):
                    if current and (current[0][-1].key, current[0][-1].size) != (item.key, item.size):
                        runs.append(current)
                        current = []
                    if not current:
                        current = [[item], []]
                    else:
                        current[0].append(item)
                elif current:
                    current[1].append(item[1])
            if current:
                runs.append(current)
        block.clear()

    for index, line in enumerate(stream.stream):
        if not isinstance(line, bytes):
            continue
        if line == b"q":
            stack.append((font, rise))
        elif line == b"Q":
            font, rise = stack.pop() if stack else ((None, 0.0), 0.0)
        elif line == b"BT":
            inside = True
            block.clear()
        elif line == b"ET":
            close()
            inside = False
        elif match := _TF.match(line):
            font = (match.group(1), float(match.group(2)))
        elif match := _TS.match(line):
            rise = float(match.group(1))
            if inside:
                block.append(("Ts", index))
        elif not inside:
            continue
        elif line.endswith(b"Tm"):
            close()
        elif line.startswith(b"[") and line.endswith(b"TJ"):
            block.append(_Op(index, font[0], font[1], rise, line[1:line.rindex(b"]")]))
        elif line.endswith(_UNREAD):
            block.append("other")
    return [(ops, [line for line in rises if ops[0].line < line < ops[-1].line]) for ops, rises in runs]


def _drawn(ops: list[_Op], widths: dict[int, float]) -> tuple[list[Drawn], float]:
    """The run's glyphs where they are drawn, and where its pen ends."""
    pen, drawn = 0.0, []
    base = ops[0].rise
    for op in ops:
        rise = (op.rise - base) * 1000 / op.size
        for hexadecimal, number in _TOKEN.findall(op.body):
            if number:
                pen -= float(number)
                continue
            for start in range(0, len(hexadecimal), 4):
                glyph = int(hexadecimal[start:start + 4], 16)
                drawn.append(Drawn(glyph, pen, rise))
                pen += widths.get(glyph, 0)
    return drawn, pen


# Characters and their boxes ---------------------------------------------------------------

def _is_mark(text: str) -> bool:
    """A single combining mark (tashkeel): pdf.js gives it no width, MuPDF no place of its own."""
    return len(text) == 1 and unicodedata.category(text) == "Mn"


def _right_to_left(text: str) -> bool:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _in_arabic_run(text: str) -> bool:
    return not text or all(_ARABIC.match(char) for char in text)


def _groups(items, test) -> list[tuple[bool, list]]:
    groups: list[tuple[bool, list]] = []
    for item in items:
        value = test(item)
        if groups and groups[-1][0] == value:
            groups[-1][1].append(item)
        else:
            groups.append((value, [item]))
    return groups


def _slots(font: _Font, word: list[Drawn]) -> list[Slot]:
    """The word's characters in drawing order, each with the glyphs its code draws: the clusters
    of the shaped word where its glyphs are the ones drawn, each glyph's own text elsewhere."""
    clusters: list[tuple[str, tuple[Drawn, ...]]] = []
    for arabic, part in _groups(word, lambda d: _in_arabic_run(font.text(d.glyph))):
        found = font.words.get(tuple(d.glyph for d in part)) if arabic else None
        if found is not None:
            clusters += [(text, tuple(part[i] for i in indices)) for text, indices in found]
            continue
        for d in part:
            text = font.text(d.glyph)
            if not text and clusters:  # a glyph that stands for nothing: drawn with the one before
                clusters[-1] = (clusters[-1][0], (*clusters[-1][1], d))
            else:
                clusters.append((text, (d,)))
    if len(clusters) > 1 and not clusters[0][0]:
        first = clusters.pop(0)
        clusters[0] = (clusters[0][0], (*first[1], *clusters[0][1]))
    slots: list[Slot] = []
    for text, members in clusters:
        slots += _cluster_slots(font, text, members)
    return slots


def _cluster_slots(font: _Font, text: str, members: tuple[Drawn, ...]) -> list[Slot]:
    if not text:
        return [Slot("", members, False)]
    chars = list(reversed(text)) if _right_to_left(text) else list(text)
    if len(members) == len(chars):
        return [Slot(char, (d,), _is_mark(char)) for char, d in zip(chars, members, strict=True)]
    marks = [d for d in members if _is_mark(t := font.text(d.glyph)) and t in text]
    mark_chars = [char for char in chars if _is_mark(char)]
    paired = len(marks) == len(mark_chars)
    base = tuple(d for d in members if not (paired and d in marks))
    slots, drawn = [], False
    for char in chars:
        if paired and _is_mark(char):
            slots.append(Slot(char, (marks.pop(0),), True))
        elif not drawn:
            slots.append(Slot(char, base, _is_mark(char)))
            drawn = True
        else:
            slots.append(Slot(char, (), _is_mark(char)))
    return slots


def _primary(font: _Font, slot: Slot) -> Drawn:
    """The glyph a slot's code is drawn at: the one that stands for its character on its own,
    else one with text, else the widest."""
    return max(slot.drawn, key=lambda d: (font.text(d.glyph) == slot.char, bool(font.text(d.glyph)),
                                          font.font.widths.get(d.glyph, 0)))


class Planned(NamedTuple):
    """A code of a word, before it has a number: drawn `offset` from the word's first glyph."""

    char: str
    components: tuple[tuple[int, int, int], ...]
    units: int
    offset: float


def _plan(font: _Font, word: list[Drawn]) -> tuple[Planned, ...]:
    """The codes of a word. A slot drawing a letter is drawn where WeasyPrint drew the letter;
    marks and letters a ligature draws take boxes from the end of the letter before them."""
    end = max(d.x + (0 if _is_mark(font.text(d.glyph)) else font.font.widths.get(d.glyph, 0)) for d in word)
    plain = font.words.plain(tuple(d.glyph for d in word))
    if plain is not None and not any(d.rise for d in word):  # a glyph a letter: each its own box
        start, scale = word[0].x, font.scale
        edges = [d.x for d in word[1:]] + [end]
        return tuple(Planned(char, ((d.glyph, 0, 0),), max(0, round((edge - d.x) * scale)), d.x - start)
                     for char, d, edge in zip(plain, word, edges, strict=True))
    slots = _slots(font, word)
    primaries = [_primary(font, slot) if slot.drawn and not slot.mark else None for slot in slots]
    bounds: list[float] = [p.x if p else 0.0 for p in primaries] + [end]
    index = 0
    while index < len(slots):
        if primaries[index] is not None:
            index += 1
            continue
        after = index
        while after < len(slots) and primaries[after] is None:
            after += 1
        right = bounds[after]
        # The boxes come out of the letter before. A letter a ligature draws is a character like
        # any other: 0.115 em, past PDFium's and MuPDF's dropping of a repeated code (0.07 and
        # 0.1 em). Marks advance neither pdf.js nor MuPDF: theirs stay under 0.14 em together.
        # A word's leading marks (a right-to-left word's last letter) have no letter to take from
        # and stay empty: a box before the word would stand in its gap, where pdf.js would put a
        # space after the mark as well as before it.
        marks = sum(slot.mark for slot in slots[index:after])
        widths = [0.0 if not index else min(MARK_BOX, MARKS_BOX / marks) if slot.mark else LIGATURE_BOX
                  for slot in slots[index:after]]
        if index and sum(widths) > (room := 0.75 * (right - bounds[index - 1])):
            widths = [width * room / sum(widths) for width in widths]
        for k in range(after - 1, index - 1, -1):
            right -= widths[k - index]
            bounds[k] = right
        index = after
    placed = []
    scale = font.scale
    for index, slot in enumerate(slots):
        primary = primaries[index]
        if primary is not None:
            origin = primary.x
        elif slot.drawn:  # a mark: its outline stays put, its code starts on a whole font unit off
            primary = slot.drawn[0]
            origin = primary.x - round((primary.x - bounds[index]) * scale) / scale
        else:
            origin = bounds[index]
        components = () if primary is None else tuple(
            (d.glyph, round((d.x - origin) * scale), round((d.rise - 0) * scale))
            for d in (primary, *(d for d in slot.drawn if d is not primary)))
        units = max(0, round((bounds[index + 1] - origin) * scale))
        placed.append(Planned(slot.char, components, units, origin - word[0].x))
    return tuple(placed)


def _narrow_gaps(font: _Font, placed: list[Placed]) -> list[Placed]:
    """Word gaps wider than WIDE_GAP narrowed: the letter before the gap gets a wider box, and the
    white space moves up to it (it draws nothing)."""
    out = list(placed)
    index = 0
    while index < len(out):
        if not out[index].char.isspace() or index == 0 or out[index - 1].char.isspace():
            index += 1
            continue
        after = index
        while after < len(out) and out[after].char.isspace():
            after += 1
        if after == len(out):
            break
        before = out[index - 1]
        gap = out[after].origin - (before.origin + before.advance)
        if gap > WIDE_GAP:
            units = before.units + round((gap - NARROWED_GAP) * font.scale)
            out[index - 1] = before._replace(code=font.code(before.char, before.components, units),
                                             advance=units / font.scale, units=units)
            pen = before.origin + units / font.scale
            for k in range(index, after):
                out[k] = out[k]._replace(origin=pen)
                pen += out[k].advance
        index = after
    return out


def _lead_marks(font: _Font, placed: list[Placed]) -> list[Placed]:
    """A word's leading marks (on a right-to-left word's last letter, drawn before it) take their
    boxes out of the word gap before them, up to MARK_LEAD of it (at a line's start, boxes of
    their own). pdf.js neither advances over a
    mark nor measures from it: the letter after leading marks is measured from the word before,
    and a gap over 0.1 em puts a second space between the marks and their letter; poppler wants
    each mark 0.1 em from the character before it."""
    out = list(placed)
    for index in range(len(out)):
        if not (_is_mark(out[index].char) and out[index].units == 0 and (index == 0 or out[index - 1].char.isspace())):
            continue
        after = index
        while after < len(out) and _is_mark(out[after].char):
            after += 1
        before = index - 1
        while before >= 0 and out[before].char.isspace():
            before -= 1
        if after == len(out):
            continue
        letter = out[after].origin
        if before < 0:  # the line's first characters: nothing before them to keep off
            room = MARK_BOX * (after - index)
        else:
            room = letter - (out[before].origin + out[before].advance) - MARK_LEAD
        if room <= 0:
            continue
        width = room / (after - index)
        for k in range(index, after):
            item = out[k]
            shift = round((item.origin - (letter - (after - k) * width)) * font.scale)
            origin = item.origin - shift / font.scale
            components = tuple((glyph, dx + shift, dy) for glyph, dx, dy in item.components)
            units = max(0, round((letter - (after - k - 1) * width - origin) * font.scale))
            out[k] = Placed(font.code(item.char, components, units), origin, units / font.scale, item.char,
                            components, units)
    return out


def _number(value: float) -> bytes:
    return (b"%d" % value) if float(value).is_integer() else (b"%.3f" % value).rstrip(b"0").rstrip(b".")


def _written(placed: list[Placed], end: float) -> bytes:
    """The TJ array drawing `placed`, its pen ending at `end`."""
    out, pen = [], 0.0
    for item in placed:
        move = round(pen - item.origin, 3)
        if move:
            out.append(_number(move))
            pen -= move
        out.append(b"<%04x>" % item.code)
        pen += item.advance
    move = round(pen - end, 3)
    if move:
        out.append(_number(move))
    return b"[" + b"".join(out) + b"] TJ"


# The recoding -----------------------------------------------------------------------------

class _Recoding:
    """All of a document's changes, worked out before any is made: the PDF is recoded whole or
    left as WeasyPrint wrote it."""

    def __init__(self, document, pdf, font_path: FontPath):
        self.pdf = pdf
        self.fonts: dict[bytes, _Font] = {}
        for font in document.fonts.values():
            # A program with CFF outlines takes no composites: its text stays as WeasyPrint wrote it.
            if not font.bitmap and not font.used_in_forms and not font.file_content.startswith(b"OTTO"):
                path = font_path(font.family, font.weight, bool(font.style))
                self.fonts[font.hash.encode()] = _Font(font, str(path) if path else None)
        for path, text in set_text(document, font_path).items():
            glyph_text.words_for(path).add(text)
        self.lines: list[tuple[object, int, bytes]] = []
        # stream -> recoded TJ line -> its first and last character as drawn (left, right), and
        # whether it draws right-to-left letters
        self.edges: dict[int, dict[int, text_order.Edges]] = defaultdict(dict)
        import pydyf

        for item in pdf.objects:
            if isinstance(item, pydyf.Stream) and any(isinstance(x, bytes) and x.endswith(b"TJ") for x in item.stream):
                for ops, rises in _runs(item):
                    self._recode(item, ops, rises)

    def _recode(self, stream, ops: list[_Op], rises: list[int]) -> None:
        font = self.fonts.get(ops[0].key)
        if font is None:
            return
        drawn, end = _drawn(ops, font.font.widths)
        placed: list[Placed] = []
        spaces, plans, scale = font.spaces, font.plans, font.scale
        index, count = 0, len(drawn)
        while index < count:
            d = drawn[index]
            if d.glyph in spaces:  # white space keeps its glyph and the font's advance
                units = font.natural.get(d.glyph, 0)
                char = font.text(d.glyph)
                placed.append(Placed(font.code(char, ((d.glyph, 0, 0),), units), d.x, units / scale, char,
                                     ((d.glyph, 0, 0),), units))
                index += 1
                continue
            after = index + 1
            while after < count and drawn[after].glyph not in spaces:
                after += 1
            word = drawn[index:after]
            start = d.x
            # Archives repeat their words: a word's plan is worked out once a process. (Positions are
            # sums of floats along the line: to a thousandth of a thousandth of an em, a word is one.)
            key = tuple((w.glyph, round(w.x - start, 3), w.rise) for w in word)
            plan = plans.get(key)
            if plan is None:
                if len(plans) > 100_000:
                    plans.clear()
                plan = plans[key] = _plan(font, word)
            known = font.plan_codes.get(id(plan))
            if known is None or known[0] is not plan:  # a word's codes, once a document
                known = font.plan_codes[id(plan)] = (plan, [font.code(p.char, p.components, p.units) for p in plan])
            placed += [Placed(code, start + p.offset, p.units / scale, p.char, p.components, p.units)
                       for code, p in zip(known[1], plan, strict=True)]
            index = after
        placed = _lead_marks(font, _narrow_gaps(font, placed))
        if placed and placed[-1].char == "-" and any(_ARABIC.match(item.char) for item in placed):
            # A right-to-left line that opens with a hyphen-minus has it at its right end, where
            # poppler takes it for a hyphenated word: it drops it and runs the next line on
            # (TextOutputDev.cc, TextLine::coalesce: hyphenated = text[len - 1] == '-'). A right-
            # to-left mark after it, drawing nothing, is the line's last character instead.
            last = placed[-1]
            placed.append(Placed(font.code(_RLM, (), 0), last.origin + last.advance, 0.0, _RLM, (), 0))
        if placed:
            self.edges[id(stream)][ops[0].line] = text_order.Edges(
                placed[0].char, placed[-1].char, any(_ARABIC.match(item.char) for item in placed))
        body = _written(placed, end)
        # Every code goes in the first operator, drawn at the run's own baseline (marks carry their
        # rise in their composites); the rise the run ended with is set again for what follows.
        if rises and ops[-1].rise != ops[0].rise:
            body += b"\n%s Ts" % _number(ops[-1].rise)
        self.lines.append((stream, ops[0].line, body))
        self.lines += [(stream, line, b"") for line in (*(op.line for op in ops[1:]), *rises)]

    def apply(self) -> None:
        """Every change worked out first (new font programs, maps, widths), then all made: an
        error on the way leaves the PDF as WeasyPrint wrote it."""
        for font in self.fonts.values():
            if font.unicode:  # glyphs of text objects left as they were keep a text of their own
                for glyph in font.font.widths:
                    font.unicode.setdefault(glyph, font.text(glyph))
        programs = {key: font_program.append_glyphs(font.program, font.start, font.added)
                    for key, font in self.fonts.items() if font.added}
        by_name = {font.font.name: (key, font) for key, font in self.fonts.items() if font.unicode}
        changes: list[Callable[[], None]] = []
        objects = self.pdf.objects
        for item in objects:
            if not isinstance(item, dict) or item.get("BaseFont") not in by_name:
                continue
            key, font = by_name[item["BaseFont"]]
            if "ToUnicode" in item:
                changes.append(_assign(objects[int(item["ToUnicode"].split()[0])], _cmap(font.unicode)))
                if key in programs and isinstance(item.get("Encoding"), bytes) and item["Encoding"].endswith(b" R"):
                    encoding = objects[int(item["Encoding"].split()[0])]
                    changes.append(_assign(encoding, _extended_encoding(list(encoding.stream), font)))
            if str(item.get("Subtype", "")).startswith("/CIDFontType"):
                changes += self._widths(item, font, programs.get(key))
        edited = {id(stream): stream for stream, _, _ in self.lines}
        for stream, index, line in self.lines:
            stream.stream[index] = line
        for stream in edited.values():
            stream.stream = text_order.in_visual_order(stream.stream, self.edges.get(id(stream), {}))
        for change in changes:
            change()

    def _widths(self, item, font: _Font, program: bytes | None) -> list[Callable[[], None]]:
        import pydyf

        advances = {code: (font.added[code - font.start].advance if code >= font.start else font.natural.get(code, 0))
                    / font.scale for code in font.unicode}
        array, current = pydyf.Array(), None
        for code in sorted(advances):
            if code - 1 not in advances:
                current = pydyf.Array()
                array += [code, current]
            current.append(_number(round(advances[code], 3)))
        changes = [lambda: item.__setitem__("W", array)]
        descriptor = self.pdf.objects[int(item["FontDescriptor"].split()[0])]
        if program is not None and "FontFile2" in descriptor:
            stream = self.pdf.objects[int(descriptor["FontFile2"].split()[0])]
            changes += [_assign(stream, [program]), lambda: stream.extra.__setitem__("Length1", len(program))]
        if "CIDSet" in descriptor:  # PDF/A-1: every CID the program holds
            cids = set(font.font.widths) | set(font.unicode)
            bits = bytearray((max(cids) // 8) + 1)
            for cid in cids:
                bits[cid // 8] |= 0x80 >> (cid % 8)
            changes.append(_assign(self.pdf.objects[int(descriptor["CIDSet"].split()[0])], [bytes(bits)]))
        return changes


def _assign(stream, lines: list) -> Callable[[], None]:
    """A change to make: `stream`'s lines replaced (pydyf keeps some as tuples)."""

    def change() -> None:
        stream.stream = lines

    return change


def _cmap(entries: dict[int, str]) -> list[bytes]:
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
             b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted((code, text) for code, text in entries.items() if text)
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(b"%d beginbfchar" % len(chunk))
        lines += [b"<%04x> <%s>" % (code, text.encode("utf-16-be").hex().encode()) for code, text in chunk]
        lines.append(b"endbfchar")
    return [*lines, b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]


def _extended_encoding(lines: list, font: _Font) -> list:
    """WeasyPrint's own encoding CMap (written when a glyph is missing) maps each code to its
    CID; the new codes are their own CIDs."""
    added = range(font.start, font.start + len(font.added))
    end = next(i for i in range(len(lines) - 1, -1, -1) if lines[i] == b"endcmap")
    more = []
    for first in range(0, len(added), 100):
        chunk = added[first:first + 100]
        more += [b"%d begincidchar" % len(chunk), *(b"<%04x> %d" % (code, code) for code in chunk), b"endcidchar"]
    return [*lines[:end], *more, *lines[end:]]
