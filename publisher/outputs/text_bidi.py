"""Mixed-direction lines as viewers read them back, and the marks that make them read a line as
it was written.

A PDF draws a line's glyphs in visual order, left to right; a viewer that copies or searches the
text rebuilds the reading order with a bidi of its own, and none of them is UAX #9's:

- PDFium, Chrome's and Edge's (core/fpdftext/cpdf_textpage.cpp, CloseTempLine; core/fxcrt/
  fx_bidi.cpp, CFX_BidiString) cuts the line into runs of one class (L; weak: AN EN NSM CS ES ET
  BN; R and AL; neutral), takes the runs in reverse order when the line is right to left (always,
  in a document whose /ViewerPreferences say /R2L; else when it has at least as many R runs as L
  runs), and reverses, mirroring brackets, the characters of R runs and of neutral runs met while
  the last strong run was R.
- poppler (poppler/TextOutputDev.cc, reorderText; primaryLR in TextPage::coalesce) reads a line of
  a page with more R than L letters from the right: a section of characters that are neither L nor
  "numeric" (its type '#', UnicodeTypeTable.cc: digits and # $ % + , - . / : ،) backwards, then a
  section of characters that are not R forwards, and so on; on other pages the mirror of that. It
  mirrors nothing.
- pdf.js runs a bidi of its own on the visual string, skipping format characters (Cf) whole; it
  mirrors nothing either.

So "5.2%" in Arabic reads "%5.2", "20-11-2026" reads "2026-11-20", "1963،" reads "،1963", "(IBM)"
reads "(IBM(". A mark that draws nothing (no outline, no advance) at the right place changes how
PDFium and poppler cut the line and changes nothing for pdf.js, which skips it; every measure of
recall drops it. For each line that needs them, the marks are found by playing both viewers'
algorithms on the line (at most three, at the places where the written order breaks and around
brackets): PDFium's reading as right as it can be made (the most used viewer), then poppler's.
Only the paragraph's own mark is drawn (RLM in a right-to-left paragraph, else LRM): MuPDF, which
no mark mends, cuts a line at a mark of the other direction and moves the pieces, losing words.

A glyph drawn mirrored (the ")" HarfBuzz draws for "(" in right-to-left text, UAX #9 L4) stands
for its own shape where PDFium, which mirrors it back, reads it best that way (nearly always:
«...» in Arabic), else for the character it was drawn for (poppler and pdf.js read brackets as
they stand).

PDFium takes the words of a phrase that runs against the line (Latin words in an Arabic line,
Arabic words in a Latin one) in reverse order whatever marks surround them. It sorts a line's text
objects by where each begins before it does: so such a phrase's words are drawn as text objects of
their own, each led by a space that draws nothing, placed so that PDFium meets them in the order it
needs (text_layer._written_in_pieces); the glyphs stay where and in the order they were, so pdf.js
and poppler read as before. MuPDF, which takes a jump of the pen of 0.8 em for a new line, cuts such
a line into pieces, its words whole.

What neither mends is left as the viewers read it: a Latin word cut by punctuation into runs (a
URL, 120km/h) in PDFium; in poppler, the Latin and digits of a line on a page it takes for left to
right. A line whose source has its own direction marks is left alone too (they draw no glyph, and
what viewers make of them is not played here), and so is a line with a box drawn in two fonts (the
text layer could not tell its two runs apart, and half a plan is worse than none).

The line's glyphs are read from Pango while WeasyPrint draws them (its layouts are freed right
after), for the boxes whose order is not plain: see install.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

LRM, RLM = "\u200e", "\u200f"
MARKS = frozenset((LRM, RLM))
MAX_MARKS = 3
MAX_PLACES = 12  # places where marks may go: beyond, a line is left as drawn

# A box whose characters all take its own direction's level (UAX #9: no digits, no letters of the
# other direction, no mirrored punctuation at an odd level) is drawn in plain order: its text, or
# its text reversed.
_NOT_PLAIN = {"rtl": re.compile(r"[^\s\u0600-\u065f\u066c-\u06ef\u06fa-\u06ff\u0750-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
                                r"!\"#$&'*.:;=?@\\^_`|~\u00a0\u2010-\u2027\u2030-\u205e]"),
              "ltr": re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")}


class Planned(NamedTuple):
    """What the text layer changes in one drawn box: marks to draw before the glyph at each x, and
    the character a mirrored glyph at each x stands for (x in CSS px from the box's start)."""

    marks: tuple[tuple[float, str], ...]
    chars: tuple[tuple[float, int, str], ...]  # (x, glyph id, character)
    # Runs of words drawn against the line whose words PDFium is to meet in reverse order: each
    # where its words begin (a word's space before it is its own), then where the run ends, as
    # the place of that character among the box's, left to right.
    pieces: tuple[tuple[int, ...], ...] = ()
    characters: int = 0  # how many characters the box draws


# The viewers' readings ---------------------------------------------------------------------------

# The letters poppler counts for a page's direction (its L and R types), near enough: Latin, Greek
# and Cyrillic letters; Hebrew and Arabic ones.
_LATIN = re.compile("[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")
_RIGHT_TO_LEFT = re.compile("[\u05d0-\u05ea\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f"
                            "\ufb50-\ufdff\ufe70-\ufefc]")
_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MIRRORED = dict(zip("()<>[]{}«»‹›", ")(><][}{»«›‹", strict=True))


@functools.lru_cache(maxsize=8192)
def _pdfium_class(char: str) -> str:
    kind = unicodedata.bidirectional(char)
    if kind == "L":
        return "L"
    if kind in ("AN", "EN", "NSM", "CS", "ES", "ET", "BN"):
        return "W"
    return "R" if kind in ("R", "AL") else "N"


# poppler's types (UnicodeTypeTable.cc) where they are not UAX #9's strong classes: '#' for
# digits and these.
_POPPLER_NUMERIC = frozenset("#$%+,-./:\u060c\u066a\u066b\u066c")


@functools.lru_cache(maxsize=8192)
def _poppler_type(char: str) -> str:
    if char in _POPPLER_NUMERIC or unicodedata.category(char) == "Nd":
        return "#"
    kind = unicodedata.bidirectional(char)
    return "L" if kind == "L" else "R" if kind in ("R", "AL") else "N"


def pdfium_reading(chars: list[str], right_to_left: bool) -> list[tuple[int, str]]:
    """The characters (drawn left to right) in the order PDFium reads them back: (index, the
    character as it reads it, mirrored or not)."""
    runs: list[list] = []
    previous = ""
    for index, char in enumerate(chars):
        if char == " " and previous == " ":
            continue  # CloseTempLine drops a space after a space
        previous = char
        kind = _pdfium_class(char)
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(index)
        else:
            runs.append([kind, [index]])
    if _line_right_to_left([kind for kind, _ in runs], right_to_left):
        runs.reverse()
        mode = "R"
    else:
        mode = "L"
    out: list[tuple[int, str]] = []
    for kind, run in runs:
        if kind == "R" or (kind == "N" and mode == "R"):
            mode = "R"
            out += [(index, _MIRRORED.get(chars[index], chars[index])) for index in reversed(run)]
        else:
            if kind != "W":
                mode = "L"
            out += [(index, chars[index]) for index in run]
    return out


def poppler_reading(chars: list[str], left_to_right_page: bool) -> list[int]:
    """The indices of the characters (drawn left to right) in the order poppler reads them back."""
    kinds = [_poppler_type(char) for char in chars]
    count, out = len(chars), []
    if left_to_right_page:
        start = 0
        while start < count:
            end = start
            while end < count and kinds[end] != "R":
                end += 1
            out += range(start, end)
            start = end
            while end < count and kinds[end] not in "L#":
                end += 1
            out += range(end - 1, start - 1, -1)
            start = end
    else:
        start = count - 1
        while start >= 0:
            end = start
            while end >= 0 and kinds[end] not in "L#":
                end -= 1
            out += range(start, end, -1)
            start = end
            while end >= 0 and kinds[end] != "R":
                end -= 1
            out += range(end + 1, start + 1)
            start = end
    return out


# Choosing the marks ------------------------------------------------------------------------------

class _Line(NamedTuple):
    visual: tuple[str, ...]  # the characters written, as drawn left to right
    written: tuple[int, ...]  # the indices of the same characters in the order they were written
    mirrored: frozenset[int]  # where in `visual` a glyph is drawn mirrored
    same: tuple[int, ...]  # for each character, a number it shares with the characters a reader cannot tell it from
    # Runs drawn left to right, then runs drawn right to left, that hold several words: where each
    # word begins (the first: where the run begins), then where the run ends.
    runs: tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]] = ((), ())


