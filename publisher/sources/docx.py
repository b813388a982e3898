"""Word documents (.docx) through mammoth, which maps Word's styles to clean HTML: headings,
paragraphs, bold and italic, lists, tables, images. Title, author, date and language come from
the document's properties."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from publisher.errors import InputError
from publisher.model import Article, Notice
from publisher.sources.assets import Refused, check_image, content_url, sniff_suffix
from publisher.sources.decode import read_bytes
from publisher.sources.html import clean_fragment
from publisher.sources.meta import build_article, load_sidecar

# Word's own title, subtitle and caption styles, which mammoth leaves unmapped by default, and the
# paragraph styles a writer names for a pull quote or a box (Word's own "Intense Quote" is a pull
# quote; a style of one's own called "Pull Quote", "Pullquote" or "Box" says it outright).
STYLE_MAP = """
p[style-name='Title'] => h1.title:fresh
p[style-name='Subtitle'] => p.subtitle:fresh
p[style-name='Caption'] => p.caption:fresh
p[style-name='Pull Quote'] => aside.pullquote > p:fresh
p[style-name='Pullquote'] => aside.pullquote > p:fresh
p[style-name='Intense Quote'] => aside.pullquote > p:fresh
p[style-name='Box'] => aside.box > p:fresh
p[style-name='Quote'] => blockquote > p:fresh
"""
_CORE = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
         "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/"}


def read(path: Path, settings=None) -> Iterator[Article]:
    import mammoth

    data = read_bytes(path)
    if not zipfile.is_zipfile(BytesIO(data)):
        raise InputError("is not a Word .docx file (not a zip archive)", path=path,
                         hint="save it from Word as .docx; older .doc files are not read")
    images: dict[str, bytes] = {}
    warnings: list[str] = []

    def take_image(image) -> dict[str, str]:
        with image.open() as stream:
            blob = stream.read()
        suffix = sniff_suffix(blob)
        if suffix is None:
            warnings.append(Notice("image-refused", f"an image of type {image.content_type} cannot be printed: "
                                                    "its alt text is kept"))
            return {"alt": image.alt_text or ""}
        try:
            check_image(blob, image.alt_text or "an embedded image")
        except Refused as refusal:
            warnings.append(Notice("image-refused", f"{refusal}: its alt text is kept instead"))
            return {"alt": image.alt_text or ""}
        url = content_url(blob, suffix)
        images[url] = blob
        return {"src": url, "alt": image.alt_text or ""}

    try:
        result = mammoth.convert_to_html(BytesIO(data), style_map=STYLE_MAP,
                                         convert_image=mammoth.images.img_element(take_image))
    except (KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise InputError(f"cannot be read as a Word document ({exc})", path=path,
                         hint="open it in Word and save it again as .docx") from None
    warnings.extend(Notice("word", f"Word: {m.message}") for m in result.messages if m.type == "warning"
                    and "style" not in m.message.lower())  # unmapped custom styles are normal, not news
    meta = {**_properties(data), **load_sidecar(path)}
    markup, title, subtitle = _take_title(result.value, str(meta.get("title") or ""))
    body, assets = clean_fragment(markup, path, warnings, embedded=images)
    if subtitle and not meta.get("subtitle"):
        meta["subtitle"] = subtitle
    meta.pop("title", None)
    yield build_article(meta, path=path, body_html=body, title=title, warnings=warnings, assets=assets)


def _properties(data: bytes) -> dict[str, str]:
    """docProps/core.xml: what File > Properties says of the document."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            root = etree.fromstring(archive.read("docProps/core.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    fields = {
        "title": root.findtext("dc:title", namespaces=_CORE),
        "author": root.findtext("dc:creator", namespaces=_CORE),
        "lang": root.findtext("dc:language", namespaces=_CORE),
        "summary": root.findtext("dc:description", namespaces=_CORE),
        "subtitle": root.findtext("dc:subject", namespaces=_CORE),
        "tags": root.findtext("cp:keywords", namespaces=_CORE),
    }
    return {key: value.strip() for key, value in fields.items() if value and value.strip()}


def _take_title(markup: str, title: str) -> tuple[str, str, str]:
    """The Title-styled paragraph or the first heading 1 is the title; a Subtitle paragraph the subtitle."""
    if not markup.strip():
        return markup, title, ""
    fragment = lxml_html.fragment_fromstring(markup, create_parent="div")
    subtitle = ""
    found = fragment.find("h1")
    if found is not None and (not title or found.text_content().strip() == title):
        title = title or found.text_content().strip()
        found.drop_tree()
    sub = fragment.find("p[@class='subtitle']")
    if sub is not None:
        subtitle = sub.text_content().strip()
        sub.drop_tree()
    return "".join(lxml_html.tostring(child, encoding="unicode") for child in fragment), title, subtitle
