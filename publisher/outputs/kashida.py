"""Kashida justification: justified Arabic lines filled by lengthening letters first, spaces second.

WeasyPrint justifies by widening spaces only (layout/inline.py, justify_line, whose own TODO
points at css-text-3's justification algorithms; 70 does not parse `text-justify`, and no
WeasyPrint issue asks for kashida, searched 2026-12-04), Typst has the same open request
(typst#195), and alreq lists it as a gap (w3c/alreq#225). Here WeasyPrint's own line breaking
stays: once it has broken a line and asks for it to be justified, the words of the line are
lengthened at the joins a calligrapher would choose, the pieces of the line are shaped again
with their tatweels (U+0640), and what the tatweels cannot fill goes to the spaces as before.
Line breaks cannot move, since the line's boxes are final when justify_line is called.

Where a word may be lengthened follows LibreOffice's priorities (i18nutil kashida.cxx, after
Microsoft's), as ARABIC.md sums them up: after a typed kashida; after an initial or medial
seen or sad; before a final teh marbuta, heh or dal; before a final alef, tah, lam, kaf or gaf;
before a medial beh-like letter followed by reh or yeh; before a final waw, ain, qaf or feh;
before any other final letter but yeh; then, last, any other join inside the word. One place a
word (the last of the best), none in a word of fewer than three letters, none next to a ZWNJ;
and a place is taken only if HarfBuzz says a tatweel is safe there and shaping the word with it
draws every other glyph as before (lam-alef, الله and في keep their ligatures, no letter changes
its form, marks stay on their letters).

The text is not changed: a box keeps its text (what viewers read back, what print_pages counts),
only the Pango layout it is drawn from holds the tatweels, and `inserted` tells the text layer
which drawn tatweels stand for nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import unicodedata
from collections.abc import Iterator

from publisher.outputs import glyph_text

TATWEEL = "\u0640"
ZWNJ = "\u200c"
MAX_TATWEELS = 6  # Amiri joins a run of up to 7 tatweels into one curved kashida
MIN_LETTERS = 3

_SEEN_SAD = set("سشصض")
_BEFORE_FINAL = (set("ةهدذۀ"), set("اأإآٱطظلكکگ"))
_BEH_LIKE = set("بتثنيىئپیٹ")
_REH_YEH = set("رزژيىیے")
_BEFORE_FINAL_LAST = set("وؤعغقفڤ")
_YEH = set("يىیے")
_ALEFS = set("اأإآٱ")
# Letters that join only the letter before them (Unicode's joining type R) and hamza (U): no
# kashida can follow them.
_NO_JOIN_AFTER = set("اأإآٱدذرزژوؤةۀڈڑےۓۃءٲٳ")

_active: contextvars.ContextVar[bool] = contextvars.ContextVar("kashida", default=False)


@contextlib.contextmanager
def justified_with_kashida(on: bool) -> Iterator[None]:
    """Lines WeasyPrint justifies while this is open are lengthened with kashida (if `on`)."""
    _install()
    token = _active.set(on)
    try:
        yield
    finally:
        _active.reset(token)


# Where a word may be lengthened ----------------------------------------------------------

def _letters(word: str) -> list[tuple[str, int]]:
    """The word's letters (no marks) and where each one's marks end: a tatweel goes there, so
    that a letter's fatha is not carried off by it."""
    letters: list[tuple[str, int]] = []
    for index, char in enumerate(word):
        if unicodedata.category(char) == "Mn" and letters:
            letters[-1] = (letters[-1][0], index + 1)
        elif _joins(char):
            letters.append((char, index + 1))
        else:
            letters.append(("", index + 1))  # punctuation, digits: no join across them
    return letters


def places(word: str) -> list[tuple[int, int]]:
    """Where tatweels may go in `word`: (priority, string index), best first, latest first."""
    letters = _letters(word)
    real = [char for char, _ in letters if char and char != TATWEEL]
    if len(real) < MIN_LETTERS or ZWNJ in word:
        return []
    found = []
    for i in range(len(letters) - 1):
        char, end = letters[i]
        following = letters[i + 1][0]
        if not char or not following or char in _NO_JOIN_AFTER or following == "ء":
            continue
        final = i + 2 == len(letters) or not letters[i + 2][0]
        if char == "ل" and following in _ALEFS:
            continue
        if char == TATWEEL:
            rank = 1
        elif char in _SEEN_SAD:
            rank = 2
        elif final and following in _BEFORE_FINAL[0]:
            rank = 3
        elif final and following in _BEFORE_FINAL[1]:
            rank = 4
        elif not final and following in _BEH_LIKE and letters[i + 2][0] in _REH_YEH:
            rank = 5
        elif final and following in _BEFORE_FINAL_LAST:
            rank = 6
        elif final and following not in _YEH:
            rank = 7
        elif not final:
            rank = 8  # any other join inside the word: the last resort, as rare as the lines needing it
        else:
            continue
        found.append((rank, end))
    return sorted(found, key=lambda item: (item[0], -item[1]))


