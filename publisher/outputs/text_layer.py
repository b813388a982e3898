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
with five viewers' engines on 398 corpus articles: see README (Searchable Arabic).

This module reads and rewrites the content streams and the fonts' maps; text_plan.py plans each
word's codes and boxes; text_order.py puts a line's pieces in the order viewers read.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from publisher.outputs import font_program, glyph_text, text_bidi, text_order, text_plan, tj

# Operators that move the pen in ways a run's positions do not follow: such a text object is left alone.
_UNREAD = (b"Tc", b"Tw", b"Tz", b"TL", b"Tj", b"'", b'"', b"Td", b"TD", b"T*")

FontPath = Callable[[str, int, bool], Path | None]


def finisher(font_path: FontPath, right_to_left: bool = False) -> Callable:
    """The write_pdf finisher (`right_to_left`: the document asks viewers for /R2L, which PDFium
    takes for every line's direction). text_bidi.install() must have wrapped WeasyPrint's drawing."""

    def finish(document, pdf) -> None:
        _Recoding(document, pdf, font_path, right_to_left).apply()

    return finish


# What the fonts set -----------------------------------------------------------------------

def set_text(document, font_path: FontPath) -> tuple[dict[str, str], dict[str, list[tuple[str, tuple[int, ...]]]]]:
    """Font file -> the text the laid-out pages set in it (running heads and folios too); and font
    file -> the texts drawn with tatweels kashida justification inserted (kashida.py), with where."""
    from weasyprint.formatting_structure import boxes

    texts: dict[str, list[str]] = defaultdict(list)
    lengthened: dict[str, list[tuple[str, tuple[int, ...]]]] = defaultdict(list)
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TextBox):
                style = box.style
                # The first family of the list: Pango falls back to the next only for a character
                # the first lacks, and such a word is then read glyph by glyph.
                path = font_path(style["font_family"][0], style["font_weight"], style["font_style"] != "normal")
                if path:
                    texts[str(path)].append(box.text)
                    if inserted := getattr(box, "kashida", None):
                        lengthened[str(path)].append((box.pango_layout.text, inserted))
    return {path: "\n".join(parts) for path, parts in texts.items()}, lengthened


# Reading the content streams --------------------------------------------------------------

class _Op(NamedTuple):
    line: int
    key: bytes | None
    size: float
    rise: float
    body: bytes


class _Run(NamedTuple):
    ops: list[_Op]
    rises: list[int]  # the Ts lines between its operators
    origin: tuple[float, float] | None  # its Tm's translation, when it is all its Tm draws


def _runs(stream) -> list[_Run]:
    """Each run of TJ operators in one font and size that a viewer reads as one line piece. A text
    object that moves the pen in any other way gives none."""
    font: tuple[bytes | None, float] = (None, 0.0)
    rise = 0.0
    stack: list = []
    runs: list = []
    origin: list = [None]  # the last Tm's translation
    block: list = []  # the current text object since its last Tm: _Op, ("Ts", line) or "other"
    inside = False

    def close() -> None:
        if block and "other" not in block:
            first = len(runs)
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
            for run in runs[first:]:
                run.append(origin[0] if len(runs) - first == 1 else None)
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
            origin[0] = None
        elif line == b"ET":
            close()
            inside = False
        elif match := tj.TF.match(line):
            font = (match.group(1), float(match.group(2)))
        elif match := tj.TS.match(line):
            rise = float(match.group(1))
            if inside:
                block.append(("Ts", index))
        elif not inside:
            continue
        elif line.endswith(b"Tm"):
            close()
            values = line.split()
            origin[0] = (float(values[4]), float(values[5])) if len(values) == 7 else None
        elif line.startswith(b"[") and line.endswith(b"TJ"):
            block.append(_Op(index, font[0], font[1], rise, line[1:line.rindex(b"]")]))
        elif line.endswith(_UNREAD):
            block.append("other")
    return [_Run(ops, [line for line in rises if ops[0].line < line < ops[-1].line], at) for ops, rises, at in runs]


