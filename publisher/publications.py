"""Publication files: a bulletin or a book described in TOML or YAML, so that it can be rebuilt
from version control with `publisher build issue-12.toml`.

    kind = "bulletin"            # or "book"
    title = "نشرة الحي"
    short-title = "…"            # optional: what running heads show when the title is too long
    issue = 12
    date = 2026-11-28
    layout = "bulletin"          # optional: the kind's own layout by default
    author = "…"                 # optional (books)
    cover = "cover.jpg"          # optional (books), beside the file
    logo = "logo.png"            # optional (bulletins): the masthead's logo, beside the file
    tagline = "…"                # optional (bulletins): a line under the name
    publisher = "…"              # optional (bulletins): who issues it
    address = "…"                # optional (bulletins): the publisher's address, for the back page
    back-page = true             # optional (bulletins): contents, publisher and address on a last page
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
FIELDS = ("kind", "title", "short-title", "issue", "date", "layout", "author", "authors", "cover", "logo", "tagline",
          "publisher", "address", "back-page", "articles", "options")


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
    for name in ("tagline", "publisher", "address", "short-title"):
        if not isinstance(data.get(name, ""), str):
            raise InputError(f"{name} must be text", path=path, hint=f'write {name} = "…"')
    if not isinstance(data.get("back-page", False), bool):
        raise InputError("back-page must be true or false", path=path, hint="write back-page = true")
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise InputError("options must be a table of build options", path=path,
                         hint='e.g. [options] with page-size = "A4"')
    return {
        "kind": data["kind"],
        "title": str(data["title"]).strip(),
        "short_title": " ".join(data.get("short-title", "").split()),
        "issue": str(data.get("issue") or ""),
        "date": date,
        "layout": data.get("layout"),
        "authors": (authors,) if isinstance(authors, str) else tuple(str(a) for a in authors),
        "cover": folder / data["cover"] if data.get("cover") else None,
        "masthead": {"logo": folder / data["logo"] if data.get("logo") else None,
                     "tagline": data.get("tagline", "").strip(), "publisher": data.get("publisher", "").strip(),
                     "address": data.get("address", "").strip(), "back_page": data.get("back-page", False)},
        "articles": [folder / str(item) for item in articles],
        "options": options,
    }


def check_cover(cover: Path, what: str = "cover", option: str = "--cover") -> None:
    """A book's cover (or a bulletin's logo, which may be SVG too): a raster image that opens, or
    an error naming the file and the fix."""
    from publisher.sources.assets import IMAGE_SUFFIXES

    if not cover.is_file():
        raise InputError(f"{what} image not found", path=cover, hint=f"check the path given to {option}")
    if what == "logo" and cover.suffix.lower() == ".svg":
        from publisher.sources.assets import MAX_BYTES, sniff_suffix

        data = cover.read_bytes()
        if sniff_suffix(data) != ".svg" or len(data) > MAX_BYTES:
            raise InputError("the logo is not an SVG image (or is larger than "
                             f"{MAX_BYTES // 1_048_576} MB)", path=cover, hint="export it again as SVG or PNG")
        return
    if cover.suffix.lower() not in IMAGE_SUFFIXES - {".svg"}:
        raise InputError(f"the {what} must be a PNG, JPEG, GIF or WebP image"
                         + (" (or SVG)" if what == "logo" else ""), path=cover)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(cover) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputError(f"the {what} is not a readable image ({exc})", path=cover,
                         hint="export it again as PNG or JPEG") from None