def _grade(line: _Line, marks: dict[int, str], drawn: bool, right_to_left: bool,
           left_to_right_page: bool, turned: bool = False) -> tuple[int, int]:
    """(PDFium's reading right: 0, 1 ignoring white space, 2 exactly; poppler's, ignoring white
    space: 0 or 1) with `marks` drawn before the characters at their indices, the mirrored glyphs
    standing for their own shape (`drawn`) or for the character they were drawn for, and (`turned`)
    the words of each run against PDFium's direction met by PDFium in reverse order."""
    chars: list[str] = []
    ids: list[int] = []  # each drawn character's index in line.visual; -1 for a mark
    starts: dict[int, int] = {}  # index in line.visual -> where its mark or itself is in chars
    for index, char in enumerate(line.visual):
        starts[index] = len(chars)
        if index in marks:
            chars.append(marks[index])
            ids.append(-1)
        chars.append(_MIRRORED.get(char, char) if drawn and index in line.mirrored else char)
        ids.append(index)
    starts[len(line.visual)] = len(chars)
    if len(line.visual) in marks:
        chars.append(marks[len(line.visual)])
        ids.append(-1)
    visual, same = line.visual, line.same
    written = [same[index] for index in line.written]
    solid = [same[index] for index in line.written if not visual[index].isspace()]
    read = [at for at in poppler_reading(chars, left_to_right_page) if ids[at] >= 0]
    # poppler mirrors nothing: a mirrored glyph standing for its shape reads as that
    poppler_right = int([same[ids[at]] for at in read if not visual[ids[at]].isspace()] == solid
                        and all(chars[at] == visual[ids[at]] for at in read))
    if turned:
        chars, ids = _turned(chars, ids, starts, line.runs[0 if pdfium_right_to_left(chars, right_to_left) else 1])
    pdfium = [(ids[at], char) for at, char in pdfium_reading(chars, right_to_left) if ids[at] >= 0]
    if not all(char == visual[index] for index, char in pdfium):
        return 0, poppler_right
    if [same[index] for index, _ in pdfium] == written:
        return 2, poppler_right
    return int([same[index] for index, char in pdfium if not char.isspace()] == solid), poppler_right


