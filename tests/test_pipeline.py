"""The pipeline goes one way: sources -> model -> layouts -> outputs -> build. The outputs are
given a publication with its layout resolved, and never look a layout up or work a page out again.

In-process through the package's functions: what is checked is which stage calls which, which a
subprocess would hide.
"""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pypdf
import pytest

from conftest import ARTICLES, SEED, epub_files

PACKAGE = Path(__file__).resolve().parent.parent / "publisher"


def test_no_output_module_imports_the_layouts():
    for path in sorted((PACKAGE / "outputs").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {f"{node.module}.{alias.name}" if node.module == "publisher" else node.module
                     for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
                     for alias in node.names}
        assert not any(name == "publisher.layouts" or name.startswith("publisher.layouts.") for name in imported), path


def _lookups_fail_once_resolved(monkeypatch) -> list[str]:
    """After the build has resolved the publication's layout, every way of finding a layout or
    working out its page raises; returns the list of calls that were refused."""
    from publisher import layouts

    refused: list[str] = []
    resolve = layouts.composer

    def resolved_then_closed(publication):
        made = resolve(publication)
        for name in ("find", "_load", "page_settings", "check"):
            def refuse(*args, name=name, **kwargs):
                refused.append(name)
                raise AssertionError(f"layouts.{name} called once rendering had begun")
            monkeypatch.setattr(layouts, name, refuse)
        return made

    monkeypatch.setattr(layouts, "composer", resolved_then_closed)
    return refused


@pytest.mark.parametrize("kind", ["article", "bulletin", "book"])
def test_rendering_needs_no_layout_lookup(monkeypatch, kind):
    from publisher.builder import gather, render_outputs
    from publisher.model import Options, Publication
    from publisher.outputs import volume

    articles, failed = gather([SEED, ARTICLES / "bulletin-water-2026.md", ARTICLES / "library-hours-en.md"])
    assert not failed
    if kind == "article":
        articles = articles[:1]
    monkeypatch.setattr(volume, "MAX_PART", 2)  # a book of two parts, joined
    layout = {"article": "article", "bulletin": "bulletin", "book": "book"}[kind]
    publication = Publication(title="اختبار", articles=tuple(articles), kind=kind, issue="3",
                              options=Options(layout=layout, formats=("pdf", "epub", "html")))
    refused = _lookups_fail_once_resolved(monkeypatch)
    rendered = render_outputs(publication, workers=1)
    assert rendered.error is None and refused == [], (rendered.error, refused)
    assert set(rendered.files) == {"pdf", "epub", "html"}
    reader = pypdf.PdfReader(io.BytesIO(rendered.files["pdf"]))
    assert len(reader.pages) == rendered.pages >= 1
    if kind == "book":
        chapters = [item for item in reader.outline if not isinstance(item, list)]  # lists: their headings
        assert [item.title for item in chapters] == [article.title for article in articles]  # both parts
    html = rendered.files["html"].decode()
    assert all(article.title in html for article in articles)
    with zipfile.ZipFile(io.BytesIO(rendered.files["epub"])) as epub:
        assert all(f"EPUB/{article.slug}.xhtml" in epub.namelist() for article in articles)


def test_the_whole_document_is_made_once_for_pdf_and_html(monkeypatch):
    """The HTML output is the very document the PDF is rendered from, composed once."""
    from publisher import layouts
    from publisher.builder import gather, render_outputs
    from publisher.model import Options, Publication

    calls: list[object] = []
    compose = layouts.compose

    def counted(publication, target="print", part=None, *args, **kwargs):
        calls.append((target, part))
        return compose(publication, target, part, *args, **kwargs)

    monkeypatch.setattr(layouts, "compose", counted)
    articles, _ = gather([SEED])
    publication = Publication(title=articles[0].title, articles=tuple(articles),
                              options=Options(formats=("pdf", "html")))
    rendered = render_outputs(publication)
    assert rendered.error is None and set(rendered.files) == {"pdf", "html"}
    assert calls == [("print", None)]


def test_epub_is_packed_from_what_the_layout_made(tmp_path):
    from publisher import layouts
    from publisher.builder import gather
    from publisher.model import Options, Publication
    from publisher.outputs.epub import make_epub

    articles, _ = gather([ARTICLES / "bulletin-water-2026.md", ARTICLES / "library-hours-en.md"])
    publication = Publication(title="نشرة", articles=tuple(articles), kind="bulletin", issue="4",
                              options=Options(layout="bulletin"))
    content = layouts.composer(publication).epub()
    assert content.front is not None and len(content.chapters) == len(articles)
    files = epub_files_from(make_epub(publication, content), tmp_path)
    chapters = [name for name in files if name.endswith(".xhtml") and "nav" not in name and "front" not in name]
    assert len(chapters) == len(articles)


def epub_files_from(data: bytes, folder: Path) -> dict[str, bytes]:
    path = folder / "book.epub"
    path.write_bytes(data)
    return epub_files(path)


def test_weasyprint_is_the_one_whose_internals_are_read():
    """The text layer, folios and page types read WeasyPrint 70's internals; on another version
    this fails first, naming what to check before the pin in pyproject.toml moves."""
    import weasyprint

    from publisher.outputs import pdf

    assert weasyprint.__version__.split(".")[0] == pdf.WEASYPRINT_MAJOR, (
        "WeasyPrint moved: check page._page_box.page_type, document.fonts, font.to_unicode and "
        "font.widths, which publisher reads, then move WEASYPRINT_MAJOR and the pin together")
    document = weasyprint.HTML(string="<p>نص</p>").render()
    page = document.pages[0]
    assert hasattr(page._page_box, "page_type") and hasattr(page._page_box.page_type, "blank")
    seen = []

    def finisher(rendered, written):
        seen.extend((font.to_unicode, font.widths, font.hash) for font in rendered.fonts.values())

    document.write_pdf(finisher=finisher)
    assert seen and all(isinstance(widths, dict) for _, widths, _ in seen)
