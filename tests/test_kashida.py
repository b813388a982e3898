"""--justify kashida: justified Arabic lines filled by lengthened letters, measured on the page's pixels.

The measure is ../shared/tools/gaps.py (how wide the widest gap of each full justified line opens,
against the natural space of the same text without kashida), run as the outside tool it is, and a
pixel check that no line's ink passes the column's edges: neither is the code under test.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from engines import extract, strict_recall

from conftest import ROOT, publisher

GAPS = ROOT.parent / "shared" / "tools" / "gaps.py"
SEED = ROOT / "articles" / "000_96635321e4ee60bd.txt"


def line_edges(pdf: Path) -> list[tuple[int, int]]:
    """The left and right ink edge of every band of ink (a line) on every page, at 150 dpi."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-gray", "-r", "150", str(pdf), f"{folder}/p"], check=True)
        edges = []
        for page in sorted(Path(folder).glob("p*.pgm")):
            ink = Image.open(page).point(lambda v: 255 if v < 128 else 0)
            width, height = ink.size
            rows = [ink.crop((0, y, width, y + 1)).getbbox() is not None for y in range(height)]
            y = 0
            while y < height:
                if rows[y]:
                    top = y
                    while y < height and rows[y]:
                        y += 1
                    box = ink.crop((0, top, width, y)).getbbox()
                    edges.append((box[0], box[2]))
                y += 1
    return edges


@pytest.fixture(scope="module")
def seed_pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("kashida")
    for justify in ("spaces", "kashida"):
        run = publisher("build", SEED, "-f", "pdf", "--page-size", "A6", "--justify", justify, "--out", out / justify)
        assert run.code == 0, run.stderr
    return next((out / "spaces").glob("*.pdf")), next((out / "kashida").glob("*.pdf"))


@pytest.mark.skipif(not GAPS.is_file(), reason="../shared/tools/gaps.py is not beside the project")
def test_kashida_closes_the_gaps_of_justified_lines(seed_pdfs):
    plain, lengthened = seed_pdfs

    def share(*pdfs) -> float:
        found = subprocess.run([sys.executable, str(GAPS), *map(str, pdfs)], capture_output=True, text=True, check=True)
        return float(found.stdout.split()[0])

    before, after = share(plain), share(lengthened, plain)
    assert after >= 0.90 and after >= before + 0.15, (before, after)
    # No line is wider than its column: every line's ink stays inside the plain edition's.
    plain_edges, edges = line_edges(plain), line_edges(lengthened)
    assert len(edges) == len(plain_edges)  # the same lines: kashida moves no line break
    assert min(left for left, _ in edges) >= min(left for left, _ in plain_edges)
    assert max(right for _, right in edges) <= max(right for _, right in plain_edges)


def test_kashida_leaves_the_text_as_written(seed_pdfs):
    plain, lengthened = seed_pdfs
    source = SEED.read_text(encoding="utf-8")
    assert "\u0640" not in source
    for engine in ("pdfium", "poppler", "pdfjs"):
        text = extract(lengthened, engine)
        assert "\u0640" not in text, engine  # the inserted tatweels are drawn, not read
        assert strict_recall(source, text) == strict_recall(source, extract(plain, engine)), engine


def test_a_bad_justification_is_a_usage_error(tmp_path):
    run = publisher("build", SEED, "-f", "pdf", "--justify", "tatweel", "--out", tmp_path)
    assert run.code == 2 and "--justify 'tatweel'" in run.stderr and "kashida" in run.stderr
