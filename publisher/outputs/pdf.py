"""PDF through WeasyPrint: one warm renderer per process, fonts only from fonts/, assets only
from the document's own list."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from publisher import fonts
from publisher.config import POINTS_PER_MM
from publisher.errors import EnvironmentProblem, RenderError
from publisher.model import Document, Notice, PageStart, Publication, asset_bytes, media_type
from publisher.outputs import kashida, print_pages, tagged, text_bidi, text_layer

# The WeasyPrint whose internals the text layer, folios and page types read (pyproject pins it).
WEASYPRINT_MAJOR = "70"
# Relative URLs in a document resolve against this base; the fetcher maps them back to files.
BASE_URL = "file:///publisher-document/"


@dataclass
class RenderedPDF:
    data: bytes
    pages: int
    warnings: list[str]
    bookmarks: list = field(default_factory=list)
    """WeasyPrint's bookmark tree: (label, (page index, x, y), children, state) subtrees."""
    blank_pages: tuple[int, ...] | None = None
    """The pages WeasyPrint left blank to open a chapter on a right-hand page (None: not known)."""
    named_pages: tuple[int, ...] | None = None
    """The pages set on a named page (CSS `page: name`; None: not known)."""
    folios: tuple[str, ...] = ()
    """The folio each page shows ("" for none), as WeasyPrint laid it out."""
    page_starts: tuple[PageStart, ...] = ()
    """Where the pages that show a folio begin in the articles' text (asked for: an EPUB beside)."""


@cache
def _weasyprint():
    try:
        import weasyprint
    except OSError as exc:  # cffi could not load Pango or HarfBuzz
        raise EnvironmentProblem(
            f"WeasyPrint cannot load a system library: {exc}",
            hint="run 'make setup' as root, or: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
        ) from None
    if weasyprint.__version__.split(".")[0] != WEASYPRINT_MAJOR:
        # The text layer, the folios and the page types read WeasyPrint's internals
        # (page._page_box, document.fonts, font.to_unicode, font.widths): another major version
        # may have moved them.
        raise EnvironmentProblem(f"publisher needs WeasyPrint {WEASYPRINT_MAJOR}, and this machine has "
                                 f"{weasyprint.__version__}",
                                 hint=f"pip install 'weasyprint>={WEASYPRINT_MAJOR},<{int(WEASYPRINT_MAJOR) + 1}'")
    return weasyprint


@cache
def _font_config():
    """One FontConfiguration a process. Its fontconfig sees fonts/ and nothing else: a character
    no bundled face covers shows as a missing glyph (reported before rendering), never in a
    system font. FontConfiguration reads FONTCONFIG_FILE when it is made, so it is set just before."""
    _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    previous = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(fonts.FONTCONFIG_FILE)
    try:
        return FontConfiguration()
    finally:
        if previous is None:
            del os.environ["FONTCONFIG_FILE"]
        else:
            os.environ["FONTCONFIG_FILE"] = previous


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves the document's declared assets and data: URLs; refuses everything else."""

        def __init__(self, assets: dict, refused: list[str]):
            super().__init__(allowed_protocols=("file", "data"))
            self.assets = assets
            self.refused = refused

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            relative = url.removeprefix(BASE_URL) if url.startswith(BASE_URL) else None
            asset = self.assets.get(relative) if relative is not None else None
            if asset is None:
                self.refused.append(url)
                raise ValueError(f"not an asset of this document: {url}")
            return URLFetcherResponse(url, asset_bytes(asset), {"Content-Type": media_type(relative)})

    return AssetFetcher


_STYLESHEETS: dict[str, object] = {}


def _stylesheet(css: str, fetcher):
    """The print stylesheet, parsed once a process: its selectors compiled, its @font-face fonts
    loaded into the one FontConfiguration. The fonts it names are the same files for every
    document, so the first document's fetcher serves them for all."""
    sheet = _STYLESHEETS.get(css)
    if sheet is None:
        if len(_STYLESHEETS) >= 8:  # a batch has one or two; a long-lived worker may see more
            _STYLESHEETS.pop(next(iter(_STYLESHEETS)))
        sheet = _STYLESHEETS[css] = _weasyprint().CSS(string=css, base_url=BASE_URL, url_fetcher=fetcher,
                                                      font_config=_font_config())
    return sheet


