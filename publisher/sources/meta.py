"""Front matter and the article fields it sets, shared by every reader."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, NoReturn

import yaml

from publisher.errors import InputError
from publisher.model import Article, Notice, Original, direction_of, fallback_slug, normalise_lang, slugify, title_slug
from publisher.sources import credits
from publisher.sources.figures import make_figures

FIELDS = ("title", "subtitle", "author", "authors", "date", "lang", "dir", "summary", "tags", "slug")


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """A leading `---` YAML block, parsed with the safe loader, and the text after it."""
    stripped = text.lstrip("\n")
    if not stripped.startswith("---\n"):
        return {}, text
    end = stripped.find("\n---", 3)
    if end == -1:
        raise InputError("front matter opened with --- is never closed", path=path,
                         hint="end it with a line holding only ---")
    block, rest = stripped[4:end], stripped[end + 4 :]
    rest = rest.split("\n", 1)[1] if "\n" in rest else ""
    return yaml_fields(block, path, "front matter", first_line=2), rest


def yaml_fields(text: str, path: Path, what: str, first_line: int = 1) -> dict[str, Any]:
    """A YAML mapping of article fields, read with the safe loader; errors name the line."""
    try:
        meta = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + first_line}" if mark else ""
        raise InputError(f"{what} is not valid YAML{line}", path=path,
                         hint="check quotes and colons (a title with a colon needs quotes)") from None
    if not isinstance(meta, dict):
        raise InputError(f"{what} must be a mapping of fields", path=path,
                         hint=f"use fields such as {', '.join(FIELDS[:4])}")
    return meta


def front_matter_and_sidecar(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Front matter, over a sidecar <name>.yml (or .yaml) beside the file, and the text after it."""
    meta, rest = split_front_matter(text, path)
    return {**load_sidecar(path), **meta}, rest


def load_sidecar(path: Path) -> dict[str, Any]:
    for suffix in (".yml", ".yaml"):
        sidecar = path.with_suffix(suffix)
        if sidecar.is_file():
            try:
                text = sidecar.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                raise InputError("sidecar is not UTF-8 text", path=sidecar, hint="save it as UTF-8") from None
            return yaml_fields(text, sidecar, "sidecar")
    return {}


def build_article(
    meta: dict[str, Any],
    *,
    path: Path,
    body_html: str,
    title: str,
    warnings: list[str],
    byline: str = "",
    dateline: str = "",
    authors: tuple[str, ...] = (),
    record: int | None = None,
    assets: dict | None = None,
    original: Original | None = None,
) -> Article:
    """An Article from front matter and a reader's body; fields are checked, not trusted."""
    lang = "ar"
    if "lang" in meta:
        lang = normalise_lang(str(meta["lang"])) or _bad(path, "lang", meta["lang"], "a language tag such as ar, en-GB")
    direction = str(meta.get("dir") or direction_of(lang)).lower()
    if direction not in ("rtl", "ltr"):
        _bad(path, "dir", meta["dir"], "rtl or ltr")
    # Front matter names the authors when it can; a byline found in the text is the fallback.
    field = "authors" if "authors" in meta else "author"
    if given := _strings(meta.get(field), path, field, split=False):
        authors, byline = given, ""
    elif not authors and not byline:
        # No author given: a byline opening the body or a signature line closing it names them,
        # in any reader's body (the wire-text reader finds the opening one itself).
        body_html, byline = credits.signature(body_html)
        authors = credits.names_in(byline)
    # A place is a dateline, an agency or a newspaper a credit; only people are authors.
    people: list[str] = []
    place = credit = ""
    for name in authors:
        sorted_out = credits.sort_out(name)
        place, credit = place or sorted_out.place, credit or sorted_out.credit
        people += sorted_out.authors
    authors = tuple(people)
    dateline = dateline or place
    credit = str(meta.get("credit") or "") or credit or credits.agency_in(body_html, dateline)
    tags = _strings(meta.get("tags"), path, "tags", split=True)
    title = str(meta.get("title") or title).strip()
    if not body_html.strip():
        if not title:
            only = "a byline" if byline else "a date line" if dateline else ""
            raise InputError(f"holds only {only} and nothing else" if only else "has no text", path=path,
                             record=record, hint="check that the file is the whole article")
        warnings = [*warnings, Notice("no-text", "has a title but no text")]
    if not title:
        title = path.stem.replace("_", " ").replace("-", " ").strip() or path.name
        warnings = [*warnings, Notice("no-title", f"no title given: used the file name ({title!r}); "
                                                  "give the article a title")]
    body_html = make_figures(body_html)
    warnings = [*warnings, *_images_without_alt(body_html, assets or {})]
    slug = (slugify(str(meta.get("slug", ""))) or title_slug(title) or slugify(path.stem)
            or fallback_slug(title or path.name))
    return Article(
        slug=slug,
        title=title,
        source=path,
        body_html=body_html,
        lang=lang,
        dir=direction,
        subtitle=str(meta.get("subtitle") or ""),
        short_title=" ".join(str(meta.get("short_title") or meta.get("short-title") or "").split()),
        authors=authors,
        byline=byline,
        credit=credit,
        dateline=dateline,
        date=_date(meta.get("date"), path),
        summary=str(meta.get("summary") or ""),
        tags=tags,
        warnings=tuple(warnings),
        record=record,
        assets=assets or {},
        original=original or Original(path.name, ORIGINAL_TYPES.get(path.suffix.lower(), "application/octet-stream"),
                                      path),
    )


# What an archive that re-ingests a PDF/A-3's source file is told it is.
ORIGINAL_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".txt": "text/plain", ".html": "text/html",
                  ".htm": "text/html", ".json": "application/json", ".jsonl": "application/jsonl",
                  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
_IMAGE = re.compile(r"<img\b[^>]*>")
_ALT = re.compile(r"\balt=\"([^\"]*)\"")
_SRC = re.compile(r"\bsrc=\"([^\"]*)\"")


def _images_without_alt(body_html: str, assets: dict) -> list[str]:
    """A warning for each image that a reader who cannot see it learns nothing of, named by the
    file it came from (readers write every attribute quoted, so the body's tags read as written)."""
    found = []
    for tag in _IMAGE.findall(body_html):
        alt = _ALT.search(tag)
        if not alt or not alt[1].strip():
            src = _SRC.search(tag)
            asset = assets.get(src[1]) if src else None
            name = asset.name if isinstance(asset, Path) else "embedded in the document" if asset else (
                src[1] if src else "")
            found.append(Notice("image-no-alt", f"image {name} has no alt text: a screen reader says nothing of "
                                "it, and the EPUB's accessibility summary says so; describe it (Markdown: "
                                "![what it shows](file), Word: Alt Text, HTML: alt=\"…\")"))
    return found


def _strings(value: Any, path: Path, name: str, *, split: bool) -> tuple[str, ...]:
    """A list of names from a YAML list, or from one string (split on commas when `split`)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        parts = re.split("[,،]", value) if split else [value]
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        parts = [str(v) for v in value]
    else:
        _bad(path, name, value, "a name or a list of names")
    return tuple(part.strip() for part in parts if part.strip())


def _date(value: Any, path: Path) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        _bad(path, "date", value, "a date written YYYY-MM-DD")


def _bad(path: Path, name: str, value: Any, expected: str) -> NoReturn:
    raise InputError(f"front matter field {name}: {value!r} is not {expected}", path=path,
                     hint=f"fix or remove the {name} field")
