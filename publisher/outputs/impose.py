"""Printer's sheets from a PDF's pages (--impose): a saddle-stitched booklet, or two pages a sheet.

A booklet of N pages (N made a multiple of four with blank pages) is printed on N/4 sheets, both
sides, folded once and stapled in the fold. For a book bound on the left, sheet 1 carries N|1 on
its front and 2|N-1 on its back, sheet 2 N-2|3 and 4|N-3, and so on; a right-to-left publication
is bound on the right, and every side is the mirror of that (1|N, N-1|2, …). Blank pages go before
a back page (which stays the booklet's last) or at the end.

pypdf places the pages: each page's content is merged into the sheet, clipped to its trim and to
its bleed on the three sides that are not the fold (or cut, for 2-up), and moved to its slot. The
sheet is the smallest common paper size that holds the two trims side by side (A4 for two A5
pages), and with --bleed and --marks their bleed and room for the marks (SRA4 for A5), which are
drawn on the sheet at its corners and its fold (the pages' own marks, drawn by WeasyPrint outside
each page's bleed, are clipped away with it).
"""

from __future__ import annotations

import io

from publisher.config import POINTS_PER_MM as MM

MARKS_ROOM = 4.5 * MM  # the least room marks need past the bleed: they start 1 mm out, and run to the sheet's edge
MARK = 0.25  # line width, in points, of crop and fold marks
# Sheets printers and office printers take, landscape, smallest first: the sheet is the first that
# holds the spread (with its bleed, and room for marks), the spread in its middle. Two A5 pages
# (296 x 210 mm) go on A4; with a bleed and marks, on SRA4 (the size print shops cut A4 from).
# Pages of a US size (letter, half letter) look among the US sheets first, others among ISO's.
ISO_SHEETS_MM = (("A5", 210, 148), ("A4", 297, 210), ("SRA4", 320, 225), ("B4", 353, 250), ("A3", 420, 297),
                 ("SRA3", 450, 320), ("A2", 594, 420))
US_SHEETS_MM = (("letter", 279.4, 215.9), ("tabloid", 431.8, 279.4))
US_PAGE_WIDTHS_MM = (139.7, 215.9)


