"""WordPress exports (WXR): posts and pages are articles, attachments are not. Authors come as
their display names, categories and tags as tags, the post's date as its date. A featured image
is the attachment the post names (_thumbnail_id); its URL's path (/wp-content/uploads/2026/11/
photo.jpg) names the file where WordPress keeps it, which is looked for at the same path beside
the export and placed first in the post, as WordPress themes show it."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publisher.errors import InputError
from publisher.model import Article
from publisher.sources.records import from_items
from publisher.sources.xml import safe_parser

WP = "{http://wordpress.org/export/1.2/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT = "{http://wordpress.org/export/1.2/excerpt/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
ARTICLE_TYPES = ("post", "page")


def read_data(data: bytes, path: Path, settings=None) -> Iterator[Article]:
    from lxml import etree

    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InputError(f"is not well-formed XML: {exc}", path=path, hint="export it from WordPress again") from None
    channel = root.find("channel")
    if channel is None:
        raise InputError("is a WordPress export with no channel", path=path, hint="export it from WordPress again")
    wp = _namespace(root)
    authors = {a.findtext(f"{wp}author_login", ""): a.findtext(f"{wp}author_display_name", "")
               for a in channel.iter(f"{wp}author")}
    items = channel.findall("item")
    attachments = {i.findtext(f"{wp}post_id", ""): i.findtext(f"{wp}attachment_url", "") for i in items
                   if i.findtext(f"{wp}post_type") == "attachment"}
    posts = [i for i in items if i.findtext(f"{wp}post_type", "post") in ARTICLE_TYPES]
    if not posts:
        raise InputError("is a WordPress export with no posts or pages", path=path)
    language = channel.findtext("language", "")
    site = channel.findtext("title", "")
    yield from from_items((_item(item, wp, authors, attachments, language, site) for item in posts), path, settings)


def _namespace(root) -> str:
    """WXR 1.0, 1.1 and 1.2 differ only in the version in their namespace."""
    for uri in root.nsmap.values():
        if uri and "wordpress.org/export/" in uri and "excerpt" not in uri:
            return f"{{{uri}}}"
    return WP


def _item(item, wp: str, authors: dict[str, str], attachments: dict[str, str], language: str, site: str) -> dict:
    login = item.findtext(DC_CREATOR, "")
    body = item.findtext(CONTENT, "") or ""
    if "\n\n" in body and "<p" not in body:  # WordPress keeps paragraphs as blank lines (wpautop)
        body = "".join(f"<p>{part}</p>" for part in body.split("\n\n") if part.strip())
    thumbnail = next((m.findtext(f"{wp}meta_value", "") for m in item.iter(f"{wp}postmeta")
                      if m.findtext(f"{wp}meta_key") == "_thumbnail_id"), "")
    if thumbnail and attachments.get(thumbnail):
        local = unquote(urlsplit(attachments[thumbnail]).path).lstrip("/")
        body = f'<p><img src="{escape(local)}" alt="{escape(item.findtext("title", ""))}"></p>' + body
    terms = [c.text for c in item.findall("category") if c.text and c.get("domain") in ("category", "post_tag")]
    record = {"title": item.findtext("title", ""), "content": body, "author": authors.get(login) or login,
              "date": (item.findtext(f"{wp}post_date", "") or "")[:10] or None, "tags": list(dict.fromkeys(terms)),
              "summary": item.findtext(EXCERPT, ""), "url": item.findtext("link", ""), "source": site,
              "lang": language, "slug": item.findtext(f"{wp}post_name", "")}
    return {key: value for key, value in record.items() if value}
