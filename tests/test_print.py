"""Print options through the command line, measured on the PDFs they make."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pypdf
import pytest
from lxml import html

from conftest import ROOT, SEED, epub_files, make_export, publisher

SEED_PDF = "000_96635321e4ee60bd.pdf"


def build(tmp_path: Path, *args, source: Path = SEED, cwd: Path | None = None, name: str = SEED_PDF) -> pypdf.PdfReader:
    out = tmp_path / "out"
    run = publisher("build", source, "--out", out, "-f", "pdf", *args, cwd=cwd)
    assert run.code == 0, run.stderr
    return pypdf.PdfReader(out / name)


def mm(box) -> tuple[float, float]:
    left, bottom, right, top = (float(v) for v in box)
    return round((right - left) * 25.4 / 72, 1), round((top - bottom) * 25.4 / 72, 1)


def xmp(reader: pypdf.PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def test_a5_bleed_and_crop_marks(tmp_path):
    page = build(tmp_path, "--page-size", "A5", "--bleed", "3mm", "--marks", "crop").pages[0]
    assert mm(page["/TrimBox"]) == (148.0, 210.0)
    assert mm(page["/BleedBox"]) == (154.0, 216.0)
    width, height = mm(page["/MediaBox"])
    assert width > 154 and height > 216  # the marks stand outside the bleed


def test_custom_size_and_bleed_without_marks(tmp_path):
    page = build(tmp_path, "--page-size", "170x240mm", "--bleed", "5mm").pages[0]
    assert mm(page["/TrimBox"]) == (170.0, 240.0)
    assert mm(page["/BleedBox"]) == mm(page["/MediaBox"]) == (180.0, 250.0)


@pytest.mark.parametrize("marks", ["cross", "crop,cross"])
def test_other_marks(tmp_path, marks):
    page = build(tmp_path, "--page-size", "B5", "--bleed", "3mm", "--marks", marks).pages[0]
    assert mm(page["/TrimBox"]) == (176.0, 250.0) and mm(page["/BleedBox"]) == (182.0, 256.0)


def _text_x_range(page) -> tuple[float, float]:
    xs: list[float] = []

    def visit(text, cm, tm, font, size):
        if text.strip() and re.search("[\u0600-\u06ff]", text):
            xs.append(tm[4] * cm[0] + cm[4])

    page.extract_text(visitor_text=visit)
    return min(xs), max(xs)


def test_mirrored_margins_put_the_inner_margin_at_the_binding(tmp_path):
    """An Arabic book's first page is a left page, bound on its right; the next is bound on its left."""
    reader = build(tmp_path, "--margins", "20mm 12mm 20mm 45mm")
    width = float(reader.pages[0]["/MediaBox"][2])
    inner = 45 * 72 / 25.4
    _, right_edge_1 = _text_x_range(reader.pages[0])
    left_edge_2, _ = _text_x_range(reader.pages[1])
    assert right_edge_1 <= width - inner + 1
    assert left_edge_2 >= inner - 1


def test_pdf_a_3b(tmp_path):
    metadata = xmp(build(tmp_path, "--pdf-standard", "pdf/a-3b"))
    assert re.search(r"pdfaid:part(=\"|>)3", metadata) and re.search(r"pdfaid:conformance(=\"|>)B", metadata)


def test_pdf_ua_1_is_tagged(tmp_path):
    reader = build(tmp_path, "--pdf-standard", "pdf/ua-1")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    assert re.search(r"pdfuaid:part(=\"|>)1", xmp(reader))


def test_unknown_standard_lists_the_choices(tmp_path):
    run = publisher("build", SEED, "--out", tmp_path, "--pdf-standard", "pdf/a-9z")
    assert run.code == 2 and "pdf/a-3b, pdf/a-2u, pdf/ua-1, pdf/x-4" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("args", [(), ("--pdf-standard", "pdf/x-4"), ("--pdf-standard", "pdf/a-3b")])
