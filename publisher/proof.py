"""Page proofs (`publisher proof`): contact sheets of a whole PDF, and page images, rendered by
PDFium (pypdfium2) on every core.

A sheet holds up to 40 pages as spreads, the way the printed book opens: the first page alone on
its recto side (the right in a left-to-right book, the left in a right-to-left one: the PDF says
which with /ViewerPreferences /Direction), then facing pages; spreads follow one another in reading
order, right to left across a row for a right-to-left book. Under each page its folio (the PDF's
page label, which publisher makes equal to the printed folio); on a page with a bleed, the trim
is drawn in cyan and the bleed in magenta.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from publisher.errors import InputError, UsageError
from publisher.files import inside

SHEET_PAGES = 40
SPREADS_ACROSS = 4
THUMB_HEIGHT = 300  # pixels a page stands on a sheet
LABEL_HEIGHT = 30
GAP, MARGIN, HEADER = 28, 36, 56
ALL_PAGES_UP_TO = 8  # a document this short gets an image of every page without --pages
TRIM_COLOUR, BLEED_COLOUR = (0, 170, 200), (210, 0, 150)

Spread = tuple[int | None, int | None]  # (left page, right page), indexes; None: nothing there


@dataclass
class Proofs:
    sheets: list[Path]
    pages: list[Path]


def spreads(pages: int, rtl: bool) -> list[Spread]:
    """The document's spreads in reading order: page 1 alone on its recto side, then facing pages
    (2|3 in a left-to-right book, 3|2 in a right-to-left one, each written left|right)."""
    if pages <= 0:
        return []
    found: list[Spread] = [(0, None) if rtl else (None, 0)]
    for verso in range(1, pages, 2):
        recto = verso + 1 if verso + 1 < pages else None
        found.append((recto, verso) if rtl else (verso, recto))
    return found


def page_range(text: str, pages: int, pdf: Path | None = None) -> list[int]:
    """"1-3,7" as page indexes (0-based), each checked against the document's length."""
    chosen: list[int] = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise UsageError(f"--pages {text!r} is not a list of pages", path=pdf, hint="write it like 1-3,7")
        first, last = int(match[1]), int(match[2] or match[1])
        if first > last:
            raise UsageError(f"--pages {part} runs backwards", path=pdf, hint=f"write {last}-{first}")
        if not 1 <= first <= last <= pages:
            raise UsageError(f"--pages {part} is not within the document's {pages} pages", path=pdf,
                             hint=f"pages run from 1 to {pages}")
        chosen.extend(range(first - 1, last))
    return list(dict.fromkeys(chosen))


def proof(pdf: Path, out: Path, *, dpi: int = 100, pages: str | None = None, workers: int | None = None,
          sheets: bool = True, every_page: bool = False) -> Proofs:
    """Contact sheets of every page of `pdf` (unless `sheets` is False), and images of the pages
    `pages` names (of every page of a document of up to 8), in OUT/<name>-proof/: made in a
    folder beside it and put in its place whole, so no sheet of an earlier run is left among them."""
    import pypdfium2

    if not 10 <= dpi <= 600:
        raise UsageError(f"--dpi {dpi} is out of range", hint="give 10 to 600; 100 is the default")
    try:
        document = pypdfium2.PdfDocument(str(pdf))
    except (pypdfium2.PdfiumError, OSError) as exc:
        raise InputError(f"cannot be opened as a PDF ({exc})", path=pdf,
                         hint="check that the file is a whole PDF") from None
    try:
        count = len(document)
        rtl = _right_to_left(pdf)
    finally:
        document.close()
    if not count:
        raise InputError("has no pages", path=pdf, hint="make the PDF again")
    if every_page or (not pages and count <= ALL_PAGES_UP_TO):
        chosen = list(range(count))
    else:
        chosen = page_range(pages, count, pdf) if pages else []
    laid = spreads(count, rtl)
    per_sheet = SHEET_PAGES // 2
    groups = [laid[i:i + per_sheet] for i in range(0, len(laid), per_sheet)] if sheets else []
    folder = inside(out, f"{pdf.stem}-proof")
    making = folder.with_name(folder.name + ".part")
    shutil.rmtree(making, ignore_errors=True)
    tasks = [("sheet", number, group, len(groups), rtl) for number, group in enumerate(groups, start=1)]
    tasks += [("page", index, dpi) for index in chosen]
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    making.mkdir(parents=True)
    written = Proofs(sheets=[], pages=[])
    try:
        for task, data in zip(tasks, _made(tasks, pdf, workers, count), strict=True):  # written as they come
            name = f"sheet-{task[1]:02d}.png" if task[0] == "sheet" else f"page-{task[1] + 1:03d}.png"
            (making / name).write_bytes(data)
            (written.sheets if task[0] == "sheet" else written.pages).append(folder / name)
    except BaseException:
        shutil.rmtree(making, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    making.rename(folder)
    return written


def _made(tasks: list, pdf: Path, workers: int, pages: int):
    """Each task's PNG, in order. A document of one sheet is rendered here (starting a worker
    costs more than its pages); a longer one on `workers` processes. PDFium is not made for
    threads: each worker process opens the document itself, spawned, not forked, so that no
    PDFium state of this process is copied into them."""
    global _DOCUMENT
    if workers == 1 or pages <= SHEET_PAGES:
        _open(str(pdf), pdf.name)
        try:
            yield from map(_make, tasks)
        finally:
            _DOCUMENT.close()
            _DOCUMENT = None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                             initializer=_open, initargs=(str(pdf), pdf.name)) as pool:
        yield from pool.map(_make, tasks, chunksize=1)


