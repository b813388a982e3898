"""Long publications (books, archive volumes) rendered in parts and joined.

WeasyPrint holds a whole document in memory while it lays it out. A book is rendered a few dozen
articles at a time instead, each part starting at the folio where the previous one ended (and on
a right-hand page, as chapters do), and the parts are joined with pypdf. The front matter comes
last: its contents page needs the folios the chapters turned out to have. Bookmarks and page
labels are written for the joined file, so viewers show the printed folios.

With several workers, the parts are laid out all at once when the layout's folios can be stamped
afterwards (see folios.py): nothing else in a part depends on the parts before it. Otherwise a
part starts as soon as the one before it is laid out (its folios need that page count, not its
PDF), so one worker writes part n while another lays out part n + 1.
"""

from __future__ import annotations

import concurrent.futures as cf
import io
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import replace
from functools import cache

from publisher import fonts
from publisher.arabic import digits as write_digits
from publisher.errors import RenderError
from publisher.files import scratch, use_scratch
from publisher.model import Part, PrintComposer, Publication
from publisher.outputs import folios, print_pages
from publisher.outputs.pdf import RenderedPDF, render_pdf

# Articles a part: large enough that parts are few, small enough that memory stays bounded.
PART_SIZE = 40


def render_print(composer: PrintComposer, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> RenderedPDF:
    """The publication's PDF: a book in parts, joined; anything else in one piece (the very
    document the HTML output is)."""
    if composer.in_parts:
        return render_volume(composer, workers, progress)
    return render_pdf(composer.document(), composer.publication)


def render_volume(composer: PrintComposer, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> RenderedPDF:
    """The book as one PDF. `progress` hears (articles laid out, articles) as parts are laid out."""
    import pypdf

    publication = composer.publication
    articles = publication.articles
    if publication.options.pdf_standard:
        # PDF/A, /UA and /X live in the whole file (its XMP, output intent, structure tree), which a
        # join would lose: such a book is rendered in one piece, its contents numbered by the
        # renderer (CSS target-counter) and its folios counted from the cover.
        whole = Part(front=True, contents=tuple((article, None) for article in articles))
        return render_pdf(composer.document(whole), publication)
    parts = [(start, min(start + PART_SIZE, len(articles))) for start in range(0, len(articles), PART_SIZE)]
    workers = min(workers or os.cpu_count() or 1, len(parts))
    report = _reporter(parts, progress)
    stamp = None
    if workers > 1:
        try:
            rendered_parts, first_pages, front, stamp = _at_once(composer, parts, workers, report)
        except folios.Unstampable:
            rendered_parts, first_pages, front = _in_chain(composer, parts, workers, report)
    else:
        rendered_parts, first_pages, front = _in_turn(composer, parts, workers, report)
    warnings = [warning for rendered in [*rendered_parts, front] for warning in rendered.warnings]
    chapters = _chapters([rendered.bookmarks for rendered in rendered_parts], first_pages)

    writer = pypdf.PdfWriter()
    writer.append(io.BytesIO(front.data), import_outline=False)
    front_pages = len(writer.pages)
    if front_pages % 2:  # the first chapter opens on a right-hand page
        _blank_like(writer, writer.pages[-1])
        front_pages += 1
    stamper = folios.Stamper(writer, stamp) if stamp else None
    for rendered, offset in zip(rendered_parts, first_pages, strict=True):
        while len(writer.pages) < front_pages + offset:
            _blank_like(writer, writer.pages[-1])
        start = len(writer.pages)
        writer.append(io.BytesIO(rendered.data), import_outline=False)
        if stamper:
            blank = set(rendered.blank_pages or ()) if not stamp.on_blank else set()
            for index in range(rendered.pages):
                if index not in blank:
                    stamper(writer.pages[start + index], offset + index + 1, folios.side(index), index == 0)
    for title, page, children in chapters:
        parent = writer.add_outline_item(title=title, page_number=front_pages + page)
        for heading, child_page in children:
            writer.add_outline_item(title=heading, page_number=front_pages + child_page, parent=parent)
    _one_cut_a_face(writer, composer.font_files)
    # The front matter counts in roman numerals, the chapters from 1, in the digits the folios show.
    labels = [print_pages.roman(index + 1) for index in range(front_pages)]
    labels += [write_digits(str(number), publication.digits)
               for number in range(1, len(writer.pages) - front_pages + 1)]
    _page_labels(writer, labels)
    _metadata(writer, publication, front.data)
    out = io.BytesIO()
    writer.write(out)
    starts = tuple(replace(start, page=(page := front_pages + offset + start.page), folio=labels[page])
                   for rendered, offset in zip(rendered_parts, first_pages, strict=True)
                   for start in rendered.page_starts
                   if start.folio or stamp)  # a page WeasyPrint numbered shows its folio; stamped ones all do
    return RenderedPDF(data=out.getvalue(), pages=len(writer.pages), warnings=list(dict.fromkeys(warnings)),
                       page_starts=starts)


def _page_labels(writer, labels: list[str]) -> None:
    """/PageLabels with one label a page, as print_pages writes them (pypdf's set_page_label
    knows no label in other digits than western)."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

    nums = ArrayObject()
    for index, entry in print_pages.label_ranges(labels):
        nums.append(NumberObject(index))
        nums.append(DictionaryObject({
            NameObject(f"/{key}"): (NameObject(f"/{value}") if key == "S" else NumberObject(value) if key == "St"
                                    else TextStringObject(value)) for key, value in entry.items()}))
    writer._root_object[NameObject("/PageLabels")] = DictionaryObject({NameObject("/Nums"): nums})


def _one_cut_a_face(writer, font_files: tuple) -> None:
    """Each part embeds its own cut of each face; the joined book gets one cut a face, holding
    every glyph any part draws, which all the parts' font dictionaries share. Each keeps its own
    widths and ToUnicode map, and WeasyPrint keeps glyph ids where they are in the font, so every
    part's glyph numbers stay right. The glyphs the text layer appended to a part's cut (codes of
    its own, font_program.py) are appended to the shared cut once each, and a part whose codes no
    longer equal their glyphs' ids says where they went in a CIDToGIDMap. A face that is not one
    of the book's own files keeps its cuts. (400 articles, 1118 pages: 3.63 -> 3.09 MB, pages
    pixel-identical.)"""
    from pypdf.generic import DecodedStreamObject, NameObject, NumberObject

    from publisher.outputs import font_program

    files = _font_files(font_files)
    cuts: dict[str, list] = {}
    seen: set[int] = set()
    for page in writer.pages:
        for font in _fonts(page.get("/Resources")):
            if id(font) in seen or font.get("/Subtype") != "/Type0":
                continue
            seen.add(id(font))
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            if "/FontFile2" in descriptor and descendant.get("/CIDToGIDMap") == "/Identity":
                cuts.setdefault(str(font["/BaseFont"]), []).append((descriptor, descendant))
    for members in cuts.values():
        if len(members) < 2:
            continue
        original = files.get(fonts.postscript_name(members[0][0]["/FontFile2"].get_object().get_data()))
        if original is None:
            continue
        start = font_program.glyph_count(original)
        added = [font_program.added_glyphs(descriptor["/FontFile2"].get_object().get_data(), start)
                 for descriptor, _ in members]
        glyphs = {0}.union(*(folios.widths_of(descendant) for _, descendant in members))
        glyphs = {glyph for glyph in glyphs if glyph < start}
        glyphs |= {glyph for part in added for glyph_added in part for glyph, _, _ in glyph_added.components}
        shared_added: dict = {}
        moves = []  # each member's glyph -> the shared cut's
        for part in added:
            moves.append({start + index: start + shared_added.setdefault(glyph, len(shared_added))
                          for index, glyph in enumerate(part)})
        program = fonts.subset_glyphs(original, glyphs)
        if shared_added:
            program = font_program.append_glyphs(program, start, list(shared_added))
        stream = DecodedStreamObject()
        stream.set_data(program)
        stream[NameObject("/Length1")] = NumberObject(len(program))
        shared = writer._add_object(stream.flate_encode())
        for (descriptor, descendant), move in zip(members, moves, strict=True):
            descriptor[NameObject("/FontFile2")] = shared
            if any(code != glyph for code, glyph in move.items()):
                mapping = DecodedStreamObject()
                mapping.set_data(b"".join(move.get(code, code).to_bytes(2, "big") for code in range(max(move) + 1)))
                descendant[NameObject("/CIDToGIDMap")] = writer._add_object(mapping.flate_encode())
    writer.compress_identical_objects()  # and the cuts no font names any more are not written


def _fonts(resources):
    """The fonts a resource dictionary names, and those of the forms it names (stamped folios)."""
    if resources is None:
        return
    resources = resources.get_object()
    named = resources.get("/Font")
    for reference in (named.get_object().values() if named is not None else ()):
        yield reference.get_object()
    named = resources.get("/XObject")
    for reference in (named.get_object().values() if named is not None else ()):
        form = reference.get_object()
        if form.get("/Subtype") == "/Form":
            yield from _fonts(form.get("/Resources"))


@cache
def _font_files(paths: tuple) -> dict[str, bytes]:
    """The book's own font files (bundled faces, the layout's fonts) by PostScript name."""
    found = {}
    for path in paths:
        data = path.read_bytes()
        found.setdefault(fonts.postscript_name(data), data)
    return found


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
    if publication.dir == "rtl":  # as each part asked: spreads laid out, pages turned, right to left
        writer.create_viewer_preferences().direction = NameObject("/R2L")


def _reporter(parts: list[tuple[int, int]], progress) -> Callable[[int], None]:
    """A function to call with each part laid out, which tells `progress` how far the book is."""
    total, laid_out = parts[-1][1] if parts else 0, set()

    def report(index: int) -> None:
        laid_out.add(index)
        if progress:
            progress(sum(parts[i][1] - parts[i][0] for i in laid_out), total)

    return report


def _opening_page(body_pages: int) -> int:
    """Where the next part opens: on a right-hand page, as chapters do."""
    return body_pages + body_pages % 2


def _chapters(bookmarks: list[list], first_pages: list[int]) -> list[tuple[str, int, list]]:
    """(article title, body page index, [(heading, body page index)]) from the parts' bookmarks."""
    chapters = []
    for tree, offset in zip(bookmarks, first_pages, strict=True):
        for label, target, children, _state in tree:
            chapters.append((label, offset + target[0], [(c[0], offset + c[1][0]) for c in children]))
    return chapters