@functools.lru_cache(maxsize=100_000)
def _shaped(path: str, text: str) -> tuple[tuple[tuple[int, int, int], ...], int]:
    """(glyph, cluster, flags) in drawing order, and the advance, as Pango's HarfBuzz shapes it."""
    import uharfbuzz as hb

    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    buffer.flags = hb.BufferFlags.PRODUCE_SAFE_TO_INSERT_TATWEEL
    hb.shape(glyph_text.hb_font(path), buffer, {})
    infos = tuple((info.codepoint, info.cluster, int(info.flags)) for info in buffer.glyph_infos)
    return infos, sum(position.x_advance for position in buffer.glyph_positions)


@functools.lru_cache(maxsize=100_000)
def lengthened(path: str, word: str, at: int, count: int) -> int | None:
    """How many font units `count` tatweels at `at` add to `word`; None where they would change
    how the rest of the word is drawn."""
    import uharfbuzz as hb

    plain, advance = _shaped(path, word)
    if not any(cluster == at and flags & hb.GlyphFlags.SAFE_TO_INSERT_TATWEEL for _, cluster, flags in plain):
        return None
    stretched, longer = _shaped(path, word[:at] + TATWEEL * count + word[at:])
    kept = [(glyph, cluster if cluster < at else cluster - count) for glyph, cluster, _ in stretched
            if not at <= cluster < at + count]
    if kept != [(glyph, cluster) for glyph, cluster, _ in plain]:
        return None
    return longer - advance


@functools.lru_cache(maxsize=100_000)
def _best_place(path: str, word: str) -> tuple[int, int] | None:
    """The word's best place that takes a tatweel: (priority, string index)."""
    for rank, at in places(word):
        if lengthened(path, word, at, 1):
            return rank, at
    return None


# The line ----------------------------------------------------------------------------------

class _Word:
    """A word of a text box that may be lengthened, and by how many tatweels so far."""

    def __init__(self, box, start: int, word: str, place: tuple[int, int], path: str, scale: float):
        self.box, self.start, self.word, self.path, self.scale = box, start, word, path, scale
        self.rank, self.at = place
        self.count = 0
        self.width = 0.0

    def grown(self) -> float | None:
        """The width this word adds with one tatweel more (points), None if it cannot grow."""
        if self.count >= MAX_TATWEELS:
            return None
        units = lengthened(self.path, self.word, self.at, self.count + 1)
        return None if units is None else units * self.scale


def _leaves(box) -> list:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return [box]
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return [leaf for child in box.children if child.is_in_normal_flow() for leaf in _leaves(child)]
    return [box]  # an atomic box: no text, no join across it


