"""Urdu served as Urdu: set in Nastaliq (Noto Nastaliq Urdu), lines tall enough for it, text that
every viewer gives back; Naskh on request."""

from __future__ import annotations

import itertools
import subprocess
import zipfile
from pathlib import Path

import pytest
from engines import extract, strict_recall

from conftest import FIXTURES, epubcheck, needs_poppler, publisher

ARTICLE = FIXTURES / "urdu-news.md"


def source_text() -> str:
    """The article's title and body, as a reader would search them."""
    front, body = ARTICLE.read_text(encoding="utf-8").split("---\n", 2)[1:]
    title = next(line.split(":", 1)[1] for line in front.splitlines() if line.startswith("title:"))
    return title + "\n" + body


def body_baselines(pdf: Path) -> tuple[float, list[float]]:
    """The body text's size and the baselines of its lines, in points from the top of the first
    page: where each of its lines is put (Tm) in the content stream, which WeasyPrint writes in
    CSS pixels (0.75 pt) under a flipped page. (Viewers' span origins add a line's first text
    rise: Nastaliq's letters are raised and lowered.)"""
    import re
    from collections import Counter

    import pypdf

    page = pypdf.PdfReader(pdf).pages[0]
    fonts = {name[1:]: font.get_object()["/BaseFont"].split("+")[-1]
             for name, font in page["/Resources"]["/Font"].items()}
    content = page.get_contents().get_data().decode("latin-1")
    lines: list[tuple[float, float]] = []
    for block in re.findall(r"^BT$(.*?)^ET$", content, re.S | re.M):
        y = font = size = None
        for line in block.splitlines():
            if line.endswith(" Tm"):
                y = float(line.split()[5])
            elif line.endswith(" Tf"):
                font, size = line.split()[0][1:], float(line.split()[1])
            elif line.endswith("TJ") and fonts.get(font) == "Noto-Nastaliq-Urdu" and y is not None:
                lines.append((size * 0.75, round(y * 0.75, 2)))
    body = Counter(size for size, _ in lines).most_common(1)[0][0]
    return body, sorted({y for size, y in lines if size == body})


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("urdu")
    run = publisher("build", ARTICLE, "--out", out, "-f", "pdf", "-f", "epub")
    assert run.code == 0, run.stderr
    return out


def font_names(pdf: Path) -> list[str]:
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split()[0].split("+", 1)[-1] for line in listing.splitlines()[2:]]


@needs_poppler
def test_urdu_is_set_in_the_bundled_nastaliq_face(built):
    names = font_names(built / "urdu-news.pdf")
    # The headline in its bold, the text in its regular; Amiri only for the Latin name it lacks.
    assert {"Noto-Nastaliq-Urdu", "Noto-Nastaliq-Urdu-Bold"} <= set(names), names
    assert set(names) <= {"Noto-Nastaliq-Urdu", "Noto-Nastaliq-Urdu-Bold", "Amiri"}, names


def test_every_viewer_reads_the_nastaliq_text_back(built):
    # Nastaliq draws a letter's dots as glyphs of their own, puts spacing glyphs in words according
    # to the word before, and hangs letters from each other so that their origins go back: the
    # text layer must still give every word whole (PDFium at least 0.99; 1.000 measured in all five).
    source = source_text()
    pdf = built / "urdu-news.pdf"
    found = {engine: strict_recall(source, extract(pdf, engine)) for engine in ("pdfium", "pdfjs", "poppler")}
    assert found["pdfium"] >= 0.99, found
    assert min(found.values()) >= 0.98, found
    text = extract(pdf, "pdfium")
    assert {"Kamila", "Shamsie"} <= set(text.split())
    assert "ي" not in text and "ك" not in text  # Urdu's ی and ک, as written, not Arabic's