def _drawn(ops: list[_Op], widths: dict[int, float]) -> tuple[list[text_plan.Drawn], float]:
    """The run's glyphs where they are drawn, and where its pen ends."""
    pen, drawn = 0.0, []
    base = ops[0].rise
    for op in ops:
        rise = (op.rise - base) * 1000 / op.size
        for glyph, move in tj.read(op.body):
            if glyph is None:
                pen -= move
                continue
            drawn.append(text_plan.Drawn(glyph, pen, rise))
            pen += widths.get(glyph, 0)
    return drawn, pen


def _drawing(placed: list[text_plan.Placed], pen: float) -> tuple[list[bytes], float]:
    """The items of a TJ array drawing `placed` with the pen at `pen`, and where the pen ends."""
    out = []
    for item in placed:
        move = round(pen - item.origin, 3)
        if move:
            out.append(tj.number(move))
            pen -= move
        out.append(b"<%04x>" % item.code)
        pen += item.advance
    return out, pen


def _written(placed: list[text_plan.Placed], end: float) -> bytes:
    """The TJ array drawing `placed`, its pen ending at `end`."""
    out, pen = _drawing(placed, 0.0)
    move = round(pen - end, 3)
    if move:
        out.append(tj.number(move))
    return b"[" + b"".join(out) + b"] TJ"


# The recoding -----------------------------------------------------------------------------

