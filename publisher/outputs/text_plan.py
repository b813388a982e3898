"""The text layer's plan for each word: which characters its glyphs stand for, and the code,
box and drawing of each (see text_layer.py for why). Words are planned once a process (archives
repeat their words) and their codes once a document (Font.code)."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from publisher.outputs import font_program, glyph_text

# Arabic letters and marks, presentation forms included: what runs right to left here.
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")

# In thousandths of an em.
MARK_BOX = 115  # a mark's box: poppler takes a character within 0.1 em of the one before as a duplicate
LIGATURE_BOX = 115  # the box of a letter drawn by the ligature before it
MARKS_BOX = 140  # the boxes of a letter's marks together: MuPDF puts a space where 0.15 em pass unadvanced
WIDE_GAP = 550  # a word gap wider than this is cut into items by pdf.js (0.6 em) and lines by MuPDF (0.8)
NARROWED_GAP = 300  # what such a gap is narrowed to: a space to every viewer
MARK_LEAD = 60  # what leading marks leave of the word gap before them: under pdf.js's 0.102 em space

RLM = "\u200f"

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


_PLANS: dict[str | None, dict[tuple, tuple]] = {}  # font file -> a word's glyphs where drawn -> its codes' plan


@functools.cache
def _advances(path: str) -> dict[int, int]:
    """The advance of every glyph of a font file: WeasyPrint's cuts keep the ids and advances."""
    return dict(enumerate(font_program.advances(Path(path).read_bytes())))


class Font:
    """One embedded font's codes in this document."""

    def __init__(self, font, path: str | None):
        self.font = font
        self.path = path
        self.known = glyph_text.font_texts(path) if path else {}
        self.fallback = font.to_unicode  # WeasyPrint's map, for glyphs neither probes nor cmap know
        self.words = glyph_text.Words("")  # the document's, once its text is known (text_layer)
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
        if text is None:
            text = self.fallback.get(glyph, "")
            if self.reads is not None:
                self.reads.append((0, glyph, text))
        return text

    # A word's plan is kept once a process (text_layer), and what it read of the document (the
    # words it sets, WeasyPrint's own map) is kept with it: a document that reads otherwise
    # plans the word again, so that no document's text depends on another's.
    reads: list | None = None

    def clusters(self, glyphs: tuple[int, ...]):
        found = self.words.get(glyphs)
        if self.reads is not None:
            self.reads.append((1, glyphs, found))
        return found

    def plain(self, glyphs: tuple[int, ...]):
        found = self.words.plain(glyphs)
        if self.reads is not None:
            self.reads.append((2, glyphs, found))
        return found

    def reads_alike(self, reads: tuple) -> bool:
        """Whether this document reads as `reads` (what a plan read of another one) says."""
        words, fallback = self.words, self.fallback
        for kind, what, found in reads:
            now = fallback.get(what, "") if kind == 0 else words.get(what) if kind == 1 else words.plain(what)
            if now != found:
                return False
        return True


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
    return not text or all(ARABIC.match(char) for char in text)


def _groups(items, test) -> list[tuple[bool, list]]:
    groups: list[tuple[bool, list]] = []
    for item in items:
        value = test(item)
        if groups and groups[-1][0] == value:
            groups[-1][1].append(item)
        else:
            groups.append((value, [item]))
    return groups


def _slots(font: Font, word: list[Drawn]) -> list[Slot]:
    """The word's characters in drawing order, each with the glyphs its code draws: the clusters
    of the shaped word where its glyphs are the ones drawn, each glyph's own text elsewhere."""
    clusters: list[tuple[str, tuple[Drawn, ...]]] = []
    for arabic, part in _groups(word, lambda d: _in_arabic_run(font.text(d.glyph))):
        found = font.clusters(tuple(d.glyph for d in part)) if arabic else None
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


def _cluster_slots(font: Font, text: str, members: tuple[Drawn, ...]) -> list[Slot]:
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


def _primary(font: Font, slot: Slot) -> Drawn:
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


def plan(font: Font, word: list[Drawn]) -> tuple[Planned, ...]:
    """The codes of a word. A slot drawing a letter is drawn where WeasyPrint drew the letter;
    marks and letters a ligature draws take boxes from the end of the letter before them."""
    end = max(d.x + (0 if _is_mark(font.text(d.glyph)) else font.font.widths.get(d.glyph, 0)) for d in word)
    plain = font.plain(tuple(d.glyph for d in word))
    if plain is not None and not any(d.rise for d in word) and _in_order(word):  # a glyph a letter: each its own box
        start, scale = word[0].x, font.scale
        edges = [d.x for d in word[1:]] + [end]
        return tuple(Planned(char, ((d.glyph, 0, 0),), max(0, round((edge - d.x) * scale)), d.x - start)
                     for char, d, edge in zip(plain, word, edges, strict=True))
    slots = _slots(font, word)
    primaries = [_primary(font, slot) if slot.drawn and not slot.mark else None for slot in slots]
    bounds: list[float] = [p.x if p else 0.0 for p in primaries] + [end]
    _keep_in_order(bounds, [p is not None for p in primaries], word[0].x)
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
            origin = bounds[index]  # where the glyph is drawn, unless _keep_in_order moved its box
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


def _in_order(word: list[Drawn]) -> bool:
    """Whether each glyph is drawn at or right of the one before it (Naskh; not Nastaliq)."""
    return all(after.x >= before.x for before, after in itertools.pairwise(word))


def _keep_in_order(bounds: list[float], primary: list[bool], start: float) -> None:
    """The boxes of a word's letters made to follow each other left to right within the word.

    In Nastaliq the letters of a word are not drawn one after another: each is hung from the next
    by cursive attachment, and a final yeh barree (ے) is drawn right of the letters before it in
    the line, its tail swept back under them (in میلے the ے's origin stands 0.7 em right of the
    lam's). A letter's box at its glyph's origin then goes back, and every viewer but PDFium cuts
    the word there (pdf.js and poppler at a gap under -0.2 em) and reads ے as a word of its own.
    So where the origins go back, the letters' boxes take the origins in order instead, each at
    least LIGATURE_BOX wide where the word holds it, within the word (from its first glyph to its
    end): the outlines stay where they are drawn, as the code's composite offsets them."""
    slots = [index for index, is_primary in enumerate(primary) if is_primary]
    end = bounds[-1]
    xs = [bounds[index] for index in slots]
    if not xs or (all(b >= a for a, b in itertools.pairwise(xs)) and xs[0] >= start and xs[-1] <= end):
        return
    least = min(LIGATURE_BOX, (end - start) / (len(xs) + 1))
    ordered = [min(max(x, start), end) for x in sorted(xs)]
    for k in range(len(ordered)):  # each at least `least` past the one before ...
        ordered[k] = max(ordered[k], start if k == 0 else ordered[k - 1] + least)
    limit = end - least
    for k in range(len(ordered) - 1, -1, -1):  # ... and `least` short of the one after, or of the end
        ordered[k] = min(ordered[k], limit)
        limit = ordered[k] - least
    for index, x in zip(slots, ordered, strict=True):
        bounds[index] = x


def narrow_gaps(font: Font, placed: list[Placed]) -> list[Placed]:
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


def lead_marks(font: Font, placed: list[Placed]) -> list[Placed]:
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
