"""Reference images: a fixed bulletin, book and article, their pages rendered by PDFium and compared
with the pictures kept in tests/reference/, so that a change of layout shows in review as a change
of these files. A page may differ from its picture in at most TOLERANCE of its pixels (by more than
a shade of grey): less than any margin or column gap moved by 2 mm makes, which the last test checks.

After a change of layout made on purpose, look at the new pages, then write the pictures again:

    PUBLISHER_UPDATE_REFERENCES=1 .venv/bin/python -m pytest tests/test_references.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageChops
from test_bulletins import write_stories

from conftest import SEED, publisher

REFERENCES = Path(__file__).parent / "reference"
DPI = 30
SHADE = 48  # a pixel differs when its grey differs by more than this (of 255)
TOLERANCE = 0.004
UPDATE = bool(os.environ.get("PUBLISHER_UPDATE_REFERENCES"))


def pages(pdf: Path) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return [page.render(scale=DPI / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()


def differing(image: Image.Image, reference: Image.Image) -> float:
    """The share of pixels that differ by more than SHADE (1.0 for pages of another size)."""
    if image.size != reference.size:
        return 1.0
    histogram = ImageChops.difference(image, reference).histogram()
    return sum(histogram[SHADE + 1:]) / (image.width * image.height)


def compare(name: str, pdf: Path) -> list[tuple[int, float]]:
    """(page, share of pixels that differ) for every page off its reference; writes the references
    instead under PUBLISHER_UPDATE_REFERENCES."""
    made = pages(pdf)
    if UPDATE:
        REFERENCES.mkdir(exist_ok=True)
        for old in REFERENCES.glob(f"{name}-*.png"):
            old.unlink()
        for number, image in enumerate(made, start=1):
            image.save(REFERENCES / f"{name}-{number}.png", optimize=True)
        return []
    kept = sorted(REFERENCES.glob(f"{name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    assert kept, f"no reference images for {name}: make them with PUBLISHER_UPDATE_REFERENCES=1"
    if len(kept) != len(made):
        return [(0, 1.0)]
    off = []
    for number, (image, path) in enumerate(zip(made, kept, strict=True), start=1):
        with Image.open(path) as reference:
            share = differing(image, reference.convert("L"))
        if share > TOLERANCE:
            off.append((number, round(share, 4)))
    return off


def make_bulletin(folder: Path, *extra) -> Path:
    files = write_stories(folder / "in", corpus_records=0, stories=1)
    run = publisher("bulletin", *files, "--title", "نشرة الحي", "--issue", "7", "--logo", folder / "in" / "logo.png",
                    "--tagline", "نشرة شهرية", "--out", folder / "out", "-f", "pdf", *extra)
    assert run.code == 0, run.stderr
    return folder / "out" / "bulletin-7.pdf"


def test_bulletin_book_and_article_look_as_their_references(samples, tmp_path):
    bulletin = make_bulletin(tmp_path / "bulletin")
    files = write_stories(tmp_path / "book-in", corpus_records=0, stories=1)
    run = publisher("book", *files, "--title", "كتاب الحي", "--author", "فريق التحرير", "--date", "2026-11-30",
                    "--page-size", "A5", "--out", tmp_path / "book", "-f", "pdf")
    assert run.code == 0, run.stderr
    article = samples / f"{SEED.stem}.pdf"  # the seed as every sample is built (A4, the article layout)
    off = {name: compare(name, pdf) for name, pdf in (("bulletin", bulletin), ("book", next(
        (tmp_path / "book").glob("*.pdf"))), ("article", article))}
    assert not any(off.values()), f"pages off their reference images (page, share of pixels): {off}"


@pytest.mark.skipif(UPDATE, reason="the references are being written")
def test_a_margin_or_a_column_gap_moved_by_2mm_is_seen(tmp_path):
    # The layout's margins are 15 14 18 14 mm: the outer and inner ones 2 mm wider.
    wider = make_bulletin(tmp_path / "margins", "--margins", "15mm 16mm 18mm 16mm")
    assert compare("bulletin", wider), "a 2 mm wider margin passed as the reference"
    # The columns 2 mm further apart, in a layout of one's own over the bulletin's.
    layouts = tmp_path / "layouts"
    (layouts / "bulletin").mkdir(parents=True)
    (layouts / "bulletin" / "layout.toml").write_text('extends = "bulletin"\n', encoding="utf-8")
    (layouts / "bulletin" / "print.css.j2").write_text("article .article-body { column-gap: 9mm; }\n",
                                                        encoding="utf-8")
    gap = make_bulletin(tmp_path / "gap", "--layouts-dir", layouts)
    assert compare("bulletin", gap), "a column gap 2 mm wider passed as the reference"
