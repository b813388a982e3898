"""What `publisher batch` leaves for people and programs to read: OUT/manifest.json (every input
article, its status, files, checksums, pages and error) and OUT/index.html (links to them)."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher import layouts
from publisher.batch_state import Entry, notices
from publisher.files import atomic_file, inside
from publisher.model import WARNING_KINDS, Article, Options, has_warning, warning_code


def group_key(article: Article, group_by: str) -> str:
    if group_by == "source":
        return article.meta.get("source") or article.source.stem
    if article.date is None:
        return "undated"
    return str(article.date.year) if group_by == "year" else f"{article.date:%Y-%m}"


SHOWN = 10  # articles named on the command line; the manifest lists them all


@dataclass
class Tally:
    """What a run's entries add up to, counted as the manifest is written (an archive's entries
    are never held as a list): the manifest's summary and the run's last lines."""

    articles: int = 0
    ok: int = 0
    failed: int = 0
    reused: int = 0
    built: int = 0
    empty: int = 0
    """Records with a title and no text, built as such or left out."""
    left_out: int = 0
    orphaned: int = 0
    removed: int = 0
    warned: int = 0
    kinds: Counter = field(default_factory=Counter)
    failed_sources: list[str] = field(default_factory=list)
    warned_sources: list[str] = field(default_factory=list)
    """The first SHOWN of each, to name them."""

    def add(self, entry: Entry) -> None:
        self.articles += 1
        self.ok += entry.status == "ok"
        self.reused += entry.reused
        self.built += entry.status == "ok" and not entry.reused
        self.left_out += entry.status == "empty"
        self.empty += entry.status == "empty" or has_warning(entry.warnings, "no-text")
        self.orphaned += entry.status == "orphaned"
        self.removed += entry.status == "removed"
        if entry.status not in ("ok", "empty", "orphaned", "removed"):
            self.failed += 1
            if len(self.failed_sources) < SHOWN:
                self.failed_sources.append(entry.source)
        if entry.warnings and entry.status != "empty":  # one left out is counted as such, not warned of
            self.warned += 1
            self.kinds.update({warning_code(warning) for warning in entry.warnings})
            if len(self.warned_sources) < SHOWN:
                self.warned_sources.append(entry.source)

    def summary(self, volumes: list[str]) -> dict[str, Any]:
        return {"articles": self.articles, "ok": self.ok, "failed": self.failed, "reused": self.reused,
                "built": self.built, "volumes": volumes, "empty": self.empty, "orphaned": self.orphaned,
                "removed": self.removed, "with_warnings": self.warned, "warnings": dict(self.kinds.most_common())}


class Manifest:
    """OUT/manifest.json being written, an entry at a time (`add`); what they add up to (`tally`)."""

    def __init__(self, handle) -> None:
        self.handle, self.tally = handle, Tally()

    def add(self, entry: Entry) -> Entry:
        self.tally.add(entry)
        listed = {"id": entry.id, "source": entry.source, "title": entry.title, "status": entry.status,
                  "outputs": entry.outputs, "sha256": entry.sha256, "pages": entry.pages, "error": entry.error,
                  "warnings": notices(entry.warnings)}
        separator = b",\n " if self.tally.articles > 1 else b"\n "
        self.handle.write(separator + json.dumps(listed, ensure_ascii=False).encode())
        return entry


@contextlib.contextmanager
def manifest_file(out: Path, volumes: list[str]) -> Iterator[Manifest]:
    """OUT/manifest.json, whole or not at all: its entries added in the block, its summary after."""
    with atomic_file(inside(out, "manifest.json")) as handle:
        handle.write(b'{"articles": [')
        manifest = Manifest(handle)
        yield manifest
        summary = json.dumps(manifest.tally.summary(volumes), ensure_ascii=False, indent=1)
        handle.write(b'\n],\n"summary": ' + summary.encode() + b"}\n")


def write_manifest(out: Path, entries: Iterable[Entry], volumes: list[str]) -> Tally:
    """OUT/manifest.json, an entry at a time; what they add up to."""
    with manifest_file(out, volumes) as manifest:
        for entry in entries:
            manifest.add(entry)
    return manifest.tally


def warning_counts(entries: Iterable) -> tuple[int, dict[str, int]]:
    """How many articles (or results) have warnings, and how many have each kind, most first."""
    kinds: Counter[str] = Counter()
    warned = 0
    for entry in entries:
        kinds.update({warning_code(warning) for warning in entry.warnings})
        warned += bool(entry.warnings)
    return warned, dict(kinds.most_common())


def warnings_line(warned: int, kinds: dict[str, int], where: str) -> str:
    """"12 articles with warnings: 9 no glyph for a character, 3 title without text (see …)"."""
    if not warned:
        return ""
    shown = ", ".join(f"{count} {WARNING_KINDS.get(code, code)}" for code, count in kinds.items())
    return f"{warned} article{'s' if warned != 1 else ''} with warnings: {shown} (see {where})"


def write_index(out: Path, rows: Iterable[tuple[str, Entry]], lang: str, grouped: bool, options: Options) -> None:
    """OUT/index.html: every article with links to its files, by group when grouped. `rows` are
    (group, entry) in group order, rendered as they come."""
    layout = layouts.find(options.layout, options.layouts_dirs)
    groups = ((key, (entry for _, entry in members)) for key, members in itertools.groupby(rows, key=lambda r: r[0]))
    page = layouts.stream(layout, "index.html.j2", groups=groups, lang=lang,
                          dir="rtl" if lang.split("-")[0] in ("ar", "fa", "ur", "he") else "ltr",
                          volumes=sorted((out / "volumes").glob("*.pdf")) if grouped else [])
    with atomic_file(inside(out, "index.html")) as handle:
        # Jinja yields a piece at every tag (14 a row): joined a few thousand at a time, a 30,000-row
        # page is written in a few hundred writes, not 400,000.
        for pieces in _batched(page, 4096):
            handle.write("".join(pieces).encode("utf-8"))


def _batched(items: Iterable, size: int) -> Iterator[tuple]:
    """Tuples of `size` items (itertools.batched, which Python 3.11 lacks)."""
    iterator = iter(items)
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch
