"""EPUB 3 through ebooklib: one XHTML a article, the layout's EPUB CSS, subset fonts, and
metadata derived from the articles so that the same input gives the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
import zipfile

from ebooklib import epub
from lxml import etree
from lxml import html as lxml_html

from publisher import fonts, words
from publisher.errors import RenderError
from publisher.model import EpubContent, PageStart, Publication, asset_bytes, media_type
from publisher.outputs import accessibility, epub_fonts, print_pages

# Zip entries carry a timestamp too; a fixed one keeps rebuilds byte-identical.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)

APPLE_DISPLAY_OPTIONS = b"""<?xml version="1.0" encoding="UTF-8"?>
<display_options>
  <platform name="*">
    <option name="specified-fonts">true</option>
  </platform>
</display_options>
"""

def make_epub(publication: Publication, content: EpubContent, page_starts: tuple[PageStart, ...] = (),
              kept=None) -> bytes:
    """The EPUB of `publication`, packed from what its layout made of it (`content`); with
    `page_starts` (from the PDF made beside it), page-break markers and a page list. `kept`
    (kept.Kept): the characters each content document set in each face when an earlier build
    saw it."""
    book = epub.EpubBook()
    lang = publication.lang
    contents_word = content.contents_word
    identifier = _identifier(publication)
    book.set_identifier(identifier)
    book.set_title(publication.title)
    book.set_language(lang)
    book.set_direction(publication.dir)
    for index, author in enumerate(publication.authors):
        book.add_author(author, uid=f"author-{index}")
    if publication.date:
        book.add_metadata("DC", "date", publication.date.isoformat())
    for tag in dict.fromkeys(t for a in publication.articles for t in a.tags):
        book.add_metadata("DC", "subject", tag)
    if len(publication.articles) == 1 and publication.articles[0].summary:
        book.add_metadata("DC", "description", publication.articles[0].summary)

    css = epub.EpubItem(uid="style", file_name="book.css", media_type="text/css",
                        content=content.stylesheet.encode())
    book.add_item(css)
    def document(uid: str, file_name: str, title: str, content_html: str, doc_lang: str, direction: str):
        page = _Chapter(uid=uid, file_name=file_name, title=title, lang=doc_lang, direction=direction)
        page.content = content_html
        page.add_item(css)
        book.add_item(page)
        return page

    if publication.cover:
        book.set_cover(f"images/cover{publication.cover.suffix.lower()}", asset_bytes(publication.cover),
                       create_page=False)
    # The title page or masthead, first in reading order; the nav already lists the articles.
    front = [document("front", "front.xhtml", publication.title, content.front, lang, publication.dir)
             ] if content.front is not None else []
    documents, page_list = _with_page_breaks(publication, content.chapters, page_starts)
    chapters = [document(f"chapter-{number}", f"{article.slug}.xhtml", article.title, text, article.lang, article.dir)
                for number, (article, text) in enumerate(zip(publication.articles, documents, strict=True), start=1)]
    # A bulletin's back page, last: who publishes it, and where.
    back = [document("back", "back.xhtml", publication.title, content.back, lang, publication.dir)
            ] if content.back is not None else []
    images = {url: asset for article in publication.articles for url, asset in article.assets.items()}
    images.update(content.images)  # the layout's own pictures, where its EPUB CSS or pages name them
    for number, (url, asset) in enumerate(sorted(images.items()), start=1):
        book.add_item(epub.EpubItem(uid=f"image-{number}", file_name=url, media_type=media_type(url),
                                    content=asset_bytes(asset)))
    # Each face the documents set text in, cut to the characters set in it; the others, and their
    # @font-face rules, stay out (epub_fonts).
    carried = content.faces or fonts.faces()
    used = epub_fonts.characters_by_face(
        [*([content.front] if content.front else []), *documents, *([content.back] if content.back else [])],
        content.stylesheet, carried, kept)
    stylesheet = content.stylesheet
    for face in carried:
        if not used.get(face):
            stylesheet = stylesheet.replace(fonts.font_face_css(variables=False, chosen=(face,)) + "\n", "")
    css.content = stylesheet.encode()
    for number, face in enumerate((face for face in carried if used.get(face)), start=1):
        book.add_item(epub.EpubItem(uid=f"font-{number}", file_name=face.url, media_type="font/ttf",
                                    content=fonts.subset(face, frozenset(used[face]))))
    apple = epub.EpubItem(file_name="META-INF/com.apple.ibooks.display-options.xml", content=APPLE_DISPLAY_OPTIONS)
    apple.manifest = False
    book.add_item(apple)

    source, edition = _print_edition(publication.options, identifier)
    if page_list:
        # EPUB Accessibility 1.1, page source: what the page numbers are those of.
        book.add_metadata(None, "meta", source, {"property": "pageBreakSource"})
    book.page_list = page_list
    book.pages_word = words.around_articles(lang)["pages"]
    facts = accessibility.facts([*([content.front] if content.front else []), *documents,
                                 *([content.back] if content.back else [])], bool(page_list),
                                publication.options.a11y_certifier)
    accessibility.declare(book, facts, words.accessibility_summary(lang, facts, edition))

    book.toc = [epub.Link(c.file_name, c.title, c.id) for c in chapters]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav(title=contents_word, direction=publication.dir))
    book.spine = [*front, *chapters, *back, "nav"]

    buffer = io.BytesIO()
    modified = dt.datetime.combine(publication.stamp(required=True), dt.time(), dt.UTC)
    writer = _Writer(buffer, book, {"epub3_pages": False, "mtime": modified, "raise_exceptions": True})
    try:
        writer.process()
        writer.write()
    except Exception as exc:  # ebooklib's own failure; our _Chapter and _Writer hooks run inside it
        raise RenderError(f"EPUB writing failed: {type(exc).__name__}: {exc}",
                          path=publication.articles[0].source) from exc
    return _reproducible_zip(buffer.getvalue())


def _print_edition(options, identifier: str) -> tuple[str, str]:
    """The print edition the page breaks follow: as pageBreakSource names it (urn:isbn:…, urn:issn:…,
    else the publication's own identifier) and as the summary names it to a reader ("" for the
    identifier, which tells a reader nothing)."""
    if options.isbn:
        return f"urn:isbn:{options.isbn}", f"ISBN {options.isbn}"
    if options.issn:
        return f"urn:issn:{options.issn}", f"ISSN {options.issn}"
    return identifier, ""


def _identifier(publication: Publication) -> str:
    """A UUID from the publication's content: stable across rebuilds, distinct across texts."""
    digest = hashlib.sha256()
    for article in publication.articles:
        digest.update(article.slug.encode() + b"\0" + article.title.encode() + b"\0" + article.body_html.encode())
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publisher:' + digest.hexdigest())}"


