"""Long publications (books, archive volumes) rendered in parts and joined.

WeasyPrint holds a whole document in memory while it lays it out. A book is rendered a dozen or
so articles at a time instead, each part opening on a right-hand page, as chapters do, and the
parts are joined with pypdf. The parts are laid out without folios, all at once on every worker,
and their folios stamped after (see folios.py): nothing in a part then depends on the parts before
it, so a part is the same document wherever it falls, and the next build into the same folder
takes it from there (kept.py) unless one of its articles changed. The front matter comes last:
its contents page needs the folios the chapters turned out to have. Bookmarks and page labels are
written for the joined file, so viewers show the printed folios.

A layout whose folios cannot be stamped has its parts numbered by WeasyPrint: a part starts as
soon as the one before it is laid out (its folios need that page count, not its PDF), so one
worker writes part n while another lays out part n + 1.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
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
from publisher.outputs import folios, print_pages, structure
from publisher.outputs.kept import Kept
from publisher.outputs.pdf import RenderedPDF, render_pdf

# Parts end where the articles say: after an article whose slug's digest is 0 modulo SPREAD, once
# the part holds MIN_PART articles, and at MAX_PART in any case. An article inserted or removed
# then moves at most the end of its own part, and the parts after it stay the documents they were
# (a fixed 40 articles a part moved every boundary after it, so every later part was laid out
# again). About 13 articles a part: a corrected article costs the second or so its part takes on
# one core; a 400-article book has some 30 parts (the join grows 3.08 -> 3.63 MB from 10, each
# part carrying its own widths and ToUnicode maps of each face, and is 5 % slower to make).
MIN_PART, SPREAD, MAX_PART = 4, 10, 24


def render_print(composer: PrintComposer, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None, kept: Kept | None = None) -> RenderedPDF:
    """The publication's PDF: a book in parts, joined; anything else in one piece (the very
    document the HTML output is). `kept`: what earlier builds of the book laid out."""
    if composer.in_parts:
        return render_volume(composer, workers, progress, kept)
    return render_pdf(composer.document(), composer.publication)


def render_volume(composer: PrintComposer, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None, kept: Kept | None = None) -> RenderedPDF:
    """The book as one PDF. `progress` hears (articles laid out, articles) as parts are laid out."""
    import pypdf

    publication = composer.publication
    articles = publication.articles
    standard = publication.options.pdf_standard
    tagged = bool(standard) and standard.startswith("pdf/ua-")  # the parts' structure trees merged (structure.py)
    parts = part_bounds(articles)
    report = _reporter(parts, progress)
    with _Rendering(composer, min(workers or os.cpu_count() or 1, len(parts)), kept or Kept(None)) as rendering:
        try:
            rendered_parts, first_pages, front, stamp = _stamped(composer, parts, rendering, report)
        except folios.Unstampable:
            rendered_parts, first_pages, front = _numbered(composer, parts, rendering, report)
            stamp = None
    warnings = [warning for rendered in [*rendered_parts, front] for warning in rendered.warnings]
    chapters = _chapters([rendered.bookmarks for rendered in rendered_parts], first_pages)

    front_reader = pypdf.PdfReader(io.BytesIO(front.data))
    front_pages = front.pages + front.pages % 2  # the first chapter opens on a right-hand page
    openings = [front_pages + offset for offset in first_pages]  # where each part's first page falls
    ends = [front.pages, *(start + rendered.pages for start, rendered in zip(openings, rendered_parts, strict=True))]
    blanks = [start - end for start, end in zip(openings, ends, strict=False)]  # versos before each part
    if tagged:
        joined = structure.join([front.data, *(rendered.data for rendered in rendered_parts)], [0, *blanks])
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(joined)))
    else:
        writer = pypdf.PdfWriter()
        writer.append(front_reader, import_outline=False)
        for rendered, count in zip(rendered_parts, blanks, strict=True):
            for _ in range(count):
                _blank_like(writer, writer.pages[-1])
            writer.append(io.BytesIO(rendered.data), import_outline=False)
    if stamp:
        stamper = folios.Stamper(writer, stamp, artifact=tagged)
        for rendered, start, offset in zip(rendered_parts, openings, first_pages, strict=True):
            blank = set(rendered.blank_pages or ()) if not stamp.on_blank else set()
            for index in range(rendered.pages):
                if index not in blank:
                    stamper(writer.pages[start + index], offset + index + 1, folios.side(index), index == 0)
    _contents_links(writer, range(front.pages), [front_pages + page for _, page, _ in chapters])
    for title, page, children in chapters:
        parent = writer.add_outline_item(title=title, page_number=front_pages + page)
        for heading, child_page in children:
            writer.add_outline_item(title=heading, page_number=front_pages + child_page, parent=parent)
    if standard != "pdf/a-1b":  # whose CIDSets list each part's own cut of a face
        _one_cut_a_face(writer, composer.font_files)
    # The front matter counts in roman numerals, the chapters from 1, in the digits the folios show.
    labels = [print_pages.roman(index + 1) for index in range(front_pages)]
    labels += [write_digits(str(number), publication.digits)
               for number in range(1, len(writer.pages) - front_pages + 1)]
    _page_labels(writer, labels)
    _metadata(writer, publication, front_reader)
    if standard:
        _standard(writer, front_reader, [front.data, *(rendered.data for rendered in rendered_parts)])
    out = io.BytesIO()
    writer.write(out)
    starts = tuple(replace(start, page=(page := front_pages + offset + start.page), folio=labels[page])
                   for rendered, offset in zip(rendered_parts, first_pages, strict=True)
                   for start in rendered.page_starts
                   if start.folio or stamp)  # a page WeasyPrint numbered shows its folio; stamped ones all do
    return RenderedPDF(data=out.getvalue(), pages=len(writer.pages), warnings=list(dict.fromkeys(warnings)),
                       page_starts=starts)


CHAPTER_LINK = "publisher-chapter:"


def _contents_links(writer, front_pages: range, chapter_pages: list[int]) -> None:
    """The contents' folios made links to their chapters' pages: the front part, rendered apart
    from the chapters, links each to publisher-chapter:N (the Nth chapter), which becomes a
    destination in the joined book. The annotation stays the one the structure tree names."""
    from pypdf.generic import ArrayObject, NameObject, NullObject

    for index in front_pages:
        for reference in writer.pages[index].get("/Annots") or ():
            annotation = reference.get_object()
            action = annotation.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if not uri.startswith(CHAPTER_LINK):
                continue
            chapter = int(uri.removeprefix(CHAPTER_LINK))
            del annotation["/A"]
            annotation[NameObject("/Dest")] = ArrayObject([
                writer.pages[chapter_pages[chapter]].indirect_reference, NameObject("/XYZ"),
                NullObject(), NullObject(), NullObject()])


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


def _metadata(writer, publication: Publication, front) -> None:
    """The front part's document information (title, author, dates, ...) and language, for the
    whole; viewers open it showing the title."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    info = front.trailer.get("/Info")
    if info is not None:
        writer.add_metadata({key: value for key, value in info.get_object().items()
                             if isinstance(value, (str, NameObject))})
    writer._root_object[NameObject("/Lang")] = TextStringObject(publication.lang)
    # The front part's viewer preferences (PDF/UA's DisplayDocTitle among them), and as each part
    # asked: spreads laid out, pages turned, right to left.
    preferences = DictionaryObject()
    if "/ViewerPreferences" in front.trailer["/Root"]:
        preferences.update({NameObject(key): value for key, value in
                            front.trailer["/Root"]["/ViewerPreferences"].get_object().items()
                            if not hasattr(value, "indirect_reference") or value.indirect_reference is None})
    if publication.dir == "rtl":
        preferences[NameObject("/Direction")] = NameObject("/R2L")
    if preferences:
        writer._root_object[NameObject("/ViewerPreferences")] = writer._add_object(preferences)


