"""Accessibility as stores, libraries and screen readers meet it: Ace by DAISY and EPUBCheck on
real EPUBs, the page list an EPUB made beside its PDF carries (print equivalence), the metadata
that says what a file offers, and the tagged PDF's artifacts, figures and languages (read with
pypdf: veraPDF is in none of the registries the project installs from)."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from conftest import ARTICLES, ROOT, SEED, assert_ace_passes, chromium, epub_files, epubcheck, needs_poppler, publisher

CORPUS = ROOT.parent / "shared" / "corpus" / "saudinewsnet-2015-07-22.jsonl"
NS = {"x": "http://www.w3.org/1999/xhtml", "e": "http://www.idpf.org/2007/ops", "opf": "http://www.idpf.org/2007/opf"}
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ARABIC_WORD = re.compile("[\u0621-\u064a]+")
ISBN = "9789953000008"


def opf_properties(epub: Path) -> dict[str, list[str]]:
    opf = etree.fromstring(epub_files(epub)["EPUB/content.opf"])
    properties: dict[str, list[str]] = {}
    for meta in opf.iterfind("opf:metadata/opf:meta", NS):
        properties.setdefault(meta.get("property"), []).append(meta.text)
    return properties


def corpus_export(tmp_path: Path, start: int, count: int) -> Path:
    lines = CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)[start:start + count]
    export = tmp_path / f"corpus-{start}-{count}.jsonl"
    export.write_text("".join(lines), encoding="utf-8")
    return export


needs_corpus = pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus is not beside the project")


# Ace and EPUBCheck on every kind of output ---------------------------------------------------

def test_ace_passes_on_the_samples_a_book_with_a_page_list_an_illustrated_article_and_a_bulletin(
        samples, isbn_book, illustrated_epub, tmp_path):
    """One Ace run (one browser) for the EPUBs this module makes, and a bulletin with a logo and a
    back page. (Corpus articles: test_batch's corpus batch; a book of them: test_publications.
    test_build_epub runs EPUBCheck on the samples.)"""
    from PIL import Image

    # (the seed's EPUB: Ace through `publisher check`, in test_print)
    Image.new("RGB", (200, 200), (0, 90, 60)).save(tmp_path / "logo.png")
    run = publisher("bulletin", SEED, ARTICLES / "bulletin-water-2026.md", "--title", "نشرة الحي", "--issue", "4",
                    "--logo", tmp_path / "logo.png", "--publisher", "جمعية الحي", "--address", "شارع النخيل",
                    "--back-page", "-f", "epub", "--out", tmp_path / "bulletin")
    assert run.code == 0, run.stderr
    epubs = [*sorted(p for p in samples.glob("*.epub") if p.stem != SEED.stem), isbn_book[1], illustrated_epub[0],
             tmp_path / "bulletin" / "bulletin-4.epub"]
    assert_ace_passes(epubs, tmp_path / "ace")
    for epub in epubs[-3:]:
        assert [m for m in epubcheck(epub) if m["severity"] in ("FATAL", "ERROR", "WARNING")] == [], epub


# Print equivalence ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def isbn_book(tmp_path_factory) -> tuple[Path, Path]:
    """A book of the sample articles at A5 (several pages a chapter), PDF and EPUB in one run."""
    out = tmp_path_factory.mktemp("isbn-book")
    run = publisher("book", SEED, ARTICLES / "bulletin-water-2026.md", "--title", "مختارات", "--page-size", "A5",
                    "-f", "pdf", "-f", "epub", "--isbn", ISBN, "--out", out)
    assert run.code == 0, run.stderr
    return next(out.glob("*.pdf")), next(out.glob("*.epub"))


def poppler_pages(pdf: Path) -> list[str]:
    """Each page's text as poppler (Evince, pdftotext) reads it."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return BIDI_CONTROLS.sub("", text).split("\f")


@needs_poppler
def test_page_list_follows_the_printed_pages(isbn_book):
    pdf, epub = isbn_book
    files = epub_files(epub)
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    entries = nav.xpath("//x:nav[@e:type='page-list']//x:a", namespaces=NS)
    assert nav.xpath("//x:nav[@e:type='page-list']/@role", namespaces=NS) == ["doc-pagelist"]
    reader = pypdf.PdfReader(pdf)
    labels = reader.page_labels
    texts = poppler_pages(pdf)
    # The numbered pages that hold text: a folio in digits (front matter counts in roman numerals,
    # a blank page shows nothing) and more than the folio and the running head on it.
    numbered = [index for index in range(len(reader.pages))
                if labels[index].isdigit() and len(texts[index].split()) > 1]
    targets = []
    for entry in entries:
        file_name, _, marker_id = entry.get("href").partition("#")
        document = etree.fromstring(files[f"EPUB/{file_name}"])
        marker = document.xpath(f"//*[@id='{marker_id}']")[0]
        assert marker.get(f"{{{NS['e']}}}type") == "pagebreak" and marker.get("role") == "doc-pagebreak"
        page = int(marker_id.removeprefix("page-")) - 1
        targets.append(page)
        # The label is the page's /PageLabels entry, which is the folio printed at its foot.
        printed = texts[page].split()[-1]
        assert entry.text == marker.get("aria-label") == labels[page] == printed, (page, entry.text, printed)
        # The marker stands where the printed page begins: the words after it open that page.
        after = "".join(marker.itertext()) + (marker.tail or "")
        following = marker.getnext()
        while len(after.split()) < 3 and following is not None:
            after += " " + "".join(following.itertext()) + (following.tail or "")
            following = following.getnext()
        # Arabic words only: poppler mirrors brackets and moves punctuation across a line's ends.
        lines = [line for line in texts[page].splitlines() if line.strip()]
        opening = " ".join(ARABIC_WORD.findall(" ".join(lines[:12])))  # the running head, then the text
        assert " ".join(ARABIC_WORD.findall(after)[:3]) in opening, (page, after[:60], opening[:200])
    assert targets == numbered  # one entry per numbered page with text, in order
    assert len(targets) >= 4
    assert opf_properties(epub)["pageBreakSource"] == [f"urn:isbn:{ISBN}"]
    assert f"ISBN {ISBN}" in opf_properties(epub)["schema:accessibilitySummary"][0]


