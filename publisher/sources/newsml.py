"""IPTC NewsML-G2, as news agencies send their copy: a newsItem (or each newsItem of a
newsMessage) is an article. Its headline, by-line, dateline and the place it is located at, its
subjects as tags, its date, and the body its inline XHTML (or plain text) holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from publisher.errors import InputError
from publisher.model import Article
from publisher.sources.records import from_items
from publisher.sources.xml import safe_parser

NAR = "{http://iptc.org/std/nar/2006-10-01/}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def read_data(data: bytes, path: Path, settings=None) -> Iterator[Article]:
    from lxml import etree

    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InputError(f"is not well-formed XML: {exc}", path=path, hint="ask the agency to send it again") from None
    items = [root] if root.tag == f"{NAR}newsItem" else list(root.iter(f"{NAR}newsItem"))
    if not items:
        raise InputError("is NewsML with no newsItem", path=path)
    yield from from_items((_item(item) for item in items), path, settings)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _item(item) -> dict:
    from lxml import etree

    meta = item.find(f"{NAR}contentMeta")
    find = (lambda name: meta.find(f"{NAR}{name}")) if meta is not None else (lambda name: None)
    body = ""
    inline = item.find(f".//{NAR}inlineXML")
    if inline is not None:
        html_body = inline.find(f".//{XHTML}body")
        parts = list(html_body) if html_body is not None else list(inline)
        body = "".join(etree.tostring(part, encoding="unicode") for part in parts)
        body = body.replace(f' xmlns="{XHTML[1:-1]}"', "")
    elif (data := item.find(f".//{NAR}inlineData")) is not None:
        body = data.text or ""
    located = find("located")
    when = (item.findtext(f"{NAR}contentMeta/{NAR}contentCreated") or
            item.findtext(f"{NAR}itemMeta/{NAR}versionCreated") or "")
    subjects = [_text(s.find(f"{NAR}name")) for s in meta.findall(f"{NAR}subject")] if meta is not None else []
    lang = item.get("{http://www.w3.org/XML/1998/namespace}lang", "")
    record = {"title": _text(find("headline")), "content": body, "author": _text(find("by")),
              "dateline": _text(find("dateline")) or _text(located.find(f"{NAR}name") if located is not None else None),
              "date": when[:10] or None, "tags": [s for s in subjects if s], "lang": lang,
              "summary": _text(find("description")), "slug": ""}
    return {key: value for key, value in record.items() if value}
