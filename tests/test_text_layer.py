"""The text layer as readers meet it: every word found in Chrome, Firefox, Evince, MuPDF and pypdf.

Each test builds real PDFs and reads them back with the five engines (tests/engines.py), whose
measure is the tests' own. The fixtures hold the words viewers used to lose: lam before kaf or
khah (الملكي، لكن، الخبر), kerning after ra (الشركة، مؤكدا), lam-alef (لا، الأمني، تنازلات), the
Allah ligature, tanween and shadda (مدافعًا، برمَّته، خطٍّ), lines that open with a hyphen, Latin
and numbers inside Arabic, a heading, a byline and a footnote.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pypdf
import pytest
from engines import extract, read_with_pdfjs, scores, strict_recall

from conftest import FIXTURES, make_export, needs_poppler, publisher

HARD = FIXTURES / "viewers" / "hard-words.md"
SYMBOLS = FIXTURES / "viewers" / "symbols.md"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "saudinewsnet-2015-07-22.jsonl"


def source_text(path: Path) -> str:
    """A Markdown fixture's words as a reader sees them: the title, byline and body."""
    raw = path.read_text(encoding="utf-8")
    front, body = raw.split("\n---\n", 1)
    fields = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line)
    return "\n".join([fields["title"], fields.get("author", ""), re.sub(r"\[\^1\]:?|^#+|^- ", " ", body, flags=re.M)])


def built(tmp_path: Path, source: Path, *args: str) -> Path:
    run = publisher("build", source, "-f", "pdf", "--out", tmp_path, *args)
    assert run.code == 0, run.stderr
    return tmp_path / f"{source.stem}.pdf"


@needs_poppler
@pytest.mark.parametrize("standard", ["", "pdf/a-3b", "pdf/ua-1"])
def test_every_viewer_finds_every_word(tmp_path, standard):
    pdf = built(tmp_path, HARD, *(("--pdf-standard", standard) if standard else ()))
    results = scores(source_text(HARD), pdf)
    for engine, (strict, phrase, lost) in results.items():
        assert strict == 1.0, (engine, lost)
        if engine in ("pdfium", "pdfjs", "poppler"):
            assert phrase >= 0.95, (engine, phrase)  # the title, byline and date break a few pairs


@needs_poppler
@pytest.mark.parametrize("standard", ["", "pdf/ua-1"])
def test_table_cells_keep_their_words_apart(tmp_path, standard):
    """WeasyPrint draws a right-to-left row's cells, and a line's Latin run, right to left, each
    piece from its own Tm (in PDF/UA, each in a marked-content sequence of its own): without the
    line's pieces put in visual order, pdf.js and pypdf ran the last word of a cell into the next
    cell's first, and pypdf the number ending a line into the Latin word before it (H5N120)."""
    table = FIXTURES / "viewers" / "table.md"
    pdf = built(tmp_path, table, *(("--pdf-standard", standard) if standard else ()))
    for engine, (strict, _, lost) in scores(source_text(table), pdf).items():
        assert strict == 1.0, (engine, lost)