def _folios(bookmarks: list[list], first_pages: list[int]) -> list[int]:
    return [page + 1 for _, page, _ in _chapters(bookmarks, first_pages)]


def _render_part(composer: PrintComposer, start: int, end: int, first_folio: int,
                 laid_out=None) -> RenderedPDF:
    publication = composer.publication
    part = Part(front=False, articles=publication.articles[start:end], first_folio=first_folio)
    return render_pdf(composer.document(part), publication, laid_out)


def _render_front(composer: PrintComposer, numbers: list[int]) -> RenderedPDF:
    """Cover, title page and contents, with each article's folio."""
    publication = composer.publication
    contents = tuple(zip(publication.articles, numbers, strict=True))
    return render_pdf(composer.document(Part(front=True, articles=(), contents=contents)), publication)


def _in_turn(composer: PrintComposer, parts: list[tuple[int, int]], workers: int, report):
    rendered_parts: list[RenderedPDF] = []
    first_pages: list[int] = []  # each part's first page, counting from the first chapter page
    body_pages = 0
    for index, (start, end) in enumerate(parts):
        body_pages = _opening_page(body_pages)
        rendered = _render_part(composer, start, end, body_pages + 1,
                                laid_out=lambda _pages, _tree, index=index: report(index))
        rendered_parts.append(rendered)
        first_pages.append(body_pages)
        body_pages += rendered.pages
    folios = _folios([rendered.bookmarks for rendered in rendered_parts], first_pages)
    return rendered_parts, first_pages, _render_front(composer, folios)


