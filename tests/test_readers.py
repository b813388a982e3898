"""Markdown, Word, CMS HTML and JSON exports, through the CLI's HTML output and the reader API."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pypdf
import pytest
import yaml
from lxml import html

from conftest import ROOT, epubcheck, publisher, recall
from publisher.errors import InputError
from publisher.sources import ReadSettings, read, read_article

CORPUS = ROOT.parent / "shared" / "corpus" / "saudinewsnet-2015-07-22.jsonl"


def built_page(tmp_path: Path, source: Path, *args: str) -> html.HtmlElement:
    run = publisher("build", source, "--format", "html", "--out", tmp_path / "out", *args)
    assert run.code == 0, run.stderr
    (page,) = (tmp_path / "out").glob("*.html")
    return html.fromstring(page.read_text(encoding="utf-8"))


def test_markdown_article(tmp_path):
    page = built_page(tmp_path, ROOT / "articles" / "bulletin-water-2026.md")
    assert [h.text_content() for h in page.iter("h1")] == ["شبكات المياه في المدن الصغيرة: ما الذي تغيّر خلال عام؟"]
    assert page.find_class("byline")[0].text_content() == "بقلم سلمى الحداد ويوسف النعيمي"
    assert [h.text_content() for h in page.iter("h2")] == ["ما الذي أُنجز", "ما بقي معلقًا", "الخطوة التالية"]
    assert len(page.findall(".//ul/li")) == 3
    assert "الماء يصل اليوم" in page.find(".//blockquote").text_content()
    assert page.find(".//strong").text_content() == "٤٢ كيلومترًا"
    assert len(page.findall(".//table//td")) == 9


def test_markdown_footnotes_images_and_sidecar(tmp_path):
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (40, 20), (10, 120, 200)).save(folder / "chart.png")
    (folder / "note.md").write_text("نص فيه حاشية[^1].\n\n![مخطط الإنفاق](chart.png)\n\n[^1]: مصدر الأرقام.\n",
                                    encoding="utf-8")
    (folder / "note.yml").write_text("title: من ملف جانبي\nauthor: هدى\n", encoding="utf-8")
    page = built_page(tmp_path, folder / "note.md", "-f", "epub")
    assert page.find(".//h1").text_content() == "من ملف جانبي"
    assert "مصدر الأرقام" in page.text_content()
    (image,) = page.iter("img")
    assert image.get("alt") == "مخطط الإنفاق" and (tmp_path / "out" / image.get("src")).is_file()
    (epub,) = (tmp_path / "out").glob("*.epub")
    assert [m for m in epubcheck(epub) if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []


def make_docx(path: Path) -> None:
    from docx import Document
    from docx.oxml import OxmlElement
    from PIL import Image

    document = Document()
    document.core_properties.title = "تقرير عن ورشة الكتابة الصحفية"
    document.core_properties.author = "نور الهدى سالم"
    document.add_heading("تقرير عن ورشة الكتابة الصحفية", level=1)
    paragraph = document.add_paragraph()
    paragraph.add_run("عقدت ")
    paragraph.add_run("ورشة الكتابة").bold = True
    paragraph.add_run(" جلستها الأولى ")
    paragraph.add_run("بحضور عشرين متدربًا").italic = True
    paragraph.add_run(".")
    paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))  # a right-to-left paragraph
    document.add_heading("محاور الورشة", level=2)
    for item in ("كتابة الخبر", "التحقق من المصادر", "تحرير العناوين"):
        document.add_paragraph(item, style="List Bullet")
    picture = io.BytesIO()
    Image.new("RGB", (60, 30), (200, 80, 40)).save(picture, "PNG")
    picture.seek(0)
    document.add_picture(picture)
    document.add_paragraph("واختتمت الجلسة بتمرين عملي.")
    document.save(path)


WORD_TEXT = ("تقرير عن ورشة الكتابة الصحفية عقدت ورشة الكتابة جلستها الأولى بحضور عشرين متدربًا. محاور الورشة "
             "كتابة الخبر التحقق من المصادر تحرير العناوين واختتمت الجلسة بتمرين عملي.")


def test_word_article(tmp_path):
    source = tmp_path / "workshop.docx"
    make_docx(source)
    page = built_page(tmp_path, source, "-f", "epub", "-f", "pdf")
    assert page.get("dir") == "rtl"
    assert page.find(".//h1").text_content() == "تقرير عن ورشة الكتابة الصحفية"
    assert page.find_class("byline")[0].text_content() == "بقلم نور الهدى سالم"
    assert [h.text_content() for h in page.iter("h2")] == ["محاور الورشة"]
    assert [li.text_content() for li in page.findall(".//ul/li")] == ["كتابة الخبر", "التحقق من المصادر",
                                                                       "تحرير العناوين"]
    assert page.find(".//strong").text_content() == "ورشة الكتابة"
    assert page.find(".//em").text_content() == "بحضور عشرين متدربًا"
    assert len([img for img in page.iter("img")]) == 1
    assert recall(WORD_TEXT, " ".join(page.find(".//article").itertext())) == 1.0
    (epub,) = (tmp_path / "out").glob("*.epub")
    assert [m for m in epubcheck(epub) if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []


def test_not_really_a_word_file(tmp_path):
    fake = tmp_path / "fake.docx"
    fake.write_text("just text")
    with pytest.raises(InputError, match=r"not a Word \.docx file"):
        read_article(fake)


CMS_PAGE = """<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8">
<title>الموقع | افتتاح مكتبة</title><meta property="og:title" content="افتتاح مكتبة عامة في الحي الشرقي">
<meta name="author" content="ليلى منصور"><meta property="article:published_time" content="2026-10-05T09:30:00+03:00">
<script>alert('x')</script><link rel="stylesheet" href="https://cdn.example.com/site.css">
<style>body{color:red}</style></head>
<body onload="track()"><nav><a href="/">الرئيسية</a></nav><article>
<h1>افتتاح مكتبة عامة في الحي الشرقي</h1>
<p style="color:red" onclick="steal()">افتتحت البلدية صباح اليوم <strong>مكتبة عامة</strong> جديدة.</p>
<iframe src="https://ads.example.com/frame"></iframe><h2>ماذا تضم المكتبة؟</h2>
<ul><li onmouseover="x()">قاعة مطالعة</li><li>ركن للأطفال</li></ul>
<img src="https://tracker.example.com/pixel.gif" alt="صورة الافتتاح">
<object data="x.swf">نص بديل للعرض</object><form action="/s"><input name="q"></form>
<p>للمزيد <a href="javascript:alert(1)">اضغط هنا</a> أو <a href="https://example.org/library">زوروا الموقع</a>.</p>
<script>document.write('bad')</script></article><footer>حقوق النشر</footer></body></html>"""
CMS_TEXT = ("افتتاح مكتبة عامة في الحي الشرقي افتتحت البلدية صباح اليوم مكتبة عامة جديدة. ماذا تضم المكتبة؟ قاعة "
            "مطالعة ركن للأطفال صورة الافتتاح نص بديل للعرض للمزيد اضغط هنا أو زوروا الموقع.")


def test_cms_html_article(tmp_path):
    source = tmp_path / "cms.html"
    source.write_text(CMS_PAGE, encoding="utf-8")
    run = publisher("build", source, "--format", "html", "--out", tmp_path / "out")
    assert run.code == 0 and "tracker.example.com" in run.stderr  # the refused image is reported
    page = html.fromstring((tmp_path / "out" / "cms.html").read_text(encoding="utf-8"))
    article = page.find(".//article")
    assert recall(CMS_TEXT, " ".join(article.itertext())) == 1.0
    assert "الرئيسية" not in article.text_content() and "حقوق النشر" not in article.text_content()
    assert page.find_class("byline")[0].text_content() == "بقلم ليلى منصور"
    for tag in ("script", "iframe", "object", "form", "input", "link", "style"):
        assert article.findall(f".//{tag}") == [], tag
    assert all(not name.startswith("on") for element in page.iter() for name in element.attrib)
    assert [a.get("href") for a in article.iter("a") if a.get("href")] == ["https://example.org/library"]
    assert not [img for img in article.iter("img")]  # no remote reference survives


def test_json_array_and_field_map(tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"items": [
        {"headline_ar": "الخبر الأول", "body_ar": "نص الخبر الأول.", "published": "2026-01-02"},
        {"headline_ar": "الخبر الثاني", "body_ar": "<p>نص <b>الثاني</b></p><script>x()</script>"},
        "not an object",
    ]}, ensure_ascii=False), encoding="utf-8")
    settings = ReadSettings(field_map={"title": "headline_ar", "content": "body_ar"})
    first, second, third = list(read(export, settings))
    assert (first.title, str(first.date), first.record) == ("الخبر الأول", "2026-01-02", 1)
    assert second.body_html == "<p>نص <b>الثاني</b></p>"
    assert isinstance(third, InputError) and third.record == 3


def test_json_lines_bad_records_fail_alone(tmp_path):
    export = tmp_path / "feed.jsonl"
    export.write_text('{"title": "أول", "content": "نص أول."}\n{broken\n\n{"title": "", "content": ""}\n'
                      '{"title": "رابع", "text": "نص رابع."}\n', encoding="utf-8")
    run = publisher("build", export, "--format", "html", "--out", tmp_path / "out")
    assert run.code == 1
    assert "feed.jsonl record 2: is not valid JSON" in run.stderr
    assert "feed.jsonl record 4: has neither a title nor any text" in run.stderr
    assert len(list((tmp_path / "out").glob("*.html"))) == 2


@pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus is not beside the project")
def test_twenty_corpus_records_give_twenty_articles(tmp_path):
    export = tmp_path / "twenty.jsonl"
    export.write_text("".join(CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)[:20]), encoding="utf-8")
    articles = list(read(export))
    assert len(articles) == 20 and not [a for a in articles if isinstance(a, InputError)]
    assert len({a.slug for a in articles}) == 20
    for article, line in zip(articles, export.read_text(encoding="utf-8").splitlines(), strict=True):
        record = json.loads(line)
        assert recall(record["content"], article.body_html) == 1.0
        assert article.title == record["title"].strip()


CREDIT_CASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "credits.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CREDIT_CASES, ids=[c["author"] or c["text"][:20] for c in CREDIT_CASES])
def test_author_fields_are_sorted_into_place_authors_and_credit(case, tmp_path):
    """The same rules for every reader (sources/meta.build_article): here through a JSON export."""
    record = {"title": "خبر للتجربة", "author": case["author"],
              "content": case.get("text") or "نص الخبر في فقرة واحدة قصيرة للتجربة."}
    export = tmp_path / "one.jsonl"
    export.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (article,) = list(read(export))
    assert article.dateline == case.get("place", ""), article
    assert article.authors == tuple(case.get("authors", [])), article
    assert article.credit == case.get("credit", ""), article


SIGNED = {  # the same article, signed at its end, in four formats
    "signed.md": "---\ntitle: مكتبة الحي\n---\n\nافتتحت مكتبة الحي أبوابها صباح اليوم.\n\nوتضم ألفي كتاب.\n\n"
                 "بقلم: د. سلوى الراشد\n",
    "signed.txt": "مكتبة الحي\nافتتحت مكتبة الحي أبوابها صباح اليوم.\nوتضم ألفي كتاب.\nبقلم: د. سلوى الراشد\n",
    "signed.html": "<html><head><title>مكتبة الحي</title></head><body><p>افتتحت مكتبة الحي أبوابها صباح اليوم.</p>"
                   "<p>وتضم ألفي كتاب.</p><p><em>بقلم: د. سلوى الراشد</em></p></body></html>",
    "signed.jsonl": json.dumps({"title": "مكتبة الحي", "content": "<p>افتتحت مكتبة الحي أبوابها صباح اليوم.</p>"
                                "<p>وتضم ألفي كتاب.</p><p>بقلم: د. سلوى الراشد</p>"}, ensure_ascii=False) + "\n",
}


@pytest.mark.parametrize("name", sorted(SIGNED))
def test_a_signature_line_names_the_author_in_every_reader(name, tmp_path):
    """A signature closing the text is the byline: the author in the metadata, the line printed once."""
    source = tmp_path / name
    source.write_text(SIGNED[name], encoding="utf-8")
    (article,) = list(read(source))
    assert article.authors == ("سلوى الراشد",)
    assert article.byline == "بقلم: د. سلوى الراشد"
    assert "سلوى" not in article.body_html and "وتضم ألفي كتاب" in article.body_html


def test_a_closing_line_that_is_not_a_signature_stays_text(tmp_path):
    source = tmp_path / "quote.md"
    source.write_text("---\ntitle: تصريح\n---\n\nتحدث الوزير للصحفيين.\n\nقال: إن العمل مستمر.\n", encoding="utf-8")
    (article,) = list(read(source))
    assert article.authors == () and "إن العمل مستمر" in article.body_html


def test_the_credit_table_has_thirty_shapes():
    assert len(CREDIT_CASES) >= 30


@pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus is not beside the project")
def test_asharq_bylines_name_people_and_datelines_places(tmp_path):
    """The first 40 Asharq Al-Awsat records: no "بقلم" before a place or an agency; a "CITY: NAME"
    record shows the city in its date line and NAME as its byline or credit, in HTML, PDF and EPUB."""
    from publisher.sources.credits import known

    records = [line for line in CORPUS.read_text(encoding="utf-8").splitlines()
               if "aawsat.com" in json.loads(line)["url"]][:40]
    export = tmp_path / "aawsat.jsonl"
    export.write_text("\n".join(records) + "\n", encoding="utf-8")
    run = publisher("batch", export, "--out", tmp_path / "out", "-f", "html", "-f", "epub", "-q")
    assert run.code == 0, run.stderr
    entries = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["articles"]
    split = 0
    for record, entry in zip((json.loads(r) for r in records), entries, strict=True):
        page = html.fromstring((tmp_path / "out" / entry["outputs"]["html"]).read_bytes())
        bylines = [" ".join(p.text_content().split()) for p in page.xpath("//p[@class='byline']")]
        credits = [" ".join(p.text_content().split()) for p in page.xpath("//p[@class='credit']")]
        datelines = [" ".join(p.text_content().split()) for p in page.xpath("//p[@class='dateline']")]
        for byline in bylines:
            name = byline.removeprefix("بقلم").strip()
            assert ":" not in name and not known(name) and not name.startswith("«"), byline
        author = " ".join(record.get("author", "").split())
        if ":" in author:
            city, _, name = author.partition(":")
            split += 1
            assert datelines and datelines[0].startswith(city.strip()), (author, datelines)
            name = name.strip().strip("«»{} ")
            assert any(name in line for line in bylines + credits), (author, bylines, credits)
            opf = zipfile.ZipFile(tmp_path / "out" / entry["outputs"]["epub"]).read("EPUB/content.opf").decode()
            assert name in opf and city.strip() + ":" not in opf
    assert split >= 30
    # The PDF's metadata from the same rules: four of them, a person and a newspaper among them.
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join([r for r in records if ":" in json.loads(r).get("author", "")][:4]) + "\n",
                   encoding="utf-8")
    assert publisher("batch", few, "--out", tmp_path / "pdf", "-f", "pdf", "-q").code == 0
    for record, entry in zip((json.loads(r) for r in few.read_text(encoding="utf-8").splitlines()),
                             json.loads((tmp_path / "pdf" / "manifest.json").read_text(encoding="utf-8"))["articles"],
                             strict=True):
        name = record["author"].partition(":")[2].strip().strip("«»{} ")
        pdf_author = pypdf.PdfReader(tmp_path / "pdf" / entry["outputs"]["pdf"]).metadata.get("/Author", "")
        assert name in pdf_author and ":" not in pdf_author, (record["author"], pdf_author)


def set_apart_sources(folder: Path) -> dict[str, Path]:
    """The same story in Markdown, HTML and Word: a captioned photograph with a credit, a pull
    quote and a box, each said the way its format says it."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from PIL import Image

    folder.mkdir()
    Image.new("RGB", (120, 80), (30, 90, 160)).save(folder / "photo.png")
    (folder / "story.md").write_text(
        "---\ntitle: يوم في الميناء\n---\n\nنص الخبر الأول.\n\n"
        '![قوارب في الميناء](photo.png "الصيادون عند الفجر (تصوير: سلمى الحربي)")\n\n'
        "::: pullquote\nالبحر رزقنا كله\n:::\n\n::: box\nأرقام الموسم: ثلاثون قاربا.\n:::\n", encoding="utf-8")
    (folder / "story.html").write_text(
        '<html lang="ar"><head><title>يوم في الميناء</title></head><body><article><h1>يوم في الميناء</h1>'
        "<p>نص الخبر الأول.</p><figure><img src=\"photo.png\" alt=\"قوارب في الميناء\">"
        "<figcaption>الصيادون عند الفجر (رويترز)</figcaption></figure>"
        '<blockquote class="wp-block-pullquote"><p>البحر رزقنا كله</p></blockquote>'
        '<div class="sidebar x-evil"><p>أرقام الموسم: ثلاثون قاربا.</p></div><p class="evil">خاتمة.</p>'
        "</article></body></html>", encoding="utf-8")
    document = Document()
    document.core_properties.title = "يوم في الميناء"
    document.add_paragraph("نص الخبر الأول.")
    document.add_picture(str(folder / "photo.png"))
    styles = {style.name for style in document.styles}
    for name in ("Caption", "Pull Quote", "Box"):
        if name not in styles:
            document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("الصيادون عند الفجر. تصوير: سلمى الحربي", style="Caption")
    document.add_paragraph("البحر رزقنا كله", style="Pull Quote")
    document.add_paragraph("أرقام الموسم: ثلاثون قاربا.", style="Box")
    document.save(folder / "story.docx")
    return {suffix: folder / f"story.{suffix}" for suffix in ("md", "html", "docx")}