def _turned(chars: list[str], ids: list[int], starts: dict[int, int],
            runs: tuple[tuple[int, ...], ...]) -> tuple[list[str], list[int]]:
    """What PDFium meets when each run's words are drawn as text objects it sorts in reverse
    order, each led by a space that draws nothing (see text_layer._written_in_pieces)."""
    out_chars, out_ids, at = [], [], 0
    for run in runs:
        begin, end = starts[run[0]], starts[run[-1]]
        out_chars += chars[at:begin]
        out_ids += ids[at:begin]
        bounds = [starts[index] for index in run]
        for first, last in reversed(list(itertools.pairwise(bounds))):
            out_chars += [" ", *chars[first:last]]
            out_ids += [-1, *ids[first:last]]
        at = end
    return out_chars + chars[at:], out_ids + ids[at:]


def pdfium_right_to_left(chars: list[str], right_to_left: bool) -> bool:
    """Whether PDFium takes the line right to left (a /R2L document: always)."""
    if right_to_left:
        return True
    kinds = [_pdfium_class(char) for char in chars]
    return _line_right_to_left([kind for index, kind in enumerate(kinds) if index == 0 or kinds[index - 1] != kind],
                               False)


def _line_right_to_left(run_kinds: list[str], right_to_left: bool) -> bool:
    """CFX_BidiString: right to left when the document says so, else when the line has R runs, at
    least as many as L runs."""
    strong_r = run_kinds.count("R")
    return right_to_left or (strong_r > 0 and strong_r >= run_kinds.count("L"))


