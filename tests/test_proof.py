"""`publisher proof`: contact sheets and page images, looked at as pixels."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageChops

from conftest import SEED, publisher

COLOURS = [(220, 30, 30), (30, 160, 40), (30, 60, 220), (230, 160, 0), (150, 0, 160)]


def coloured_pages(path: Path, direction: str | None) -> Path:
    """Five A5 pages, each one colour, and the reading direction a PDF states."""
    pages = [Image.new("RGB", (420, 595), colour) for colour in COLOURS]
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=72)
    if direction:
        writer = pypdf.PdfWriter(clone_from=path)
        writer.create_viewer_preferences().direction = pypdf.generic.NameObject(direction)
        writer.write(path)
    return path


def centres(sheet: Path) -> list[tuple[float, float]]:
    """Where each page's colour sits on the sheet: the centre of its pixels."""
    image = Image.open(sheet).convert("RGB")
    found = []
    for colour in COLOURS:
        distance = ImageChops.difference(image, Image.new("RGB", image.size, colour))
        near = [band.point(lambda v: 255 if v < 12 else 0) for band in distance.split()]
        box = ImageChops.multiply(ImageChops.multiply(near[0], near[1]), near[2]).getbbox()
        assert box, colour
        found.append(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
    return found


@pytest.mark.parametrize("direction", ["/R2L", None])
def test_sheets_show_spreads_in_reading_order(direction, tmp_path):
    pdf = coloured_pages(tmp_path / "pages.pdf", direction)
    run = publisher("proof", pdf, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    folder = tmp_path / "out" / "pages-proof"
    assert sorted(p.name for p in folder.iterdir()) == ["page-001.png", "page-002.png", "page-003.png",
                                                       "page-004.png", "page-005.png", "sheet-01.png"]
    xs = [x for x, _ in centres(folder / "sheet-01.png")]
    width = Image.open(folder / "page-001.png").width * 300 / Image.open(folder / "page-001.png").height
    # Right to left: each page further left than the one before; left to right, further right.
    order = xs if direction is None else [-x for x in xs]
    assert order == sorted(order), xs
    # Pages 2 and 3 face each other (one page's width apart), as do 4 and 5; page 1 stands alone
    # on its recto side, a gap away from page 2.
    assert abs(abs(xs[2] - xs[1]) - width) < 3 and abs(abs(xs[4] - xs[3]) - width) < 3
    assert abs(xs[1] - xs[0]) > width + 10


def test_the_seed_gives_two_page_images_and_a_sheet(tmp_path):
    run = publisher("proof", SEED, "--out", tmp_path)
    assert run.code == 0, run.stderr
    folder = tmp_path / f"{SEED.stem}-proof"
    images = sorted(folder.glob("page-*.png"))
    assert len(images) == 2 and len(list(folder.glob("sheet-*.png"))) == 1
    width, height = Image.open(images[0]).size
    assert abs(width - 827) <= 1 and abs(height - 1169) <= 1  # A4 at 100 dpi
    assert "built in" in run.stdout and "1 sheet, 2 page images" in run.stdout


def test_pages_chosen_and_wrong_ranges(tmp_path):
    pdf = coloured_pages(tmp_path / "pages.pdf", None)
    run = publisher("proof", pdf, "--out", tmp_path / "out", "--pages", "2-3", "--dpi", "50")
    assert run.code == 0, run.stderr
    made = sorted(p.name for p in (tmp_path / "out" / "pages-proof").glob("page-*.png"))
    assert made == ["page-002.png", "page-003.png"]
    assert Image.open(tmp_path / "out" / "pages-proof" / "page-002.png").width == round(420 * 50 / 72)
    wrong = publisher("proof", pdf, "--out", tmp_path / "out", "--pages", "4-9")
    assert wrong.code == 2 and "within the document's 5 pages" in wrong.stderr
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    broken = publisher("proof", tmp_path / "broken.pdf", "--out", tmp_path / "out")
    assert broken.code == 2 and "broken.pdf" in broken.stderr and "cannot be opened as a PDF" in broken.stderr
