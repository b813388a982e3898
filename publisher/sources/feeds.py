"""RSS 2.0 and Atom feeds, read with feedparser: an entry is an article; its content, else its
summary (many feeds carry nothing more), is its text. feedparser is given the bytes, so it never
fetches anything a feed names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from publisher.errors import InputError
from publisher.model import Article
from publisher.sources.records import from_items


def read_data(data: bytes, path: Path, settings=None) -> Iterator[Article]:
    import feedparser

    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)  # nh3 sanitises, later
    if not parsed.entries:
        problem = f" ({parsed.bozo_exception})" if parsed.get("bozo") and parsed.get("bozo_exception") else ""
        raise InputError(f"is a feed with no entries{problem}", path=path, hint="check that the export is whole")
    site = parsed.feed.get("title", "")
    lang = parsed.feed.get("language", "")
    yield from from_items((_item(entry, site, lang) for entry in parsed.entries), path, settings)


def _item(entry, site: str, lang: str) -> dict:
    content = entry.get("content") or []
    text = content[0].get("value", "") if content else ""
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")] or (
        [entry["author"]] if entry.get("author") else [])
    item = {"title": entry.get("title", ""), "content": text or entry.get("summary", ""),
            "author": ", ".join(authors) if len(authors) > 1 else (authors[0] if authors else ""),
            "date": dt.date(*when[:3]).isoformat() if when else None,
            "tags": [tag.get("term", "") for tag in entry.get("tags", []) if tag.get("term")],
            "url": entry.get("link", ""), "source": site, "lang": lang}
    if text and entry.get("summary") and entry.get("summary") != text:
        item["summary"] = entry["summary"]
    return {key: value for key, value in item.items() if value}
