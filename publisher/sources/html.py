"""HTML as a CMS exports it: the article's structure kept, everything else sanitised by nh3.

No script, style, iframe, object, form, event attribute or remote reference survives. Images
beside the file are kept as assets; any other image gives way to its alt text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import nh3
from lxml import html as lxml_html

from publisher.errors import InputError
from publisher.model import Article, Asset, Notice
from publisher.sources.assets import Refused
from publisher.sources.assets import image as take_image
from publisher.sources.decode import decode_text, read_bytes
from publisher.sources.meta import build_article, load_sidecar

# What an article's body may be made of, and the attributes each element may keep.
TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "q", "cite", "ul", "ol", "li",
    "dl", "dt", "dd", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "abbr", "time",
    "code", "pre", "kbd", "span", "div", "section", "figure", "figcaption", "img", "a", "table", "thead",
    "tbody", "tfoot", "tr", "th", "td", "caption", "bdi", "bdo", "aside",
}
ATTRIBUTES = {
    "*": {"dir", "lang", "title", "class"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start"},
}
# The classes a body keeps, as the layouts name them: what a writer asks to be set apart (a pull
# quote, a box), a picture's caption and credit. Every other class is dropped. WordPress's own
# block classes mean the same.
CLASSES = {"pullquote": "pullquote", "pull-quote": "pullquote", "wp-block-pullquote": "pullquote",
           "box": "box", "sidebar": "box", "factbox": "box", "caption": "caption", "wp-caption-text": "caption",
           "figure-credit": "figure-credit"}


def _kept_classes(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    return " ".join(dict.fromkeys(CLASSES[name] for name in value.split() if name in CLASSES)) or None


# Removed with everything inside them, not just unwrapped.
# (An <object> is unwrapped instead: what it holds is the fallback text readers are meant to see.)
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "embed", "noscript", "template", "svg", "math",
                        "form", "button", "select", "textarea", "canvas", "audio", "video", "head", "title"}
_HEADING = re.compile(r"^h([1-6])$")
# Deeper than this, wrappers are unwrapped (their text kept): no article needs it, and parsers and
# renderers that recurse through the tree lose or crash on a hostile one.
MAX_DEPTH = 60


def read(path: Path, settings=None) -> Iterator[Article]:
    decoded = decode_text(read_bytes(path), path)
    warnings = list(decoded.warnings)
    if not decoded.text.strip():
        raise InputError("is empty", path=path, hint="export the article again")
    shallow = cap_depth(decoded.text)
    if shallow != decoded.text:
        warnings.append(Notice("html-unwrapped", f"HTML nested more than {MAX_DEPTH} levels deep: the deeper "
                               "wrappers were unwrapped, their text kept"))
    page = lxml_html.document_fromstring(shallow, parser=_parser())
    meta = {**_metadata(page), **load_sidecar(path)}
    root = _content_root(page)
    title = str(meta.get("title") or "")
    heading = root.find(".//h1")
    if heading is not None:
        text = heading.text_content().strip()
        if not title or text == title:
            title = title or text
            heading.drop_tree()
    body, assets = clean_fragment(lxml_html.tostring(root, encoding="unicode"), path, warnings,
                                  allow_remote=getattr(settings, "allow_remote", ()))
    meta.pop("title", None)
    yield build_article(meta, path=path, body_html=body, title=title, warnings=warnings, assets=assets)


def _parser():
    return lxml_html.HTMLParser(huge_tree=True)


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


class _DepthCap(HTMLParser):
    """Re-writes HTML with every element nested deeper than MAX_DEPTH unwrapped and its text kept.

    libxml2 (lxml) silently drops whatever lies more than about 2,000 levels deep, and renderers
    recurse through the tree; this streams events, so no depth can stop it.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.stack: list[bool] = []  # for each open element: was it written out?

    def _tag(self, tag: str, attrs) -> str:
        rendered = "".join(f' {name}="{escape(value or "", quote=True)}"' for name, value in attrs)
        return f"<{tag}{rendered}>"

    def handle_starttag(self, tag, attrs):
        written = len(self.stack) < MAX_DEPTH or tag in ("html", "head", "body")
        if written:
            self.out.append(self._tag(tag, attrs))
        if tag not in _VOID:
            self.stack.append(written)

    def handle_startendtag(self, tag, attrs):
        if len(self.stack) < MAX_DEPTH:
            self.out.append(self._tag(tag, attrs))

    def handle_endtag(self, tag):
        if tag in _VOID or not self.stack:
            return
        if self.stack.pop():
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(escape(data, quote=False))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")


