"""The HTML output: the very document the PDF is rendered from, with its assets beside it."""

from __future__ import annotations

from pathlib import Path

from publisher.files import inside, write_atomic
from publisher.model import Document, asset_bytes


def write_html(document: Document, out: Path, name: str) -> list[Path]:
    """OUT/<name>.html, and each asset at the relative URL the document names it by."""
    page = inside(out, f"{name}.html")
    written = []
    for url, asset in sorted(document.assets.items()):
        target = inside(out, url)
        data = asset_bytes(asset)
        # Fonts and images are shared by every page in the folder: written once, then left alone.
        if not target.exists() or target.read_bytes() != data:
            write_atomic(target, data)
        written.append(target)
    write_atomic(page, document.html.encode("utf-8"))
    return [page, *written]
