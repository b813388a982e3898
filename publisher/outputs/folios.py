"""Folios stamped on pages laid out without them, so that the parts of a long volume need not
wait for one another.

A part's folios are the only thing in it that depends on the parts before it. When a layout
shows the page counter alone in margin boxes (as every bundled layout does), the parts are laid
out at once with those boxes emptied, and each page gets its folio afterwards, drawn exactly as
WeasyPrint draws it: a small specimen document, rendered with the layout's own stylesheet and
every other margin box emptied, shows the folio on each kind of page (first, left, right,
blank) at two widths. From it come the text object (position, font, size, colour), where the
number sits for a given width (centred, or at either end) and the glyph of each digit; a page's
folio is that text object with its own digits, drawn after the page's own content.

A layout that numbers pages in any other way (a folio with words around it, page numbers in the
text, counters reset on named pages) is left to the parts in turn, which WeasyPrint numbers.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import escape

from publisher.outputs import tj

MARGIN_BOXES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner", "right-top", "right-middle",
    "right-bottom", "bottom-right-corner", "bottom-right", "bottom-center", "bottom-left", "bottom-left-corner",
    "left-bottom", "left-middle", "left-top",
)
# Specimen pages: the folio each shows, None for a blank page (made by the break before the next).
# Between them every digit is drawn, and each kind of page shows numbers of two widths.
SPECIMEN = (1, 10, 23, 4, 5, None, 67, 89)
SECOND_FIRST = 11  # the first page again, two digits wide: a second specimen document
_FRONT_MATTER = ".contents"  # the bundled book's contents numbers its entries with target-counter


class Unstampable(Exception):
    """The layout's folios cannot be stamped: the parts are numbered in turn instead."""


# 1. Which margin boxes show the folio --------------------------------------------------------

def folio_boxes(css: str, *, counted: bool = False) -> tuple[str, ...]:
    """The margin boxes whose content is the page counter alone; Unstampable if pages are
    numbered in any other way the stamp could not reproduce. `counted`: the counter may be set
    (a part of a volume starts at its folio), for reading the folios a laid-out page shows."""
    import tinycss2

    boxes: set[str] = set()
    _scan(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), boxes, counted)
    if not boxes:
        raise Unstampable("no margin box shows the page counter")
    return tuple(sorted(boxes))


def _scan(rules, boxes: set[str], counted: bool = False) -> None:
    import tinycss2

    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
            _scan(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True), boxes, counted)
        elif rule.type == "at-rule" and rule.lower_at_keyword == "page" and rule.content:
            if ":nth" in tinycss2.serialize(rule.prelude).lower():
                raise Unstampable("@page :nth() rules: page groups the specimen does not have")
            for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
                if item.type == "declaration" and _counts_pages(item) and not counted:
                    raise Unstampable(f"@page sets the page counter ({item.lower_name})")
                if item.type == "at-rule" and item.lower_at_keyword in MARGIN_BOXES and item.content:
                    _margin_box(item, boxes)
        elif rule.type == "qualified-rule":
            selector = tinycss2.serialize(rule.prelude)
            for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
                if item.type == "declaration" and _uses_pages(item.value) and _FRONT_MATTER not in selector:
                    raise Unstampable(f"{selector.strip()} shows page numbers in the text")


def _margin_box(rule, boxes: set[str]) -> None:
    import tinycss2

    for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
        if item.type != "declaration" or item.lower_name != "content" or not _uses_pages(item.value):
            continue
        shown = [token for token in item.value if token.type not in ("whitespace", "comment")]
        if len(shown) != 1 or shown[0].type != "function" or shown[0].lower_name != "counter":
            raise Unstampable(f"@{rule.lower_at_keyword} shows the page counter with something else")
        boxes.add(rule.lower_at_keyword)


def _counts_pages(declaration) -> bool:
    return declaration.lower_name in ("counter-reset", "counter-set", "counter-increment") and any(
        token.type == "ident" and token.lower_value == "page" for token in declaration.value)


def _uses_pages(tokens) -> bool:
    """Whether a value shows a page number: counter(page), counters(page), target-counter(…, page)."""
    for token in tokens:
        if token.type == "function":
            names = [t.lower_value for t in token.arguments if t.type == "ident"]
            if token.lower_name in ("counter", "counters", "target-counter", "target-counters") and (
                    "page" in names or "pages" in names):
                return True
            if _uses_pages(token.arguments):
                return True
    return False