def _joins(char: str) -> bool:
    """An Arabic letter or tatweel (not a digit, not punctuation): one a join can reach."""
    return ("\u0620" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f") and unicodedata.category(char) in ("Lo", "Lm")


def _words(leaves: list, font_path) -> list[_Word]:
    from weasyprint.formatting_structure import boxes

    found = []
    for index, box in enumerate(leaves):
        if not isinstance(box, boxes.TextBox) or not any("\u0620" <= c <= "\u06ff" for c in box.text):
            continue
        style = box.style
        path = font_path(style["font_family"][0], style["font_weight"], style["font_style"] != "normal")
        if path is None or style["letter_spacing"] not in ("normal", 0):
            continue
        path = str(path)
        scale = style["font_size"] / glyph_text.hb_font(path).face.upem
        before = leaves[index - 1].text[-1:] if index and isinstance(leaves[index - 1], boxes.TextBox) else ""
        after = (leaves[index + 1].text[:1] if index + 1 < len(leaves)
                 and isinstance(leaves[index + 1], boxes.TextBox) else "")
        text, position = box.text, 0
        for token in text.split(" "):
            start, position = position, position + len(token) + 1
            if not token:
                continue
            # A word cut across two boxes (a bold letter, a link) is shaped in pieces: left alone.
            if (start == 0 and _joins(before)) or (start + len(token) == len(text) and _joins(after)):
                continue
            place = _best_place(path, token)
            if place is not None:
                found.append(_Word(box, start, token, place, path, scale))
    return found


def _stretched_text(box, words: list[_Word]) -> tuple[str, tuple[int, ...]]:
    """The box's text with its words' tatweels, and where the inserted ones are in it."""
    text, inserted, shift = box.text, [], 0
    for word in sorted(words, key=lambda w: w.start):
        if not word.count:
            continue
        at = word.start + word.at + shift
        text = text[:at] + TATWEEL * word.count + text[at:]
        inserted += range(at, at + word.count)
        shift += word.count
    return text, tuple(inserted)


def lengthen(context, line, extra_width: float, font_path) -> float:
    """Lengthen the words of a line to take up to `extra_width` points; returns what is left for
    the spaces. Each lengthened text box gets a Pango layout of its text with the tatweels, its
    width and the position of what follows it moved on."""
    from weasyprint.text.line_break import create_layout, line_size

    leaves = _leaves(line)
    words = _words(leaves, font_path)
    if not words:
        return extra_width
    # One tatweel at a time to the word lengthened least so far (the better place first when
    # equal): the stretch spreads over the line's words rather than piling up in one.
    total = 0.0
    growing = sorted(words, key=lambda w: w.rank)
    while growing:
        word = min(growing, key=lambda w: w.width)
        step = word.grown()
        if step is None or step <= 0 or total + step > extra_width:
            growing.remove(word)
            continue
        word.count += 1
        word.width += step
        total += step
    by_box: dict[int, list[_Word]] = {}
    for word in words:
        if word.count:
            by_box.setdefault(id(word.box), []).append(word)
    if not by_box:
        return extra_width
    # Pango shapes the box's text whole: its width is measured, not summed from the words'.
    layouts = {}

    def measure(key: int) -> None:
        box_words = by_box[key]
        box = box_words[0].box
        text, inserted = _stretched_text(box, box_words)
        layout = create_layout(text, box.style, context, max_width=None,
                               justification_spacing=box.justification_spacing)
        first_line, _ = layout.get_first_line()
        width, _ = line_size(first_line, box.style)
        layouts[key] = (box, layout, width, text, inserted)

    for key in by_box:
        measure(key)
    while sum(width - box.width for box, _, width, _, _ in layouts.values()) > extra_width + 1e-6:
        # Shaped whole, the text came out wider than its words: one tatweel fewer, where most are;
        # only that word's box is shaped again.
        widest = max((w for ws in by_box.values() for w in ws), key=lambda w: w.count)
        if not widest.count:
            return extra_width
        widest.count -= 1
        measure(id(widest.box))
    deltas = {}
    for key, (box, layout, width, _text, inserted) in layouts.items():
        layout.deactivate()
        deltas[key] = width - box.width
        box.pango_layout = layout
        box.kashida = inserted  # the text layer's: these tatweels stand for no character
        box.width = width
    _shift(line, lambda text_box: deltas.get(id(text_box), 0.0), 0.0)  # what follows each widened box
    return extra_width - sum(deltas.values())


def _widen_spaces(context, line, spacing: float) -> None:
    """WeasyPrint's add_word_spacing, for a line some of whose boxes are drawn from a text with
    tatweels: each box's layout is made again from the text it is drawn from, not box.text."""
    from weasyprint.layout.inline import count_expandable_spaces
    from weasyprint.text.line_break import create_layout

    def widen(box) -> float:
        box.justification_spacing = spacing
        if not (spaces := count_expandable_spaces(box)):
            return 0.0
        text = box.pango_layout.text if getattr(box, "kashida", None) else box.text
        layout = create_layout(text, box.style, context, max_width=None, justification_spacing=spacing)
        layout.deactivate()
        box.pango_layout = layout
        box.width += spacing * spaces
        return spacing * spaces

    _shift(line, widen, 0.0)


def _shift(box, widen, x_advance: float) -> float:
    """Walk a line left to right (as add_word_spacing does): each box moves by what the text boxes
    before it grew, `widen(text_box)` saying how much each grows."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        return x_advance + widen(box)
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        children = box.children[::-1] if box.style["direction"] == "rtl" else box.children
        for child in children:
            if child.is_in_normal_flow():
                x_advance = _shift(child, widen, x_advance)
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)
    return x_advance


# WeasyPrint's hook -----------------------------------------------------------------------

@functools.cache
def _install() -> None:
    """Wrap WeasyPrint 70's justify_line (called by text_align for each justified line): with
    kashida on, the line's words are lengthened first and the spaces take what is left."""
    from weasyprint.layout import inline

    from publisher import fonts

    original = inline.justify_line

    def justify_line(context, line, extra_width):
        if not _active.get() or extra_width <= 0 or getattr(line, "kashida_done", False):
            return original(context, line, extra_width)
        line.kashida_done = True
        left = lengthen(context, line, extra_width, fonts.path_for)
        if left == extra_width:
            return original(context, line, extra_width)
        if left > 0 and (spaces := inline.count_expandable_spaces(line)):
            _widen_spaces(context, line, left / spaces)

    inline.justify_line = justify_line