def _standard(writer, front, parts: list[bytes]) -> None:
    """What makes the joined file meet the standard its parts were rendered to (PDF/A, PDF/X):
    the front part's XMP (which says so: pdfaid, GTS_PDFXVersion), output intent and PDF version,
    the sources a PDF/A-3 embeds (the front part carries them all: its EmbeddedFiles and /AF), and
    a file identifier of the joined bytes. PDF/A-4 has no document information dictionary."""
    from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, NameObject

    root = front.trailer["/Root"]
    for key in ("/Metadata", "/OutputIntents", "/AF", "/MarkInfo"):
        if key in root:
            writer._root_object[NameObject(key)] = root.raw_get(key).clone(writer)
    names = root.get("/Names")
    if names is not None and "/EmbeddedFiles" in names:  # beside the named destinations the parts brought
        joined = writer._root_object.get("/Names")
        joined = joined.get_object() if joined is not None else DictionaryObject()
        joined[NameObject("/EmbeddedFiles")] = names.get_object().raw_get("/EmbeddedFiles").clone(writer)
        writer._root_object[NameObject("/Names")] = joined
    writer.pdf_header = front.pdf_header.encode()
    if front.trailer.get("/Info") is None or not front.trailer["/Info"].get_object():
        writer._info = None
    digest = hashlib.md5(b"".join(hashlib.sha256(data).digest() for data in parts)).digest()
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])


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