def test_a_second_apart_same_bytes(tmp_path, args):
    first = tmp_path / "one"
    second = tmp_path / "two"
    assert publisher("build", SEED, "--out", first, *args).code == 0
    time.sleep(1.1)
    assert publisher("build", SEED, "--out", second, *args).code == 0
    for name in (SEED_PDF, "000_96635321e4ee60bd.epub"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_digits_option(tmp_path):
    western = build(tmp_path / "w", "--digits", "western")
    assert western.pages[0].extract_text().split()[-1] == "1"
    english = build(tmp_path / "e", "--digits", "arabic-indic", source=ROOT / "articles" / "library-hours-en.md",
                    name="library-evening-hours.pdf")
    assert english.pages[0].extract_text().split()[-1] == "١"
    assert publisher("build", SEED, "--out", tmp_path, "--digits", "roman").code == 2


def test_seed_bookmarks_and_first_folio(tmp_path):
    reader = build(tmp_path)
    outline = reader.outline
    assert [item.title for item in outline[1]] == ["أبرز محاور اللقاء", "نتائج اللقاء", "دلالات اللقاء"]
    assert reader.pages[0].extract_text().split()[-1] == "١"


def test_config_file_and_command_line_precedence(tmp_path):
    (tmp_path / "publisher.toml").write_text('[build]\npage-size = "A5"\ndigits = "western"\n', encoding="utf-8")
    from_config = build(tmp_path / "a", cwd=tmp_path)
    assert mm(from_config.pages[0]["/TrimBox"]) == (148.0, 210.0)
    overridden = build(tmp_path / "b", "--page-size", "letter", cwd=tmp_path)
    assert mm(overridden.pages[0]["/TrimBox"]) == (215.9, 279.4)
    (tmp_path / "publisher.toml").write_text('[build]\npage-size = "A11"\n', encoding="utf-8")
    run = publisher("build", SEED, "--out", tmp_path / "c", cwd=tmp_path)
    assert run.code == 2 and "publisher.toml" in run.stderr and "A11" in run.stderr


ARTICLE = """---
title: "اختبار الطباعة"
author: فريق الاختبار
date: 2026-11-01
summary: ملخص المقال
tags: [طباعة, اختبار]
---

نص فيه حاشية[^1] ورابط إلى [الخاتمة](#الخاتمة) وكلمة Saudi Aramco في وسطه.

![محطة الضخ](photo.png "الشكل ١: محطة الضخ")

## الخاتمة

نص الخاتمة.

[^1]: حاشية توضح المصدر.
"""


@pytest.fixture
def rich_article(tmp_path) -> Path:
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (3000, 1500), (30, 120, 200)).save(folder / "photo.png")
    (folder / "print.md").write_text(ARTICLE, encoding="utf-8")
    return folder / "print.md"


def test_metadata_links_footnotes_figures_and_isolates(tmp_path, rich_article):
    run = publisher("build", rich_article, "--out", tmp_path / "out", "-f", "pdf", "-f", "html", "-f", "epub")
    assert run.code == 0, run.stderr
    reader = pypdf.PdfReader(tmp_path / "out" / "print.pdf")
    info = reader.metadata
    assert (info.title, info.author, info.subject) == ("اختبار الطباعة", "فريق الاختبار", "ملخص المقال")
    assert info["/Keywords"] == "طباعة, اختبار" and info["/CreationDate"].startswith("D:20261101")
    links = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    internal = [a for a in links if a.get("/Subtype") == "/Link" and ("/Dest" in a or "/D" in a.get("/A", {}))]
    assert internal, "the link to #الخاتمة is an internal link"
    text = reader.pages[0].extract_text()
    assert text.index("حاشية توضح المصدر") > text.index("نص الخاتمة")  # the note sits at the foot
    page = html.fromstring((tmp_path / "out" / "print.html").read_text(encoding="utf-8"))
    assert [b.text for b in page.iter("bdi")] == ["Saudi Aramco"]
    assert page.find(".//figure/figcaption").text == "الشكل ١: محطة الضخ"
    chapter = epub_files(tmp_path / "out" / "print.epub")["EPUB/print.xhtml"].decode()
    assert 'epub:type="noteref"' in chapter and 'epub:type="footnote"' in chapter