class _Chapter(epub.EpubHtml):
    """ebooklib puts lang on <html> only; EPUB readers and checkers want it on <body> too."""

    def get_content(self, default=None):
        root = etree.fromstring(super().get_content(default))
        _mark_body(root, self.lang or self.book.language, self.direction)
        return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


class _Writer(epub.EpubWriter):
    """ebooklib's nav lacks dir on <html> and lang on <body>, and its package element has no
    xml:lang (Ace by DAISY's serious `epub-lang` violation: reading systems and screen readers
    take the publication's language from it); the rest of its output is kept."""

    def _write_opf_file(self, root):
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)
        super()._write_opf_file(root)

    def _get_nav(self, item):
        root = etree.fromstring(super()._get_nav(item))
        _mark_body(root, self.book.language, item.direction)
        if getattr(self.book, "page_list", None):
            _add_page_list(root, self.book.page_list, self.book.pages_word)
        return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _with_page_breaks(publication: Publication, chapters: tuple[str, ...],
                      starts: tuple[PageStart, ...]) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The chapters with a page-break marker where each printed page begins, and the page list:
    (file, marker id, folio) in page order. A page that shows no folio gets no marker."""
    shown = [start for start in starts if start.folio]
    if not shown:
        return list(chapters), []
    by_slug: dict[str, list[PageStart]] = {}
    for start in shown:
        by_slug.setdefault(start.article, []).append(start)
    documents, page_list = [], []
    for article, document in zip(publication.articles, chapters, strict=True):
        mine = by_slug.get(article.slug)
        if not mine:
            documents.append(document)
            continue
        root = lxml_html.document_fromstring(document)
        print_pages.mark(root, mine, _marker)
        documents.append(lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>"))
        page_list += [(start.page, f"{article.slug}.xhtml", _marker_id(start), start.folio) for start in mine]
    return documents, [entry[1:] for entry in sorted(page_list)]


def _marker_id(start: PageStart) -> str:
    return f"page-{start.page + 1}"


def _marker(start: PageStart):
    """<span epub:type="pagebreak" role="doc-pagebreak" id="page-14" aria-label="١٢"/>: the
    folio as its accessible name (and title, which some reading systems show)."""
    span = lxml_html.Element("span")
    span.set("id", _marker_id(start))
    span.set("epub:type", "pagebreak")
    span.set("role", "doc-pagebreak")
    span.set("aria-label", start.folio)
    span.set("title", start.folio)
    return span


def _add_page_list(root, page_list: list[tuple[str, str, str]], title: str) -> None:
    """The nav's page list (ebooklib's own takes every element with an epub:type for a page)."""
    xhtml, ops = "{http://www.w3.org/1999/xhtml}", "{http://www.idpf.org/2007/ops}"
    body = root.find(f"{xhtml}body")
    nav = etree.SubElement(body, f"{xhtml}nav", {f"{ops}type": "page-list", "role": "doc-pagelist",
                                                 "id": "page-list", "hidden": "hidden"})
    etree.SubElement(nav, f"{xhtml}h2").text = title
    items = etree.SubElement(nav, f"{xhtml}ol")
    for file_name, marker, folio in page_list:
        link = etree.SubElement(etree.SubElement(items, f"{xhtml}li"), f"{xhtml}a", {"href": f"{file_name}#{marker}"})
        link.text = folio


def _mark_body(root, lang: str, direction: str | None) -> None:
    xhtml = "{http://www.w3.org/1999/xhtml}"
    body = root.find(f"{xhtml}body")
    for element in (root, body):
        element.set("lang", lang)
        element.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
        if direction:
            element.set("dir", direction)


def _reproducible_zip(data: bytes) -> bytes:
    """The same entries with fixed timestamps: ebooklib stamps each with the time of writing."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename), compresslevel=9)
    return out.getvalue()
