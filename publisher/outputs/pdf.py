"""PDF through WeasyPrint: one warm renderer per process, fonts only from fonts/, assets only
from the document's own list."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from publisher import fonts
from publisher.errors import EnvironmentProblem, RenderError
from publisher.model import Document, Publication, asset_bytes, media_type
from publisher.outputs import text_layer

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


def _options(publication: Publication) -> dict:
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
    return chosen


class _Finisher:
    """Runs on the finished PDF objects, before they are written.

    - BleedBox: WeasyPrint puts it at most 10pt past the TrimBox, and when marks widen the CSS
      bleed it cannot know the real one; print shops read it, so it is set to the bleed asked for.
    - PDF/X-4 metadata carries an xmp.did made with uuid4; it becomes one derived from the
      document, so the same input gives the same bytes.
    - A right-to-left publication asks viewers to lay its spreads out right to left and to turn
      its pages that way (/ViewerPreferences /Direction /R2L), as its reader holds the print.
    """

    def __init__(self, bleed_mm: float, digest: str, text_layer, direction: str = "ltr"):
        self.bleed_pt = bleed_mm * 72 / 25.4
        self.direction = direction
        self.document_id = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, 'publisher:' + digest)}".encode()
        self.text_layer = text_layer
        self.warnings: list[str] = []
        self.fault: BaseException | None = None

    def __call__(self, document, pdf) -> None:
        import pydyf

        try:
            self.text_layer(document, pdf)
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
    options = _options(publication)
    # The finisher corrects what WeasyPrint approximates (the BleedBox) or leaves to chance
    # (an XMP DocumentID), and rewrites the text layer.
    bleed_mm = document.page.bleed_mm if document.page else 0.0
    digest = hashlib.sha256(document.html.encode() + document.css.encode()).hexdigest()
    finisher = _Finisher(bleed_mm, digest, text_layer.finisher(fonts.path_for), publication.dir)
    try:
        # Only WeasyPrint's own work is a rendering failure; a fault in publisher's code
        # (laid_out, the finisher) is a bug and goes up as it is.
        try:
            fetcher = _fetcher_class()(document.assets, refused)
            html = weasyprint.HTML(string=document.html, base_url=BASE_URL, url_fetcher=fetcher)
            stylesheets = [_stylesheet(document.css, fetcher)] if document.css else []
            rendered = html.render(font_config=_font_config(), stylesheets=stylesheets, **options)
            bookmarks = rendered.make_bookmark_tree()
        except Exception as exc:
            raise RenderError(f"PDF rendering failed: {exc}", path=publication.articles[0].source) from exc
        if laid_out:
            laid_out(len(rendered.pages), bookmarks)
        try:
            data = rendered.write_pdf(finisher=finisher, **options)
        except Exception as exc:
            if finisher.fault is exc:
                raise
            raise RenderError(f"PDF rendering failed: {exc}", path=publication.articles[0].source) from exc
    finally:
        logger.removeHandler(collector)
        logger.propagate = previous_propagate
    warnings = [f"refused to load {url}" for url in dict.fromkeys(refused)] + finisher.warnings
    warnings += [m for m in dict.fromkeys(collector.messages) if "not an asset of this document" not in m]
    return RenderedPDF(data=data, pages=len(rendered.pages), warnings=warnings, bookmarks=bookmarks,
                       blank_pages=_pages_where(rendered, "blank"), named_pages=_pages_where(rendered, "name"))


def _pages_where(rendered, field: str) -> tuple[int, ...] | None:
    """The pages whose type has `field` set; None if WeasyPrint no longer keeps page types on its
    page boxes (PageType: side, blank, name, index, groups)."""
    try:
        return tuple(index for index, page in enumerate(rendered.pages)
                     if getattr(page._page_box.page_type, field))
    except AttributeError:
        return None
