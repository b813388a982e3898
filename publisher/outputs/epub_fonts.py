"""Which bundled face sets which characters of an EPUB: what its fonts are cut to.

An EPUB that carries every face at every character its articles hold carries Amiri's italics
though it sets no italic, and the symbols face though it draws no symbol: 30,000 such files are
gigabytes. Here each content document is styled as a reading system styles it, by WeasyPrint's own
cascade (css.get_all_computed_styles, no layout: a few milliseconds a document), and each run of
text goes, character by character, to the face a reading system would draw it with: the first
family of its font-family list that the EPUB carries and whose face at the run's weight and style
(matched as CSS Fonts 4, 5.2 does) has the character, as a reading system falls back from face to
face. A face no character goes to is not carried, and its @font-face rule goes with it.

Nothing is fetched while styling: the one stylesheet a document links is handed over from memory,
any other URL is refused (article text is data).
"""

from __future__ import annotations

import re
from collections import defaultdict

from publisher import fonts

# The @font-face rules fonts.font_face_css writes, one a line: styling needs no fonts loaded.
_FONT_FACE = re.compile(r"^@font-face \{.*\}$", re.MULTILINE)
_LINK = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*/>")


def _matched(candidates: list[fonts.Face], weight: int, italic: bool) -> fonts.Face | None:
    """The face CSS font matching picks among one family's faces (CSS Fonts 4, 5.2): the style
    first (an italic asked for and none there: the upright face, slanted by the reader), then the
    weight (above 500: the nearest heavier, else lighter; below 400: the nearest lighter, else
    heavier; from 400 to 500: up to 500, then lighter, then heavier)."""
    styled = [face for face in candidates if (face.style == "italic") == italic] or candidates
    if not styled:
        return None

    def rank(face: fonts.Face) -> tuple[int, int]:
        w = face.weight
        if weight > 500:
            return (0, w - weight) if w >= weight else (1, weight - w)
        if weight < 400:
            return (0, weight - w) if w <= weight else (1, w - weight)
        if weight <= w <= 500:
            return (0, w - weight)
        return (1, weight - w) if w < weight else (2, w - weight)

    return min(styled, key=rank)


def characters_by_face(documents: list[str], stylesheet: str, carried: tuple[fonts.Face, ...],
                       kept=None) -> dict[fonts.Face, set[str]]:
    """Each carried face -> the characters `documents` (XHTML content documents, each linking
    `stylesheet`) set in it. `kept` (kept.Kept): what an earlier build found in a document of the
    same digest (with the same stylesheet and faces, and the same publisher), not styled again."""
    import hashlib

    found: dict[fonts.Face, set[str]] = defaultdict(set)
    digest = hashlib.sha256(stylesheet.encode() + repr(carried).encode())
    if kept is not None:
        digest.update(kept.environment().encode())
    styler = None
    for document in documents:
        each = digest.copy()
        each.update(document.encode())
        key = each.hexdigest()
        saved = kept.characters(key) if kept is not None else None
        if saved is None:
            styler = styler or _Styler(stylesheet, carried)
            saved = [[index, "".join(sorted(chars))] for index, chars in sorted(styler.characters(document).items())]
            if kept is not None:
                kept.keep_characters(key, saved)
        for index, chars in saved:
            found[carried[index]].update(chars)
    # A face that would set nothing but spaces is not worth carrying (its cut would have no cmap
    # at all): a reader spaces with the next one.
    return {face: chars for face, chars in found.items() if any(not char.isspace() for char in chars)}


