"""Readers: one module a format, chosen by file suffix, all with one signature.

Each reader module has `read(path, settings) -> Iterator[Article | InputError]`: a file of one
article yields one Article (and raises InputError when the file is unusable); a file of many
(JSON Lines) yields an InputError in place of each bad record, so the others still build.

`items(path)` gives the same articles one Item at a time before they are read: an Item knows the
bytes its article comes from when they are its own (a file of one article and its sidecar, a
JSON Lines record), so that a batch can tell an unchanged article without reading it, and a
JSON Lines export of any size is read a line at a time, never held whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from types import ModuleType

from publisher.errors import InputError, PublisherError
from publisher.model import Article

# suffix -> module under publisher.sources; imported on first use so unused formats cost nothing.
READERS = {
    ".md": "markdown", ".markdown": "markdown",
    ".txt": "text",
    ".html": "html", ".htm": "html",
    ".docx": "docx",
    ".json": "records", ".jsonl": "records",
    # WordPress exports, RSS and Atom feeds, NewsML-G2: told apart by their content (sources/xml.py)
    ".xml": "xml", ".rss": "xml", ".atom": "xml",
}
# Readers whose file is one article: the file's bytes (and its sidecar's) are that article's own.
SINGLE_ARTICLE = frozenset({"markdown", "text", "html", "docx"})


@dataclass(frozen=True)
class ReadSettings:
    """What a reader may be told from the command line."""

    field_map: dict[str, str] = field(default_factory=dict)
    """Article field -> the name a JSON export uses for it (`--map title=headline_ar`)."""
    allow_remote: tuple[str, ...] = ()
    """Hosts whose images may be fetched (`--allow-remote`); every other remote image gives way to its alt text."""
    keep_originals: bool = True
    """Keep each record of an export as it was, for a PDF/A-3 to carry (files are kept as paths,
    which cost nothing): a batch of an archive without PDF/A-3 keeps none, and holds half the memory."""


def reader_for(path: Path) -> ModuleType:
    name = READERS.get(path.suffix.lower())
    if name is None:
        raise InputError(
            f"unknown article format {path.suffix or '(no suffix)'!r}",
            path=path, hint=f"supported: {', '.join(sorted(READERS))}",
        )
    return import_module(f"publisher.sources.{name}")


@dataclass(frozen=True)
class Item:
    """One input before it is read: its file, its record in the file, and the bytes it is read
    from when they are its own (None for the items of a feed or a JSON array, read together)."""

    path: Path
    record: int | None
    raw: bytes | None
    reader: Callable[[], Iterator[Article | PublisherError]]

    def read(self) -> Iterator[Article | PublisherError]:
        """Its articles, or the error that stands in for them; never raises for bad input."""
        try:
            yield from self.reader()
        except PublisherError as exc:
            yield exc


def items(path: Path, settings: ReadSettings | None = None, *, raw: bool = False) -> Iterator[Item]:
    """The items of `path`, in order; an unreadable file is one item that reads as its error.
    `raw`: give a one-article file's bytes too (a JSON Lines record always has its line)."""
    settings = settings or ReadSettings()
    try:
        module = reader_for(path)
        if hasattr(module, "items"):
            yield from module.items(path, settings)
        else:
            own = _own_bytes(path) if raw and module.__name__.rpartition(".")[2] in SINGLE_ARTICLE else None
            yield Item(path, None, own, lambda: module.read(path, settings))
    except PublisherError as exc:
        yield Item(path, exc.record, None, lambda error=exc: iter((error,)))


def _own_bytes(path: Path) -> bytes | None:
    """A one-article file's bytes and its sidecar's: everything the article is read from besides
    the files it names (an article with images is always read again)."""
    try:
        data = path.read_bytes()
        for suffix in (".yml", ".yaml"):
            if (sidecar := path.with_suffix(suffix)).is_file():
                return data + b"\0sidecar\0" + sidecar.read_bytes()
        return data
    except OSError:
        return None  # the reader says what is wrong with it


def expected_items(path: Path) -> int:
    """How many items `path` holds, as far as a glance tells (a JSON Lines export's lines that hold
    anything; one for any other file): a long run's progress has a total from the start."""
    if path.suffix.lower() != ".jsonl":
        return 1
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return 1


def read(path: Path, settings: ReadSettings | None = None) -> Iterator[Article | PublisherError]:
    """Every article in `path`, or the error that stands in for it; never raises for bad input."""
    for item in items(path, settings):
        yield from item.read()


def read_article(path: Path, settings: ReadSettings | None = None) -> Article:
    """The one article in `path`, for callers that expect exactly one; errors are raised."""
    items = list(read(path, settings))
    for item in items:
        if isinstance(item, PublisherError):
            raise item
    if len(items) != 1:
        raise InputError(f"holds {len(items)} articles, not one", path=path)
    return items[0]


def collect_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files named, and every supported file inside folders named, in a stable order."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            files = sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in READERS
                           and not any(part.startswith(".") for part in p.relative_to(item).parts))
            if not files:
                raise InputError("folder holds no articles", path=item,
                                 hint=f"add files ending in {', '.join(sorted(READERS))}")
            found.extend(files)
        elif item.exists():
            reader_for(item)
            found.append(item)
        else:
            raise InputError("no such file or folder", path=item, hint="check the path")
    # The same file named twice (or by two paths) is read once, where it was first named.
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())