def test_dpi_caps_image_resolution(tmp_path, rich_article):
    def widest_image(pdf: Path) -> int:
        reader = pypdf.PdfReader(pdf)
        return max(image.image.width for page in reader.pages for image in page.images)

    full = publisher("build", rich_article, "--out", tmp_path / "full", "-f", "pdf")
    capped = publisher("build", rich_article, "--out", tmp_path / "capped", "-f", "pdf", "--dpi", "100")
    assert full.code == capped.code == 0
    assert widest_image(tmp_path / "full" / "print.pdf") == 3000
    assert widest_image(tmp_path / "capped" / "print.pdf") < 1000


def test_check_reports_a_good_pdf_and_epub(samples):
    run = publisher("check", samples / SEED_PDF, samples / "000_96635321e4ee60bd.epub", "--source", SEED)
    assert run.code == 0, run.stdout
    assert "text (pdfium):" in run.stdout and "words 1.0000" in run.stdout
    assert "0 fatals, 0 errors, 0 warnings" in run.stdout
    assert re.search(r"Ace:\s+pass, no violations", run.stdout)  # Ace by DAISY, found where make test-tools put it


def test_check_finds_a_system_font_and_a_broken_epub(tmp_path):
    from weasyprint import HTML

    stray = tmp_path / "stray.pdf"
    HTML(string="<p style='font-family: DejaVu Sans'>hello</p>").write_pdf(stray)
    broken = tmp_path / "broken.epub"
    import zipfile

    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    run = publisher("check", stray, broken)
    assert run.code == 1
    assert "is not from fonts/" in run.stdout
    assert "problem: FATAL" in run.stdout or "problem: ERROR" in run.stdout