def _in_chain(composer: PrintComposer, parts: list[tuple[int, int]], workers: int, report):
    """Each part on a worker process as soon as its first folio is known: when the part before it
    is laid out. The front matter follows the last part's layout (its contents need every folio)
    while that part is still being written. The workers hold the publication from the start, so a
    task is a few numbers."""
    context = multiprocessing.get_context()
    laid_out = context.SimpleQueue()
    first_pages: list[int] = []
    bookmarks: list[list] = []
    futures: list[cf.Future] = []
    body_pages = 0
    with scratch() as folder, cf.ProcessPoolExecutor(workers, mp_context=context, initializer=_part_worker,
                                                     initargs=(composer, laid_out, str(folder))) as pool:
        for index, (start, end) in enumerate(parts):
            body_pages = _opening_page(body_pages)
            first_pages.append(body_pages)
            futures.append(pool.submit(_render_counted_part, index, start, end, body_pages + 1))
            pages, tree = _laid_out(laid_out, index, futures[-1])
            report(index)
            body_pages += pages
            bookmarks.append(tree)
        front = pool.submit(_render_worker_front, _folios(bookmarks, first_pages))
        return [_part_result(future) for future in futures], first_pages, _part_result(front)


def _at_once(composer: PrintComposer, parts: list[tuple[int, int]], workers: int, report):
    """Every part laid out without folios, all at once; the folio specimen first. Unstampable
    before any part is rendered if the layout's stylesheet numbers pages in another way, and
    (the parts' work lost) if the specimen is not as expected."""
    sample = composer.document(Part(front=False, articles=composer.publication.articles[:1]))
    boxes = folios.folio_boxes(sample.css)
    context = multiprocessing.get_context()
    laid_out = context.SimpleQueue()
    with scratch() as folder, cf.ProcessPoolExecutor(workers, mp_context=context, initializer=_part_worker,
                                                     initargs=(composer, laid_out, str(folder))) as pool:
        specimen = pool.submit(_render_specimen, sample, boxes)
        futures = [pool.submit(_render_unnumbered_part, index, start, end, boxes)
                   for index, (start, end) in enumerate(parts)]
        try:
            first, second, blank = _part_result(specimen)
            if blank != tuple(i for i, value in enumerate(folios.SPECIMEN) if value is None):
                raise folios.Unstampable(f"WeasyPrint reports blank pages {blank} in the specimen")
            stamp = folios.read_specimen(first, second)
        except folios.Unstampable:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        counts: dict[int, tuple[int, list]] = {}
        while len(counts) < len(parts):
            index, pages, tree = _next_laid_out(laid_out, futures)
            counts[index] = (pages, tree)
            report(index)
        first_pages, body_pages = [], 0
        for index in range(len(parts)):
            body_pages = _opening_page(body_pages)
            first_pages.append(body_pages)
            body_pages += counts[index][0]
        front = pool.submit(_render_worker_front, _folios([counts[i][1] for i in range(len(parts))], first_pages))
        rendered_parts = [_part_result(future) for future in futures]
        if any(rendered.blank_pages is None or rendered.named_pages for rendered in rendered_parts):
            # Named pages may style their folios in ways the specimen did not show: numbered in turn.
            raise folios.Unstampable("the parts have named pages")
        return rendered_parts, first_pages, _part_result(front), stamp