@pytest.mark.parametrize("suffix", ["md", "html", "docx"])
def test_captions_credits_pull_quotes_and_boxes_in_every_format(suffix, tmp_path):
    article = read_article(set_apart_sources(tmp_path / "in")[suffix])
    body = html.fragment_fromstring(article.body_html, create_parent="div")
    (figure,) = body.iter("figure")
    assert figure.find("img").get("alt") == ("قوارب في الميناء" if suffix != "docx" else "")
    caption = figure.find("figcaption")
    credit = caption.find_class("figure-credit")[0].text_content()
    assert caption.text.strip() == "الصيادون عند الفجر"
    assert credit == ("رويترز" if suffix == "html" else "تصوير: سلمى الحربي")
    assert [a.text_content().strip() for a in body.find_class("pullquote")] == ["البحر رزقنا كله"]
    assert [a.text_content().strip() for a in body.find_class("box")] == ["أرقام الموسم: ثلاثون قاربا."]
    # Only the classes layouts style are kept; any other class a source carried is dropped.
    assert {c for el in body.iter() for c in (el.get("class") or "").split()} <= {
        "pullquote", "box", "figure-credit", "caption"}


@pytest.mark.parametrize(("caption", "expected"), [
    ("سفن الصيد تعود عند الفجر (تصوير: سلمى الحربي)", ("سفن الصيد تعود عند الفجر", "تصوير: سلمى الحربي")),
    ("الصيادون عند الفجر. تصوير - سلمى الحربي", ("الصيادون عند الفجر", "تصوير: سلمى الحربي")),
    ("لقطة من الجو تصوير: فهد العلي", ("لقطة من الجو", "تصوير: فهد العلي")),
    ("باعة في السوق. Photo: AFP", ("باعة في السوق", "Photo: AFP")),
    ("مشهد عام للمدينة (رويترز)", ("مشهد عام للمدينة", "رويترز")),
    ("مشهد عام للمدينة (الصورة: واس)", ("مشهد عام للمدينة", "الصورة: واس")),
    # Nothing but a credit word at its head, or a credit word inside the text: all caption.
    ("الصورة: جانب من الاحتفال بالعيد", ("الصورة: جانب من الاحتفال بالعيد", "")),
    ("A photo - image of the year", ("A photo - image of the year", "")),
    ("(رويترز)", ("(رويترز)", "")),
    ("أطفال الحي في الحديقة (صباح الجمعة)", ("أطفال الحي في الحديقة (صباح الجمعة)", "")),
])
def test_a_caption_gives_its_credit_line(caption, expected):
    from publisher.sources.figures import split_credit

    assert split_credit(caption) == expected