@pytest.mark.parametrize("standard", ["pdf/a-3b", "pdf/ua-1", "pdf/a-1b", ""])
def test_widths_are_the_embedded_fonts_own(tmp_path, standard):
    """PDF/A and PDF/UA validators compare every /W entry with the font program's advance (and
    PDF/A-1 every code with the CIDSet of glyphs the program holds)."""
    from fontTools.ttLib import TTFont

    pdf = built(tmp_path, HARD, *(("--pdf-standard", standard) if standard else ()))
    reader = pypdf.PdfReader(pdf)
    checked = 0
    for font in {id(f.get_object()): f.get_object() for page in reader.pages
                 for f in page["/Resources"]["/Font"].values()}.values():
        descendant = font["/DescendantFonts"][0].get_object()
        program = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
        advances, scale = program["hmtx"].metrics, 1000 / program["head"].unitsPerEm
        order = program.getGlyphOrder()
        widths = descendant["/W"]
        for index in range(0, len(widths), 2):
            for offset, width in enumerate(widths[index + 1]):
                glyph = int(widths[index]) + offset
                assert abs(float(width) - advances[order[glyph]][0] * scale) < 0.001, (font["/BaseFont"], glyph)
                checked += 1
                if "/CIDSet" in descendant["/FontDescriptor"]:
                    bits = descendant["/FontDescriptor"]["/CIDSet"].get_object().get_data()
                    assert bits[glyph // 8] & (0x80 >> glyph % 8), (font["/BaseFont"], glyph)
    assert checked > 100
    metadata = reader.trailer["/Root"].get("/Metadata")
    xmp = metadata.get_object().get_data().decode() if metadata else ""
    if standard == "pdf/a-3b":
        assert re.search(r"pdfaid:part(=\"|>)3", xmp) and re.search(r"pdfaid:conformance(=\"|>)B", xmp)
    elif standard == "pdf/ua-1":
        assert re.search(r"pdfuaid:part(=\"|>)1", xmp)
    elif standard == "pdf/a-1b":
        assert re.search(r"pdfaid:part(=\"|>)1", xmp)
        assert strict_recall(source_text(HARD), extract(pdf, "pdfium")) == 1.0


@needs_poppler
def test_symbols_come_from_a_bundled_face_and_back_out(tmp_path):
    run = publisher("build", SYMBOLS, "-f", "pdf", "--out", tmp_path)
    assert run.code == 0 and "warning" not in run.stderr.lower(), run.stderr
    pdf = tmp_path / "symbols.pdf"
    faces = [line.split()[0].split("+")[-1] for line in
             subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout.splitlines()[2:]]
    assert faces and all(face.startswith(("Amiri", "Tajawal", "News-Symbols")) for face in faces), faces
    assert "News-Symbols" in faces
    results = scores(source_text(SYMBOLS), pdf)
    assert all(strict == 1.0 for strict, _, _ in results.values()), results
    symbols = "●■▪►★✓✔×•…€£™©→←↑↓😀😂👍❤🔥✅❌⭐📞🌍🏆🎉👉"
    poppler, pdfium = extract(pdf, "poppler"), extract(pdf, "pdfium")
    assert [s for s in symbols if s not in poppler] == []
    # PDFium writes … and ™ as ... and TM in right-to-left lines (its compatibility normalisation,
    # core/fpdftext/cpdf_textpage.cpp AddCharInfoByRLDirection) and splits characters beyond the
    # BMP into surrogates that its bidi reorders apart (core/fpdfapi/font/cpdf_tounicodemap.cpp
    # StringToWideString): neither is in the PDF's text layer to mend.
    assert [s for s in symbols if s not in pdfium and s not in "…™" and ord(s) < 0x10000] == []
    assert "..." in pdfium and "TM" in pdfium


def _page_images(pdf: Path, out: Path) -> list[bytes]:
    subprocess.run(["pdftoppm", "-r", "100", "-png", pdf, out / pdf.stem], check=True)
    return [path.read_bytes() for path in sorted(out.glob(f"{pdf.stem}*.png"))]


@needs_poppler
def test_pages_are_as_weasyprint_drew_them(tmp_path, monkeypatch):
    """Recoding changes what viewers read, not what they show: an article without marks or
    connectors renders to the same pixels with the text layer and without it."""
    from publisher.layouts import compose
    from publisher.model import Options, Publication
    from publisher.outputs import pdf as pdf_output
    from publisher.outputs import text_layer
    from publisher.sources import read

    article = next(iter(read(FIXTURES / "viewers" / "plain.md")))
    publication = Publication(kind="article", title=article.title, articles=(article,), options=Options())
    document = compose(publication)
    recoded = tmp_path / "recoded.pdf"
    recoded.write_bytes(pdf_output.render_pdf(document, publication).data)
    monkeypatch.setattr(text_layer, "finisher", lambda *args: lambda document, pdf: None)
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(pdf_output.render_pdf(document, publication).data)
    assert recoded.read_bytes() != plain.read_bytes()  # the text layer did its work
    assert _page_images(recoded, tmp_path) == _page_images(plain, tmp_path)


@needs_poppler
def test_books_and_bulletins_read_whole(tmp_path, small_parts):
    """A book is laid out in three parts and joined (one cut of each face, the parts' own codes
    mapped into it); a bulletin sets two columns."""
    export = make_export(tmp_path / "export.jsonl", small_parts)
    records = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    run = publisher("book", export, "--title", "أرشيف الحدائق", "-f", "pdf", "--out", tmp_path / "book")
    assert run.code == 0, run.stderr
    text = "\n".join(f"{r['title']}\n{r['content']}" for r in records)
    for engine, (strict, _, lost) in scores(text, next((tmp_path / "book").glob("*.pdf")),
                                           ("pdfium", "pdfjs", "poppler")).items():
        assert strict >= 0.998, (engine, lost[:10])
    five = tmp_path / "five.jsonl"
    five.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records[:5]) + "\n", encoding="utf-8")
    run = publisher("bulletin", five, "--title", "نشرة الحي", "--issue", "3", "-f", "pdf", "--out", tmp_path / "b")
    assert run.code == 0, run.stderr
    text = "\n".join(f"{r['title']}\n{r['content']}" for r in records[:5])
    for engine, (strict, _, lost) in scores(text, next((tmp_path / "b").glob("*.pdf")),
                                           ("pdfium", "pdfjs", "poppler")).items():
        assert strict >= 0.998, (engine, lost[:10])


