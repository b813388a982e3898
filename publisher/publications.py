"""Publication files: a bulletin or a book described in TOML or YAML, so that it can be rebuilt
from version control with `publisher build issue-12.toml`.

    kind = "bulletin"            # or "book"
    title = "نشرة الحي"
    issue = 12
    date = 2026-11-28
    layout = "bulletin"          # optional: the kind's own layout by default
    author = "…"                 # optional (books)
    cover = "cover.jpg"          # optional (books), beside the file
    articles = ["lead.md", "wire/", "feed.jsonl"]
    [options]                    # any build option: page-size, bleed, pdf-standard, calendar, …
    page-size = "A4"

Paths are relative to the file.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import yaml

from publisher.errors import InputError

SUFFIXES = (".toml", ".yml", ".yaml")
KINDS = ("bulletin", "book")
FIELDS = ("kind", "title", "issue", "date", "layout", "author", "authors", "cover", "articles", "options")


def load(path: Path) -> dict[str, Any]:
    """The file's fields, checked, with paths made absolute."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except FileNotFoundError:
        raise InputError("no such file", path=path, hint="check the path") from None
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"is not a valid publication file: {exc}".splitlines()[0], path=path) from None
    if not isinstance(data, dict):
        raise InputError("must be a table of fields", path=path, hint=f"fields: {', '.join(FIELDS)}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}", path=path, hint=f"fields: {', '.join(FIELDS)}")
    if data.get("kind") not in KINDS:
        raise InputError(f"kind {data.get('kind')!r} is not a publication kind", path=path,
                         hint=f"choose {', '.join(KINDS)}")
    if not str(data.get("title") or "").strip():
        raise InputError("has no title", path=path, hint="add title = \"…\"")
    articles = data.get("articles")
    if not isinstance(articles, list) or not articles:
        raise InputError("lists no articles", path=path, hint='add articles = ["first.md", "folder/"]')
    folder = path.parent
    date = data.get("date")
    if date is not None and not isinstance(date, dt.date):
        try:
            date = dt.date.fromisoformat(str(date))
        except ValueError:
            raise InputError(f"date {date!r} is not YYYY-MM-DD", path=path) from None
    authors = data.get("authors", data.get("author")) or []
    if not (isinstance(authors, str) or (isinstance(authors, list) and all(isinstance(a, str) for a in authors))):
        raise InputError(f"author {authors!r} is not a name or a list of names", path=path)
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise InputError("options must be a table of build options", path=path,
                         hint='e.g. [options] with page-size = "A4"')
    return {
        "kind": data["kind"],
        "title": str(data["title"]).strip(),
        "issue": str(data.get("issue") or ""),
        "date": date,
        "layout": data.get("layout"),
        "authors": (authors,) if isinstance(authors, str) else tuple(str(a) for a in authors),
        "cover": folder / data["cover"] if data.get("cover") else None,
        "articles": [folder / str(item) for item in articles],
        "options": options,
    }


def check_cover(cover: Path) -> None:
    """A book's cover: a raster image that opens, or an error naming the file and the fix."""
    from publisher.sources.assets import IMAGE_SUFFIXES

    if not cover.is_file():
        raise InputError("cover image not found", path=cover, hint="check the path given to --cover")
    if cover.suffix.lower() not in IMAGE_SUFFIXES - {".svg"}:
        raise InputError("the cover must be a PNG, JPEG, GIF or WebP image", path=cover)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(cover) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputError(f"the cover is not a readable image ({exc})", path=cover,
                         hint="export it again as PNG or JPEG") from None