def test_a_wrong_check_digit_is_a_one_line_error(tmp_path):
    run = publisher("book", SEED, "--title", "مختارات", "--isbn", "9789953000000", "--out", tmp_path)
    assert run.code == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "ISBN '9789953000000'" in run.stderr
    assert not list(tmp_path.iterdir())  # refused before anything was made
    run = publisher("bulletin", SEED, "--title", "نشرة", "--issue", "1", "--issn", "0317-8470", "--out", tmp_path)
    assert run.code == 2 and "ISSN" in run.stderr


# What the metadata says ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def illustrated(tmp_path_factory) -> Path:
    """A Markdown article with an image described and one not, and a table."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("illustrated")
    Image.new("RGB", (300, 200), (200, 80, 40)).save(folder / "photo.png")
    Image.new("RGB", (200, 200), (40, 80, 200)).save(folder / "chart.png")
    (folder / "report.md").write_text(
        "---\ntitle: تقرير المياه\ndate: 2026-11-20\n---\nنص الفقرة الأولى عن شبكات المياه في المدينة.\n\n"
        "![محطة الضخ الجديدة في الحي الشمالي](photo.png)\n\nفقرة ثانية بعد الصورة.\n\n![](chart.png)\n\n"
        "| السنة | الاستهلاك |\n|---|---|\n| ٢٠٢٥ | ١٢ |\n", encoding="utf-8")
    return folder / "report.md"


@pytest.fixture(scope="module")
def illustrated_epub(illustrated, tmp_path_factory) -> tuple[Path, str]:
    """The illustrated article's EPUB, and what the build said."""
    out = tmp_path_factory.mktemp("illustrated-epub")
    run = publisher("build", illustrated, "--out", out, "-f", "epub")
    assert run.code == 0, run.stderr
    return out / "report.epub", run.stderr


def test_an_image_without_alt_text_is_a_warning_and_the_epub_says_so(illustrated_epub):
    epub, said = illustrated_epub
    assert "image chart.png has no alt text" in said and "photo.png" not in said
    properties = opf_properties(epub)
    assert properties["schema:accessMode"] == ["textual", "visual"]
    assert properties["schema:accessModeSufficient"] == ["textual,visual"]  # one image is described by nothing
    assert "alternativeText" not in properties["schema:accessibilityFeature"]
    summary = properties["schema:accessibilitySummary"][0]
    assert "الصور: ٢، منها ١ بلا نص بديل" in summary and "الجداول: ١" in summary
    # (Ace passes it: an image with empty alt text is decorative to Ace; the summary still tells.)


# Tagged and archival PDFs --------------------------------------------------------------------

def marked_texts(pdf: Path) -> list[dict[str, str]]:
    """For each page, the text shown inside tagged content (an MCID), inside artifacts, and
    outside both, as pypdf decodes it."""
    pages = []
    for page in pypdf.PdfReader(pdf).pages:
        stack: list[str] = []
        found = {"tagged": "", "artifact": "", "neither": ""}

        def before(operator, operands, cm, tm, stack=stack):
            if operator in (b"BDC", b"BMC"):
                properties = operands[1] if len(operands) > 1 else {}
                kind = "artifact" if operands[0] == "/Artifact" else (
                    "tagged" if hasattr(properties, "get") and "/MCID" in properties else "other")
                stack.append(kind)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(value, cm, tm, font, size, stack=stack, found=found):
            kind = next((k for k in reversed(stack) if k != "other"), "neither")
            found[kind] += value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
        pages.append({kind: " ".join(BIDI_CONTROLS.sub("", value).split()) for kind, value in found.items()})
    return pages


