"""Readers: one module a format, chosen by file suffix, each turning a file into an Article."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module
from pathlib import Path

from publisher.errors import InputError
from publisher.model import Article

# suffix -> module under publisher.sources; imported on first use so unused formats cost nothing.
READERS = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def reader_for(path: Path) -> Callable[[Path], Article]:
    name = READERS.get(path.suffix.lower())
    if name is None:
        raise InputError(
            f"unknown article format {path.suffix or '(no suffix)'!r}",
            path=path, hint=f"supported: {', '.join(sorted(READERS))}",
        )
    return import_module(f"publisher.sources.{name}").read


def read_article(path: Path) -> Article:
    return reader_for(path)(path)


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
    return list(dict.fromkeys(found))