class _Styler:
    """Content documents styled as a reader styles them, with one stylesheet and one set of faces."""

    def __init__(self, stylesheet: str, carried: tuple[fonts.Face, ...]) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        class Refused(URLFetcher):
            def fetch(self, url, headers=None):
                raise ValueError(f"nothing is fetched while choosing an EPUB's fonts: {url}")

        self.refused = Refused()
        self.sheet = CSS(string=_FONT_FACE.sub("", stylesheet), url_fetcher=self.refused)
        # One for every document: made anew for each, it was a quarter of a 400-article book's EPUB.
        # It loads no font (the sheet has no @font-face), so nothing a document holds reaches it.
        self.font_config = FontConfiguration()
        self.carried = carried
        self.by_family: dict[str, list[fonts.Face]] = defaultdict(list)
        for face in carried:
            self.by_family[face.family].append(face)

    def characters(self, document: str) -> dict[int, set[str]]:
        """The index in `carried` of each face `document` sets text in -> the characters it sets."""
        from weasyprint import HTML
        from weasyprint.css import get_all_computed_styles

        found: dict[fonts.Face, set[str]] = defaultdict(set)
        # The stylesheet is given from memory (as the reader's), its link left out.
        html = HTML(string=_LINK.sub("", document), url_fetcher=self.refused)
        style_for = get_all_computed_styles(html, user_stylesheets=[self.sheet], font_config=self.font_config)
        _walk(html.etree_element, style_for, self.by_family, found)
        return {self.carried.index(face): chars for face, chars in found.items()}


# What generated content may set, where the cascade does not spell it out.
_DIGITS = "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹."
_QUOTES = "\"'“”‘’«»‹›„‚"
_MARKERS = {"disc": "•", "circle": "◦", "square": "▪", "none": ""}


def _walk(root, style_for, by_family, found) -> None:
    """Every element's text, its tails, its ::before and ::after content and its list marker, to
    their faces."""
    stack = [(root, None)]
    while stack:
        element, parent_style = stack.pop()
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        style = style_for(element)
        if style is None:  # (WeasyPrint's computed styles fill in as they are read: never test them for truth)
            style = parent_style
        if style is None or style["display"] in (("none",), "none"):
            continue
        if element.text:
            _assign(element.text, style, by_family, found)
        if "list-item" in style["display"]:
            marker = style_for(element, "marker")
            kind = style["list_style_type"]
            text = _MARKERS.get(kind, _DIGITS) if isinstance(kind, str) else "".join(map(str, kind))
            _assign(text, style if marker is None else marker, by_family, found)
        for pseudo in ("before", "after"):
            pseudo_style = style_for(element, pseudo)
            if pseudo_style is not None:
                _assign(_generated(element, pseudo_style["content"]), pseudo_style, by_family, found)
        for child in element:
            stack.append((child, style))
            if child.tail:
                _assign(child.tail, style, by_family, found)


def _generated(element, content) -> str:
    """The characters a ::before or ::after `content` may set: its strings, the attributes it
    reads, and, for quotes and counters, every quotation mark and digit it could be."""
    if not isinstance(content, (list, tuple)):
        return ""
    text = []
    for kind, value in content:
        if kind == "string":
            text.append(value)
        elif kind == "quote":
            text.append(_QUOTES)
        elif kind.startswith("counter"):
            text.append(_DIGITS + "".join(v for v in (value if isinstance(value, (list, tuple)) else ())
                                          if isinstance(v, str)))
        elif kind.startswith("attr"):
            name = value[0] if isinstance(value, (list, tuple)) and value else value
            text.append(element.get(name, "") if isinstance(name, str) else "")
    return "".join(text)


def _assign(text: str, style, by_family, found) -> None:
    transform = style["text_transform"]
    if transform != "none":
        text = text + text.upper() + text.lower()  # the cased forms a reader may set
    weight = style["font_weight"]
    italic = style["font_style"] != "normal"
    faces = [face for name in style["font_family"]
             if (face := _matched(by_family.get(name, []), weight, italic)) is not None]
    for char in set(text):
        if char.isspace():
            if faces:
                found[faces[0]].add(char)
            continue
        code = ord(char)
        for face in faces:
            if code in fonts.face_unicodes(face):
                found[face].add(char)
                break