def hide(boxes: tuple[str, ...]) -> str:
    """CSS that empties `boxes` on every page, over whatever the layout says."""
    return "\n".join(f"@page {{ @{box} {{ content: none !important; }} }}" for box in boxes)


# 2. The specimen -----------------------------------------------------------------------------

def specimen_documents(lang: str, direction: str, boxes: tuple[str, ...]) -> tuple[str, str]:
    """Two HTML documents and the CSS to add to the layout's: pages that show nothing but their
    folios, the values of SPECIMEN (and SECOND_FIRST on a first page of its own)."""
    others = hide(tuple(box for box in MARGIN_BOXES if box not in boxes))

    def document(values) -> tuple[str, str]:
        resets, divs = [], []
        for index, value in enumerate(values):
            if value is None:
                continue
            resets.append(f"@page folio-{index} {{ counter-reset: page {value} !important; }}")
            after_blank = index and values[index - 1] is None
            divs.append(f'<div style="page: folio-{index};{" break-before: recto;" if after_blank else ""}"></div>')
        html = (f'<!DOCTYPE html><html lang="{escape(lang)}" dir="{escape(direction)}"><head><meta charset="utf-8">'
                f"</head><body>{''.join(divs)}</body></html>")
        return html, others + "\n" + "\n".join(resets)

    return document(SPECIMEN), document((SECOND_FIRST,))


@dataclass(frozen=True)
class _Drawing:
    """How a kind of page shows its folio: the state before the text object, the text object's
    lines with the x of its text matrix left open, and x for a number of a given width."""

    state: tuple[bytes, ...]
    before: tuple[bytes, ...]
    matrix: tuple[bytes, bytes]  # the Tm line before and after its x
    between: tuple[bytes, ...]  # from the Tm to the glyphs (the font and size)
    after: tuple[bytes, ...]
    x_at_zero: float
    per_width: float  # 0: the number starts at x; -0.5: centred on it; -1: ends at it


@dataclass
class Stamp:
    """What the specimen taught: a drawing for each kind of page, the digits' glyphs and widths,
    and the resources the drawings name (fonts, graphic states)."""

    drawings: dict[tuple[str, bool], _Drawing]  # ("recto" or "verso", first page) -> drawing
    glyphs: dict[str, int]  # "0"…"9" -> the glyph the folios draw for it, whatever digits they are written in
    widths: dict[int, float]  # glyph -> advance, in text space units at the folio's size
    resources: object
    on_blank: bool = False  # blank pages show their folios too, as the other pages of their side

    def content(self, folio: int, side: str, first: bool) -> bytes:
        drawing = self.drawings.get((side, first))
        if drawing is None:
            raise Unstampable(f"the specimen has no {'first ' if first else ''}{side} page")
        digits = [self.glyphs[d] for d in str(folio)]
        x = drawing.x_at_zero + drawing.per_width * sum(self.widths[g] for g in digits)
        show = b"[" + b"".join(b"<%04x>0" % g for g in digits) + b"] TJ"
        lines = [b"q", *drawing.state, *drawing.before, drawing.matrix[0] + b"%.6f" % x + drawing.matrix[1],
                 *drawing.between, show, *drawing.after, b"Q"]
        return b"\n".join(lines)


_TM = re.compile(rb"^(1 0 0 -?1 )(-?[\d.]+)( -?[\d.]+ Tm)$")
_TJ = re.compile(rb"^\[((?:<[0-9a-f]{4}>0?)+)\] TJ$")  # WeasyPrint's form, or the text layer's (no zeros)
_STATE = (b"cm", b"gs", b"rg", b"RG", b"g", b"G", b"k", b"K", b"cs", b"CS", b"sc", b"SC", b"scn", b"SCN")


def read_specimen(first_pdf: bytes, second_pdf: bytes) -> Stamp:
    """The Stamp from the two specimen PDFs; Unstampable if they are not what it expects."""
    try:
        return _read_specimen(first_pdf, second_pdf)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:  # not WeasyPrint's usual PDF
        raise Unstampable(f"the specimen could not be read: {type(exc).__name__}: {exc}") from exc