class _Collector(logging.Handler):
    """WeasyPrint reports problems through logging; they belong to the article, not to stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _options(publication: Publication, carries_sources: bool = True) -> dict:
    """write_pdf options: the standard the PDF must meet and image resolution. WeasyPrint reads
    some of them while laying out (image resolution, tagging for PDF/UA) and the rest while
    writing, so both steps get them all, as its own HTML.write_pdf does."""
    options = publication.options
    chosen: dict = {"pdf_identifier": True,  # an MD5 of the content: reproducible, unlike a random one
                    "custom_metadata": True}
    if options.pdf_standard:
        chosen["pdf_variant"] = options.pdf_standard
    if options.dpi:
        chosen.update(dpi=options.dpi, optimize_images=True, jpeg_quality=88)
    if carries_sources and carries_source_files(publication):
        chosen["attachments"] = _sources(publication)
    return chosen


def carries_source_files(publication: Publication) -> bool:
    """PDF/A-3 exists to let an archive keep what a PDF was made from inside it."""
    return (publication.options.pdf_standard or "").startswith("pdf/a-3")


def source_files(publication: Publication) -> Iterator[tuple[str, bytes, str]]:
    """(name, bytes, description) of what a PDF/A-3 embeds: each article's source (the file, or
    the export's record) and its metadata as JSON."""
    import json

    for article in publication.articles:
        if article.original is not None:
            yield article.original.name, asset_bytes(article.original.content), f"source of: {article.title}"
        metadata = {"title": article.title, "subtitle": article.subtitle, "authors": list(article.authors),
                    "byline": article.byline, "dateline": article.dateline,
                    "date": article.date.isoformat() if article.date else None, "lang": article.lang,
                    "dir": article.dir, "summary": article.summary, "tags": list(article.tags),
                    "source": article.original.name if article.original else article.source.name,
                    "record": article.record, **article.meta}
        yield (f"{article.slug}.meta.json", json.dumps(metadata, ensure_ascii=False, indent=1).encode(),
               f"metadata of: {article.title}")


def _sources(publication: Publication) -> list:
    """The source files as associated files of the document (AFRelationship /Source), dated as
    the PDF is so the bytes repeat."""
    import datetime as dt
    import io

    from weasyprint import Attachment

    stamp = dt.datetime.combine(publication.stamp(required=True), dt.time())
    attachments, names = [], set()
    for name, data, description in source_files(publication):
        stem, dot, suffix = name.rpartition(".")
        unique, number = name, 1
        while unique in names:  # two articles from files of one name in different folders
            number += 1
            unique = f"{stem}-{number}{dot}{suffix}" if dot else f"{name}-{number}"
        names.add(unique)
        attachments.append(Attachment(file_obj=io.BytesIO(data), name=unique, description=description,
                                      created=stamp, modified=stamp, relationship="Source"))
    return attachments


class _Finisher:
    """Runs on the finished PDF objects, before they are written.

    - BleedBox: WeasyPrint puts it at most 10pt past the TrimBox, and when marks widen the CSS
      bleed it cannot know the real one; print shops read it, so it is set to the bleed asked for.
    - PDF/X-4 metadata carries an xmp.did made with uuid4; it becomes one derived from the
      document, so the same input gives the same bytes.
    - PDF/A-3's associated files are listed once (WeasyPrint lists them twice).
    - A right-to-left publication asks viewers to lay its spreads out right to left and to turn
      its pages that way (/ViewerPreferences /Direction /R2L), as its reader holds the print.
    """

    def __init__(self, bleed_mm: float, digest: str, text_layer, direction: str = "ltr"):
        self.labels: list[str] = []  # the page labels, set once the pages are laid out
        self.bleed_pt = bleed_mm * POINTS_PER_MM
        self.direction = direction
        self.document_id = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, 'publisher:' + digest)}".encode()
        self.text_layer = text_layer
        self.warnings: list[str] = []
        self.fault: BaseException | None = None

    def __call__(self, document, pdf) -> None:
        import pydyf

        try:
            self.text_layer(document, pdf)
            tagged.mend(document, pdf)  # PDF/UA: running heads and folios as artifacts, languages
        except Exception as exc:
            # Our code, run inside WeasyPrint's write_pdf: its fault is a bug of ours, not a
            # rendering failure (the WeasyPrint internals it reads are pinned to version 70).
            self.fault = exc
            raise

        if self.direction == "rtl":
            # Beside what WeasyPrint put there (PDF/UA's DisplayDocTitle), not instead of it.
            if not isinstance(pdf.catalog.get("ViewerPreferences"), pydyf.Dictionary):
                pdf.catalog["ViewerPreferences"] = pydyf.Dictionary()
            pdf.catalog["ViewerPreferences"]["Direction"] = "/R2L"
        associated = pdf.catalog.get("AF")
        if isinstance(associated, pydyf.Array):
            # WeasyPrint 70 lists each PDF/A-3 associated file twice (Kozea/WeasyPrint#2917, fixed
            # after 70.0 by #2920): once from the EmbeddedFiles tree, once from every Filespec.
            pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(associated))
        if self.labels:
            # A viewer's page box shows what the page shows (١٢, not 14): PageLabels.
            nums = pydyf.Array()
            for index, entry in print_pages.label_ranges(self.labels):
                nums.append(index)
                nums.append(pydyf.Dictionary({key: f"/{value}" if key == "S" else
                                              (value if key == "St" else pydyf.String(value))
                                              for key, value in entry.items()}))
            pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})
        for item in pdf.objects:
            if isinstance(item, pydyf.Dictionary) and item.get("Type") == "/Page" and "TrimBox" in item:
                left, top, right, bottom = item["TrimBox"]
                b = self.bleed_pt
                item["BleedBox"] = pydyf.Array([left - b, top - b, right + b, bottom + b])
            elif isinstance(item, pydyf.Stream) and item.extra.get("Type") == "/Metadata":
                item.stream = [_RANDOM_DID.sub(self.document_id, chunk) if isinstance(chunk, bytes) else chunk
                               for chunk in item.stream]