def part_bounds(articles) -> list[tuple[int, int]]:
    """(start, end) of each part: a part ends after an article whose slug is chosen (_ends_part)
    once it holds MIN_PART articles, and at MAX_PART articles in any case."""
    bounds, start = [], 0
    for index, article in enumerate(articles):
        size = index + 1 - start
        if size >= MAX_PART or (size >= MIN_PART and _ends_part(article.slug)):
            bounds.append((start, index + 1))
            start = index + 1
    if start < len(articles):
        bounds.append((start, len(articles)))
    return bounds


def _ends_part(slug: str) -> bool:
    return int.from_bytes(hashlib.sha256(slug.encode()).digest()[:8], "big") % SPREAD == 0


def _front(composer: PrintComposer, numbers: list[int]):
    """The document of the cover, title page and contents, with each article's folio."""
    contents = tuple(zip(composer.publication.articles, numbers, strict=True))
    return composer.document(Part(front=True, articles=(), contents=contents))


def _stamped(composer: PrintComposer, parts: list[tuple[int, int]], rendering: _Rendering, report):
    """Every part laid out without folios (so that a part is the same wherever it falls in the
    book, and kept from one build to the next), all at once; the folio specimen first. Unstampable
    before any part is rendered if the layout's stylesheet numbers pages in another way, and (the
    parts' work lost) if the specimen is not as expected or a part has named pages."""
    publication = composer.publication
    sample = composer.document(Part(front=False, articles=publication.articles[:1]))
    boxes = folios.folio_boxes(sample.css)
    for number, (html, css) in enumerate(folios.specimen_documents(publication.lang, publication.dir, boxes)):
        rendering.submit(("specimen", number), replace(sample, html=html, css=sample.css + "\n" + css,
                                                       carries_sources=False))
    hidden = "\n" + folios.hide(boxes)
    for index, (start, end) in enumerate(parts):
        document = composer.document(Part(front=False, articles=publication.articles[start:end]))
        rendering.submit(("unnumbered", index), replace(document, css=document.css + hidden, carries_sources=False))
    first, second = rendering.result(("specimen", 0)), rendering.result(("specimen", 1))
    if first.blank_pages != tuple(i for i, value in enumerate(folios.SPECIMEN) if value is None):
        raise folios.Unstampable(f"WeasyPrint reports blank pages {first.blank_pages} in the specimen")
    stamp = folios.read_specimen(first.data, second.data)
    first_pages, trees, body_pages = [], [], 0
    for index in range(len(parts)):
        pages, tree = rendering.counted(("unnumbered", index))
        report(index)
        body_pages = _opening_page(body_pages)
        first_pages.append(body_pages)
        trees.append(tree)
        body_pages += pages
    rendering.submit(("front", "stamped"), _front(composer, _folios(trees, first_pages)))
    rendered_parts = [rendering.result(("unnumbered", index)) for index in range(len(parts))]
    if any(rendered.blank_pages is None or rendered.named_pages for rendered in rendered_parts):
        # Named pages may style their folios in ways the specimen did not show: numbered in turn.
        raise folios.Unstampable("the parts have named pages")
    return rendered_parts, first_pages, rendering.result(("front", "stamped")), stamp


def _numbered(composer: PrintComposer, parts: list[tuple[int, int]], rendering: _Rendering, report):
    """Each part numbered by WeasyPrint, from the folio the part before it ended at: a part starts
    as soon as the one before it is laid out (while that one is being written). The front matter
    follows the last part's layout, its contents needing every folio."""
    first_pages, trees, body_pages = [], [], 0
    for index, (start, end) in enumerate(parts):
        body_pages = _opening_page(body_pages)
        first_pages.append(body_pages)
        part = Part(front=False, articles=composer.publication.articles[start:end], first_folio=body_pages + 1)
        rendering.submit(("numbered", index), replace(composer.document(part), carries_sources=False))
        pages, tree = rendering.counted(("numbered", index))
        report(index)
        trees.append(tree)
        body_pages += pages
    rendering.submit(("front", "numbered"), _front(composer, _folios(trees, first_pages)))
    return ([rendering.result(("numbered", index)) for index in range(len(parts))], first_pages,
            rendering.result(("front", "numbered")))