@needs_poppler
@pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus is not beside the checkout")
def test_corpus_articles_read_whole_in_every_viewer(tmp_path):
    lines = [line for line in CORPUS.read_text(encoding="utf-8").splitlines()[:60:3]]
    export = tmp_path / "corpus.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = publisher("batch", export, "-f", "pdf", "--out", tmp_path / "out", "-q")
    assert run.code == 0, run.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    by_title = {json.loads(line)["title"].strip(): json.loads(line) for line in lines}
    totals: dict[str, list[float]] = {}
    read_with_pdfjs([tmp_path / "out" / entry["outputs"]["pdf"] for entry in manifest["articles"]
                     if "pdf" in entry["outputs"]])  # one node for the twenty
    for entry in manifest["articles"]:
        record = by_title.get((entry["title"] or "").strip())
        if not record or not record["content"].strip():
            continue
        for engine, (strict, _, lost) in scores(f"{record['title']}\n{record['content']}",
                                                tmp_path / "out" / entry["outputs"]["pdf"]).items():
            assert strict >= 0.99, (engine, entry["outputs"]["pdf"], lost)
            totals.setdefault(engine, []).append(strict)
    assert len(totals["pdfium"]) >= 15
    for engine, values in totals.items():
        assert sum(values) / len(values) >= (0.999 if engine in ("pdfium", "pdfjs", "poppler") else 0.998), engine


@needs_poppler
def test_check_names_the_words_a_reader_would_not_find(tmp_path):
    pdf = built(tmp_path, HARD)
    source = tmp_path / "longer.md"
    source.write_text(HARD.read_text(encoding="utf-8") + "\nوأضاف الناطق كلمةغائبة أخيرة.\n", encoding="utf-8")
    run = publisher("check", pdf, "--source", source)
    assert run.code == 1, run.stdout
    assert "كلمةغائبة" in run.stdout and "PDFium" in run.stdout
    run = publisher("check", pdf, "--source", HARD)
    assert run.code == 0, run.stdout
    assert "text (pdfium):" in run.stdout and "words 1.0000" in run.stdout