def choose_marks(line: _Line, places: list[int], right_to_left: bool, left_to_right_page: bool,
                 kinds: tuple[str, ...]) -> tuple[dict[int, str], bool, bool]:
    """The fewest marks, at `places` (indices into the visual order), whether mirrored glyphs
    stand for their shape, and whether runs of words against the line are drawn for PDFium to
    meet in reverse order, that make PDFium read the line as written as nearly as it can (the
    most used viewer: Chrome, Edge), and poppler too if it can; no marks if none do better."""
    variants = [(drawn, turned) for drawn in ((False, True) if line.mirrored else (False,))
                for turned in ((False, True) if line.runs != ((), ()) else (False,))]
    # On a tie, the line as drawn: words not cut into pieces, mirrored glyphs as the characters.
    best, _, _, chosen = max((_grade(line, {}, drawn, right_to_left, left_to_right_page, turned), not turned,
                              not drawn, ({}, drawn, turned)) for drawn, turned in variants)
    if (best[0] >= 1 and best[1] == 1) or _as_far_as_it_goes(line, best, kinds) or len(places) > MAX_PLACES:
        return chosen
    for count in range(1, MAX_MARKS + 1):
        before = best
        for where in itertools.combinations(places, count):
            for chosen_kinds in itertools.product(kinds, repeat=count):
                marks = dict(zip(where, chosen_kinds, strict=True))
                for drawn, turned in variants:
                    grade = _grade(line, marks, drawn, right_to_left, left_to_right_page, turned)
                    if grade > best:
                        best, chosen = grade, (marks, drawn, turned)
                        if best == (2, 1) or _as_far_as_it_goes(line, best, kinds):
                            return chosen
        # Both viewers right but for the spaces PDFium moves is as far as marks go here; and where
        # a second or third mark did nothing, another will not either (a bracket poppler reads as
        # drawn, a phrase only the word order mends): the search ends. (Marks come in pairs: a
        # number between two punctuation marks takes one on each side.)
        if (best[0] >= 1 and best[1] == 1) or (count >= 2 and best == before):
            break
    return chosen


def _as_far_as_it_goes(line: _Line, best: tuple[int, int], kinds: tuple[str, ...]) -> bool:
    """PDFium reads an Arabic line with a mirrored glyph exactly: poppler cannot too, since PDFium
    reads a mirrored glyph right there only as its shape (it mirrors back), poppler only as the
    character, and no RLM changes either."""
    return best == (2, 0) and bool(line.mirrored) and kinds == (RLM,)


@functools.lru_cache(maxsize=20_000)
def _cached_marks(chars: tuple[str, ...], order: tuple[int, ...], mirrored: frozenset[int], same: tuple[int, ...],
                  runs: tuple, places: tuple[int, ...], right_to_left: bool, left_to_right_page: bool,
                  mark: str) -> tuple[tuple[tuple[int, str], ...], bool, bool]:
    """choose_marks for a line's shape (see _shape): news lines repeat a few shapes."""
    line = _Line(chars, order, mirrored, same, runs)
    marks, drawn, turned = choose_marks(line, list(places), right_to_left, left_to_right_page, (mark,))
    return tuple(sorted(marks.items())), drawn, turned


def _shape(visual: list[str], logical: list[int],
           right_to_left: bool) -> tuple[list[int], list[int], list[int], list[bool]]:
    """The line cut to what both viewers can tell apart: a run of characters written one after
    the other in one direction, of one class to PDFium and one type to poppler (no bracket), is
    moved and turned whole by both, so only its ends are kept; in a line PDFium reads right to
    left, so is a run of Arabic words and the single spaces between them. Returns the kept
    indices, their written order (positions in the kept list), the places where marks may go
    (positions in the kept list: before that character; len: after the last): where the written
    order breaks, around brackets, and at the ends; and which kept characters are runs of one."""
    count = len(visual)
    tokens = _tokens(visual, right_to_left)
    kept: list[int] = []
    for index in range(count):
        inside = 0 < index < count - 1 and _alike(tokens, logical, index - 1, index) and _alike(
            tokens, logical, index, index + 1) and (logical[index] - logical[index - 1]
                                                     == logical[index + 1] - logical[index])
        if not inside:
            kept.append(index)
    order = sorted(range(len(kept)), key=lambda k: logical[kept[k]])
    single = [not (index > 0 and _alike(tokens, logical, index - 1, index))
              and not (index < count - 1 and _alike(tokens, logical, index, index + 1)) for index in kept]
    places = [0, len(kept)]
    for k in range(1, len(kept)):
        before, after = kept[k - 1], kept[k]
        if (after == before + 1 and abs(logical[after] - logical[before]) != 1) or visual[before] in _MIRRORED \
                or visual[after] in _MIRRORED:
            places.append(k)
    return kept, order, sorted(set(places)), single