def test_nastaliq_lines_do_not_run_into_each_other(built):
    """No stroke joins two lines: every connected shape of ink on the page reaches the baseline
    of one body line at most. (A lone letter cannot reach the next line's baseline: the article's
    tallest stack climbs 1.914 em and the deepest tail hangs 0.598 em, the lines are 2.3 em apart.)"""
    pdf = built / "urdu-news.pdf"
    size, baselines = body_baselines(pdf)
    pitches = [b - a for a, b in itertools.pairwise(baselines)]
    # Every line 2.3 em below the one before (or that and a paragraph's 2.5 mm), a line with a
    # Latin name in it too: Amiri's deeper descent made that one 2.7 em until its line-height was
    # set apart.
    paragraph = 2.5 * 72 / 25.4
    assert len(pitches) >= 10 and all(min(abs(pitch - 2.3 * size), abs(pitch - 2.3 * size - paragraph)) < 0.05
                                      for pitch in pitches), (size, pitches)

    assert joined_lines(pdf, size, baselines) == []


def joined_lines(pdf: Path, size: float, baselines: list[float]) -> list[tuple[float, ...]]:
    """The pairs (or more) of baselines that one connected shape of ink on the first page reaches,
    its pixels within 0.15 em of each: strokes of two lines run together."""
    import pypdfium2

    scale = 100 / 72
    document = pypdfium2.PdfDocument(str(pdf))
    image = document[0].render(scale=scale, grayscale=True).to_pil()
    document.close()
    width, height = image.size
    pixels = image.load()
    ink = {(x, y) for y in range(height) for x in range(width) if pixels[x, y] < 128}
    core = round(0.15 * size * scale)
    line_of = {}
    for number, baseline in enumerate(baselines):
        for y in range(round(baseline * scale) - core, round(baseline * scale) + core + 1):
            line_of[y] = number
    seen: set = set()
    joined = []
    for start in ink:
        if start in seen:
            continue
        seen.add(start)
        stack, lines = [start], set()
        while stack:
            x, y = stack.pop()
            if y in line_of:
                lines.add(line_of[y])
            for step in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if step in ink and step not in seen:
                    seen.add(step)
                    stack.append(step)
        if len(lines) > 1:
            joined.append(tuple(baselines[n] for n in sorted(lines)))
    return sorted(joined)


def test_the_epub_carries_the_nastaliq_face_and_passes_epubcheck(built):
    epub = built / "urdu-news.epub"
    assert [m for m in epubcheck(epub) if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []
    with zipfile.ZipFile(epub) as archive:
        names = archive.namelist()
        css = next(archive.read(n).decode() for n in names if n.endswith(".css"))
        chapter = next(archive.read(n).decode() for n in names if n.endswith("urdu-news.xhtml"))
    assert {"EPUB/fonts/NotoNastaliqUrdu-Regular.ttf", "EPUB/fonts/NotoNastaliqUrdu-Bold.ttf"} <= set(names)
    assert '[lang|=ur] { font-family: "Noto Nastaliq Urdu"' in css and "[lang|=ur] { line-height: 2.3; }" in css
    assert 'lang="ur"' in chapter
    assert not any("Vazirmatn" in n for n in names)  # nothing the book does not use


@needs_poppler
def test_naskh_on_request(tmp_path):
    assert "--urdu-face" in publisher("build", "--help").stdout
    run = publisher("build", ARTICLE, "--out", tmp_path, "-f", "pdf", "--urdu-face", "naskh")
    assert run.code == 0, run.stderr
    names = set(font_names(tmp_path / "urdu-news.pdf"))
    # Amiri's Naskh for the text, Vazirmatn for the headline and byline (Tajawal has no ے ہ ں ٹ).
    assert names == {"Amiri", "Vazirmatn", "Vazirmatn-Bold"}, names
    assert strict_recall(source_text(), extract(tmp_path / "urdu-news.pdf", "pdfium")) >= 0.99
    wrong = publisher("build", ARTICLE, "--out", tmp_path, "--urdu-face", "kufi")
    assert wrong.code == 2 and "nastaliq" in wrong.stderr
