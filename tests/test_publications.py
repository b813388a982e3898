"""Bulletins and books, through the command line, on parsed PDFs and EPUBCheck."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pypdf
import pytest
from lxml import etree
from test_bulletins import heads, whole_words_of

from conftest import (
    ROOT,
    assert_ace_passes,
    epub_files,
    epubcheck,
    make_export,
    needs_poppler,
    needs_qpdf,
    publisher,
    recall,
)

CORPUS = ROOT.parent / "shared" / "corpus" / "saudinewsnet-2015-07-22.jsonl"
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def page_text(pdf: Path, index: int) -> str:
    """One page as poppler lays it out, which keeps each line's parts in reading order."""
    text = subprocess.run(["pdftotext", "-layout", "-f", str(index + 1), "-l", str(index + 1), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return BIDI_CONTROLS.sub("", text)


def printed_folio(pdf: Path, index: int) -> int:
    return int(page_text(pdf, index).split()[-1].translate(DIGITS))


def check_book(pdf: Path, titles: list[str]) -> None:
    reader = pypdf.PdfReader(pdf)
    chapters = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in chapters] == titles
    first_pages = [reader.get_destination_page_number(item) for item in chapters]
    for title, index in zip(titles, first_pages, strict=True):
        assert recall(title, reader.pages[index].extract_text()) == 1.0  # the bookmark's page carries the title
    contents = "\n".join(page_text(pdf, i) for i in range(first_pages[0]))
    contents = contents[contents.index("المحتويات"):]
    listed = [int(n.translate(DIGITS)) for n in re.findall(r"^\s*([٠-٩]+)\s", contents, flags=re.MULTILINE)]
    printed = [printed_folio(pdf, index) for index in first_pages]
    assert listed == printed, (listed, printed)
    assert all(n % 2 == 1 for n in printed)  # every chapter opens on a right-hand page
    # Each folio of the contents is a link to its chapter's page.
    links = [reader.get_page_number(annotation.get_object()["/Dest"][0].get_object())
             for page in reader.pages[:first_pages[0]] for annotation in page.get("/Annots") or ()
             if "/Dest" in annotation.get_object()]
    assert links == first_pages
    # A viewer's page box shows the folio printed on the page, in the same digits (/PageLabels).
    assert reader.page_labels[first_pages[0]] == "١"
    assert [reader.page_labels[index] for index in first_pages] == [
        page_text(pdf, index).split()[-1] for index in first_pages]
    # Every chapter opening carries the same running head, the first of a part as much as any other.
    heads = {page_text(pdf, index).strip().splitlines()[0].strip() for index in first_pages}
    assert len(heads) == 1, heads


def check_epub(epub: Path, titles: list[str], ace: bool = False) -> None:
    assert [m for m in epubcheck(epub) if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []
    if ace:
        assert_ace_passes([epub], epub.parent / "ace")
    nav = etree.fromstring(epub_files(epub)["EPUB/nav.xhtml"])
    toc = nav.xpath("//x:nav[@e:type='toc']//x:a", namespaces={"x": "http://www.w3.org/1999/xhtml",
                                                               "e": "http://www.idpf.org/2007/ops"})
    assert [link.text for link in toc] == titles


@needs_poppler
def test_book_of_twelve(tmp_path):
    export = make_export(tmp_path / "twelve.jsonl", 12)
    run = publisher("book", export, "--title", "كتاب الحدائق", "--author", "غرفة الأخبار", "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    titles = [json.loads(line)["title"] for line in export.read_text(encoding="utf-8").splitlines()]
    check_book(next((tmp_path / "out").glob("*.pdf")), titles)
    check_epub(next((tmp_path / "out").glob("*.epub")), titles)


@needs_poppler
@pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus is not beside the project")
def test_book_of_twelve_corpus_articles(tmp_path):
    export = tmp_path / "twelve.jsonl"
    export.write_text("".join(CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)[:12]), encoding="utf-8")
    # A title too long for an A5 running head (the book layout's page).
    title = "أرشيف الصحافة السعودية: مختارات من أخبار يوم الثاني والعشرين من يوليو في عام ألفين وخمسة عشر"
    run = publisher("book", export, "--title", title, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    records = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    titles = [record["title"].strip() for record in records]
    pdf = next((tmp_path / "out").glob("*.pdf"))
    check_book(pdf, titles)
    # Every running head is a title, or its first whole words and "…" (never cut mid-word).
    found = heads(pdf)
    assert found and not [head for head in found if not whole_words_of(head, [title, *titles])], found
    assert any(head.endswith(("…", "...")) for head in found)
    check_epub(next((tmp_path / "out").glob("*.epub")), titles, ace=True)
    # The contents say who each entry is by: "CITY: NAME" gives NAME (a person, or a newspaper
    # printed as the source), never the city, and never after "بقلم".
    contents = "\n".join(page_text(pdf, i) for i in range(6))
    contents = " ".join(contents[contents.index("المحتويات"):].split())
    named = [record["author"].partition(":") for record in records if ":" in record.get("author", "")]
    assert len(named) >= 5
    for _city, _, name in named:
        assert " ".join(name.strip("«»{} ").split()) in contents, name
    assert "بقلم" not in contents


@needs_poppler
def test_book_in_several_parts_keeps_folios_and_cover(tmp_path, small_parts):
    """Long volumes are rendered in parts; the joins must not disturb folios or bookmarks."""
    from PIL import Image

    export = make_export(tmp_path / "many.jsonl", small_parts)  # several parts
    Image.new("RGB", (600, 900), (120, 30, 30)).save(tmp_path / "cover.png")
    run = publisher("book", export, "--title", "مجلد", "--cover", tmp_path / "cover.png", "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert f"book: {small_parts}/{small_parts} done" in run.stderr  # progress, as the parts are laid out
    titles = [json.loads(line)["title"] for line in export.read_text(encoding="utf-8").splitlines()]
    check_book(next((tmp_path / "out").glob("*.pdf")), titles)
    programs: dict[str, set[int]] = {}  # each face embedded once for the whole book, not once a part
    for page in pypdf.PdfReader(next((tmp_path / "out").glob("*.pdf"))).pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            programs.setdefault(str(font.get_object()["/BaseFont"]), set()).add(descriptor.raw_get("/FontFile2").idnum)
    assert programs and all(len(found) == 1 for found in programs.values()), programs
    joined = pypdf.PdfReader(next((tmp_path / "out").glob("*.pdf")))
    assert joined.trailer["/Root"]["/ViewerPreferences"]["/Direction"] == "/R2L"  # right-to-left spreads
    files = epub_files(next((tmp_path / "out").glob("*.epub")))
    assert "EPUB/images/cover.png" in files
    assert b'properties="cover-image"' in files["EPUB/content.opf"]


def page_images(pdf: Path, folder: Path) -> list[bytes]:
    folder.mkdir()
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(folder / "page")], check=True)
    return [path.read_bytes() for path in sorted(folder.glob("*.png"))]


def stamped(pdf: Path) -> int:
    """Pages whose folio was stamped after layout (drawn with resources named by publisher)."""
    return sum(b"/PublisherFolio" in page.get_contents().get_data()
               for page in pypdf.PdfReader(pdf).pages if page.get_contents() is not None)


def book_on(jobs: str, export: Path, out: Path, *extra: str | Path) -> Path:
    run = publisher("book", export, "--title", "مجلد", "--jobs", jobs, "-f", "pdf", "--out", out, *extra)
    assert run.code == 0, run.stderr
    return next(out.glob("*.pdf"))


def assert_same_book(one: Path, two: Path, tmp_path: Path) -> None:
    first, second = pypdf.PdfReader(one), pypdf.PdfReader(two)
    assert len(first.pages) == len(second.pages)
    assert [(i.title, first.get_destination_page_number(i)) for i in first.outline if not isinstance(i, list)] == \
           [(i.title, second.get_destination_page_number(i)) for i in second.outline if not isinstance(i, list)]
    assert first.page_labels == second.page_labels
    assert page_images(one, tmp_path / "one") == page_images(two, tmp_path / "two")
    assert all(page_text(one, i) == page_text(two, i) for i in range(len(first.pages)))


@needs_poppler
def test_book_parts_stamped_match_parts_numbered_in_turn(tmp_path, small_parts, monkeypatch):
    """The parts are laid out without folios and their folios stamped after: the book is the one
    the parts numbered by WeasyPrint in turn make, page for page (as pixels), folios, contents,
    bookmarks. On one worker and on two, the same bytes."""
    from publisher.outputs import folios, volume

    export = make_export(tmp_path / "many.jsonl", 9)  # three parts or more
    one = book_on("1", export, tmp_path / "1")
    two = book_on("2", export, tmp_path / "2")
    assert one.read_bytes() == two.read_bytes()
    with monkeypatch.context() as patched:
        def unstampable(*_args, **_kwargs):
            raise folios.Unstampable("numbered by WeasyPrint, for the comparison")
        patched.setattr(volume, "_stamped", unstampable)
        numbered = book_on("1", export, tmp_path / "numbered")
    assert stamped(numbered) == 0 and stamped(two) > 9
    assert_same_book(numbered, two, tmp_path)
    titles = [json.loads(line)["title"] for line in export.read_text(encoding="utf-8").splitlines()]
    check_book(two, titles)


@needs_poppler
def test_folio_with_words_is_numbered_in_turn_on_two_workers(tmp_path, small_parts):
    """A layout whose folio is more than the page counter cannot be stamped: its parts are
    numbered by WeasyPrint, one after another, and make the same book."""
    folder = tmp_path / "mine" / "paged"
    folder.mkdir(parents=True)
    (folder / "layout.toml").write_text('description = "folio with a word"\nextends = "book"\n')
    (folder / "print.css.j2").write_text('@page { @bottom-center { content: "صفحة " counter(page, arabic-indic); } }',
                                         encoding="utf-8")
    export = make_export(tmp_path / "many.jsonl", small_parts)
    layout = ("--layouts-dir", tmp_path / "mine", "--layout", "paged")
    one = book_on("1", export, tmp_path / "1", *layout)
    two = book_on("2", export, tmp_path / "2", *layout)
    assert stamped(two) == 0
    assert "صفحة" in page_text(two, len(pypdf.PdfReader(two).pages) - 1)
    assert_same_book(one, two, tmp_path)


@needs_poppler
def test_folios_at_the_outer_corners_and_on_blank_pages_are_stamped(tmp_path, small_parts):
    """A layout of its own: folios at the outer corner of each side, in another size and colour,
    blank pages numbered too. Laid out at once and stamped, the book is the one made in turn."""
    folder = tmp_path / "mine" / "outer"
    folder.mkdir(parents=True)
    (folder / "layout.toml").write_text('description = "outer folios"\nextends = "book"\n')
    folio = 'content: counter(page, arabic-indic); font-size: 9pt; color: #800;'
    (folder / "print.css.j2").write_text("@page { @bottom-center { content: none; } }\n"
                                         f"@page :left {{ @bottom-left {{ {folio} }} }}\n"
                                         f"@page :right {{ @bottom-right {{ {folio} }} }}\n", encoding="utf-8")
    export = make_export(tmp_path / "many.jsonl", small_parts)
    layout = ("--layouts-dir", tmp_path / "mine", "--layout", "outer")
    one = book_on("1", export, tmp_path / "1", *layout)
    two = book_on("2", export, tmp_path / "2", *layout)
    reader = pypdf.PdfReader(two)
    blanks = [page for page, label in zip(reader.pages, reader.page_labels, strict=True)  # body pages: a folio alone
              if label.isdigit() and 0 < len(page.extract_text().strip()) <= 3]
    assert blanks and all(b"/PublisherFolio" in page.get_contents().get_data() for page in blanks)
    assert stamped(two) > 2 * small_parts
    assert_same_book(one, two, tmp_path)


def test_which_margin_boxes_show_the_folio():
    from publisher.outputs.folios import Unstampable, folio_boxes

    assert folio_boxes("@page { @bottom-center { content: counter(page, arabic-indic); } }") == ("bottom-center",)
    assert folio_boxes("@page :left { @bottom-left { content: counter(page) } } "
                       "@page :right { @bottom-right { content: counter(page) } } "
                       ".contents a::after { content: target-counter(attr(href url), page) }") == \
        ("bottom-left", "bottom-right")
    for css in ('@page { @bottom-center { content: "p. " counter(page); } }',  # words beside the number
                "@page { @bottom-center { content: counter(page) } } "
                "a::after { content: target-counter(attr(href), page) }",  # page numbers in the text
                "@page { counter-reset: page 5; @bottom-center { content: counter(page) } }",
                "@page { @top-center { content: string(title) } }"):  # no folio at all
        with pytest.raises(Unstampable):
            folio_boxes(css)


def test_bulletin(tmp_path):
    from PIL import Image

    export = make_export(tmp_path / "five.jsonl", 5)
    Image.new("RGB", (200, 200), (0, 90, 60)).save(tmp_path / "logo.png")
    run = publisher("bulletin", export, "--title", "نشرة الحي", "--issue", "12", "--date", "2026-11-28",
                    "--logo", tmp_path / "logo.png", "--publisher", "جمعية الحي", "--address", "شارع النخيل",
                    "--back-page", "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    reader = pypdf.PdfReader(tmp_path / "out" / "bulletin-12.pdf")
    first = reader.pages[0].extract_text()
    assert "نشرة الحي" in first and "العدد ١٢" in first.replace("٢١", "١٢")  # pypdf may reverse digits
    assert re.search("١٤٤٨|٨٤٤١", first) and "هـ" in first
    for number in range(1, 6):
        assert recall(f"خبر رقم {number}: الحدائق والأحياء", first) == 1.0  # the headlines
    positions = []
    reader.pages[1].extract_text(visitor_text=lambda text, cm, tm, *_: positions.append(tm[4] * cm[0] + cm[4])
                                 if re.search("[\u0600-\u06ff]", text) else None)
    width = float(reader.pages[1].mediabox.width)
    assert min(positions) < width * 0.45 and max(positions) > width * 0.55  # text in both halves: two columns
    assert [m for m in epubcheck(tmp_path / "out" / "bulletin-12.epub") if m["severity"] in ("ERROR", "FATAL",
                                                                                           "WARNING")] == []
    # The e-book reads as the print: masthead (with its logo), the stories, then the back page.
    files = epub_files(tmp_path / "out" / "bulletin-12.epub")
    opf = etree.fromstring(files["EPUB/content.opf"])
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    hrefs = {item.get("id"): item.get("href") for item in opf.iterfind(".//opf:manifest/opf:item", ns)}
    spine = [hrefs[ref.get("idref")] for ref in opf.iterfind(".//opf:spine/opf:itemref", ns)]
    assert spine[0] == "front.xhtml" and spine[-2:] == ["back.xhtml", "nav.xhtml"], spine
    assert "جمعية الحي" in files["EPUB/back.xhtml"].decode() and "EPUB/images/logo.png" in files
    assert b"back-page" not in files["EPUB/front.xhtml"]
    last = reader.pages[-1].extract_text()
    assert "شارع النخيل" in last and "جمعية الحي" in last  # the print's back page
    # (Ace on a bulletin with a logo and a back page: in test_accessibility's one Ace run.)


def test_publication_file(tmp_path):
    make_export(tmp_path / "news.jsonl", 3)
    (tmp_path / "issue-7.toml").write_text(
        'kind = "bulletin"\ntitle = "نشرة"\nissue = 7\ndate = 2026-11-28\narticles = ["news.jsonl"]\n'
        '[options]\npage-size = "A5"\ncalendar = "hijri"\n', encoding="utf-8")
    run = publisher("build", tmp_path / "issue-7.toml", "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr
    page = pypdf.PdfReader(tmp_path / "out" / "bulletin-7.pdf").pages[0]
    assert round(float(page.trimbox.width) * 25.4 / 72) == 148
    assert "نوفمبر" not in page.extract_text()  # the Hijri calendar alone
    (tmp_path / "bad.toml").write_text('kind = "magazine"\ntitle = "x"\narticles = ["news.jsonl"]\n')
    run = publisher("build", tmp_path / "bad.toml", "--out", tmp_path / "out")
    assert run.code == 2 and "kind 'magazine'" in run.stderr and "bulletin, book" in run.stderr


def test_layouts_lists_every_kind():
    run = publisher("layouts")
    for name in ("article", "base", "book", "bulletin"):
        assert re.search(rf"^{name}\s", run.stdout, flags=re.MULTILINE), name


def structure_problems(pdf: Path) -> tuple[Counter, list[str], int]:
    """A tagged PDF's structure tree read with pikepdf: the elements by type, what is wrong (an
    element reached twice or whose /P is not its parent; a page's marked content whose parent-tree
    entry is missing or names an element on another page or outside the tree; an annotation whose
    element does not hold it; an id given twice), and how many ids the IDTree lists."""
    import pikepdf

    document = pikepdf.open(pdf)
    root = document.Root.StructTreeRoot
    nums = root.ParentTree.Nums
    entries = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    kinds: Counter = Counter()
    ids: Counter = Counter()
    seen: set = set()
    problems: list[str] = []
    stack = [(root.K, root)]
    while stack:
        node, parent = stack.pop()
        for item in list(node) if isinstance(node, pikepdf.Array) else [node]:
            if not (isinstance(item, pikepdf.Dictionary) and "/S" in item):
                continue
            if item.objgen in seen:
                problems.append(f"{item.S} reached twice")
                continue
            seen.add(item.objgen)
            kinds[str(item.S)] += 1
            if "/ID" in item:
                ids[str(item.ID)] += 1
            if item.get("/P") is None or item.P.objgen != parent.objgen:
                problems.append(f"{item.S}: /P is not its parent")
            if "/K" in item:
                stack.append((item.K, item))
    for index, page in enumerate(document.pages):
        contents = page.obj.Contents
        data = b"".join(c.read_bytes() for c in (contents if isinstance(contents, pikepdf.Array) else [contents]))
        entry = entries.get(int(page.obj.StructParents)) if "/StructParents" in page.obj else None
        for mcid in map(int, re.findall(rb"/MCID\s+(\d+)", data)):
            element = entry[mcid] if entry is not None and mcid < len(entry) else None
            if not isinstance(element, pikepdf.Dictionary) or element.objgen not in seen:
                problems.append(f"page {index + 1}: marked content {mcid} has no element in the tree")
            elif element.get("/Pg") is not None and element.Pg.objgen != page.obj.objgen:
                problems.append(f"page {index + 1}: marked content {mcid}'s element is on another page")
        for annotation in page.obj.get("/Annots", ()):
            if "/StructParent" in annotation:
                element = entries.get(int(annotation.StructParent))
                kids = [] if element is None else (
                    list(element.K) if isinstance(element.K, pikepdf.Array) else [element.K])
                if not any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                           and k.Obj.objgen == annotation.objgen for k in kids):
                    problems.append(f"page {index + 1}: an annotation's element does not hold it")
    problems += [f"id {name} given {count} times" for name, count in ids.items() if count > 1]
    listed = len(root.IDTree.Names) // 2 if "/IDTree" in root else 0
    return kinds, problems, listed


@needs_poppler
@needs_qpdf
def test_tagged_book_in_parts_has_one_structure_tree(tmp_path, monkeypatch):
    """PDF/UA: the parts' structure trees merged into one, every page's marked content and every
    link still reaching its element, table headers' ids unique across parts; the pages, labels
    and bookmarks those of the default edition, the contents' folios the printed ones."""
    from publisher.outputs import volume

    # Each table alone in a part of its own: WeasyPrint gives their headers the same ids.
    monkeypatch.setattr(volume, "part_bounds", lambda articles: [(0, 1), (1, len(articles) - 1),
                                                                 (len(articles) - 1, len(articles))])
    table = ("---\ntitle: جدول {n}\n---\n\nأسعار الأسبوع.\n\n| الصنف | السعر |\n|---|---|\n| خبز | ٣ |\n"
             "| حليب | ٥ |\n")
    (tmp_path / "a.md").write_text(table.format(n=1), encoding="utf-8")
    (tmp_path / "z.md").write_text(table.format(n=2), encoding="utf-8")
    export = make_export(tmp_path / "six.jsonl", 6)
    inputs = (tmp_path / "a.md", export, tmp_path / "z.md")
    run = publisher("book", *inputs, "--title", "كتاب", "--pdf-standard", "pdf/ua-1", "--out", tmp_path / "out",
                    "-f", "pdf", "--jobs", "2")
    assert run.code == 0, run.stderr
    (pdf,) = (tmp_path / "out").glob("*.pdf")
    check = publisher("check", pdf)
    assert "PDF/UA-1" in check.stdout and "tagged:            yes" in check.stdout
    syntax = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stdout
    kinds, problems, listed = structure_problems(pdf)
    assert problems == []
    assert kinds["/Document"] == 1 and kinds["/H1"] == 8 and kinds["/Table"] == 2 and kinds["/TH"] == 4
    assert listed == 4  # each header's id, in the IDTree
    reader = pypdf.PdfReader(pdf)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert "/Dests" in root["/Names"]  # links into the book (book.pdf#article-...) still land
    import pikepdf

    with pikepdf.open(pdf) as opened:  # one XMP, not a copy beside it
        assert sum(isinstance(o, pikepdf.Stream) and o.get("/Type") == "/Metadata" for o in opened.objects) == 1
    plain = tmp_path / "plain"
    assert publisher("book", *inputs, "--title", "كتاب", "--out", plain, "-f", "pdf").code == 0
    default = pypdf.PdfReader(next(plain.glob("*.pdf")))
    assert reader.page_labels == default.page_labels and outline(reader) == outline(default)
    assert page_images(pdf, tmp_path / "tagged-pages") == page_images(next(plain.glob("*.pdf")), tmp_path / "pages")
    first_pages = [reader.get_destination_page_number(o) for o in reader.outline if not isinstance(o, list)]
    contents = "\n".join(page_text(pdf, i) for i in range(first_pages[0]))
    contents = contents[contents.index("المحتويات"):]
    listed_folios = [int(n.translate(DIGITS)) for n in re.findall(r"^\s*([٠-٩]+)\s", contents, flags=re.MULTILINE)]
    assert listed_folios == [printed_folio(pdf, index) for index in first_pages]


def outline(reader) -> list[tuple[int, str, int]]:
    """Every bookmark: (depth, title, page index)."""
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


@needs_poppler
@needs_qpdf
def test_books_with_a_standard_are_rendered_in_parts(tmp_path, small_parts):
    """PDF/A and PDF/X books are rendered in parts on every worker and joined: the joined file says
    the standard (its XMP, and for PDF/X its document information) and carries the front part's
    output intent, a PDF/A-3 every article's source, once; page labels, bookmarks and pages are
    those of the default edition (one default edition for the three standards: it is the same)."""
    count = 7  # two parts or more (small_parts)
    export = make_export(tmp_path / "many.jsonl", count)
    plain = book_on("1", export, tmp_path / "plain")
    for standard in ("pdf/a-3b", "pdf/a-1b", "pdf/x-3"):
        _check_standard_in_parts(standard, book_on("2", export, tmp_path / standard.replace("/", "-"),
                                                   "--pdf-standard", standard), plain, count, tmp_path)


def _check_standard_in_parts(standard: str, pdf: Path, plain: Path, count: int, tmp_path: Path) -> None:
    check = publisher("check", pdf)
    label = {"pdf/a-3b": "PDF/A-3b", "pdf/a-1b": "PDF/A-1b", "pdf/x-3": "PDF/X-3:2003"}[standard]
    assert check.code == 0 and f"standard:          {label}" in check.stdout, check.stdout
    syntax = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert syntax.returncode == 0 and "No syntax or stream encoding errors" in syntax.stdout, syntax.stdout
    reader, default = pypdf.PdfReader(pdf), pypdf.PdfReader(plain)
    root = reader.trailer["/Root"]
    assert reader.page_labels == default.page_labels and reader.page_labels[:2] == ["i", "ii"]
    assert outline(reader) == outline(default) and len(outline(reader)) >= count
    assert stamped(pdf) > count  # folios counted and stamped as in the default edition
    assert reader.pdf_header == {"pdf/a-1b": "%PDF-1.4", "pdf/x-3": "%PDF-1.4"}.get(standard, "%PDF-1.7")
    assert reader.trailer["/ID"][0]
    if standard.startswith("pdf/a"):
        (intent,) = root["/OutputIntents"]
        assert intent.get_object()["/S"] == "/GTS_PDFA1" and intent.get_object()["/DestOutputProfile"].get_data()
    else:
        assert reader.trailer["/Info"]["/GTS_PDFXVersion"] == "PDF/X-3:2003"
    assert "/Dests" in root["/Names"]  # the chapters' named destinations, beside any attachments
    if standard == "pdf/a-3b":
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
        files = [names[i + 1].get_object() for i in range(0, len(names), 2)]
        assert len(files) == 2 * count  # each record and its metadata, once for the whole book
        assert {f["/AFRelationship"] for f in files} == {"/Source"}
        assert sorted(f.indirect_reference.idnum for f in files) == sorted(a.idnum for a in root["/AF"])
        # The pages are the default edition's, pixel for pixel (looked at once: enough for one standard).
        assert page_images(pdf, tmp_path / "standard-pages") == page_images(plain, tmp_path / "plain-pages")


def test_cover_must_be_an_image(tmp_path):
    export = make_export(tmp_path / "one.jsonl", 1)
    fake = tmp_path / "cover.png"
    fake.write_text("not a picture")
    run = publisher("book", export, "--title", "x", "--cover", fake, "--out", tmp_path / "out")
    assert run.code == 2 and "cover is not a readable image" in run.stderr and "Traceback" not in run.stderr


def test_books_with_arabic_titles_do_not_overwrite_each_other(tmp_path):
    export = make_export(tmp_path / "one.jsonl", 1)
    for title in ("الكتاب الأول", "الكتاب الثاني"):
        assert publisher("book", export, "--title", title, "--out", tmp_path / "out", "-f", "epub").code == 0
    assert len(list((tmp_path / "out").glob("book-*.epub"))) == 2
