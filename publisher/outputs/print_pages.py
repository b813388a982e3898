"""Print equivalence: where each printed page begins, and what number it carries.

A PDF made in the same run as an EPUB tells the EPUB where its pages begin, so that the EPUB can
carry page-break markers at those places, labelled with the folios printed on the pages, and a
page list (EPUB Accessibility 1.1, print page navigation): a reader of the e-book can follow a
class reading from the printed copy, and cite it. The PDF's own page labels are the same folios,
so that a viewer's page box shows what the page shows.

Both documents are made from the same article HTML: the print one laid out by WeasyPrint, the
EPUB one packed by ebooklib. A place in an article is the same in both: its block (a paragraph,
heading, list item, …, counted in document order among the article's) and the number of
characters of that block's text before it, white space collapsed. Notes are left out of the
count, since print sets them at the foot of the page and the EPUB after the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from publisher.model import PageStart

# The elements whose text is counted as one block: text belongs to the nearest of them.
BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "td", "th", "caption",
                    "figcaption", "pre", "blockquote", "address"})
# Blocks that a marker goes inside (at their start) rather than before: their parent takes no span.
_MARKER_INSIDE = frozenset({"li", "dt", "dd", "td", "th", "caption"})
_NOTE_CLASSES = frozenset({"footnote", "footnote-repeat"})
_NOTE_TYPES = frozenset({"footnote", "noteref", "endnote", "rearnote"})
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
_WHITE = re.compile(r"[ \t\n\r\f]+")  # CSS white space (never a no-break space)
_HYPHENS = "-\u2010\u00ad"


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _is_note(element) -> bool:
    if _local(element.tag) == "aside":
        return True
    classes = set((element.get("class") or "").split())
    epub_type = set((element.get("epub:type") or element.get(_EPUB_TYPE) or "").split())
    return bool(classes & _NOTE_CLASSES or epub_type & _NOTE_TYPES)


def _collapse(text: str) -> str:
    return _WHITE.sub(" ", text)


def _articles(root) -> Iterator[tuple[str, object]]:
    """(slug, <article> element) for each article of a document (layouts give it id="article-SLUG")."""
    for element in root.iter():
        if _local(element.tag) == "article" and (element.get("id") or "").startswith("article-"):
            yield element.get("id").removeprefix("article-"), element


def blocks(article) -> list:
    """The article's blocks in document order, notes left out."""
    found: list = []

    def walk(element) -> None:
        for child in element:
            if not isinstance(child.tag, str) or _is_note(child):
                continue
            if _local(child.tag) in BLOCKS:
                found.append(child)
            walk(child)

    walk(article)
    return found


def _pieces(block) -> Iterator[tuple[object, str, str]]:
    """(element, "text" or "tail", string) of the text that belongs to `block` itself, in order:
    what nested blocks and notes hold is theirs."""

    def walk(element, own: bool) -> Iterator[tuple[object, str, str]]:
        if own and element.text:
            yield element, "text", element.text
        for child in element:
            if not isinstance(child.tag, str):
                if child.tail:
                    yield child, "tail", child.tail
                continue
            nested = _is_note(child) or _local(child.tag) in BLOCKS
            if not nested:
                yield from walk(child, True)
            if child.tail:
                yield child, "tail", child.tail

    yield from walk(block, True)


def block_text(block) -> str:
    """The block's own text, white space collapsed, as the offsets of PageStart count it."""
    return _collapse("".join(piece for _, _, piece in _pieces(block))).lstrip(" ")


# 1. Where the laid-out pages begin (WeasyPrint 70's boxes, as text_layer and folios read them) --

def page_starts(rendered, root, folio_of: Iterable[str]) -> tuple[PageStart, ...]:
    """Each page of a WeasyPrint document that begins inside an article's text: where it begins.
    `root` is the document's element tree, `folio_of` the folio each page shows ("" for none: a
    page without one gets no marker, unless a long volume stamps its folio later)."""
    from weasyprint.formatting_structure import boxes

    where: dict[int, tuple[str, int]] = {}  # id(block element) -> (article slug, block index)
    for slug, article in _articles(root):
        for index, block in enumerate(blocks(article)):
            where[id(block)] = (slug, index)
    texts: dict[int, str] = {}
    cursors: dict[int, int] = {}
    starts: list[PageStart] = []

    def first_text(box, block) -> tuple[object, int] | None:
        """Walk a page's boxes in order, advancing each block's cursor; the first (block, offset)."""
        first = None
        stack = [(box, block)]
        while stack:
            box, block = stack.pop()
            tag = box.element_tag or ""
            if "::" in tag or isinstance(box, (boxes.MarginBox, boxes.FootnoteAreaBox)):
                continue
            element = box.element
            if element is not None and (_is_note(element)):
                continue
            if element is not None and id(element) in where and not isinstance(box, boxes.TextBox):
                block = element
            if isinstance(box, boxes.TextBox):
                if block is None or box.element is None:
                    continue
                offset = _advance(block, box.text, texts, cursors)
                if offset is not None and first is None:
                    first = (block, offset)
                continue
            if isinstance(box, boxes.ParentBox):
                stack.extend((child, block) for child in reversed(box.children))
        return first

    for index, (page, folio) in enumerate(zip(rendered.pages, folio_of, strict=True)):
        found = first_text(page._page_box, None)
        if found is None:
            continue
        block, offset = found
        slug, number = where[id(block)]
        starts.append(PageStart(page=index, folio=folio, article=slug, block=number, offset=offset))
    return tuple(starts)