def _read_specimen(first_pdf: bytes, second_pdf: bytes) -> Stamp:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(first_pdf))
    second = pypdf.PdfReader(io.BytesIO(second_pdf))
    pages = list(reader.pages)
    if len(pages) != len(SPECIMEN) or len(second.pages) != 1:
        raise Unstampable(f"the specimen has {len(pages)} pages, not {len(SPECIMEN)}")
    samples: dict[tuple[str, bool], list[tuple[tuple, float, list[int]]]] = {}
    glyphs: dict[str, int] = {}
    on_blank = None
    for index, (page, value) in enumerate([*zip(pages, SPECIMEN, strict=True), (second.pages[0], SECOND_FIRST)]):
        parsed = _text_object(page.get_contents().get_data())
        if value is None:
            on_blank = (index, parsed) if parsed is not None else None
            continue
        if parsed is None:
            raise Unstampable(f"specimen page {index + 1} shows no folio")
        shape, x, drawn = parsed
        if len(drawn) != len(str(value)):
            raise Unstampable(f"folio {value} drawn with {len(drawn)} glyphs")
        for digit, glyph in zip(str(value), drawn, strict=True):
            if glyphs.setdefault(digit, glyph) != glyph:
                raise Unstampable(f"digit {digit} drawn with two glyphs")
        key = (side(index if index < len(pages) else 0), index in (0, len(pages)))
        samples.setdefault(key, []).append((shape, x, drawn))
    if sorted(glyphs) != list("0123456789"):
        raise Unstampable("the specimen lacks digits")
    font_widths = _widths(pages[0])
    drawings = {}
    for key, found in samples.items():
        if len({shape for shape, _, _ in found}) != 1:
            raise Unstampable(f"folios on {key} pages are drawn in more than one way")
        widths = [sum(font_widths.get(g, 0.0) for g in drawn) for _, _, drawn in found]
        (shape, x0, _), w0 = found[0], widths[0]
        other = next(((x, w) for (_, x, _), w in zip(found, widths, strict=True) if abs(w - w0) > 1e-6), None)
        if other is None:
            raise Unstampable(f"the specimen shows {key} pages at one width only")
        per_width = (other[0] - x0) / (other[1] - w0)
        anchor = min((0.0, -0.5, -1.0), key=lambda b: abs(b - per_width))
        if abs(anchor - per_width) > 1e-3 or any(
                abs(x0 + anchor * (w - w0) - x) > 1e-3 for (_, x, _), w in zip(found, widths, strict=True)):
            raise Unstampable(f"folios on {key} pages move unlike a number aligned in its box")
        drawings[key] = _Drawing(*shape, x_at_zero=x0 - anchor * w0, per_width=anchor)
    if on_blank is not None:  # folios on blank pages too: drawn as on the other pages of that side?
        index, (shape, x, drawn) = on_blank
        drawing = drawings.get((side(index), False))
        width = sum(font_widths.get(g, 0.0) for g in drawn)
        if (drawing is None or shape != (drawing.state, drawing.before, drawing.matrix, drawing.between, drawing.after)
                or abs(drawing.x_at_zero + drawing.per_width * width - x) > 1e-3):
            raise Unstampable("blank pages show their folios unlike the other pages")
    return Stamp(drawings=drawings, glyphs=glyphs, widths=font_widths, resources=pages[0]["/Resources"],
                 on_blank=on_blank is not None)


def side(index: int) -> str:
    """A page's side, counted from its document's first page: pages alternate, and a document's
    first page falls on the same side in a part as in the specimen (same page rules, same dir)."""
    return "recto" if index % 2 == 0 else "verso"


def _text_object(content: bytes):
    """((state, lines before Tm, Tm around x, lines after), x, glyphs) of a page's only text
    object, None if it has none; Unstampable if it has several or an unexpected form."""
    stack: list[list[bytes]] = [[]]
    found = None
    lines = content.split(b"\n")
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if line == b"q":
            stack.append([])
        elif line == b"Q" and len(stack) > 1:
            stack.pop()
        elif line == b"BT":
            if found is not None:
                raise Unstampable("a specimen page shows more than one text object")
            end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == b"ET"), None)
            if end is None:
                raise Unstampable("a specimen text object does not end")
            block = [x.strip() for x in lines[index + 1:end]]
            tm = [i for i, x in enumerate(block) if x.endswith(b" Tm")]
            shows = [i for i, x in enumerate(block) if x.endswith(b" TJ")]
            if len(tm) != 1 or len(shows) != 1 or not (matrix := _TM.match(block[tm[0]])) or not (
                    shown := _TJ.match(block[shows[0]])) or shows[0] < tm[0]:
                raise Unstampable("the folio is not one line of plain glyphs")
            drawn = tj.glyphs(shown.group(0))
            state = tuple(op for level in stack for op in level)
            shape = (state, (b"BT", *block[:tm[0]]), (matrix.group(1), matrix.group(3)),
                     tuple(block[tm[0] + 1:shows[0]]), (*block[shows[0] + 1:], b"ET"))
            found = (shape, float(matrix.group(2)), drawn)
            index = end
        elif line.split(b" ")[-1] in _STATE:
            stack[-1].append(line)
        index += 1
    return found


