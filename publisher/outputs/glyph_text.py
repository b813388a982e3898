"""What each drawn glyph stands for: the characters of a word, glyph by glyph, as HarfBuzz shapes it.

WeasyPrint maps a glyph id to the text of the first HarfBuzz cluster it is drawn in
(weasyprint/draw/text.py); in a cluster of several glyphs the first takes the whole text and the
others nothing. Amiri draws lam before kaf as lam + a connector, hah/jeem/khah as glyph +
connector, lam-alef and الله as one glyph: one id cannot say what each occurrence stands for.

Here a word's glyphs are matched to the word itself: every Arabic run of the text a font sets is
shaped once a process, at Pango's cluster level, and its glyphs in drawing order index its
clusters (the characters each group of glyphs stands for). Glyphs that draw nothing and advance
nothing are one glyph to the match: Noto Nastaliq Urdu puts spacing glyphs (sp0-sp15) in a word
whose choice depends on the word before it, so the same word is drawn with sp9 after one word
and sp8 shaped alone; which one it is says nothing of the text. Glyphs that match no shaped word
(a word cut across two boxes, Latin, digits, punctuation) fall back to a text per glyph: what
probes of every letter, letter with mark and letter pair give it, else the font's cmap, else
WeasyPrint's own.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

# Arabic letters and marks, and the joiners that belong to a word (ZWNJ in Persian می‌شود, کتاب‌ها).
ARABIC_RUN = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff\u200c\u200d]+")
_LETTERS = [chr(c) for c in itertools.chain(range(0x0621, 0x063B), range(0x0641, 0x064B))] + list(
    "\u0671\u067e\u0686\u0698\u06a4\u06a9\u06af\u06cc")
_MARKS = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670"]

Clusters = tuple[tuple[str, tuple[int, ...]], ...]
"""A word's clusters in drawing order: (the characters, the indices of the glyphs drawing them)."""


@functools.cache
def hb_font(path: str):
    """The HarfBuzz font of a bundled file, once a process (the text layer's and kashida's)."""
    import uharfbuzz as hb

    return hb.Font(hb.Face(Path(path).read_bytes()))


@functools.lru_cache(maxsize=200_000)
def _shaped(path: str, word: str) -> tuple[tuple[int, ...], tuple[tuple[int, tuple[int, ...]], ...]]:
    """The glyphs of `word` in drawing order and its clusters as (where in `word` each begins,
    the indices of its glyphs), shaped as Pango shapes it (HarfBuzz, monotone character clusters)."""
    import uharfbuzz as hb

    buffer = hb.Buffer()
    buffer.add_str(word)
    buffer.guess_segment_properties()
    buffer.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    # Pango draws no glyph for a ZWNJ or ZWJ: its character joins the cluster before it, so that
    # the text layer gives it a code of its own (a Persian word keeps its ZWNJ when copied).
    buffer.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES
    hb.shape(hb_font(path), buffer, {})
    infos = buffer.glyph_infos  # (a new list of new objects at each reading: read once)
    groups: list[tuple[int, list[int]]] = []
    for index, info in enumerate(infos):
        if groups and groups[-1][0] == info.cluster:
            groups[-1][1].append(index)
        else:
            groups.append((info.cluster, [index]))
    return (tuple(info.codepoint for info in infos),
            tuple((start, tuple(indices)) for start, indices in groups))


def drawn_word(path: str, word: str) -> tuple[tuple[int, ...], Clusters]:
    """The glyphs of `word` in drawing order (left to right, as WeasyPrint writes them) and its
    clusters: the characters each group of glyphs stands for."""
    glyphs, groups = _shaped(path, word)
    return glyphs, tuple((chars, indices) for chars, indices, _ in _clusters(word, groups))


def _clusters(word: str, groups) -> list[tuple[str, tuple[int, ...], int]]:
    """Each cluster of a shaped word: (its characters, its glyphs' indices, where it begins)."""
    starts = sorted({start for start, _ in groups})
    ends = dict(zip(starts, [*starts[1:], len(word)], strict=True))
    return [(word[start:ends[start]], indices, start) for start, indices in groups]