def _advance(block, text: str, texts: dict[int, str], cursors: dict[int, int]) -> int | None:
    """Where `text` (one laid-out piece of the block) begins in the block's text, from the cursor."""
    key = id(block)
    if key not in texts:
        texts[key] = block_text(block).lower()
    whole, cursor = texts[key], cursors.get(key, 0)
    piece = _collapse(text).strip(" ").lower()
    if not piece:
        return None
    found = whole.find(piece, cursor)
    if found < 0:  # a hyphen the line break added, or text transformed out of recognition
        found = whole.find(piece.rstrip(_HYPHENS), cursor)
    if found < 0:
        found = cursor
    cursors[key] = found + len(piece.rstrip(_HYPHENS))
    return found


def margin_text(page, keywords: Iterable[str]) -> str:
    """The text a page shows in the named margin boxes ("@bottom-center"): its folio."""
    from weasyprint.formatting_structure import boxes

    wanted = set(keywords)
    for box in page._page_box.children:
        if isinstance(box, boxes.MarginBox) and box.at_keyword in wanted:
            text = "".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox)).strip()
            if text:
                return text
    return ""


# 2. Page-break markers in the EPUB's content documents ----------------------------------------

def mark(document_root, starts: Iterable[PageStart], make_marker) -> None:
    """Insert a marker (`make_marker(start)`, an element) at each start in the document's articles."""
    by_article: dict[str, list[PageStart]] = {}
    for start in starts:
        by_article.setdefault(start.article, []).append(start)
    for slug, article in _articles(document_root):
        if slug not in by_article:
            continue
        found = blocks(article)
        # Last first: an insertion never moves a place still to be marked in the same block.
        for start in sorted(by_article[slug], key=lambda s: (s.block, s.offset), reverse=True):
            if start.block < len(found):
                _insert(found[start.block], start.offset, make_marker(start))


def _insert(block, offset: int, marker) -> None:
    pieces = list(_pieces(block))
    positions = _raw_positions(pieces)
    if offset >= len(positions):
        offset = len(positions) - 1
    if offset <= 0 or not positions:
        if _local(block.tag) in _MARKER_INSIDE or block.getparent() is None:
            marker.tail = block.text
            block.text = None
            block.insert(0, marker)
        else:
            block.addprevious(marker)
        return
    # At the start of the word the page begins in: a marker inside a word would split it.
    text = "".join(p for _, _, p in pieces)
    piece_index, at = positions[offset]
    raw = sum(len(p) for _, _, p in pieces[:piece_index]) + at
    while raw > 0 and not text[raw - 1].isspace():
        raw -= 1
    index = 0
    while raw > len(pieces[index][2]) and index < len(pieces) - 1:
        raw -= len(pieces[index][2])
        index += 1
    element, slot, piece = pieces[index]
    at = min(raw, len(piece))
    before, after = piece[:at], piece[at:]
    if slot == "text":
        element.text = before
        marker.tail = after
        element.insert(0, marker)
    else:
        element.tail = before
        marker.tail = after
        element.addnext(marker)


def _raw_positions(pieces: list[tuple[object, str, str]]) -> list[tuple[int, int]]:
    """For each character of block_text: (piece index, index in that piece) of the raw character."""
    positions: list[tuple[int, int]] = []
    last_white = True  # leading white space is dropped, as block_text drops it
    for index, (_, _, piece) in enumerate(pieces):
        for at, char in enumerate(piece):
            white = char in " \t\n\r\f"
            if white and last_white:
                continue
            positions.append((index, at))
            last_white = white
    return positions


# 3. Page labels equal to the folios -----------------------------------------------------------

_ROMAN = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90), ("l", 50), ("xl", 40),
          ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))


def roman(number: int) -> str:
    out = ""
    for letters, value in _ROMAN:
        while number >= value:
            out += letters
            number -= value
    return out


def labels(shown: tuple[str, ...]) -> list[str]:
    """A label a page: its folio; before the first folio, roman numerals (front matter); a page
    without one after it (a blank page) the number it would have shown, in the same digits."""
    found: list[str] = []
    first = next((index for index, folio in enumerate(shown) if folio), None)
    if first is None:
        return []
    for index, folio in enumerate(shown):
        if folio:
            found.append(folio)
        elif index < first:
            found.append(roman(index + 1))
        else:
            previous = found[-1]
            try:
                value = int("".join(str(unicodedata.digit(ch)) for ch in previous))
            except (TypeError, ValueError):
                found.append(previous)
                continue
            zero = ord(previous[0]) - unicodedata.digit(previous[0])
            found.append("".join(chr(zero + int(d)) for d in str(value + 1)))
    return found


def label_ranges(labels: list[str]) -> list[tuple[int, dict]]:
    """/PageLabels /Nums entries for one label a page: a run of western numbers or lower-case
    roman numerals counting up by one is one range (/S /D or /S /r with /St); any other label
    (folios in Arabic-Indic digits, say) is a range of one page with the label as its prefix /P,
    since PDF has no numbering style in other digits."""
    ranges: list[tuple[int, dict]] = []
    previous: tuple[str, int] | None = None
    for index, label in enumerate(labels):
        style = ("D", int(label)) if label.isascii() and label.isdigit() else None
        if style is None and label and re.fullmatch(r"[ivxlcdm]+", label) and roman(_from_roman(label)) == label:
            style = ("r", _from_roman(label))
        if style and previous and previous[0] == style[0] and previous[1] + 1 == style[1]:
            previous = style
            continue
        if style:
            ranges.append((index, {"S": style[0], "St": style[1]}))
        else:
            ranges.append((index, {"P": label}))
        previous = style
    return ranges


def _from_roman(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    for index, char in enumerate(text):
        value = values[char]
        if index + 1 < len(text) and values[text[index + 1]] > value:
            total -= value
        else:
            total += value
    return total