def test_pdf_ua_running_heads_and_folios_are_artifacts(tmp_path):
    run = publisher("build", SEED, "--out", tmp_path, "-f", "pdf", "--pdf-standard", "pdf/ua-1", "--page-size", "A5")
    assert run.code == 0, run.stderr
    pdf = tmp_path / f"{SEED.stem}.pdf"
    reader = pypdf.PdfReader(pdf)
    pages = marked_texts(pdf)
    assert len(pages) >= 3
    for index, page in enumerate(pages):
        assert page["neither"] == "", index  # every text operator is tagged or an artifact
        folio = reader.page_labels[index]
        artifacts = page["artifact"]
        assert folio in artifacts.split(), (index, artifacts)
        if index:  # the first page has no running head; the others show the title, cut to one line
            assert "في إطار التنسيق" in artifacts, (index, artifacts)
        assert "في إطار التنسيق المستمر" not in page["tagged"][:40] or index == 0
    # Nothing the tree cannot reach is left in the parent tree for a screen reader to read.
    nums = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    for position in range(0, len(nums), 2):
        entries = nums[position + 1].get_object()
        if isinstance(entries, list):
            for entry in entries:
                if not isinstance(entry, pypdf.generic.NullObject):
                    assert "/P" in entry.get_object()


def structure(pdf: Path, kind: str) -> list[dict]:
    found, stack = [], [pypdf.PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        element = stack.pop().get_object()
        if element.get("/S") == kind:
            found.append(element)
        kids = element.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict):
                stack.append(kid)
    return found


def test_pdf_ua_figures_carry_their_alt_text(illustrated, tmp_path):
    run = publisher("build", illustrated, "--out", tmp_path, "-f", "pdf", "--pdf-standard", "pdf/ua-1")
    assert run.code == 0, run.stderr
    assert "has no required alt description" not in run.stderr  # said once, by the reader, with the file's name
    alts = [figure.get("/Alt") for figure in structure(tmp_path / "report.pdf", "/Figure")]
    assert "محطة الضخ الجديدة في الحي الشمالي" in alts


def test_pdf_ua_marks_an_article_in_another_language(tmp_path):
    run = publisher("bulletin", SEED, ARTICLES / "library-hours-en.md", "--title", "نشرة", "--issue", "3",
                    "--out", tmp_path, "-f", "pdf", "--pdf-standard", "pdf/ua-1")
    assert run.code == 0, run.stderr
    pdf = next(tmp_path.glob("*.pdf"))
    assert str(pypdf.PdfReader(pdf).trailer["/Root"]["/Lang"]) == "ar"
    languages = {str(element.get("/Lang")) for element in structure(pdf, "/Art")}
    assert languages == {"None", "en"}  # the Arabic articles inherit the document's; the English one says so


def test_pdf_a3_carries_the_article_it_was_made_from(tmp_path):
    run = publisher("build", SEED, "--out", tmp_path, "-f", "pdf", "--pdf-standard", "pdf/a-3b")
    assert run.code == 0, run.stderr
    reader = pypdf.PdfReader(tmp_path / f"{SEED.stem}.pdf")
    root = reader.trailer["/Root"]
    associated = [item.get_object() for item in root["/AF"]]
    assert len(associated) == len({id(item) for item in associated}) == 2  # each once (WeasyPrint#2917)
    assert {str(item["/F"]) for item in associated} == {SEED.name, f"{SEED.stem}.meta.json"}
    assert {str(item["/AFRelationship"]) for item in associated} == {"/Source"}
    assert reader.attachments[SEED.name] == [SEED.read_bytes()]
    metadata = json.loads(reader.attachments[f"{SEED.stem}.meta.json"][0])
    assert metadata["lang"] == "ar" and metadata["source"] == SEED.name and metadata["title"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)
    check = publisher("check", tmp_path / f"{SEED.stem}.pdf")
    assert "PDF/A-3B" in check.stdout.upper()


@needs_corpus
def test_pdf_a3_carries_a_record_of_an_export(tmp_path):
    export = corpus_export(tmp_path, 0, 1)
    run = publisher("build", export, "--out", tmp_path / "out", "-f", "pdf", "--pdf-standard", "pdf/a-3b")
    assert run.code == 0, run.stderr
    reader = pypdf.PdfReader(next((tmp_path / "out").glob("*.pdf")))
    record = json.loads(reader.attachments[f"{export.stem}-1.json"][0])
    assert record == json.loads(export.read_text(encoding="utf-8").splitlines()[0])


# `publisher check` ---------------------------------------------------------------------------

def test_check_runs_ace_and_says_what_it_found(samples, tmp_path):
    """A good EPUB's "Ace: pass" is in test_print; here one Ace fails: the package without its
    language (Ace's serious epub-lang), which fails the check."""
    chromium()
    broken = tmp_path / "no-lang.epub"
    with zipfile.ZipFile(samples / f"{SEED.stem}.epub") as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith(".opf"):
                data = re.sub(rb' xml:lang="[^"]*"', b"", data, count=1)
            target.writestr(info, data)
    failed = publisher("check", broken)
    assert failed.code == 1
    assert re.search(r"Ace:\s+fail, violations: 1 serious", failed.stdout), failed.stdout
    assert "Ace serious epub-lang" in failed.stdout
