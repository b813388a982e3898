"""Bulletins people print: pictures with captions, pull quotes, columns that read right, a masthead
of their own, booklets, running heads that fit. Measured on the PDF as MuPDF and PDFium read it and
on its pages as pixels (PDFium renders them), never with the product's own code."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
import pypdf
import pypdfium2
import pytest
from engines import extract, strict_recall, strict_words
from PIL import Image, ImageDraw

from conftest import ROOT, SEED, publisher

CORPUS = ROOT.parent / "shared" / "corpus" / "saudinewsnet-2015-07-22.jsonl"
needs_corpus = pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus is not beside the project")
MM = 72 / 25.4
# The bulletin layout's page: A4, margins 15 14 18 14 mm; its running text 11.5 pt on 1.7 lines.
LINE = 11.5 * 1.7

SENTENCES = ["تعمل البلدية على توسيع شبكة الحدائق العامة في الأحياء الجديدة وتقول إن المرحلة الأولى ستنتهي قريبا.",
             "وقال المسؤولون إن الخطة تشمل زراعة آلاف الأشجار على جانبي الطرق وإنشاء ممرات للمشاة والدراجات.",
             "ويطالب السكان بمزيد من المساحات الخضراء والملاعب المفتوحة ويشكون من قلة الظل في فصل الصيف.",
             "وأوضح رئيس اللجنة أن الميزانية المرصودة تكفي لتنفيذ عشرين مشروعا صغيرا في الأحياء المزدحمة.",
             "وأضاف أن المجلس سيعقد لقاءات مفتوحة مع الأهالي كل شهر لمتابعة التنفيذ والاستماع إلى الملاحظات."]
# (picture, its colours, title, caption as the writer gives it, alt text, the caption as printed, its credit)
STORIES = [
    ("harbour.png", ((30, 80, 160), (200, 220, 240)), "الصيادون يعودون إلى الميناء القديم بعد تجديده",
     "سفن الصيد تعود إلى الميناء عند الفجر (تصوير: سلمى الحربي)", "قوارب صيد راسية في الميناء",
     "سفن الصيد تعود إلى الميناء عند الفجر", "تصوير: سلمى الحربي"),
    ("market.png", ((150, 60, 30), (250, 220, 180)), "السوق الشعبي يفتح أبوابه في موسم الخريف",
     "باعة الخضار في السوق الشعبي صباح الجمعة", "سوق مزدحم بالباعة", "باعة الخضار في السوق الشعبي صباح الجمعة", ""),
    ("school.png", ((20, 120, 60), (210, 240, 210)), "مدرسة الحي تحتفل بتخريج أول دفعة من طلابها",
     "", "طلاب المدرسة في ساحة الاحتفال", "طلاب المدرسة في ساحة الاحتفال", ""),
]
PULL_QUOTE = "نريد مدينة يستطيع أطفالنا أن يمشوا فيها بأمان"


def picture(path: Path, colours, size=(1200, 760)) -> None:
    image = Image.new("RGB", size, colours[0])
    draw = ImageDraw.Draw(image)
    for y in range(0, size[1], 10):
        t = y / size[1]
        shade = tuple(int(a * (1 - t) + b * t) for a, b in zip(*colours, strict=True))
        draw.rectangle([0, y, size[0], y + 10], fill=shade)
    draw.ellipse([size[0] * 0.3, size[1] * 0.2, size[0] * 0.7, size[1] * 0.8], fill=(240, 200, 60))
    image.save(path)


def paragraph(seed: int, count: int = 4) -> str:
    return " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(count))


def write_stories(folder: Path, corpus_records: int = 2, stories: int = 3) -> list[Path]:
    """`stories` Markdown stories (of three) with photographs (alt text, captions, a credit),
    headings, a pull quote and a box, then `corpus_records` corpus records; a logo. The files,
    lead first."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number, (name, colours, title, caption, alt, _, _) in enumerate(STORIES[:stories], start=1):
        picture(folder / name, colours, (1200, 760) if number < 3 else (800, 800))
        title_part = f' "{caption}"' if caption else ""
        blocks = [paragraph(number), f"![{alt}]({name}{title_part})"]
        for k in range(3 + 2 * (number == 1)):
            blocks.append(paragraph(number + k))
            blocks.append(f"## صوت من الحي {k + 1}")
            blocks.append(paragraph(number + k + 2, 3))
            if number == 1 and k == 1:
                blocks.append(f"::: pullquote\n{PULL_QUOTE}\n:::")
            if number == 2 and k == 0:
                blocks.append("::: box\n**أرقام**: عشرون مشروعا وثلاثة آلاف شجرة.\n:::")
        path = folder / f"{number}.md"
        path.write_text(f"---\ntitle: {title}\nauthor: فريق التحرير\ndate: 2026-11-2{number}\n---\n\n"
                        + "\n\n".join(blocks) + "\n", encoding="utf-8")
        files.append(path)
    if corpus_records:
        lines = [line for line in CORPUS.read_text(encoding="utf-8").splitlines()
                 if len(json.loads(line).get("content", "")) > 1500][:corpus_records]
        records = folder / "records.jsonl"
        records.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(records)
    logo = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse([10, 10, 390, 390], fill=(0, 90, 60))
    draw.rectangle([150, 100, 250, 300], fill=(255, 255, 255))
    logo.save(folder / "logo.png")
    return files


