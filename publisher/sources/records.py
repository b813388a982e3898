"""JSON and JSON Lines exports, the shape CMSs and crawlers write: one article a record.

Field names differ between exports; the common ones are understood (ALIASES) and `--map
field=name` names any other. A record that cannot be used stands in the output as an error that
names the file and the record, and every other record still builds.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from publisher.errors import InputError, PublisherError
from publisher.model import Article, Notice, Original, slugify, title_slug
from publisher.sources import Item
from publisher.sources.decode import clean, decode_text, guess_encoding, known_as, not_utf8, read_bytes, refuse_binary
from publisher.sources.meta import build_article

# Article field -> names exports use for it, most specific first.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "head_line", "heading", "name"),
    "content": ("content", "body", "text", "article", "article_body", "articleBody", "html"),
    "author": ("author", "authors", "byline", "writer", "creator"),
    "date": ("date", "published", "published_at", "date_published", "datePublished", "pub_date", "pubdate",
             "created", "created_at", "date_extracted"),
    "subtitle": ("subtitle", "subheadline", "kicker"),
    "summary": ("summary", "description", "excerpt", "lead", "abstract"),
    "tags": ("tags", "keywords", "categories"),
    "lang": ("lang", "language", "locale"),
    "url": ("url", "link", "permalink"),
    "source": ("source", "publisher", "newspaper", "site"),
    "slug": ("slug",),
    "dateline": ("dateline", "located", "place"),
}
FIELDS = tuple(ALIASES)
# Keys under which a JSON object holds its list of articles: {"articles": [...]}.
CONTAINERS = ("articles", "items", "data", "records", "posts", "results", "entries")
_LOOKS_LIKE_HTML = re.compile(r"<(p|div|br|h[1-6]|ul|ol|li|blockquote|figure|img|table)\b", re.IGNORECASE)


def read(path: Path, settings=None) -> Iterator[Article | PublisherError]:
    for item in items(path, settings):
        yield from item.read()


def _read_json(path: Path, settings=None) -> Iterator[Article | PublisherError]:
    field_map = _field_map(settings)
    decoded = decode_text(read_bytes(path), path)
    found_any = False
    for number, record in _records(decoded.text, path):
        found_any = True
        if isinstance(record, PublisherError):
            yield record
            continue
        yield from _read_record(record, number, path, field_map, list(decoded.warnings), settings)
    if not found_any:
        raise InputError("holds no records", path=path, hint="a JSON array of objects, or one object a line")


def items(path: Path, settings=None) -> Iterator[Item]:
    """A JSON Lines export a record at a time, read as it goes (an export of any size is never
    held whole); each record's line is its own bytes. A JSON array is read whole, as one item."""
    if path.suffix.lower() != ".jsonl":
        yield Item(path, None, None, lambda: _read_json(path, settings))
        return
    field_map = _field_map(settings)
    found_any = False
    for number, line, text, encoding in _lines(path):
        found_any = True
        # A record read in a guessed encoding is read again every time: the guess is the file's.
        yield Item(path, number, line if encoding is None else None,
                   lambda number=number, text=text, encoding=encoding:
                   _read_line(text, number, path, field_map, encoding, settings))
    if not found_any:
        raise InputError("holds no records", path=path, hint="one JSON object a line")


def _field_map(settings) -> dict[str, str]:
    field_map = dict(getattr(settings, "field_map", {}) or {})
    unknown = sorted(set(field_map) - set(FIELDS))
    if unknown:
        raise InputError(f"--map names unknown field {unknown[0]!r}", hint=f"fields: {', '.join(FIELDS)}")
    return field_map


