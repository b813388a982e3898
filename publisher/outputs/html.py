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
        if isinstance(asset, Path) and _CHECKED.get(target) == _stamp(asset, target):
            continue
        data = asset_bytes(asset)
        if not target.exists() or target.stat().st_size != len(data) or target.read_bytes() != data:
            write_atomic(target, data)
        if isinstance(asset, Path):
            _CHECKED[target] = _stamp(asset, target)


# target -> (the source file's and the target's size and time) when this process last found them
# equal: a batch of 10,000 pages shares seven fonts, which were read and compared for every page
# (5 MB an article, the batch writer's whole time with -f html).
_CHECKED: dict[Path, tuple] = {}


def _stamp(source: Path, target: Path) -> tuple:
    try:
        a, b = source.stat(), target.stat()
    except OSError:
        return ()
    return (str(source), a.st_size, a.st_mtime_ns, b.st_size, b.st_mtime_ns, b.st_ino)