def _right_to_left(pdf: Path) -> bool:
    import pypdf

    try:
        preferences = pypdf.PdfReader(pdf).trailer["/Root"].get("/ViewerPreferences") or {}
        return str(preferences.get_object().get("/Direction", "")) == "/R2L"
    except (pypdf.errors.PyPdfError, KeyError, AttributeError, ValueError):
        return False


_DOCUMENT = None
_NAME = ""


def _open(path: str, name: str) -> None:
    import pypdfium2

    global _DOCUMENT, _NAME
    _DOCUMENT, _NAME = pypdfium2.PdfDocument(path), name


def _make(task) -> bytes:
    if task[0] == "sheet":
        _, number, group, sheets, rtl = task
        image = _sheet(group, number, sheets, rtl)
    else:
        _, index, dpi = task
        image = _DOCUMENT[index].render(scale=dpi / 72, draw_annots=False).to_pil()
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG", optimize=False, compress_level=3)
    return buffer.getvalue()


def _sheet(group: list[Spread], number: int, sheets: int, rtl: bool):
    from PIL import Image, ImageDraw

    first = _DOCUMENT[next(page for spread in group for page in spread if page is not None)]
    width_pt, height_pt = first.get_size()
    scale = THUMB_HEIGHT / height_pt
    page_w = round(width_pt * scale)
    spread_w = 2 * page_w
    rows = -(-len(group) // SPREADS_ACROSS)
    sheet_w = 2 * MARGIN + SPREADS_ACROSS * spread_w + (SPREADS_ACROSS - 1) * GAP
    sheet_h = HEADER + MARGIN + rows * (THUMB_HEIGHT + LABEL_HEIGHT + GAP)
    sheet = Image.new("RGB", (sheet_w, sheet_h), (236, 236, 236))
    draw = ImageDraw.Draw(sheet)
    label_font, header_font = _font(18), _font(20)
    pages = [page for spread in group for page in spread if page is not None]
    draw.text((MARGIN, MARGIN // 2), f"{_NAME}: pages {min(pages) + 1}-{max(pages) + 1} of {len(_DOCUMENT)}"
              f" (sheet {number} of {sheets})", fill=(60, 60, 60), font=header_font)
    for position, spread in enumerate(group):
        row, column = divmod(position, SPREADS_ACROSS)
        if rtl:  # reading order runs right to left across the row
            column = SPREADS_ACROSS - 1 - column
        x = MARGIN + column * (spread_w + GAP)
        y = HEADER + row * (THUMB_HEIGHT + LABEL_HEIGHT + GAP)
        for side, index in enumerate(spread):
            if index is None:
                continue
            slot = x + side * page_w
            thumb = _thumbnail(index, page_w, THUMB_HEIGHT)
            # A page of another size than the first, fitted in its place and centred in it.
            left, top = slot + (page_w - thumb.width) // 2, y + THUMB_HEIGHT - thumb.height
            sheet.paste(thumb, (left, top))
            draw.rectangle([left, top, left + thumb.width - 1, top + thumb.height - 1], outline=(150, 150, 150))
            label = _DOCUMENT.get_page_label(index) or str(index + 1)
            box = draw.textbbox((0, 0), label, font=label_font)
            draw.text((slot + (page_w - (box[2] - box[0])) / 2, y + THUMB_HEIGHT + 4), label, fill=(30, 30, 30),
                      font=label_font)
    return sheet


def _thumbnail(index: int, width: int, height: int):
    """One page, as large as fits `width` x `height`, its trim and bleed drawn on it where the PDF
    has them."""
    from PIL import ImageDraw

    page = _DOCUMENT[index]
    page_width, page_height = page.get_size()
    scale = min(width / page_width, height / page_height)
    image = page.render(scale=scale, draw_annots=False).to_pil().convert("RGB")
    media = page.get_mediabox()
    draw = ImageDraw.Draw(image)
    for box, colour in ((page.get_bleedbox(), BLEED_COLOUR), (page.get_trimbox(), TRIM_COLOUR)):
        if any(abs(a - b) > 0.5 for a, b in zip(box, media, strict=True)):
            left, bottom, right, top = box
            draw.rectangle([(left - media[0]) * scale, (media[3] - top) * scale,
                            (right - media[0]) * scale - 1, (media[3] - bottom) * scale - 1], outline=colour)
    return image


def _font(size: int):
    from PIL import ImageFont

    from publisher import fonts

    family = fonts.family_for("heading")
    return ImageFont.truetype(str(fonts.path_for(family.name, 400, False)), size)