def booklet_order(pages: int, direction: str, keep_last: bool = False) -> list[tuple[int | None, int | None]]:
    """The sides of a booklet in printing order, each (left page, right page) as indexes into the
    pages (None: a blank), for `pages` pages bound on the left ("ltr") or the right ("rtl")."""
    total = -(-pages // 4) * 4
    blanks = total - pages
    # The reading order of the booklet's pages, blanks included: before the back page, or at the end.
    if keep_last and pages > 1:
        sequence = [*range(pages - 1), *([None] * blanks), pages - 1]
    else:
        sequence = [*range(pages), *([None] * blanks)]
    sides = []
    for sheet in range(total // 4):
        outer, inner = 2 * sheet, total - 1 - 2 * sheet  # 0-based positions in the sequence
        sides.append((sequence[inner], sequence[outer]))  # front: N|1 bound on the left
        sides.append((sequence[outer + 1], sequence[inner - 1]))  # back: 2|N-1
    if direction == "rtl":
        sides = [(right, left) for left, right in sides]
    return sides


def two_up_order(pages: int, direction: str) -> list[tuple[int | None, int | None]]:
    """Two pages a side in reading order: 1|2, 3|4 … (2|1, 4|3 … right to left)."""
    sides = [(index, index + 1 if index + 1 < pages else None) for index in range(0, pages, 2)]
    if direction == "rtl":
        sides = [(right, left) for left, right in sides]
    return sides


def impose(data: bytes, how: str, *, direction: str, bleed_mm: float = 0.0, marks: tuple[str, ...] = (),
           keep_last: bool = False) -> bytes:
    """The sheets (PDF bytes) that print the pages of `data` as a booklet or two-up."""
    import pypdf
    from pypdf.generic import NameObject, RectangleObject

    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = list(reader.pages)
    sides = booklet_order(len(pages), direction, keep_last) if how == "booklet" else two_up_order(len(pages), direction)
    trim = pages[0].trimbox
    width, height = float(trim.width), float(trim.height)
    bleed = bleed_mm * MM
    us = any(abs(width / MM - us_width) < 1 for us_width in US_PAGE_WIDTHS_MM)
    sheet_width, sheet_height = sheet_size(2 * width + 2 * (bleed + (MARKS_ROOM if marks else 0.0)),
                                           height + 2 * (bleed + (MARKS_ROOM if marks else 0.0)), us)
    margin_x, margin_y = (sheet_width - 2 * width) / 2, (sheet_height - height) / 2

    writer = pypdf.PdfWriter()
    for left, right in sides:
        sheet = writer.add_blank_page(sheet_width, sheet_height)
        for slot, index in (("left", left), ("right", right)):
            if index is not None:
                _place(sheet, pages[index], slot, margin_x, margin_y, width, bleed)
        spread = (margin_x, margin_y, margin_x + 2 * width, margin_y + height)
        sheet[NameObject("/TrimBox")] = RectangleObject(spread)
        sheet[NameObject("/BleedBox")] = RectangleObject((spread[0] - bleed, spread[1] - bleed,
                                                          spread[2] + bleed, spread[3] + bleed))
        if marks:
            _draw_marks(writer, sheet, spread, bleed, min(margin_x, margin_y), marks, fold=how == "booklet")
        sheet.compress_content_streams()  # pypdf writes a merged content stream uncompressed
    info = reader.metadata or {}
    writer.add_metadata({key: value for key, value in info.items() if isinstance(value, str)})
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sheet_size(width: float, height: float, us: bool = False) -> tuple[float, float]:
    """The first sheet (points, landscape) of the page's family, then of the other, that holds
    `width` x `height`, else that size itself."""
    for _, sheet_w, sheet_h in (US_SHEETS_MM + ISO_SHEETS_MM if us else ISO_SHEETS_MM + US_SHEETS_MM):
        if sheet_w * MM >= width - 0.5 * MM and sheet_h * MM >= height - 0.5 * MM:
            return max(sheet_w * MM, width), max(sheet_h * MM, height)
    return width, height


def _place(sheet, page, slot: str, margin_x: float, margin_y: float, width: float, bleed: float) -> None:
    """`page` merged into `sheet` in `slot`: its trim at the slot's place, clipped to the trim and
    the bleed on every side but the one at the middle of the sheet."""
    from pypdf import Transformation
    from pypdf.generic import NameObject, RectangleObject

    x0, y0, x1, y1 = (float(v) for v in page.trimbox)
    # Links point at the pages of the reading copy, which the sheets do not hold.
    if "/Annots" in page:
        del page[NameObject("/Annots")]
    if slot == "left":
        page.cropbox = RectangleObject((x0 - bleed, y0 - bleed, x1, y1 + bleed))
        target_x = margin_x
    else:
        page.cropbox = RectangleObject((x0, y0 - bleed, x1 + bleed, y1 + bleed))
        target_x = margin_x + width
    sheet.merge_transformed_page(page, Transformation().translate(target_x - x0, margin_y - y0))


def _draw_marks(writer, sheet, spread: tuple[float, float, float, float], bleed: float, room: float,
                marks: tuple[str, ...], fold: bool) -> None:
    """Crop marks at the spread's corners (and at the cut between two-up pages), fold marks at a
    booklet's fold, registration crosses at the middle of each side: lines in registration black
    (all four inks), outside the bleed."""
    from pypdf.generic import ContentStream, DecodedStreamObject

    left, bottom, right, top = spread
    start, end = bleed + 1 * MM, min(room - 0.5 * MM, bleed + 10 * MM)  # from the trim, outwards
    ops = [f"q {MARK} w 1 1 1 1 K"]
    if "crop" in marks:
        for x, sign_x in ((left, -1), (right, 1)):
            for y, sign_y in ((bottom, -1), (top, 1)):
                ops.append(f"{x + sign_x * start:.2f} {y:.2f} m {x + sign_x * end:.2f} {y:.2f} l S")
                ops.append(f"{x:.2f} {y + sign_y * start:.2f} m {x:.2f} {y + sign_y * end:.2f} l S")
        middle = (left + right) / 2
        if fold:
            ops.append("[2 2] 0 d")  # a fold is dashed; a cut is solid
        for y, sign in ((bottom, -1), (top, 1)):
            ops.append(f"{middle:.2f} {y + sign * start:.2f} m {middle:.2f} {y + sign * end:.2f} l S")
        ops.append("[] 0 d")
    if "cross" in marks:
        centre = (start + end) / 2
        reach = (end - start) / 2
        radius = reach * 0.6
        points = [(left - centre, (bottom + top) / 2), (right + centre, (bottom + top) / 2),
                  ((left * 3 + right) / 4, top + centre), ((left + right * 3) / 4, top + centre),
                  ((left * 3 + right) / 4, bottom - centre), ((left + right * 3) / 4, bottom - centre)]
        for x, y in points:
            ops.append(f"{x - reach:.2f} {y:.2f} m {x + reach:.2f} {y:.2f} l S")
            ops.append(f"{x:.2f} {y - reach:.2f} m {x:.2f} {y + reach:.2f} l S")
            ops.append(_circle(x, y, radius))
    ops.append("Q")
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode())
    content = ContentStream(stream, writer)
    contents = sheet.get_contents()
    if contents is not None:
        contents.operations.extend(content.operations)
        sheet.replace_contents(contents)
    else:
        sheet.replace_contents(content)


def _circle(x: float, y: float, r: float) -> str:
    """A circle as four Bézier arcs, stroked."""
    k = 0.5523 * r
    return (f"{x + r:.2f} {y:.2f} m {x + r:.2f} {y + k:.2f} {x + k:.2f} {y + r:.2f} {x:.2f} {y + r:.2f} c "
            f"{x - k:.2f} {y + r:.2f} {x - r:.2f} {y + k:.2f} {x - r:.2f} {y:.2f} c "
            f"{x - r:.2f} {y - k:.2f} {x - k:.2f} {y - r:.2f} {x:.2f} {y - r:.2f} c "
            f"{x + k:.2f} {y - r:.2f} {x + r:.2f} {y - k:.2f} {x + r:.2f} {y:.2f} c S")