def test_front_matter_image_is_the_lead_picture_once(tmp_path):
    from PIL import Image

    Image.new("RGB", (90, 60), (30, 90, 160)).save(tmp_path / "harbour.png")
    (tmp_path / "shown.md").write_text("---\ntitle: الميناء\nimage: harbour.png\n---\n\nنص.\n\n"
                                       "![قوارب](./harbour.png)\n", encoding="utf-8")
    (tmp_path / "added.md").write_text("---\ntitle: الميناء\nimage: harbour.png\nimage_caption: الميناء فجرا\n---\n\n"
                                       "نص.\n", encoding="utf-8")
    (tmp_path / "missing.md").write_text("---\ntitle: الميناء\nimage: gone.png\nimage_caption: الميناء\n---\n\nنص.\n",
                                         encoding="utf-8")
    shown, added, missing = (read_article(tmp_path / f"{name}.md") for name in ("shown", "added", "missing"))
    assert shown.body_html.count("<img") == 1 and shown.meta["image"] in shown.body_html
    body = html.fragment_fromstring(added.body_html, create_parent="div")
    assert body[0].tag == "figure" and body[0].find("figcaption").text == "الميناء فجرا"  # put first
    assert added.meta["image"] == body[0].find("img").get("src")
    assert missing.body_html.strip() == "<p>نص.</p>" and "image" not in missing.meta
    assert any("front matter's image" in warning for warning in missing.warnings)
