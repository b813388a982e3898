"""Long publications (books, archive volumes) rendered in parts and joined.

WeasyPrint holds a whole document in memory while it lays it out. A book is rendered a few dozen
articles at a time instead, each part starting at the folio where the previous one ended (and on
a right-hand page, as chapters do), and the parts are joined with pypdf. The front matter comes
last: its contents page needs the folios the chapters turned out to have. Bookmarks and page
labels are written for the joined file, so viewers show the printed folios.
"""

from __future__ import annotations

import io

from publisher.layouts import Part, compose
from publisher.model import Publication
from publisher.outputs.pdf import RenderedPDF, render_pdf

# Articles a part: large enough that parts are few, small enough that memory stays bounded.
PART_SIZE = 40


def render_volume(publication: Publication) -> RenderedPDF:
    import pypdf

    articles = publication.articles
    if publication.options.pdf_standard:
        # PDF/A, /UA and /X live in the whole file (its XMP, output intent, structure tree), which a
        # join would lose: such a book is rendered in one piece, its contents numbered by the
        # renderer (CSS target-counter) and its folios counted from the cover.
        whole = Part(front=True, contents=tuple((article, None) for article in articles))
        return render_pdf(compose(publication, part=whole), publication)
    parts = [articles[start:start + PART_SIZE] for start in range(0, len(articles), PART_SIZE)]
    rendered_parts: list[RenderedPDF] = []
    first_pages: list[int] = []  # each part's first page, counting from the first chapter page
    warnings: list[str] = []
    body_pages = 0
    for chunk in parts:
        if body_pages % 2:  # a part opens with a chapter, and chapters open on a right-hand page
            body_pages += 1
        document = compose(publication, part=Part(front=False, articles=chunk, first_folio=body_pages + 1))
        rendered = render_pdf(document, publication)
        rendered_parts.append(rendered)
        first_pages.append(body_pages)
        warnings.extend(rendered.warnings)
        body_pages += rendered.pages

    chapters = []  # (article title, body page index, [(heading, body page index)])
    for rendered, offset in zip(rendered_parts, first_pages, strict=True):
        for label, target, children, _state in rendered.bookmarks:
            chapters.append((label, offset + target[0], [(c[0], offset + c[1][0]) for c in children]))
    contents = tuple((article, page + 1) for article, (_, page, _) in zip(articles, chapters, strict=True))
    front = render_pdf(compose(publication, part=Part(front=True, articles=(), contents=contents)), publication)
    warnings.extend(front.warnings)

    writer = pypdf.PdfWriter()
    writer.append(io.BytesIO(front.data), import_outline=False)
    front_pages = len(writer.pages)
    if front_pages % 2:  # the first chapter opens on a right-hand page
        _blank_like(writer, writer.pages[-1])
        front_pages += 1
    for rendered, offset in zip(rendered_parts, first_pages, strict=True):
        while len(writer.pages) < front_pages + offset:
            _blank_like(writer, writer.pages[-1])
        writer.append(io.BytesIO(rendered.data), import_outline=False)
    for title, page, children in chapters:
        parent = writer.add_outline_item(title, front_pages + page)
        for heading, child_page in children:
            writer.add_outline_item(heading, front_pages + child_page, parent=parent)
    writer.set_page_label(0, front_pages - 1, style="/r")
    writer.set_page_label(front_pages, len(writer.pages) - 1, style="/D", start=1)
    _metadata(writer, publication, front.data)
    out = io.BytesIO()
    writer.write(out)
    return RenderedPDF(data=out.getvalue(), pages=len(writer.pages), warnings=list(dict.fromkeys(warnings)))


def _blank_like(writer, page) -> None:
    """A blank verso with the same boxes as `page` (trim, bleed and media)."""
    from pypdf.generic import NameObject

    blank = writer.add_blank_page(width=page.mediabox.width, height=page.mediabox.height)
    for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if box in page:
            blank[NameObject(box)] = page[box]


def _metadata(writer, publication: Publication, front_pdf: bytes) -> None:
    """The front part's document information (title, author, dates, ...) and language, for the
    whole; viewers open it showing the title."""
    import pypdf
    from pypdf.generic import NameObject, TextStringObject

    info = pypdf.PdfReader(io.BytesIO(front_pdf)).metadata or {}
    writer.add_metadata({key: value for key, value in info.items() if isinstance(value, str)})
    writer._root_object[NameObject("/Lang")] = TextStringObject(publication.lang)