def _tokens(visual: list[str], right_to_left: bool) -> list[str]:
    """What each character is to both viewers at once ("" for a bracket: never one with another).
    When PDFium takes the line right to left, Arabic letters and what stands between two of them
    (spaces and other neutrals, marks, one punctuation mark such as the Arabic comma) are one
    token: a run of them drawn right to left is turned whole by both (PDFium keeps a weak run of
    one character in place, poppler's sections take neutrals on either side)."""
    tokens = []
    for char in visual:
        kind, kind_poppler = _pdfium_class(char), _poppler_type(char)
        tokens.append("" if char in _MIRRORED else "R" if right_to_left and kind == kind_poppler == "R"
                      else " " if char == " " else kind + kind_poppler)
    if right_to_left:
        index = 0
        while index < len(visual):
            if tokens[index] == "R":
                index += 1
                continue
            end = index
            while end < len(visual) and tokens[end] in (" ", "NN", "WN", "W#") and not visual[end].isdigit():
                end += 1
            between = index > 0 and tokens[index - 1] == "R" and end < len(visual) and tokens[end] == "R"
            if between and end > index and sum(tokens[k] == "W#" for k in range(index, end)) <= 1:
                tokens[index:end] = ["R"] * (end - index)
            index = max(end, index + 1)
    return tokens


# One character for each kind both viewers (and the grading) treat alike: what a line's shape is
# cached by. Fixed, so that the marks chosen never hang on which article a process built first.
_REPRESENTATIVES = {("R", "R", False, False): "\u0628", ("L", "L", False, False): "a",
                    ("W", "#", False, False): "1", ("W", "N", False, True): "\u064e",
                    ("N", "N", False, False): "!", ("W", "N", True, False): "\u00a0"}


def _representative(char: str) -> str:
    """The character `char` is cached as: a bracket, a space and a mark stand for themselves, as
    does any character of a kind not listed."""
    if char in _MIRRORED or char == " " or char in MARKS:
        return char
    key = (_pdfium_class(char), _poppler_type(char), char.isspace(), unicodedata.category(char) == "Mn")
    return _REPRESENTATIVES.get(key, char)


def _alike(tokens: list[str], logical: list[int], before: int, after: int) -> bool:
    a, b = tokens[before], tokens[after]
    if not a or not b or abs(logical[after] - logical[before]) != 1:
        return False
    if a != b or a == " ":
        return False
    # Arabic runs only when drawn right to left (the written order falls to the right)
    return a != "R" or logical[after] < logical[before]


def line_marks(visual: list[str], logical: list[int], mirrored: set[int], right_to_left: bool,
               left_to_right_page: bool, paragraph_rtl: bool) -> tuple[dict[int, str], bool, tuple]:
    """Marks for a line (its characters as written, left to right; each one's place in the
    written order; where glyphs are drawn mirrored): index in `visual` -> the mark to draw
    before that character (len(visual): after the last); whether a mirrored glyph stands for its
    shape; and the runs whose words PDFium is to meet in reverse order (as in _Line.runs, indices
    in `visual`). Only the paragraph's own mark (RLM in a right-to-left one, else LRM): MuPDF,
    which no mark mends, cuts a line at a mark of the other direction and moves the pieces."""
    kept, order, places, single = _shape(visual, logical, right_to_left)
    where = {index: k for k, index in enumerate(kept)}
    # Two characters of one run each, alike (the hyphens of 20-11-2026), read the same in either
    # place; a run's ends stand for the run, which has no twin.
    twins: dict[str, int] = {}
    same = tuple(twins.setdefault(visual[index], k) if alone else k
                 for k, (index, alone) in enumerate(zip(kept, single, strict=True)))
    runs = (_word_runs(visual, logical, kept, 1), _word_runs(visual, logical, kept, -1))
    found, drawn, turned = _cached_marks(tuple(_representative(visual[index]) for index in kept), tuple(order),
                                         frozenset(where[index] for index in mirrored if index in where), same,
                                         runs, tuple(places), right_to_left, left_to_right_page,
                                         RLM if paragraph_rtl else LRM)
    marks = {kept[place] if place < len(kept) else len(visual): mark for place, mark in found}
    if not turned:
        return marks, drawn, ()
    at = [*kept, len(visual)]
    lines_right_to_left = pdfium_right_to_left(list(visual), right_to_left)
    return marks, drawn, tuple(tuple(at[k] for k in run) for run in runs[0 if lines_right_to_left else 1])


