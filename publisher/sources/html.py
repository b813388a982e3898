"""HTML as a CMS exports it: the article's structure kept, everything else sanitised by nh3.

No script, style, iframe, object, form, event attribute or remote reference survives. Images
beside the file are kept as assets; any other image gives way to its alt text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from pathlib import Path

import nh3
from lxml import html as lxml_html

from publisher.errors import InputError
from publisher.model import Article, Asset
from publisher.sources.assets import Refused
from publisher.sources.assets import image as take_image
from publisher.sources.decode import decode_text, read_bytes
from publisher.sources.meta import build_article, load_sidecar

# What an article's body may be made of, and the attributes each element may keep.
TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "q", "cite", "ul", "ol", "li",
    "dl", "dt", "dd", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "abbr", "time",
    "code", "pre", "kbd", "span", "div", "section", "figure", "figcaption", "img", "a", "table", "thead",
    "tbody", "tfoot", "tr", "th", "td", "caption", "bdi", "bdo",
}
ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "ol": {"start"},
}
# Removed with everything inside them, not just unwrapped.
# (An <object> is unwrapped instead: what it holds is the fallback text readers are meant to see.)
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "embed", "noscript", "template", "svg", "math",
                        "form", "button", "select", "textarea", "canvas", "audio", "video", "head", "title"}
_HEADING = re.compile(r"^h([1-6])$")


def read(path: Path, settings=None) -> Iterator[Article]:
    decoded = decode_text(read_bytes(path), path)
    warnings = list(decoded.warnings)
    if not decoded.text.strip():
        raise InputError("is empty", path=path, hint="export the article again")
    page = lxml_html.document_fromstring(decoded.text)
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
                        clean_content_tags=DROPPED_WITH_CONTENT, link_rel=None, strip_comments=True)
    if not cleaned.strip():
        return "", {}
    fragment = lxml_html.fragment_fromstring(cleaned, create_parent="div")
    assets: dict[str, Asset] = {}
    for image in fragment.iter("img"):
        if embedded and (src := image.get("src", "")) in embedded:
            assets[src] = embedded[src]
            continue
        try:
            url, file = take_image(image.get("src", ""), path, allow_remote)
        except Refused as refusal:
            warnings.append(f"{refusal}: its alt text is kept instead")
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