def lines_of(page) -> list[tuple[tuple[float, float, float, float], float, bool, str]]:
    """MuPDF's lines of a page: (bbox, largest font size, bold, text)."""
    found = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            spans = line["spans"]
            found.append((line["bbox"], max(s["size"] for s in spans), any("Bold" in s["font"] for s in spans),
                          "".join(s["text"] for s in spans)))
    return found


def columns(page) -> dict[str, list[tuple]]:
    """The page's lines of running text in its right and left column (heads, folios and lines
    across the page left out)."""
    middle = page.rect.width / 2
    found: dict[str, list[tuple]] = {"right": [], "left": []}
    for line in lines_of(page):
        x0, y0, x1, y1 = line[0]
        if y0 < 15 * MM or y1 > page.rect.height - 18 * MM or x1 - x0 > middle - 10 * MM:
            continue
        found["right" if x0 > middle else "left"].append(line)
    return found


@needs_corpus
def test_a_bulletin_with_photographs(tmp_path):
    """Three Markdown stories with photographs and two corpus records, with --logo: the lead photo,
    the logo, captions, the pull quote; then its columns (columns_that_read_right)."""
    files = write_stories(tmp_path / "in")
    run = publisher("bulletin", *files, "--title", "نشرة الحي", "--issue", "12", "--logo", tmp_path / "in" / "logo.png",
                    "--tagline", "نشرة شهرية تصدر عن جمعية سكان الحي", "--publisher", "جمعية سكان الحي",
                    "--address", "شارع النخيل ١٢\\nالرياض", "--back-page", "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr
    pdf = tmp_path / "out" / "bulletin-12.pdf"
    with pymupdf.open(pdf) as document:
        first = document[0]
        text_block = first.rect.width - 28 * MM
        images = sorted((info["bbox"] for info in first.get_image_info()), key=lambda b: -(b[2] - b[0]))
        lead = images[0]
        assert (lead[2] - lead[0]) / text_block >= 0.90, (lead, text_block)
        logos = [b for b in images if b[3] < 50 * MM and abs((b[2] - b[0]) - (b[3] - b[1])) < 2]
        assert logos, images  # the square logo, in the masthead at the top of page 1
        assert logos[0][3] < lead[1]  # above the lead photo
        # Every figure has its caption (and its credit) right under it, within its width. The
        # picture's box as drawn may reach past what shows (the lead photo is cropped to its
        # frame): the caption's first line is under the box's middle, close to its foot, and the
        # pixels just above that line are the picture's.
        captions = {story[5]: story[6] for story in STORIES}
        found = {}
        for number, page in enumerate(document):
            lines = lines_of(page)
            pixels = None
            for box in (info["bbox"] for info in page.get_image_info()):
                under = [(bbox, text) for bbox, _, _, text in lines
                         if (box[1] + box[3]) / 2 < bbox[1] < box[3] + 9 * MM
                         and bbox[0] >= box[0] - 1 and bbox[2] <= box[2] + 1]
                for caption, credit in captions.items():
                    if not under or strict_recall(caption + " " + credit, " ".join(t for _, t in under)) < 1.0:
                        continue
                    if pixels is None:
                        pixels = pypdfium2.PdfDocument(str(pdf))[number].render(scale=1).to_pil().convert("L")
                    top = min(bbox[1] for bbox, _ in under)
                    row = [pixels.getpixel((x, int(top - 2 * MM))) for x in range(int(box[0]) + 2, int(box[2]) - 2)]
                    if sum(value < 245 for value in row) / len(row) > 0.9:
                        found[caption] = box
        assert set(found) == set(captions), set(captions) - set(found)
        # The pull quote is set apart: larger and bolder than the text around it.
        quoted = [line for page in document for line in lines_of(page)
                  if strict_recall(line[3], PULL_QUOTE) == 1.0 and strict_words(line[3])]
        assert quoted and all(size >= 11.5 * 1.1 and bold for _, size, bold, _ in quoted), quoted
        # Every story is there (the lead's columns once swallowed the story after it).
        text = "\n".join(page.get_text() for page in document)
        for story in STORIES:
            assert strict_recall(story[2], text) == 1.0, story[2]
    columns_that_read_right(pdf)


def columns_that_read_right(pdf: Path) -> None:
    pages = pymupdf.open(pdf)
    rendered = pypdfium2.PdfDocument(str(pdf))
    two_columns = 0
    try:
        for index, page in enumerate(pages):
            if index == len(pages) - 1:
                break  # the back page: contents and address, in no columns
            found = columns(page)
            if len(found["right"]) < 3 or len(found["left"]) < 3:
                continue
            two_columns += 1
            # The rule between the columns, looked for in the page's pixels at 100 dpi: a grey line
            # near the middle of the text block, down the rows where both columns run text.
            image = rendered[index].render(scale=100 / 72).to_pil().convert("L")
            scale = 100 / 72

            spans = {side: [(y0 - LINE / 2, y1 + LINE / 2) for (_, y0, _, y1), size, _, _ in lines if 11 <= size <= 12]
                     for side, lines in found.items()}
            rows = [int(y * scale) for y in range(int(page.rect.height))
                    if all(any(top <= y <= end for top, end in spans[side]) for side in spans)]
            middle = image.width / 2
            best = max(sum(image.getpixel((x, y)) < 235 for y in rows) / len(rows)
                       for x in range(int(middle - 3 * MM * scale), int(middle + 3 * MM * scale)))
            assert best >= 0.9, (index + 1, best)
            # A heading keeps three lines under it in its column.
            for side, lines in found.items():
                for (_, _, _, y1), size, bold, text in lines:
                    if bold and 12 <= size <= 13 and strict_words(text)[:2] == ["صوت", "من"]:
                        under = [line for line in lines if line[0][1] > y1 - 1 and line[1] < 12]
                        assert len(under) >= 3, (index + 1, side, text, len(under))
        assert two_columns >= 3
        # The last page of stories (the one before the back page): columns at most three lines apart.
        last = columns(pages[len(pages) - 2])
        ends = [max(line[0][3] for line in last[side]) for side in ("right", "left")]
        assert abs(ends[0] - ends[1]) <= 3 * LINE, ends
    finally:
        rendered.close()
        pages.close()


def folded(sides: list[tuple[int | None, int | None]], direction: str) -> list[int | None]:
    """The pages of a saddle-stitched booklet in reading order, from its sheets' sides (front,
    back, front, back …, each (left, right)): sheet 1 is the outermost. Bound on the right, the
    first half of the booklet is each sheet's front-left then back-right, from the outside in; the
    second half each sheet's back-left then front-right, from the inside out (mirrored on the left)."""
    sheets = [(sides[i], sides[i + 1]) for i in range(0, len(sides), 2)]
    near, far = (0, 1) if direction == "rtl" else (1, 0)
    first = [page for front, back in sheets for page in (front[near], back[far])]
    second = [page for front, back in reversed(sheets) for page in (back[near], front[far])]
    return first + second


def folio(text: str) -> int | None:
    digits = "".join(ch for ch in text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")) if ch.isdigit())
    return int(digits) if digits else None


def test_booklet_sheets_fold_back_into_the_pages(tmp_path):
    files = write_stories(tmp_path / "in", corpus_records=0, stories=2)
    run = publisher("bulletin", *files, "--title", "نشرة الحي", "--issue", "3", "--page-size", "A5", "--back-page",
                    "--impose", "booklet", "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr
    pages_pdf, sheets_pdf = tmp_path / "out" / "bulletin-3.pdf", tmp_path / "out" / "bulletin-3.booklet.pdf"
    pages = len(pypdf.PdfReader(pages_pdf).pages)
    sheets = pypdf.PdfReader(sheets_pdf)
    assert len(sheets.pages) == 2 * -(-pages // 4)  # both sides of every sheet
    for sheet in sheets.pages:  # A4 landscape
        assert abs(float(sheet.mediabox.width) - 297 * MM) < 1 and abs(float(sheet.mediabox.height) - 210 * MM) < 1
    # Each half's folio (bottom centre), as PDFium reads it, then the sheets folded back.
    document = pypdfium2.PdfDocument(str(sheets_pdf))
    try:
        sides = []
        for page in document:
            width, _ = page.get_size()
            text = page.get_textpage()
            sides.append(tuple(folio(text.get_text_bounded(left, 0, left + width / 2, 14 * MM))
                               for left in (0, width / 2)))
    finally:
        document.close()
    order = folded(sides, "rtl")
    # The back page is the booklet's last; blank pages (no folio) come just before it.
    numbered = [n for n in order if n is not None]
    assert numbered == list(range(1, pages + 1)), order
    assert order[-1] == pages and all(n is None for n in order[pages - 1:-1])
    # Each placed page's text is all there: every word of the reading copy, as PDFium reads it.
    assert strict_recall(extract(pages_pdf, "pdfium"), extract(sheets_pdf, "pdfium")) >= 0.998
    # A left-to-right booklet is the mirror: the same sides read from the other hand.
    assert folded([(s[1], s[0]) for s in sides], "ltr") == order


def test_booklet_order_of_eight_pages():
    """The order the issue gives for 8 pages, bound on the left and on the right."""
    from publisher.outputs.impose import booklet_order

    def shown(sides):
        return [tuple(None if p is None else p + 1 for p in side) for side in sides]

    assert shown(booklet_order(8, "ltr")) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert shown(booklet_order(8, "rtl")) == [(1, 8), (7, 2), (3, 6), (5, 4)]
    assert folded(shown(booklet_order(6, "rtl", keep_last=True)), "rtl") == [1, 2, 3, 4, 5, None, None, 6]


def test_bleed_and_marks_grow_the_sheet_and_are_drawn_on_it(tmp_path):
    (tmp_path / "note.md").write_text(f"---\ntitle: خبر قصير\ndate: 2026-11-21\n---\n\n{paragraph(1)}\n",
                                      encoding="utf-8")
    run = publisher("bulletin", tmp_path / "note.md", "--title", "نشرة", "--issue", "1", "--page-size", "A5",
                    "--bleed", "3mm", "--marks", "crop", "--impose", "booklet", "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr
    sheets = pypdf.PdfReader(tmp_path / "out" / "bulletin-1.booklet.pdf")
    sheet = sheets.pages[0]
    # The spread's trim (two A5 pages), its bleed, on the sheet print shops cut A4 from (SRA4).
    assert abs(float(sheet.trimbox.width) - 296 * MM) < 1 and abs(float(sheet.trimbox.height) - 210 * MM) < 1
    assert abs(float(sheet.bleedbox.width) - 302 * MM) < 1
    assert abs(float(sheet.mediabox.width) - 320 * MM) < 1 and abs(float(sheet.mediabox.height) - 225 * MM) < 1
    document = pypdfium2.PdfDocument(str(tmp_path / "out" / "bulletin-1.booklet.pdf"))
    try:
        image = document[0].render(scale=150 / 72).to_pil().convert("L")
    finally:
        document.close()
    scale = 150 / 72
    left, top = float(sheet.trimbox.left) * scale, image.height - float(sheet.trimbox.top) * scale
    # A crop mark: dark pixels on the trim's top line extended out past the bleed, at the corner.
    mark = [image.getpixel((int(left - d * MM * scale), int(top))) for d in range(5, 7)]
    assert min(mark) < 160, mark
    # Nothing of the page is drawn beyond its bleed (the pages' own marks are clipped away).
    beyond = image.crop((0, 0, int(left - 3.5 * MM * scale), int(top - 3.5 * MM * scale)))
    assert beyond.getextrema()[0] > 200


def heads(pdf: Path) -> list[str]:
    """The running head of every page, as PDFium reads the top margin."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        found = []
        for page in document:
            width, height = page.get_size()
            text = page.get_textpage().get_text_bounded(0, height - 15 * MM, width, height).strip()
            if text:
                found.append(text)
        return found
    finally:
        document.close()


def whole_words_of(head: str, titles: list[str]) -> bool:
    """The head is a title, or the first whole words of one followed by an ellipsis."""
    shortened = head.endswith(("…", "..."))
    words = strict_words(head)
    for title in titles:
        whole = strict_words(title)
        if words == whole:
            return True
        if shortened and 0 < len(words) < len(whole) and words == whole[:len(words)]:
            return True
    return False


def test_running_heads_are_whole_titles_or_whole_words(tmp_path):
    run = publisher("build", SEED, "--page-size", "A6", "--out", tmp_path / "seed", "-f", "pdf")
    assert run.code == 0, run.stderr
    pdf = next((tmp_path / "seed").glob("*.pdf"))
    title = pypdf.PdfReader(pdf).metadata.title
    found = heads(pdf)
    assert found and all(whole_words_of(head, [title]) for head in found), found
    assert any(head.endswith(("…", "...")) for head in found)  # the seed's title is too long for A6