_TAG_EVENT = re.compile(r"<(/)?[a-zA-Z][^>]*>")


def cap_depth(markup: str) -> str:
    """`markup` as it is when it is shallow enough; else rewritten with deep wrappers unwrapped."""
    depth = deepest = 0
    for match in _TAG_EVENT.finditer(markup):
        depth += -1 if match[1] else 1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH * 2:
            break
    if deepest <= MAX_DEPTH * 2:  # a rough count (void elements count as open): most documents pass as they are
        return markup
    parser = _DepthCap()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)


def _metadata(page) -> dict:
    """Fields a CMS puts in the page head: Open Graph, article:*, name=author, <html lang>."""
    def meta(*names: str) -> str:
        for name in names:
            for attribute in ("property", "name", "itemprop"):
                found = page.xpath(f"//meta[@{attribute}=$n]/@content", n=name)
                if found and found[0].strip():
                    return found[0].strip()
        return ""

    fields = {
        "title": meta("og:title", "twitter:title", "headline") or (page.findtext(".//title") or "").strip(),
        "author": meta("author", "article:author", "byl", "dc.creator"),
        "date": meta("article:published_time", "datePublished", "date", "dc.date", "pubdate")[:10],
        "summary": meta("description", "og:description"),
        "tags": meta("keywords", "news_keywords"),
        "lang": page.get("lang") or meta("og:locale", "language"),
    }
    if not fields["date"] and (times := page.xpath("//time/@datetime")):
        fields["date"] = times[0][:10]
    return {key: value for key, value in fields.items() if value}


def _content_root(page):
    """The article itself when the page marks it, else the main part, else the whole body."""
    for query in ("//article", "//main", "//*[@role='main']", "//body"):
        if found := page.xpath(query):
            return found[0]
    return page


def clean_fragment(
    markup: str, path: Path, warnings: list[str], embedded: dict[str, bytes] | None = None,
    allow_remote: tuple[str, ...] = (),
) -> tuple[str, dict[str, Asset]]:
    """Sanitised body HTML and its images: what survives nh3, images beside `path` (or among the
    `embedded` ones a Word file carried) as assets, headings shifted under the title's h1. Also
    used for HTML bodies inside JSON exports and for Word documents."""
    cleaned = nh3.clean(markup, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                        clean_content_tags=DROPPED_WITH_CONTENT, link_rel=None, strip_comments=True,
                        attribute_filter=_kept_classes)
    if not cleaned.strip():
        return "", {}
    shallow = cap_depth(cleaned)
    if shallow != cleaned:
        warnings.append(Notice("html-unwrapped", f"HTML nested more than {MAX_DEPTH} levels deep: the deeper "
                               "wrappers were unwrapped, their text kept"))
    fragment = lxml_html.fragment_fromstring(shallow, create_parent="div", parser=_parser())
    assets: dict[str, Asset] = {}
    for image in fragment.iter("img"):
        if embedded and (src := image.get("src", "")) in embedded:
            assets[src] = embedded[src]
            continue
        try:
            url, file = take_image(image.get("src", ""), path, allow_remote)
        except Refused as refusal:
            warnings.append(Notice("image-refused", f"{refusal}: its alt text is kept instead"))
            alt = image.get("alt", "")
            image.attrib.clear()
            image.tag, image.text = "span", alt
            continue
        image.set("src", url)
        assets[url] = file
    levels = [int(m[1]) for el in fragment.iter() if isinstance(el.tag, str) and (m := _HEADING.match(el.tag))]
    shift = 2 - min(levels) if levels and min(levels) < 2 else 0
    for element in fragment.iter():
        if shift and isinstance(element.tag, str) and (match := _HEADING.match(element.tag)):
            element.tag = f"h{min(int(match[1]) + shift, 6)}"
    loose = (fragment.text or "").strip()  # text directly in the root, before any element
    body = f"<p>{escape(loose)}</p>" if loose else ""
    body += "\n".join(lxml_html.tostring(child, encoding="unicode").strip() for child in fragment)
    return body, assets