def _word_runs(visual: list[str], logical: list[int], kept: list[int], step: int) -> tuple[tuple[int, ...], ...]:
    """The runs of kept characters drawn in one direction (`step`: 1 left to right, -1 right to
    left) that hold a space between words: (where the run begins, where each further word begins:
    its space, where the run ends), as positions in `kept`."""
    runs, start = [], 0
    for k in range(1, len(kept) + 1):
        steady = k < len(kept) and (logical[kept[k]] - logical[kept[k - 1]]) == step * (kept[k] - kept[k - 1])
        if steady:
            continue
        spaces = [j for j in range(start + 1, k) if visual[kept[j]] == " " and j + 1 < k]
        if spaces:
            runs.append((start, *spaces, k))
        start = k
    return tuple(runs)


# Reading the lines WeasyPrint drew ---------------------------------------------------------------

@functools.cache
def install() -> None:
    """Wrap WeasyPrint 70's draw_first_line: a drawn box is marked drawn, and one whose order is
    not plain keeps its glyphs as Pango drew them (the layout is freed once drawn), as
    (glyph id, x in CSS px from the box's start, where its characters begin and end in the box's
    text, drawn right to left), left to right."""
    from weasyprint.draw import text
    from weasyprint.text.ffi import FROM_UNITS, ffi

    original = text.draw_first_line

    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
        emojis = original(stream, textbox, text_overflow, block_ellipsis, matrix)
        if not textbox.text.strip() or textbox.style["font_size"] < 1e-6:
            return emojis  # what WeasyPrint does not draw (draw_first_line's own tests)
        textbox.bidi_drawn = True
        first_line, _ = textbox.pango_layout.get_first_line()
        fonts, run = set(), first_line.runs
        while run != ffi.NULL:
            fonts.add(run.data.item.analysis.font)
            run = run.next
        # A box drawn in two fonts is two runs of one Tm, which the text layer cannot tell apart
        # by where they begin: its line is left as drawn.
        textbox.bidi_fonts = len(fonts)
        drawn_text = textbox.pango_layout.text
        if _NOT_PLAIN[textbox.style["direction"]].search(drawn_text):
            starts = {}
            offset = 0
            for index, char in enumerate(drawn_text):
                starts[offset] = index
                offset += len(char.encode())
            starts[offset] = len(drawn_text)
            glyphs, x = [], 0.0
            run = first_line.runs
            while run != ffi.NULL:
                item = run.data
                run = run.next
                count = item.glyphs.num_glyphs
                infos, clusters = item.glyphs.glyphs, item.glyphs.log_clusters
                rtl = item.item.analysis.level % 2 == 1
                base, length = item.item.offset, item.item.length
                for i in range(count):
                    start = clusters[i]
                    if rtl:
                        end = length if i == 0 else clusters[i - 1]
                    else:
                        end = length if i == count - 1 else clusters[i + 1]
                    first, last = (starts[base + start], starts[base + end]) if end > start else (0, 0)
                    glyphs.append((infos[i].glyph, x, first, last, rtl))
                    x += infos[i].geometry.width * FROM_UNITS
            textbox.bidi_glyphs = tuple(glyphs)
        return emojis

    text.draw_first_line = draw_first_line


def _text_boxes(line) -> Iterator:
    """A line's text boxes in the order they were written (inline boxes entered, nothing else)."""
    from weasyprint.formatting_structure import boxes

    for child in line.children:
        if isinstance(child, boxes.TextBox):
            yield child
        elif isinstance(child, boxes.InlineBox):
            yield from _text_boxes(child)


def _lines(box) -> Iterator:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.LineBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from _lines(child)