@functools.cache
def _ttfont(path: str):
    """A bundled font file as fontTools reads it (lazily), once a process: its cmap, glyph order
    and outlines for blank_glyphs and cmap_texts."""
    from fontTools.ttLib import TTFont

    return TTFont(path, lazy=True)


@functools.cache
def blank_glyphs(path: str) -> frozenset[int]:
    """The glyphs of a font that no character maps to and that draw and advance nothing
    (Nastaliq's spacing and placeholder glyphs): any one of them stands for any other in a match."""
    font = _ttfont(path)
    if "glyf" not in font:
        return frozenset()
    encoded = set(font.getBestCmap().values())
    glyf, metrics = font["glyf"], font["hmtx"].metrics
    return frozenset(index for index, name in enumerate(font.getGlyphOrder())
                     if name not in encoded and metrics[name][0] == 0 and glyf[name].numberOfContours == 0)


_BLANK = -1  # what every blank glyph is in a word's key


class Words:
    """The Arabic runs one document sets in a font, by their glyphs in drawing order (blank glyphs
    all one). Made for each document from shapes cached once a process: what a sequence of glyphs
    reads as then depends on that document alone, never on the documents a process met before
    (a book's part renders to the same bytes on any worker; kept.py relies on it). Of two runs
    drawn alike, the first in code point order is taken."""

    def __init__(self, path: str, text: str = "", lengthened: tuple = ()):
        self.path = path
        self.blank = blank_glyphs(path) if path else frozenset()
        self.by_glyphs: dict[tuple[int, ...], Clusters] = {}
        self.plain_words: dict[tuple[int, ...], tuple[str, ...] | None] = {}
        for run in sorted(set(ARABIC_RUN.findall(text))):
            glyphs, clusters = _keyed_word(path, run)
            self.by_glyphs.setdefault(glyphs, clusters)
        for lengthened_text, inserted in lengthened:
            self._add_lengthened(lengthened_text, inserted)

    def _key(self, glyphs: tuple[int, ...]) -> tuple[int, ...]:
        blank = self.blank
        return tuple(_BLANK if glyph in blank else glyph for glyph in glyphs) if blank else glyphs

    def _add_lengthened(self, text: str, inserted: tuple[int, ...]) -> None:
        """Words drawn with tatweels that kashida justification inserted (at `inserted` in
        `text`): each such tatweel's glyphs are drawn with the letter it lengthens and stand for
        no character, so that the text read back is the word as written."""
        added = set(inserted)
        for match in ARABIC_RUN.finditer(text):
            start = match.start()
            own = {index - start for index in added if start <= index < match.end()}
            if not own:
                continue
            word = match.group()
            glyphs, groups = _shaped(self.path, word)
            glyphs = self._key(glyphs)
            if glyphs in self.by_glyphs:
                continue
            kept: list[list] = []
            pending: list[int] = []
            for chars, indices, first in _clusters(word, groups):
                chars = "".join(c for k, c in enumerate(chars, first) if k not in own)
                if not chars:  # an inserted tatweel: drawn with its neighbour
                    if kept:
                        kept[-1][1] += indices
                    else:
                        pending += indices
                    continue
                kept.append([chars, [*pending, *indices]])
                pending = []
            if kept:
                self.by_glyphs[glyphs] = tuple((chars, tuple(sorted(indices))) for chars, indices in kept)

    def get(self, glyphs: tuple[int, ...]) -> Clusters | None:
        return self.by_glyphs.get(self._key(glyphs))

    def plain(self, glyphs: tuple[int, ...]) -> tuple[str, ...] | None:
        """The word's characters, one a glyph in drawing order, when each glyph stands for one
        character that is not a mark (most words); None otherwise."""
        glyphs = self._key(glyphs)
        found = self.plain_words.get(glyphs, False)
        if found is False:
            clusters = self.by_glyphs.get(glyphs)
            found = None if clusters is None else _plain(clusters)
            self.plain_words[glyphs] = found
        return found