class _Rendering:
    """The documents of one book rendered to PDF: each that `kept` holds taken from it, the others
    rendered on worker processes (in this one, with one worker) and kept. A document's page count
    and bookmarks are known as soon as it is laid out, while its PDF is still being written. The
    workers hold the publication from the start, so a task is its document."""

    def __init__(self, composer: PrintComposer, workers: int, kept: Kept) -> None:
        self.composer, self.workers, self.kept = composer, workers, kept
        self.futures: dict[tuple, cf.Future] = {}
        self.keys: dict[tuple, str] = {}
        self.counts: dict[tuple, tuple[int, list]] = {}
        self.fresh: set[tuple] = set()
        self.pool: cf.ProcessPoolExecutor | None = None
        self.stack = contextlib.ExitStack()

    def __enter__(self) -> _Rendering:
        return self

    def __exit__(self, *_exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.stack.close()

    def submit(self, tag: tuple, document) -> None:
        publication = self.composer.publication
        self.keys[tag] = key = self.kept.key(document, publication)
        found = self.kept.pdf(key)
        if found is None:
            self.fresh.add(tag)
            if self.workers > 1:
                self.futures[tag] = self._pool().submit(_render_task, tag, document)
                return
            found = render_pdf(document, publication, laid_out=lambda pages, tree: self._count(tag, pages, tree))
        self.counts[tag] = (found.pages, found.bookmarks)
        self.futures[tag] = future = cf.Future()
        future.set_result(found)

    def _count(self, tag: tuple, pages: int, tree: list) -> None:
        self.counts[tag] = (pages, tree)

    def counted(self, tag: tuple) -> tuple[int, list]:
        """The page count and bookmarks of `tag`'s document, once it is laid out."""
        while tag not in self.counts:
            pending = [future for other, future in self.futures.items() if other not in self.counts]
            reported, pages, tree = _next_laid_out(self.laid_out, pending)
            self.counts[reported] = (pages, tree)
        return self.counts[tag]

    def result(self, tag: tuple) -> RenderedPDF:
        rendered = _part_result(self.futures[tag])
        if tag in self.fresh:
            self.fresh.discard(tag)
            self.kept.keep_pdf(self.keys[tag], rendered)
        return rendered

    def _pool(self) -> cf.ProcessPoolExecutor:
        if self.pool is None:
            context = multiprocessing.get_context()
            self.laid_out = context.SimpleQueue()
            folder = self.stack.enter_context(scratch())
            self.pool = cf.ProcessPoolExecutor(self.workers, mp_context=context, initializer=_part_worker,
                                               initargs=(self.composer, self.laid_out, str(folder)))
        return self.pool


def _next_laid_out(laid_out, futures: list[cf.Future]) -> tuple[tuple, int, list]:
    """The next (document, page count, bookmarks) any task reports; what a task died of, if one fails."""
    while laid_out.empty():
        done, _ = cf.wait(futures, timeout=0.05, return_when=cf.FIRST_EXCEPTION)
        for future in done:
            if future.exception() is not None:
                _part_result(future)
        if len(done) == len(futures) and laid_out.empty():
            raise RenderError("a part of the volume ended without a page count")
    return laid_out.get()


def _part_result(future: cf.Future) -> RenderedPDF:
    """A part's PDF; a worker that died (killed, out of memory) is a render failure, and anything
    else it raised goes up as it is (a fault in our code is a bug)."""
    try:
        return future.result()
    except cf.process.BrokenProcessPool as exc:
        raise RenderError(f"a worker rendering part of the volume failed: {type(exc).__name__}: {exc}") from exc


_WORKER: dict = {}


def _part_worker(composer: PrintComposer, laid_out, folder: str) -> None:
    """Pool initializer: the publication for every task, and WeasyPrint imported before the first;
    temporary files in `folder`, which the book removes (files.scratch)."""
    from publisher.outputs import pdf

    use_scratch(folder)
    pdf._weasyprint()
    _WORKER.update(publication=composer.publication, laid_out=laid_out)


def _render_task(tag: tuple, document) -> RenderedPDF:
    """A document on a worker, which reports its page count and bookmarks as soon as it is laid out."""
    queue = _WORKER["laid_out"]
    return render_pdf(document, _WORKER["publication"], laid_out=lambda pages, tree: queue.put((tag, pages, tree)))