def _lines(path: Path) -> Iterator[tuple[int, bytes, str, str | None]]:
    """(line number, its bytes, its text, the encoding it was guessed to be in or None for UTF-8)
    for each line that holds anything. UTF-8 lines are read as such, one by one; the first line
    that is not has the file's encoding guessed from it and what follows (charset-normalizer).
    A UTF-16 file (its BOM says so) is decoded whole: its lines are not byte lines."""
    try:
        handle = path.open("rb")
    except OSError:
        read_bytes(path)  # raises the InputError that names what is wrong
        raise
    with handle:
        head = handle.read(1 << 16)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            handle.seek(0)
            text = decode_text(handle.read(), path).text
            for number, line in enumerate(text.split("\n"), start=1):
                if line.strip():
                    yield number, line.encode("utf-8"), line, "utf-16"
            return
        refuse_binary(head, path)
        handle.seek(0)
        guessed: str | None = None
        for number, line in enumerate(handle, start=1):
            if number == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            if not line.strip():
                continue
            try:
                yield number, line, line.decode("utf-8"), None
                continue
            except UnicodeDecodeError:
                pass
            if guessed is None:
                guessed = _guess(line, handle)
            yield number, line, line.decode(guessed, errors="replace"), known_as(guessed)


def _guess(line: bytes, handle) -> str:
    """The encoding of a line that is not UTF-8, guessed from it and the next such lines (up to
    a megabyte: one short line tells charset-normalizer too little); the file is then read on
    from where it was."""
    resume = handle.tell()
    sample, size = [line], len(line)
    for following in handle:
        if size > 1 << 20:
            break
        try:
            following.decode("utf-8")
        except UnicodeDecodeError:
            sample.append(following)
            size += len(following)
    handle.seek(resume)
    return guess_encoding(b"".join(sample)) or "cp1256"


def _read_line(text: str, number: int, path: Path, field_map: dict[str, str], encoding: str | None,
               settings) -> Iterator[Article | PublisherError]:
    try:
        record = _object(json.loads(text), path, number)
    except json.JSONDecodeError as exc:
        yield InputError(f"is not valid JSON ({exc.msg} at column {exc.colno})", path=path, record=number,
                         hint="fix or remove that line")
        return
    except InputError as exc:
        yield exc
        return
    warnings = [not_utf8(encoding)] if encoding and encoding != "utf-16" else []
    yield from _read_record(record, number, path, field_map, warnings, settings)


def _read_record(record: dict, number: int, path: Path, field_map: dict[str, str], warnings: list[str],
                 settings) -> Iterator[Article | PublisherError]:
    try:
        yield _article(record, number, path, field_map, warnings, tuple(getattr(settings, "allow_remote", ())),
                       getattr(settings, "keep_originals", True))
    except PublisherError as exc:
        exc.record, exc.path = exc.record or number, exc.path or path
        yield exc


def from_items(items: Iterator[dict | PublisherError], path: Path, settings=None,
               warnings: tuple[str, ...] = ()) -> Iterator[Article | PublisherError]:
    """Articles from the items of a feed or an export (dicts with the fields above), each under
    the same rules as a JSON record: sanitised HTML, remote images refused unless allowed, a bad
    item reported by its number while the rest are read."""
    allow_remote = tuple(getattr(settings, "allow_remote", ()))
    for number, item in enumerate(items, start=1):
        if isinstance(item, PublisherError):
            item.record, item.path = item.record or number, item.path or path
            yield item
            continue
        try:
            yield _article(item, number, path, {}, list(warnings), allow_remote,
                           getattr(settings, "keep_originals", True))
        except PublisherError as exc:
            exc.record, exc.path = exc.record or number, exc.path or path
            yield exc