@functools.lru_cache(maxsize=200_000)
def _keyed_word(path: str, run: str) -> tuple[tuple[int, ...], Clusters]:
    """A run's glyphs as Words keys them (blank glyphs all one), and its clusters."""
    glyphs, clusters = drawn_word(path, run)
    blank = blank_glyphs(path)
    return (tuple(_BLANK if glyph in blank else glyph for glyph in glyphs) if blank else glyphs), clusters


@functools.lru_cache(maxsize=200_000)
def _plain(clusters: Clusters) -> tuple[str, ...] | None:
    if all(len(text) == 1 and len(indices) == 1 and unicodedata.category(text) != "Mn" for text, indices in clusters):
        return tuple(text for text, _ in clusters)
    return None


# Glyph by glyph ---------------------------------------------------------------------------

def _probes() -> Iterator[str]:
    for letter in _LETTERS:
        yield letter
        for mark in _MARKS:
            yield letter + mark
            yield letter + mark + "ا"
            yield "ب" + letter + mark + "ب"
    for first, second in itertools.product(_LETTERS, repeat=2):
        yield first + second


def _best(tally: Counter) -> str | None:
    return max(tally.items(), key=lambda item: item[1])[0] if tally else None


@functools.cache
def probe_texts(path: str) -> dict[int, str]:
    """glyph id -> the text the probes give it: a cluster of one glyph gives it the cluster's
    text; in a cluster of several, the glyphs known on their own take theirs and the first other
    glyph the rest, any further ones nothing (a connector)."""
    counts: Counter = Counter()
    for probe in _probes():
        glyphs, clusters = drawn_word(path, probe)
        for text, indices in clusters:
            counts[(text, tuple(glyphs[i] for i in indices))] += 1
    single: dict[int, Counter] = defaultdict(Counter)
    for (text, glyphs), count in counts.items():
        if len(glyphs) == 1:
            single[glyphs[0]][text] += count
    alone = {glyph: _best(tally) for glyph, tally in single.items()}
    votes: dict[int, Counter] = defaultdict(Counter, {glyph: Counter(tally) for glyph, tally in single.items()})
    for (text, glyphs), count in counts.items():
        if len(glyphs) == 1:
            continue
        rest, unknown = text, []
        for glyph in glyphs:
            known = alone.get(glyph)
            if known is not None and known in rest:
                rest = rest.replace(known, "", 1)
            else:
                unknown.append(glyph)
        for position, glyph in enumerate(unknown):
            votes[glyph][rest if position == 0 else ""] += count
    return {glyph: best for glyph, tally in votes.items() if (best := _best(tally)) is not None}


@functools.cache
def cmap_texts(path: str) -> dict[int, str]:
    """glyph id -> the character the font's cmap maps to it (the lowest, if several). Private use
    code points are no text: fonts give them to ligatures of marks (Tajawal's shadda + tanween)."""
    font = _ttfont(path)
    order = font.getGlyphOrder()
    ids = {name: index for index, name in enumerate(order)}
    texts: dict[int, str] = {}
    for code, name in sorted(font.getBestCmap().items(), reverse=True):
        if unicodedata.category(chr(code)) != "Co":
            texts[ids[name]] = chr(code)
    return texts


@functools.cache
def font_texts(path: str) -> dict[int, str]:
    """glyph id -> its text when no shaped word says better: the probes', else the cmap's (once
    a process; WeasyPrint's own map stands behind it, for the glyphs neither knows)."""
    return {**cmap_texts(path), **probe_texts(path)}


@functools.cache
def font_spaces(path: str) -> frozenset[int]:
    """The glyphs whose text is white space."""
    return frozenset(glyph for glyph, text in font_texts(path).items() if text.isspace())