def _widths(page) -> dict[int, float]:
    """Glyph advances of the specimen's font at the folio's size, from the W array and Tf."""
    fonts = page["/Resources"]["/Font"]
    if len(fonts) != 1:
        raise Unstampable("the specimen's folios use more than one font")
    font = next(iter(fonts.values())).get_object()
    size = re.search(rb"/\S+ ([\d.]+) Tf", page.get_contents().get_data())
    if size is None:
        raise Unstampable("the specimen's folio has no font size")
    scale = float(size.group(1)) / 1000
    return {glyph: width * scale for glyph, width in widths_of(font["/DescendantFonts"][0].get_object()).items()}


def widths_of(descendant) -> dict[int, float]:
    """glyph -> advance in thousandths of an em, from a CID font's W array (both of its forms)."""
    widths: dict[int, float] = {}
    array = list(descendant.get("/W", []))
    index = 0
    while index < len(array):
        first = int(array[index])
        if isinstance(array[index + 1], list):
            for offset, width in enumerate(array[index + 1]):
                widths[first + offset] = float(width)
            index += 2
        else:
            for glyph in range(first, int(array[index + 1]) + 1):
                widths[glyph] = float(array[index + 2])
            index += 3
    return widths


# 3. Stamping ---------------------------------------------------------------------------------

class Stamper:
    """Adds folios to the pages of a pypdf writer: each page draws, after its own content and in
    its first graphic state, a stream of a few lines. The resources those lines name (the
    specimen's font, its graphic state) join the page's own under names of publisher's, once
    for all the pages that share a resource dictionary (WeasyPrint gives one to a document)."""

    def __init__(self, writer, stamp: Stamp, artifact: bool = False):
        from pypdf.generic import DecodedStreamObject, NameObject

        self.writer = writer
        self.stamp = stamp
        # In a tagged PDF every drawing is content or artifact (PDF/UA, ISO 14289-1, 7.8): a folio
        # is a pagination artifact, as tagged.py makes WeasyPrint's own.
        self.artifact = artifact
        specimen = stamp.resources.clone(writer).get_object()
        used = b"\n".join(line for drawing in stamp.drawings.values()
                          for line in (*drawing.state, *drawing.before, *drawing.between, *drawing.after))
        self.added: dict[str, dict] = {}  # category -> {publisher's name: object}
        renames: dict[bytes, bytes] = {}
        for category, entries in specimen.items():
            entries = entries.get_object()
            if not hasattr(entries, "items"):
                continue
            for name, value in entries.items():
                if re.search(rb"(?<![^\s\[])" + re.escape(name.encode()) + rb"(?=[\s\]])", used):
                    ours = f"/PublisherFolio{category.strip('/')}{len(renames)}"
                    renames[name.encode()] = ours.encode()
                    self.added.setdefault(category, {})[NameObject(ours)] = value
        self.rename = (re.compile(rb"(?<![^\s\[])(" + b"|".join(re.escape(n) for n in renames) + rb")(?=[\s\]])")
                       if renames else None)
        self.renames = renames
        self.done: set[int] = set()  # resource dictionaries that already hold the added names
        save = DecodedStreamObject()
        save.set_data(b"q\n")
        self.save = writer._add_object(save)

    def __call__(self, page, folio: int, side: str, first: bool) -> None:
        from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

        content = self.stamp.content(folio, side, first)
        if self.rename:
            content = self.rename.sub(lambda match: self.renames[match.group(1)], content)
        if self.artifact:
            content = b"/Artifact <</Type /Pagination>> BDC\n" + content + b"\nEMC"
        stream = DecodedStreamObject()
        stream.set_data(b"\nQ\n" + content + b"\n")
        if "/Resources" not in page:
            page[NameObject("/Resources")] = DictionaryObject()
        resources = page["/Resources"].get_object()
        if id(resources) not in self.done:
            self.done.add(id(resources))
            for category, entries in self.added.items():
                if category not in resources:
                    resources[NameObject(category)] = DictionaryObject()
                resources[category].get_object().update(entries)
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else ArrayObject()
        parts = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
        page[NameObject("/Contents")] = ArrayObject([self.save, *parts, self.writer._add_object(stream.flate_encode())])