def _next_laid_out(laid_out, futures: list[cf.Future]) -> tuple[int, int, list]:
    """The next (part, page count, bookmarks) any part reports; what a part died of, if one fails."""
    while laid_out.empty():
        done, _ = cf.wait(futures, timeout=0.05, return_when=cf.FIRST_EXCEPTION)
        for future in done:
            if future.exception() is not None:
                _part_result(future)
        if len(done) == len(futures) and laid_out.empty():
            raise RenderError("a part of the volume ended without a page count")
    return laid_out.get()


def _laid_out(laid_out, index: int, future: cf.Future) -> tuple[int, list]:
    """The page count and bookmarks part `index`, the only one being laid out, reports."""
    reported, pages, tree = _next_laid_out(laid_out, [future])
    assert reported == index, (reported, index)
    return pages, tree


def _part_result(future: cf.Future) -> RenderedPDF:
    """A part's PDF; a worker that died (killed, out of memory) is a render failure, and anything
    else it raised goes up as it is (a fault in our code is a bug)."""
    try:
        return future.result()
    except cf.process.BrokenProcessPool as exc:
        raise RenderError(f"a worker rendering part of the volume failed: {type(exc).__name__}: {exc}") from exc


_WORKER: dict = {}


def _part_worker(composer: PrintComposer, laid_out, folder: str) -> None:
    """Pool initializer: the publication and its layout for every task, and WeasyPrint imported
    before the first; temporary files in `folder`, which the book removes (files.scratch)."""
    from publisher.outputs import pdf

    use_scratch(folder)
    pdf._weasyprint()
    _WORKER.update(composer=composer, publication=composer.publication, laid_out=laid_out)


def _render_counted_part(index: int, start: int, end: int, first_folio: int) -> RenderedPDF:
    """A part on a worker, which reports its page count and bookmarks as soon as it is laid out."""
    queue = _WORKER["laid_out"]
    return _render_part(_WORKER["composer"], start, end, first_folio,
                        laid_out=lambda pages, tree: queue.put((index, pages, tree)))


def _render_worker_front(numbers: list[int]) -> RenderedPDF:
    return _render_front(_WORKER["composer"], numbers)


def _render_unnumbered_part(index: int, start: int, end: int, boxes: tuple[str, ...]) -> RenderedPDF:
    """A part laid out with its folio boxes emptied, for folios stamped after; reported as laid out.
    (Kept apart from _render_part: routed through it, the 400-article book measured 1.5 s slower
    on 2 workers, four runs out of four, for reasons not found.)"""
    publication, queue = _WORKER["publication"], _WORKER["laid_out"]
    document = _WORKER["composer"].document(Part(front=False, articles=publication.articles[start:end]))
    document = replace(document, css=document.css + "\n" + folios.hide(boxes))
    return render_pdf(document, publication, laid_out=lambda pages, tree: queue.put((index, pages, tree)))


def _render_specimen(sample, boxes: tuple[str, ...]):
    """The two folio specimens, with the stylesheet and assets of `sample` (a part's document),
    and the first one's blank pages as WeasyPrint reports them."""
    publication = _WORKER["publication"]
    made = [render_pdf(replace(sample, html=html, css=sample.css + "\n" + css), publication)
            for html, css in folios.specimen_documents(publication.lang, publication.dir, boxes)]
    return made[0].data, made[1].data, made[0].blank_pages
