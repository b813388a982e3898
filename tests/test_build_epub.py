"""The EPUB: valid under EPUBCheck, right to left where it should be, fonts subset, accessible."""

from __future__ import annotations

import io
import re

import pytest
from lxml import etree

from conftest import SEED, epub_files, epubcheck, publisher

NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf"}
SAMPLES = {"000_96635321e4ee60bd": "rtl", "water-networks-2026": "rtl", "library-evening-hours": "ltr"}


@pytest.mark.parametrize("name", SAMPLES)
def test_epubcheck_reports_nothing(samples, name):
    messages = epubcheck(samples / f"{name}.epub")
    assert [m for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []


@pytest.mark.parametrize(("name", "direction"), SAMPLES.items())
def test_dir_and_lang_on_every_content_document_and_the_nav(samples, name, direction):
    files = epub_files(samples / f"{name}.epub")
    documents = [n for n in files if n.endswith(".xhtml")]
    assert any(n.endswith("nav.xhtml") for n in documents) and len(documents) >= 2
    for document in documents:
        root = etree.fromstring(files[document])
        body = root.find("x:body", NS)
        for element in (root, body):
            assert element.get("dir") == direction, (document, element.tag)
            assert element.get("lang"), (document, element.tag)


@pytest.mark.parametrize("name", SAMPLES)
def test_the_package_says_its_language(samples, name):
    """Ace by DAISY's `epub-lang` (serious): the package element carries xml:lang, the book's."""
    opf = etree.fromstring(epub_files(samples / f"{name}.epub")["EPUB/content.opf"])
    lang = opf.get("{http://www.w3.org/XML/1998/namespace}lang")
    assert lang and lang == opf.find("opf:metadata/{http://purl.org/dc/elements/1.1/}language", NS).text


@pytest.mark.parametrize(("name", "direction"), SAMPLES.items())
def test_spine_direction(samples, name, direction):
    opf = etree.fromstring(epub_files(samples / f"{name}.epub")["EPUB/content.opf"])
    assert opf.find("opf:spine", NS).get("page-progression-direction") == direction


def test_accessibility_metadata(samples):
    opf = etree.fromstring(epub_files(samples / "000_96635321e4ee60bd.epub")["EPUB/content.opf"])
    properties = {}
    for meta in opf.iterfind("opf:metadata/opf:meta", NS):
        properties.setdefault(meta.get("property"), []).append(meta.text)
    assert properties["schema:accessMode"] == ["textual"]  # the seed has no image
    assert properties["schema:accessModeSufficient"] == ["textual"]
    # Made beside its PDF: the printed pages are marked, and the page list navigates them.
    assert {"structuralNavigation", "tableOfContents", "pageBreakMarkers", "pageNavigation"} <= set(
        properties["schema:accessibilityFeature"])
    assert properties["pageBreakSource"][0].startswith("urn:uuid:")  # no ISBN given: its own identifier
    assert properties["schema:accessibilityHazard"] == ["none"]
    summary = properties["schema:accessibilitySummary"][0]
    assert re.search("[\u0600-\u06ff]", summary), "the summary is in the book's language"
    # It has a page list (from its own PDF, so no edition to name); nobody certified it.
    assert "الورقية" in summary and "urn:" not in summary and "لم تعتمد" in summary
    # No certifier named: no conformance claimed (EPUB Accessibility 1.1 makes one a MUST for a claim).
    assert "dcterms:conformsTo" not in properties and "a11y:certifiedBy" not in properties
    assert properties["dcterms:modified"][0].endswith("Z")


def test_conformance_claimed_only_with_a_certifier(tmp_path):
    result = publisher("build", SEED, "--out", tmp_path, "-f", "epub", "--a11y-certifier", "مركز النشر الميسر")
    assert result.code == 0, result.stderr
    opf = etree.fromstring(epub_files(tmp_path / "000_96635321e4ee60bd.epub")["EPUB/content.opf"])
    properties = {}
    for meta in opf.iterfind("opf:metadata/opf:meta", NS):
        properties.setdefault(meta.get("property"), []).append(meta.text)
    assert properties["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert properties["a11y:certifiedBy"] == ["مركز النشر الميسر"]
    # An EPUB made without its PDF knows no printed pages, and says so.
    assert "pageNavigation" not in properties["schema:accessibilityFeature"]
    assert "pageBreakSource" not in properties
    summary = properties["schema:accessibilitySummary"][0]
    assert "لا يحمل أرقام صفحات" in summary and "مركز النشر الميسر" in summary


def test_fonts_embedded_subset_with_media_types(samples):
    files = epub_files(samples / "000_96635321e4ee60bd.epub")
    opf = etree.fromstring(files["EPUB/content.opf"])
    fonts = [item for item in opf.iterfind("opf:manifest/opf:item", NS) if item.get("href").endswith(".ttf")]
    assert {f.get("href") for f in fonts} >= {"fonts/Amiri-Regular.ttf", "fonts/Tajawal-Bold.ttf"}
    assert {f.get("media-type") for f in fonts} == {"font/ttf"}
    from publisher.fonts import FONTS_DIR

    for font in fonts:
        embedded = files["EPUB/" + font.get("href")]
        original = (FONTS_DIR / font.get("href").split("/")[-1]).read_bytes()
        assert embedded[:4] == original[:4] and len(embedded) < len(original) / 2
    css = files["EPUB/book.css"].decode()
    assert 'url("fonts/Amiri-Regular.ttf")' in css


def test_fonts_cut_to_the_faces_and_characters_the_text_is_set_in(samples):
    """The seed's EPUB carries only the faces its text is set in (no italic, no symbols face), each
    named by one @font-face rule and cut to the characters set in it: read with fontTools against
    the CSS's own rules (the body in Amiri, headings and topics in Tajawal Bold, the byline in
    Tajawal), a character a face lacks in its full file falling back to the next family, Amiri."""
    from fontTools.ttLib import TTFont

    from publisher.fonts import FONTS_DIR

    epub = samples / "000_96635321e4ee60bd.epub"
    assert epub.stat().st_size <= 150_000  # 218 KB when every face went in whole
    files = epub_files(epub)
    css = files["EPUB/book.css"].decode()
    carried = {name.removeprefix("EPUB/fonts/") for name in files if name.startswith("EPUB/fonts/")}
    assert carried == set(re.findall(r'url\("fonts/([^"]+)"\)', css)) == {
        "Amiri-Regular.ttf", "Tajawal-Regular.ttf", "Tajawal-Bold.ttf"}
    assert 'html { font-family: "Amiri", "Tajawal"' in css
    assert re.search(r'h1, h2, h3, h4, h5, h6 \{ font-family: "Tajawal", "Amiri"[^}]*font-weight: 700', css)
    assert re.search(r'\.article-body \.topic \{ font-family: "Tajawal", "Amiri"[^}]*font-weight: 700', css)
    assert re.search(r'\.byline, [^{]*\{ font-family: "Tajawal", "Amiri"', css)

    def cmap(data: bytes) -> set[int]:
        return set(TTFont(io.BytesIO(data)).getBestCmap())

    cut = {name: cmap(files["EPUB/fonts/" + name]) for name in carried}
    whole = {name: cmap((FONTS_DIR / name).read_bytes()) for name in carried}
    chapter = etree.fromstring(files["EPUB/000_96635321e4ee60bd.xhtml"])

    def set_in(face: str, xpaths: list[str]) -> None:
        for xpath in xpaths:
            for element in chapter.xpath(xpath, namespaces=NS):
                for char in set("".join(element.itertext())) - {" "}:
                    falls_to = face if ord(char) in whole[face] else "Amiri-Regular.ttf"
                    assert ord(char) in cut[falls_to], (face, char)

    set_in("Amiri-Regular.ttf", [".//x:div[@class='article-body']/x:p[not(@class)]"])
    set_in("Tajawal-Bold.ttf", [".//x:h1", ".//x:h2", ".//x:p[@class='topic']"])
    set_in("Tajawal-Regular.ttf", [".//x:p[@class='byline']"])


def test_css_has_no_direction_or_unicode_bidi(samples):
    files = epub_files(samples / "000_96635321e4ee60bd.epub")
    for name, data in files.items():
        if name.endswith(".css"):
            assert not re.search(r"(^|[;{\s])(direction|unicode-bidi)\s*:", data.decode()), name


def test_apple_books_shows_embedded_fonts(samples):
    files = epub_files(samples / "water-networks-2026.epub")
    options = etree.fromstring(files["META-INF/com.apple.ibooks.display-options.xml"])
    assert options.findtext(".//option[@name='specified-fonts']") == "true"


def test_identifier_and_modified_come_from_the_article(samples):
    opf = etree.fromstring(epub_files(samples / "water-networks-2026.epub")["EPUB/content.opf"])
    modified = opf.findtext("opf:metadata/opf:meta[@property='dcterms:modified']", namespaces=NS)
    assert modified == "2026-11-20T00:00:00Z"
    identifier = opf.findtext("opf:metadata/{http://purl.org/dc/elements/1.1/}identifier", namespaces=NS)
    assert identifier.startswith("urn:uuid:")


def test_chapter_holds_the_article(samples):
    files = epub_files(samples / "000_96635321e4ee60bd.epub")
    chapter = etree.fromstring(files["EPUB/000_96635321e4ee60bd.xhtml"])
    headings = [h.text for h in chapter.iterfind(".//x:h2", NS)]
    assert headings == ["أبرز محاور اللقاء", "نتائج اللقاء", "دلالات اللقاء"]
    assert chapter.find(".//x:p[@class='byline']", NS).text == "كتب : م/ خالد عبد العزيز"
    assert any(link.get("href") == "book.css" for link in chapter.iterfind(".//x:link", NS))
