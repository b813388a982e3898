"""`publisher check` on a page that shows an empty box, and its HTML report."""

from __future__ import annotations

import base64
import io

import pypdfium2
from lxml import html
from PIL import Image, ImageChops

from conftest import SEED, publisher

FILLER = "تعمل البلدية على توسيع شبكة الحدائق العامة في الأحياء الجديدة وتقول إن المرحلة الأولى ستنتهي قريبا. " * 6


def test_a_missing_glyph_is_found_on_its_page_and_shown(tmp_path):
    # Tibetan ༀ, which no bundled font has, on the article's second page only.
    paragraphs = [FILLER] * 9 + ["وفي آخر المقال رمز لا يغطيه أي خط: \u0f00 في وسط الجملة."]
    (tmp_path / "glyph.md").write_text("---\ntitle: رمز غريب\n---\n\n" + "\n\n".join(paragraphs) + "\n",
                                       encoding="utf-8")
    assert publisher("build", tmp_path / "glyph.md", "-f", "pdf", "--out", tmp_path).code == 0
    pdf = tmp_path / "glyph.pdf"
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pages = [page.get_textpage().get_text_range() for page in document]
        page_of_glyph = next(index for index, text in enumerate(pages) if "\u0f00" in text)
        assert len(pages) >= 2 and page_of_glyph >= 1
        pictures = [page.render(scale=0.3).to_pil().convert("L") for page in document]
    finally:
        document.close()
    run = publisher("check", pdf, "--html", tmp_path / "report.html")
    assert run.code == 1 and f"page {page_of_glyph + 1}: a character with no glyph" in run.stdout, run.stdout
    report = html.fromstring((tmp_path / "report.html").read_text(encoding="utf-8"))
    figures = report.findall(".//figure")
    assert [figure.get("id") for figure in figures] == [f"page-{page_of_glyph + 1}"]
    # The thumbnail is that page: nearer PDFium's own picture of it than of any other page.
    data = figures[0].find("img").get("src").split(",", 1)[1]
    thumbnail = Image.open(io.BytesIO(base64.b64decode(data))).convert("L")

    def distance(picture) -> float:
        histogram = ImageChops.difference(thumbnail, picture.resize(thumbnail.size)).histogram()
        return sum(value * count for value, count in enumerate(histogram)) / (thumbnail.width * thumbnail.height)

    distances = [distance(picture) for picture in pictures]
    assert min(range(len(distances)), key=distances.__getitem__) == page_of_glyph, distances


def test_a_clean_pdf_has_no_page_in_its_report(samples, tmp_path):
    run = publisher("check", samples / f"{SEED.stem}.pdf", "--html", tmp_path / "report.html")
    assert run.code == 0, run.stdout
    report = html.fromstring((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert report.findall(".//figure") == [] and "OK" in report.text_content()