def plans(document, right_to_left: bool) -> dict[tuple[int, float, float], Planned]:
    """(page index, the box's x and baseline in CSS px, to 0.01) -> what to change in the boxes
    whose line viewers would read out of order, for every line that needs it."""
    found: dict[tuple[int, float, float], Planned] = {}
    for page_index, page in enumerate(document.pages):
        lines = [(line, list(_text_boxes(line))) for line in _lines(page._page_box)]
        left_to_right_page = None
        for line, boxes in lines:
            drawn = [box for box in boxes if getattr(box, "bidi_drawn", False)]
            if not drawn or not any(hasattr(box, "bidi_glyphs") or box.style["direction"] != line.style["direction"]
                                    for box in drawn) or any(box.bidi_fonts > 1 for box in drawn):
                continue
            if left_to_right_page is None:
                # poppler's primaryLR: at least as many L letters on the page as R ones
                text = "".join(box.text for _, page_boxes in lines for box in page_boxes)
                left_to_right_page = len(_LATIN.findall(text)) >= len(_RIGHT_TO_LEFT.findall(text))
            _plan_line(drawn, page_index, right_to_left, left_to_right_page, line.style["direction"] == "rtl", found)
    return found


def _plan_line(drawn: list, page_index: int, right_to_left: bool, left_to_right_page: bool,
               paragraph_rtl: bool, found: dict) -> None:
    # Every character, boxes left to right: what the text layer writes, its place in the written
    # order, its box, the x of its glyph in the box (-1 inside a plain box, whose glyphs are not
    # known), the glyph when it is drawn mirrored.
    items: list[tuple[str, int, int, float, int | None]] = []
    starts, total = [], 0
    for box in drawn:
        starts.append(total)
        total += len(box.pango_layout.text)
    for number in sorted(range(len(drawn)), key=lambda n: drawn[n].position_x):
        box, start = drawn[number], starts[number]
        text = box.pango_layout.text
        glyphs = getattr(box, "bidi_glyphs", None)
        if glyphs is None:
            order = range(len(text) - 1, -1, -1) if box.style["direction"] == "rtl" else range(len(text))
            items += [(text[i], start + i, number, 0.0 if k == 0 else -1.0, None) for k, i in enumerate(order)]
            continue
        for glyph, x, first, last, rtl in glyphs:
            mirrored = glyph if rtl and last == first + 1 and unicodedata.mirrored(text[first]) else None
            indices = range(last - 1, first - 1, -1) if rtl else range(first, last)
            items += [(text[i], start + i, number, x, mirrored) for i in indices]
    if sorted(item[1] for item in items) != list(range(total)):
        return  # the glyphs do not account for the text (an ellipsis): left as drawn
    if any(_CONTROLS.match(item[0]) for item in items):
        return  # the source's own marks draw no glyph of their own: what viewers read is not played here
    marks, as_drawn, turned = line_marks([item[0] for item in items], [item[1] for item in items],
                                         {index for index, item in enumerate(items) if item[4] is not None},
                                         right_to_left, left_to_right_page, paragraph_rtl)
    by_box: dict[int, tuple[list, list, list]] = {}
    for index, mark in marks.items():
        number, x = (items[index][2], items[index][3]) if index < len(items) else (items[-1][2], float("inf"))
        if x < 0:
            return  # inside a plain box, whose glyphs' places are not known: left as drawn
        by_box.setdefault(number, ([], [], []))[0].append((x, mark))
    for char, _, number, x, mirrored in items:
        if mirrored is not None and not as_drawn:
            by_box.setdefault(number, ([], [], []))[1].append((x, mirrored, char))
    place_in_box, counts = [], {}
    for item in items:
        place_in_box.append(counts.get(item[2], 0))
        counts[item[2]] = place_in_box[-1] + 1
    for run in turned:
        number = items[run[0]][2]
        if any(item[2] != number for item in items[run[0]:run[-1]]):
            continue  # a run across boxes: left as drawn
        end = place_in_box[run[-1]] if run[-1] < len(items) and items[run[-1]][2] == number else counts[number]
        by_box.setdefault(number, ([], [], []))[2].append((*(place_in_box[index] for index in run[:-1]), end))
    for number, (box_marks, box_chars, box_runs) in by_box.items():
        box = drawn[number]
        key = (page_index, round(box.position_x, 2), round(box.position_y + box.baseline, 2))
        found[key] = Planned(tuple(sorted(box_marks)), tuple(box_chars), tuple(box_runs), counts[number])
