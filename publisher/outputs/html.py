"""The HTML output: the very document the PDF is rendered from, with its assets beside it."""

from __future__ import annotations

from pathlib import Path

from publisher.files import inside, write_atomic
from publisher.model import Asset, Document, asset_bytes


def write_html(document: Document, out: Path, name: str) -> Path:
    """OUT/<name>.html, and each asset at the relative URL the document names it by."""
    write_assets(document.assets, out)
    page = inside(out, f"{name}.html")
    write_atomic(page, document.standalone().encode("utf-8"))
    return page


def write_assets(assets: dict[str, Asset], out: Path) -> None:
    """Fonts and images are shared by every page in the folder: written once, then left alone
    unless their content changed."""
    for url, asset in sorted(assets.items()):
        target = inside(out, url)
        data = asset_bytes(asset)
        if not target.exists() or target.stat().st_size != len(data) or target.read_bytes() != data:
            write_atomic(target, data)