_RANDOM_DID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")


def render_pdf(document: Document, publication: Publication,
               laid_out: Callable[[int, list], None] | None = None) -> RenderedPDF:
    """The document as PDF bytes. `laid_out` hears the page count and the bookmarks as soon as the
    pages are laid out, before they are written: a long volume numbers its next part from them."""
    weasyprint = _weasyprint()
    refused: list[str] = []
    collector = _Collector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    previous_propagate = logger.propagate
    logger.propagate = False
    options = _options(publication, document.carries_sources)
    # The finisher corrects what WeasyPrint approximates (the BleedBox) or leaves to chance
    # (an XMP DocumentID), and rewrites the text layer.
    bleed_mm = document.page.bleed_mm if document.page else 0.0
    digest = hashlib.sha256(document.html.encode() + document.css.encode()).hexdigest()
    text_bidi.install()
    layer = text_layer.finisher(fonts.path_for, publication.dir == "rtl")
    finisher = _Finisher(bleed_mm, digest, layer, publication.dir)
    try:
        # Only WeasyPrint's own work is a rendering failure; a fault in publisher's code
        # (laid_out, the finisher) is a bug and goes up as it is.
        try:
            fetcher = _fetcher_class()(document.assets, refused)
            html = weasyprint.HTML(string=document.html, base_url=BASE_URL, url_fetcher=fetcher)
            stylesheets = [_stylesheet(document.css, fetcher)] if document.css else []
            with kashida.justified_with_kashida(document.justify == "kashida"):
                rendered = html.render(font_config=_font_config(), stylesheets=stylesheets, **options)
            bookmarks = rendered.make_bookmark_tree()
        except Exception as exc:
            raise RenderError(f"PDF rendering failed: {exc}", path=publication.articles[0].source) from exc
        if laid_out:
            laid_out(len(rendered.pages), bookmarks)
        shown = _folios(rendered, document)
        finisher.labels = print_pages.labels(shown)
        starts = (print_pages.page_starts(rendered, html.etree_element, shown)
                  if "epub" in publication.options.formats else ())
        try:
            data = rendered.write_pdf(finisher=finisher, **options)
        except Exception as exc:
            if finisher.fault is exc:
                raise
            raise RenderError(f"PDF rendering failed: {exc}", path=publication.articles[0].source) from exc
    finally:
        logger.removeHandler(collector)
        logger.propagate = previous_propagate
    warnings = [Notice("asset-refused", f"refused to load {url}") for url in dict.fromkeys(refused)] + finisher.warnings
    # An image without alt text is reported by the reader, with the file's own name.
    warnings += [Notice("render", m) for m in dict.fromkeys(collector.messages)
                 if "not an asset of this document" not in m and "has no required alt description" not in m]
    return RenderedPDF(data=data, pages=len(rendered.pages), warnings=warnings, bookmarks=bookmarks,
                       blank_pages=_pages_where(rendered, "blank"), named_pages=_pages_where(rendered, "name"),
                       folios=shown, page_starts=starts)


def _folios(rendered, document: Document) -> tuple[str, ...]:
    """The folio each page shows, read from the margin boxes that show the page counter; none
    when the layout numbers its pages in a way those boxes do not tell."""
    keywords = _folio_keywords(document.css)
    return tuple(print_pages.margin_text(page, keywords) if keywords else "" for page in rendered.pages)


@functools.lru_cache(maxsize=8)
def _folio_keywords(css: str) -> frozenset[str]:
    """The margin boxes that show the page counter alone (a batch shares one stylesheet)."""
    from publisher.outputs import folios

    try:
        boxes = folios.folio_boxes(css, counted=True)
    except folios.Unstampable:
        return frozenset()
    return frozenset({f"@{box}" for box in boxes} | set(boxes))



def _pages_where(rendered, field: str) -> tuple[int, ...] | None:
    """The pages whose type has `field` set; None if WeasyPrint no longer keeps page types on its
    page boxes (PageType: side, blank, name, index, groups)."""
    try:
        return tuple(index for index, page in enumerate(rendered.pages)
                     if getattr(page._page_box.page_type, field))
    except AttributeError:
        return None
