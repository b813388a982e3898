"""The HTML output: the very document the PDF is rendered from, with its assets beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

from publisher.files import inside, write_atomic
from publisher.model import Document


def write_html(document: Document, out: Path, name: str) -> list[Path]:
    """OUT/<name>.html, and each asset at the relative URL the document names it by."""
    page = inside(out, f"{name}.html")
    written = []
    for url, source in sorted(document.assets.items()):
        target = inside(out, url)
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.part")
            shutil.copyfile(source, temporary)
            temporary.replace(target)
        written.append(target)
    write_atomic(page, document.html.encode("utf-8"))
    return [page, *written]