@pytest.mark.skipif(not (ROOT.parent / "shared" / "corpus").is_dir(), reason="no ../shared/corpus beside the project")
def test_lam_before_a_ligature_keeps_its_letter(tmp_path):
    """The corpus article that lost its lams (مجلس read as مجس) gives every word back to pypdf."""
    from conftest import recall

    line = next(line for line in (ROOT.parent / "shared" / "corpus" / "saudinewsnet-2015-07-22.jsonl")
                .read_text(encoding="utf-8").splitlines() if line.rstrip().endswith('}') and "ln36.htm" in line)
    export = tmp_path / "ln36.jsonl"
    export.write_text(line + "\n", encoding="utf-8")
    run = publisher("build", export, "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr
    (pdf,) = (tmp_path / "out").glob("*.pdf")
    import json

    content = json.loads(line)["content"]
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert recall(content, text) == 1.0


def test_seed_text_survives_pdftotext(samples):
    """poppler's extractor, behind most desktop search, gets every word of the seed back."""
    import shutil
    import subprocess

    from conftest import recall

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")
    text = subprocess.run(["pdftotext", str(samples / SEED_PDF), "-"], capture_output=True, text=True).stdout
    assert recall(SEED.read_text(encoding="utf-8"), text) >= 0.99


def test_lam_kashida_words_come_back_whole(tmp_path):
    """Amiri draws lam before kaf as lam + kashida; WeasyPrint alone then maps every later medial
    lam to nothing (مجلس read as مجس). The repaired text layer gives each word back."""
    from conftest import recall

    text = ("الملكي يفتتح المجلس. وقال رئيس مجلس الإدارة إن الأوضاع الإقليمية والداخلية مستقرة، "
            "وإن اللجنة الملكية ستجتمع في الأسبوع المقبل لبحث الملك العام.")
    article = tmp_path / "lam.md"
    article.write_text(f"# خبر\n\n{text}\n", encoding="utf-8")
    assert publisher("build", article, "--out", tmp_path / "out", "-f", "pdf").code == 0
    extracted = pypdf.PdfReader(tmp_path / "out" / "lam.pdf").pages[0].extract_text()
    assert recall(text, extracted) == 1.0


@pytest.mark.parametrize(("args", "message"), [
    (("--page-size", "0x0mm"), "out of range"), (("--page-size", "A11"), "is not known"),
    (("--margins", "200mm"), "leave no room for text"), (("--margins", "a b"), "is not a length"),
    (("--bleed", "500mm"), "more than a print shop trims"), (("--bleed", "-3mm"), "is not a length"),
    (("--marks", "stars"), "are not known"), (("--dpi", "5"), "is not a resolution"),
    (("--calendar", "julian"), "is not known"),
])
def test_bad_options_are_one_line_errors(tmp_path, args, message):
    run = publisher("build", SEED, "--out", tmp_path, *args)
    assert run.code == 2 and message in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert not list(tmp_path.glob("*.pdf"))


def test_a_footnote_cited_twice(tmp_path):
    from conftest import epubcheck

    article = tmp_path / "twice.md"
    article.write_text("# حاشيتان\n\nأول ذكر[^a] وثان[^a] وثالث[^b].\n\n"
                       "[^a]: الحاشية الأولى.\n[^b]: الحاشية الثانية.\n", encoding="utf-8")
    run = publisher("build", article, "--out", tmp_path / "out", "-f", "pdf", "-f", "epub")
    assert run.code == 0, run.stderr
    text = pypdf.PdfReader(tmp_path / "out" / "twice.pdf").pages[0].extract_text()
    assert text.count("الحاشية الأولى") == 1 and text.count("الحاشية الثانية") == 1
    assert [m for m in epubcheck(tmp_path / "out" / "twice.epub") if m["severity"] in ("ERROR", "FATAL")] == []


def test_telephone_numbers_are_isolated(tmp_path):
    article = tmp_path / "phone.md"
    article.write_text("# اتصال\n\nللاستفسار اتصلوا على +966 11 123 4567 من الأحد إلى الخميس.\n", encoding="utf-8")
    assert publisher("build", article, "--out", tmp_path, "-f", "html").code == 0
    assert "<bdi dir=\"ltr\">+966 11 123 4567</bdi>" in (tmp_path / "phone.html").read_text(encoding="utf-8")


def test_signs_are_not_latin_letters(tmp_path):
    """× and ÷ sit among the Latin-1 letters: taken for one, "200×200" was cut in two bidi runs,
    and tagged PDF drew its halves in separate boxes (pdf.js read "200200×")."""
    article = tmp_path / "signs.md"
    article.write_text("# مساحة\n\nانتشر الحريق بمساحة 200×200 متر، وقسمة 10÷2 في تقرير Müller.\n", encoding="utf-8")
    assert publisher("build", article, "--out", tmp_path, "-f", "html").code == 0
    page = html.fromstring((tmp_path / "signs.html").read_text(encoding="utf-8"))
    assert [b.text for b in page.iter("bdi")] == ["Müller"]


def test_right_to_left_pdfs_ask_viewers_for_right_to_left_spreads(tmp_path, samples):
    """/ViewerPreferences /Direction /R2L on every Arabic PDF (an article, a bulletin, a PDF/UA
    one beside its DisplayDocTitle; a book joined from parts: test_publications), none on an
    English one."""
    def preferences(pdf: Path) -> dict:
        found = pypdf.PdfReader(pdf).trailer["/Root"].get("/ViewerPreferences")
        return dict(found.get_object()) if found else {}

    assert preferences(samples / "000_96635321e4ee60bd.pdf")["/Direction"] == "/R2L"
    assert "/Direction" not in preferences(samples / "library-evening-hours.pdf")
    export = make_export(tmp_path / "feed.jsonl", 3)
    run = publisher("bulletin", export, "--title", "نشرة", "--issue", "1", "-f", "pdf", "--out", tmp_path / "b")
    assert run.code == 0, run.stderr
    assert preferences(next((tmp_path / "b").glob("*.pdf")))["/Direction"] == "/R2L"
    run = publisher("build", SEED, "-f", "pdf", "--pdf-standard", "pdf/ua-1", "--out", tmp_path / "ua")
    assert run.code == 0, run.stderr
    assert preferences(tmp_path / "ua" / f"{SEED.stem}.pdf") == {"/DisplayDocTitle": True, "/Direction": "/R2L"}
