"""The PDF: fonts, text that comes back out, metadata, bookmarks, folios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, SEED, needs_poppler, pdf_text, publisher, recall

BUNDLED = {"Amiri", "Amiri-Bold", "Amiri-Italic", "Amiri-BoldItalic", "Tajawal", "Tajawal-Bold", "News-Symbols"}

def fonts_in(pdf: Path) -> list[tuple[str, bool]]:
    """(base font name without subset tag, embedded?) for every font the PDF uses."""
    found = []
    for page in pypdf.PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(font["/BaseFont"]).split("+", 1)[-1], embedded))
    return found


def test_seed_fonts_all_embedded_and_bundled(samples):
    fonts = fonts_in(samples / "000_96635321e4ee60bd.pdf")
    assert fonts
    assert all(embedded for _, embedded in fonts)
    assert {name for name, _ in fonts} <= BUNDLED


@needs_poppler
def test_pdffonts_shows_no_system_font(samples):
    for pdf in samples.glob("*.pdf"):
        listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        names = {line.split()[0].split("+", 1)[-1] for line in listing.splitlines()[2:]}
        assert names and names <= BUNDLED, (pdf.name, names)


def test_seed_text_comes_back_out(samples):
    source = SEED.read_text(encoding="utf-8")
    assert recall(source, pdf_text(samples / "000_96635321e4ee60bd.pdf")) >= 0.99


def test_markdown_text_comes_back_out(samples):
    """Prose, headings and lists come back. Two losses are known and left to the searchable-text
    work: pypdf runs table cells together ("الأولى1870%"), and returns أُ (alef-hamza with damma)
    as أأُ, which costs the two occurrences of أُنجز (1.3% of the words here)."""
    text = (ROOT / "articles" / "bulletin-water-2026.md").read_text(encoding="utf-8").split("---", 2)[2]
    prose = "\n".join(line for line in text.splitlines() if not line.startswith("|"))
    assert recall(prose, pdf_text(samples / "water-networks-2026.pdf")) >= 0.98


def test_metadata_from_front_matter(samples):
    reader = pypdf.PdfReader(samples / "water-networks-2026.pdf")
    info = reader.metadata
    assert info.title == "شبكات المياه في المدن الصغيرة: ما الذي تغيّر خلال عام؟"
    assert "سلمى الحداد" in info.author and "يوسف النعيمي" in info.author
    assert info["/CreationDate"].startswith("D:20261120")
    assert reader.trailer["/Root"]["/Lang"] == "ar"


def test_english_article_is_left_to_right_with_western_folios(samples):
    reader = pypdf.PdfReader(samples / "library-evening-hours.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    text = reader.pages[0].extract_text()
    assert text.rstrip().endswith("1")


def test_headings_become_bookmarks(samples):
    reader = pypdf.PdfReader(samples / "water-networks-2026.pdf")
    top = reader.outline
    assert [top[0].title] == ["شبكات المياه في المدن الصغيرة: ما الذي تغيّر خلال عام؟"]
    assert [item.title for item in top[1]] == ["ما الذي أُنجز", "ما بقي معلقًا", "الخطوة التالية"]
    seed = pypdf.PdfReader(samples / "000_96635321e4ee60bd.pdf").outline
    assert [item.title for item in seed[1]] == ["أبرز محاور اللقاء", "نتائج اللقاء", "دلالات اللقاء"]


def test_arabic_folio_in_arabic_indic_digits(samples):
    reader = pypdf.PdfReader(samples / "000_96635321e4ee60bd.pdf")
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        folio = str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        assert folio in page.extract_text().split()


def test_rebuild_gives_identical_bytes(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert publisher("build", SEED, "--out", out).code == 0
    for name in ("000_96635321e4ee60bd.pdf", "000_96635321e4ee60bd.epub"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@needs_poppler
def test_character_no_font_covers_is_reported_and_no_system_font_stands_in(tmp_path):
    article = tmp_path / "mixed.md"
    article.write_text("---\ntitle: خليط\n---\n\nنص عربي مع رمز ☃ وحرفين ཀ 中.\n", encoding="utf-8")
    run = publisher("build", article, "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0
    assert "U+0F40 TIBETAN LETTER KA" in run.stderr and "U+4E2D" in run.stderr and str(article) in run.stderr
    assert "SNOWMAN" not in run.stderr  # News Symbols draws it
    listing = subprocess.run(["pdffonts", str(tmp_path / "out" / "mixed.pdf")], capture_output=True, text=True).stdout
    names = {line.split()[0].split("+", 1)[-1] for line in listing.splitlines()[2:]}
    assert names <= BUNDLED


@needs_poppler
@pytest.mark.parametrize("name", ["000_96635321e4ee60bd", "water-networks-2026"])
def test_html_output_renders_to_the_same_pages(samples, tmp_path, name):
    """The HTML output is the document the PDF came from: WeasyPrint alone, given the HTML file,
    draws the same pages (publisher changes only the text layer: where a composite draws a mark
    or a connector with its letter, a renderer that snaps glyph origins to whole pixels may put
    it one pixel off, a few hundred pixels of a page at the most)."""
    from PIL import Image, ImageChops
    from weasyprint import HTML

    html = samples / f"{name}.html"
    assert (samples / "fonts" / "Amiri-Regular.ttf").is_file()
    again = tmp_path / "again.pdf"
    HTML(filename=html).write_pdf(again)
    assert len(pypdf.PdfReader(again).pages) == len(pypdf.PdfReader(samples / f"{name}.pdf").pages)

    def pages(pdf: Path, prefix: str) -> list[Image.Image]:
        subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", str(pdf), str(tmp_path / prefix)], check=True)
        return [Image.open(path) for path in sorted(tmp_path.glob(f"{prefix}-*.png"))]

    for drawn, ours in zip(pages(again, "again"), pages(samples / f"{name}.pdf", "ours"), strict=True):
        assert drawn.size == ours.size
        changed = sum(ImageChops.difference(drawn.convert("L"), ours.convert("L")).histogram()[9:])  # above 8
        assert changed < 0.001 * drawn.size[0] * drawn.size[1], changed


def test_clean_article_builds_without_a_single_warning(tmp_path):
    """WeasyPrint's warnings are reported; a well-formed article must cause none (a fontTools
    fallback, a refused asset, a CSS the renderer ignores would all show up here)."""
    run = publisher("build", ROOT / "articles" / "bulletin-water-2026.md", "--out", tmp_path)
    assert run.code == 0
    assert run.stderr == ""


FIDELITY = ROOT.parent / "shared" / "tools" / "fidelity.py"


@pytest.mark.skipif(not FIDELITY.is_file(), reason="../shared/tools/fidelity.py is not beside the project")
def test_shared_fidelity_tool_agrees(samples):
    proc = subprocess.run([sys.executable, str(FIDELITY), str(SEED), str(samples / "000_96635321e4ee60bd.pdf"),
                           "--min", "pypdf=0.99"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