class _Recoding:
    """All of a document's changes, worked out before any is made: the PDF is recoded whole or
    left as WeasyPrint wrote it."""

    def __init__(self, document, pdf, font_path: FontPath, right_to_left: bool = False):
        self.pdf = pdf
        self.fonts: dict[bytes, text_plan.Font] = {}
        for font in document.fonts.values():
            # A program with CFF outlines takes no composites: its text stays as WeasyPrint wrote it.
            if not font.bitmap and not font.used_in_forms and not font.file_content.startswith(b"OTTO"):
                path = font_path(font.family, font.weight, bool(font.style))
                self.fonts[font.hash.encode()] = text_plan.Font(font, str(path) if path else None)
        texts, lengthened = set_text(document, font_path)
        words = {path: glyph_text.Words(path, texts.get(path, ""), tuple(lengthened.get(path, ())))
                 for path in {font.path for font in self.fonts.values()} if path}
        for font in self.fonts.values():
            if font.path:
                font.words = words[font.path]
        self.lines: list[tuple[object, int, bytes]] = []
        # stream -> recoded TJ line -> its first and last character as drawn (left, right), and
        # whether it draws right-to-left letters
        self.edges: dict[int, dict[int, text_order.Edges]] = defaultdict(dict)
        import pydyf

        # Lines viewers would read out of order: the marks and characters that mend them, by page
        # and where each box's Tm puts it (text_bidi).
        plans = text_bidi.plans(document, right_to_left)
        pages = [item for item in pdf.objects if isinstance(item, dict) and item.get("Type") == "/Page"]
        page_of = {int(page["Contents"].split()[0]): number for number, page in enumerate(pages)
                   if isinstance(page.get("Contents"), (bytes, str))}
        for number, item in enumerate(pdf.objects):
            if isinstance(item, pydyf.Stream) and any(isinstance(x, bytes) and x.endswith(b"TJ") for x in item.stream):
                page = page_of.get(number)
                for run in _runs(item):
                    bidi = None
                    if plans and run.origin is not None and page is not None:
                        bidi = plans.get((page, round(run.origin[0], 2), round(run.origin[1], 2)))
                    self._recode(item, run.ops, run.rises, bidi)

    def _recode(self, stream, ops: list[_Op], rises: list[int], bidi: text_bidi.Planned | None = None) -> None:
        font = self.fonts.get(ops[0].key)
        if font is None:
            return
        drawn, end = _drawn(ops, font.font.widths)
        placed: list[text_plan.Placed] = []
        spaces, plans, scale = font.spaces, font.plans, font.scale
        index, count = 0, len(drawn)
        while index < count:
            d = drawn[index]
            if d.glyph in spaces:  # white space keeps its glyph and the font's advance
                units = font.natural.get(d.glyph, 0)
                char = font.text(d.glyph)
                placed.append(text_plan.Placed(font.code(char, ((d.glyph, 0, 0),), units), d.x, units / scale, char,
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
            # It is worked out from the key, not from the floats of the occurrence met first, so that
            # it is the same whichever that was: a book's part is the same bytes on any worker, after
            # any other part (kept.py takes parts from earlier builds for those of a clean one).
            key = tuple((w.glyph, round(w.x - start, 3), w.rise) for w in word)
            entry = plans.get(key)
            if entry is None or (entry[1] and not font.reads_alike(entry[1])):
                if len(plans) > 100_000:
                    plans.clear()
                font.reads = []
                entry = plans[key] = (text_plan.plan(font, [text_plan.Drawn(*drawn) for drawn in key]),
                                      tuple(font.reads))
                font.reads = None
            plan = entry[0]
            known = font.plan_codes.get(id(plan))
            if known is None or known[0] is not plan:  # a word's codes, once a document
                known = font.plan_codes[id(plan)] = (plan, [font.code(p.char, p.components, p.units) for p in plan])
            placed += [text_plan.Placed(code, start + p.offset, p.units / scale, p.char, p.components, p.units)
                       for code, p in zip(known[1], plan, strict=True)]
            index = after
        placed = text_plan.lead_marks(font, text_plan.narrow_gaps(font, placed))
        bidi_marks: set[int] = set()
        if bidi is not None:
            placed = _mended(font, placed, bidi, 1000 / ops[0].size)
            bidi_marks = {item.code for item in placed if item.char in text_bidi.MARKS}
        right_to_left = any(text_plan.ARABIC.match(item.char) for item in placed)
        if placed and placed[-1].char == "-" and right_to_left:
            # A right-to-left line that opens with a hyphen-minus has it at its right end, where
            # poppler takes it for a hyphenated word: it drops it and runs the next line on
            # (TextOutputDev.cc, TextLine::coalesce: hyphenated = text[len - 1] == '-'). A right-
            # to-left mark after it, drawing nothing, is the line's last character instead.
            last = placed[-1]
            rlm = text_plan.RLM
            placed.append(text_plan.Placed(font.code(rlm, (), 0), last.origin + last.advance, 0.0, rlm, (), 0))
        spoken = [item for item in placed if item.code not in bidi_marks]
        if spoken:
            self.edges[id(stream)][ops[0].line] = text_order.Edges(spoken[0].char, spoken[-1].char, right_to_left)
        body = None
        if bidi is not None and bidi.pieces:
            body = _written_in_pieces(font, placed, end, bidi)
        if body is None:
            body = _written(placed, end)
        # Every code goes in the first operator, drawn at the run's own baseline (marks carry their
        # rise in their composites); the rise the run ended with is set again for what follows.
        if rises and ops[-1].rise != ops[0].rise:
            body += b"\n%s Ts" % tj.number(ops[-1].rise)
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

    def _widths(self, item, font: text_plan.Font, program: bytes | None) -> list[Callable[[], None]]:
        import pydyf

        advances = {code: (font.added[code - font.start].advance if code >= font.start else font.natural.get(code, 0))
                    / font.scale for code in font.unicode}
        array, current = pydyf.Array(), None
        for code in sorted(advances):
            if code - 1 not in advances:
                current = pydyf.Array()
                array += [code, current]
            current.append(tj.number(round(advances[code], 3)))
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




def _written_in_pieces(font: text_plan.Font, placed: list[text_plan.Placed], end: float,
                       plan: text_bidi.Planned) -> bytes | None:
    """The TJ lines drawing `placed` (as _written does), each run of words text_bidi marked cut
    into one TJ a word. PDFium makes a text object of each TJ and sorts a line's objects by where
    they begin before it reverses the runs of a right-to-left line (cpdf_textpage.cpp,
    ProcessTextObject): so each word's TJ begins with a space that draws nothing (no outline, no
    advance), drawn where the order PDFium is to meet the words in puts it, at the run's start,
    then moves on to its word. The words are drawn where they were, in the order they were, so
    pdf.js, which takes a space as a move (not a break), and poppler read the line as before.
    None when the codes do not account for the box's characters one by one (kashida's tatweels)."""
    # (By character: the RLM after a line's opening hyphen is a mark too.)
    spoken = [index for index, item in enumerate(placed) if item.char not in text_bidi.MARKS]
    if len(spoken) != plan.characters:
        return None
    at = [*spoken, len(placed)]

    def before(place: int) -> int:  # the index in `placed` of the box's character at `place`, its marks first
        index = at[place]
        while index > 0 and placed[index - 1].char in text_bidi.MARKS:
            index -= 1
        return index

    groups: list[tuple[int, float | None]] = [(0, None)]  # where each TJ begins, its space's place
    for run in plan.pieces:
        bounds = [before(place) for place in run]
        first = placed[bounds[0]].origin if bounds[0] < len(placed) else end
        last = placed[bounds[-1]].origin if bounds[-1] < len(placed) else end
        words = len(bounds) - 1
        # The spaces stand a word's width apart across the run: PDFium sorts by them, and takes a
        # text object of the same codes within 0.9 of a character of another's place (a word seen
        # twice, "in ... in"), or a code within 0.07 em of where it was drawn among the last seven
        # characters, for a fake-bold copy and drops it (cpdf_textpage.cpp, IsSameTextObject,
        # ProcessTextObjectItems).
        step = (last - first) / words
        groups += [(bound, first + (words - 1 - j) * step) for j, bound in enumerate(bounds[:-1])]
        groups.append((bounds[-1], None))
    blank = font.code(" ", (), 0)
    lines, pen = [], 0.0
    for (start, key), (stop, _) in itertools.pairwise([*groups, (len(placed), None)]):
        parts: list[bytes] = []
        if key is not None:
            move = round(pen - key, 3)
            if move:
                parts.append(tj.number(move))
                pen -= move
            parts.append(b"<%04x>" % blank)
        drawing, pen = _drawing(placed[start:stop], pen)
        parts += drawing
        if parts:
            lines.append(parts)
    move = round(pen - end, 3)
    if move and lines:
        lines[-1].append(tj.number(move))
    return b"\n".join(b"[" + b"".join(parts) + b"] TJ" for parts in lines)


def _mended(font: text_plan.Font, placed: list[text_plan.Placed], plan: text_bidi.Planned,
            scale: float) -> list[text_plan.Placed]:
    """`placed` with text_bidi's plan for its box: a mirrored glyph's code stands for the character
    it was drawn for, and each mark is a code that draws nothing, just before the glyph at its x
    (so that no TJ number follows it: pdf.js skips a format character and the move after it)."""
    out = list(placed)
    # Pango's x and the TJ's pen drift apart by a few thousandths of an em along a line: each
    # place is the nearest glyph's.
    for x, glyph, char in plan.chars:
        near = [i for i, item in enumerate(out) if item.components == ((glyph, 0, 0),)]
        if near:
            i = min(near, key=lambda i: abs(out[i].origin - x * scale))
            if abs(out[i].origin - x * scale) < 100 and out[i].char != char:
                out[i] = out[i]._replace(code=font.code(char, out[i].components, out[i].units), char=char)
    for x, mark in sorted(plan.marks, reverse=True):
        if x == float("inf") or not out:
            index = len(out)
        else:
            index = min(range(len(out)), key=lambda i: abs(out[i].origin - x * scale))
        origin = out[index].origin if index < len(out) else (out[-1].origin + out[-1].advance if out else 0.0)
        out.insert(index, text_plan.Placed(font.code(mark, (), 0), origin, 0.0, mark, (), 0))
    return out


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


def _extended_encoding(lines: list, font: text_plan.Font) -> list:
    """WeasyPrint's own encoding CMap (written when a glyph is missing) maps each code to its
    CID; the new codes are their own CIDs."""
    added = range(font.start, font.start + len(font.added))
    end = next(i for i in range(len(lines) - 1, -1, -1) if lines[i] == b"endcmap")
    more = []
    for first in range(0, len(added), 100):
        chunk = added[first:first + 100]
        more += [b"%d begincidchar" % len(chunk), *(b"<%04x> %d" % (code, code) for code in chunk), b"endcidchar"]
    return [*lines[:end], *more, *lines[end:]]