def _records(text: str, path: Path) -> Iterator[tuple[int, dict | PublisherError]]:
    """(record number counting from 1, the object or the error that stands in for it)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})", path=path,
                         hint="check the file, or name it .jsonl if it holds one object a line") from None
    if isinstance(data, dict):
        inner = next((data[key] for key in CONTAINERS if isinstance(data.get(key), list)), None)
        data = inner if inner is not None else [data]
    if not isinstance(data, list):
        raise InputError("holds neither an object nor a list of objects", path=path)
    for number, item in enumerate(data, start=1):
        try:
            yield number, _object(item, path, number)
        except InputError as exc:
            yield number, exc


def _object(value: Any, path: Path, number: int) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"is a {type(value).__name__}, not an object of article fields", path=path, record=number)
    return value


def _pick(record: dict, field: str, field_map: dict[str, str]) -> Any:
    names = (field_map[field],) if field in field_map else ALIASES[field]
    for name in names:
        value = record.get(name)
        if value not in (None, "", []):
            return value
    return None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):  # {"name": "…"} authors, {"rendered": "…"} WordPress fields
        return _text(next((value[k] for k in ("name", "rendered", "value", "text") if k in value), ""))
    return clean(str(value)) if value is not None else ""


def _cleaned(value: Any) -> Any:
    """Tags and dates as given (a list stays a list), their text cleaned as every field's is."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


def _article(record: dict, number: int, path: Path, field_map: dict[str, str], warnings: list[str],
             allow_remote: tuple[str, ...] = (), keep_original: bool = True) -> Article:
    from publisher.sources.html import clean_fragment
    from publisher.sources.text import read_copy

    meta = {field: _pick(record, field, field_map) for field in FIELDS}
    title, content = _text(meta["title"]).strip(), _text(meta["content"])
    if not title and not content.strip():
        raise InputError("has neither a title nor any text", path=path, record=number,
                         hint="check the field names, or name them with --map title=... --map content=...")
    assets: dict = {}
    byline = dateline = ""
    authors: tuple[str, ...] = ()
    if _LOOKS_LIKE_HTML.search(content):
        body, assets = clean_fragment(content, path, warnings, allow_remote=allow_remote)
    else:
        copy = read_copy(content, has_title=True)
        body, byline, dateline, authors = copy.body_html, copy.byline, copy.dateline, copy.authors
    dateline = dateline or _text(meta.get("dateline")).strip()
    if not title:
        from publisher.sources.text import title_from_lede

        title = title_from_lede(content)
        warnings.append(Notice("no-title", f"no title given: used the first words of the text ({title!r})"))
    fields = {key: _text(value) if key not in ("tags", "date") else _cleaned(value)
              for key, value in meta.items()
              if value is not None and key not in ("title", "content", "url", "source", "dateline")}
    if isinstance(fields.get("author"), str) and field_map.get("author") is None:
        fields["author"] = fields["author"].strip()
    fields["slug"] = fields.get("slug") or _slug(title, meta, path, number)
    # The record as the export holds it (its keys and values, re-serialised), for a PDF/A-3 to carry.
    original = Original(f"{path.stem}-{number}.json", "application/json",
                        json.dumps(record, ensure_ascii=False, default=str).encode()) if keep_original else None
    article = build_article(fields, path=path, body_html=body, title=title, warnings=warnings, byline=byline,
                            dateline=dateline, authors=authors, record=number, assets=assets, original=original)
    extra = {key: _text(meta[key]) for key in ("url", "source") if meta[key]}
    return article if not extra else _with_meta(article, extra)


def _with_meta(article: Article, extra: dict[str, str]) -> Article:
    from dataclasses import replace

    return replace(article, meta={**article.meta, **extra})


def _slug(title: str, meta: dict, path: Path, number: int) -> str:
    """From an ASCII title, else the source and the URL's last ASCII part ("aawsat-411641"),
    else the file and the record number: unique within an export, stable across runs."""
    if slug := title_slug(title):
        return slug
    url = _text(meta.get("url"))
    # ASCII parts of the URL's path, file extensions dropped: ["2015", "20150722", "ln36"]
    parts = [slugify(part.rsplit(".", 1)[0]) for part in PurePosixPath(unquote(urlsplit(url).path)).parts[1:]]
    parts = [part for part in parts if part]
    if parts:
        # a short last part ("ln36") is unique only with the one before it ("20150722-ln36")
        key = parts[-1] if len(parts[-1]) >= 6 or len(parts) == 1 else f"{parts[-2]}-{parts[-1]}"
        return slugify(f"{_text(meta.get('source'))}-{key}")
    return f"{slugify(path.stem) or 'record'}-{number:05d}"
