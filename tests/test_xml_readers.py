"""The formats archives live in: WordPress exports, RSS 2.0 and Atom feeds, NewsML-G2, all .xml
and told apart by their content. Each builds to PDF and EPUB with its title, author, date and
every word of its text (PDFium reads it back); a broken item fails alone, by its number; a remote
image gives way to its alt text, with a warning. The exports are written here for the project."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from engines import extract, strict_recall
from PIL import Image

from conftest import publisher

POSTS = [
    ("افتتاح مكتبة الحي الجديدة", "سلمى الحارثي",
     "افتتحت البلدية مكتبة جديدة في الحي الشمالي تضم آلاف الكتب وقاعة للمطالعة.\n\n"
     "وقال مدير المكتبة إن أبوابها ستبقى مفتوحة حتى العاشرة مساء طوال أيام الأسبوع."),
    ("حملة لتشجير الشوارع", "يوسف المراكشي",
     "<p>بدأت حملة لزراعة ألف شجرة على جانبي الطرق الرئيسية في المدينة.</p>"
     "<p>وشارك في الحملة متطوعون من المدارس والجمعيات الأهلية.</p>"),
    ("صفحة عن الجمعية", "سلمى الحارثي",
     "<p>الجمعية منظمة أهلية تعمل على نشر القراءة بين الأطفال والشباب منذ عشر سنوات.</p>"),
]


def wxr() -> str:
    items = []
    for number, (title, author, body) in enumerate(POSTS, start=1):
        login = "salma" if author == "سلمى الحارثي" else "youssef"
        kind = "page" if number == 3 else "post"
        thumbnail = ("<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>90</wp:meta_value>"
                     "</wp:postmeta>") if number == 1 else ""
        items.append(f"""<item><title>{title}</title><link>https://example.org/?p={number}</link>
<dc:creator><![CDATA[{login}]]></dc:creator>
<category domain="category" nicename="news"><![CDATA[أخبار الحي]]></category>
<category domain="post_tag" nicename="culture"><![CDATA[ثقافة]]></category>
<content:encoded><![CDATA[{body}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{number}</wp:post_id><wp:post_date>2026-11-{10 + number} 09:00:00</wp:post_date>
<wp:post_name>post-{number}</wp:post_name><wp:status>publish</wp:status><wp:post_type>{kind}</wp:post_type>
{thumbnail}</item>""")
    attachment = """<item><title>photo</title><wp:post_id>90</wp:post_id><wp:post_type>attachment</wp:post_type>
<wp:attachment_url>https://example.org/wp-content/uploads/2026/11/photo.jpg</wp:attachment_url></item>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>أخبار الحي</title><language>ar</language><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>salma</wp:author_login>
<wp:author_display_name><![CDATA[سلمى الحارثي]]></wp:author_display_name></wp:author>
<wp:author><wp:author_login>youssef</wp:author_login>
<wp:author_display_name><![CDATA[يوسف المراكشي]]></wp:author_display_name></wp:author>
{''.join(items)}{attachment}</channel></rss>"""


def rss(broken: bool = False) -> str:
    items = []
    for number, (title, author, body) in enumerate(POSTS, start=1):
        text = body.replace("\n\n", " ")
        # The second item has only a summary, as many feeds do.
        field = f"<description><![CDATA[{text}]]></description>" if number == 2 else (
            f"<description>ملخص قصير</description><content:encoded><![CDATA[{text}]]></content:encoded>")
        items.append(f"""<item><title>{title}</title><link>https://example.org/news/{number}</link>
<author>news@example.org ({author})</author><category>أخبار</category>
<pubDate>Fri, {10 + number} Nov 2026 09:00:00 +0000</pubDate>{field}</item>""")
    if broken:
        items.insert(1, "<item><link>https://example.org/news/empty</link></item>")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>نشرة الحي</title>
<language>ar</language><link>https://example.org/</link>{''.join(items)}</channel></rss>"""


def atom() -> str:
    entries = "".join(f"""<entry><title>{title}</title><id>urn:example:{number}</id>
<link href="https://example.org/a/{number}"/><author><name>{author}</name></author>
<updated>2026-11-{10 + number}T09:00:00Z</updated><published>2026-11-{10 + number}T09:00:00Z</published>
<content type="html">{_escape("<p>" + body.replace(chr(10) * 2, "</p><p>") + "</p>")}</content></entry>"""
                      for number, (title, author, body) in enumerate(POSTS, start=1))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar"><title>أخبار الحي</title><id>urn:example</id>
<updated>2026-11-13T09:00:00Z</updated>{entries}</feed>"""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


NEWSML = """<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:example.org:20261120:1" version="1"
 standard="NewsML-G2" standardversion="2.29" xml:lang="ar">
<itemMeta><itemClass qcode="ninat:text"/><versionCreated>2026-11-20T08:00:00Z</versionCreated></itemMeta>
<contentMeta><contentCreated>2026-11-20T07:30:00Z</contentCreated>
<located><name>الرياض</name></located>
<subject type="cpnat:abstract" qcode="medtop:20000763"><name>الطاقة المتجددة</name></subject>
<headline>افتتاح محطة جديدة للطاقة الشمسية</headline><by>هدى الزعبي</by></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><head>
<title>x</title></head><body><p>افتتحت الشركة محطة للطاقة الشمسية بقدرة ثلاثمئة ميغاواط شمال المدينة.</p>
<p>وستزود المحطة نحو مئة ألف منزل بالكهرباء عند اكتمال مراحلها.</p></body></html></inlineXML></contentSet>
</newsItem>"""


@pytest.fixture
def exports(tmp_path) -> Path:
    folder = tmp_path / "exports"
    (folder / "wp-content" / "uploads" / "2026" / "11").mkdir(parents=True)
    Image.new("RGB", (400, 250), (30, 120, 90)).save(folder / "wp-content" / "uploads" / "2026" / "11" / "photo.jpg")
    (folder / "site.xml").write_text(wxr(), encoding="utf-8")
    (folder / "feed.xml").write_text(rss(), encoding="utf-8")
    (folder / "news.atom").write_text(atom(), encoding="utf-8")
    (folder / "agency.xml").write_text(NEWSML, encoding="utf-8")
    return folder


def test_each_kind_of_xml_export_builds_whole(exports, tmp_path):
    out = tmp_path / "out"
    run = publisher("batch", exports, "--out", out, "-q")
    assert run.code == 0, run.stderr
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["articles"]
    by_source = {}
    for entry in entries:
        by_source.setdefault(entry["source"].split(" record ")[0].rsplit("/", 1)[-1], []).append(entry)
    assert {name: len(found) for name, found in by_source.items()} == {
        "agency.xml": 1, "feed.xml": 3, "news.atom": 3, "site.xml": 3}  # WXR: posts and pages, no attachment
    expected = {title: (author, body) for title, author, body in POSTS}
    expected["افتتاح محطة جديدة للطاقة الشمسية"] = ("هدى الزعبي", re.sub(r"<[^>]+>", " ", NEWSML.split("<body>")[1]))
    for entry in entries:
        author, body = expected[entry["title"]]
        pdf = out / entry["outputs"]["pdf"]
        words = re.sub(r"<[^>]+>", " ", body)
        assert strict_recall(words, extract(pdf, "pdfium")) >= 0.999, entry["title"]
        metadata = pypdf.PdfReader(pdf).metadata
        assert metadata.get("/Author") == author and metadata.get("/Title") == entry["title"]
        opf = zipfile.ZipFile(out / entry["outputs"]["epub"]).read("EPUB/content.opf").decode()
        assert f">{author}</dc:creator>" in opf and re.search(r"<dc:date>2026-11-\d\d", opf), entry["title"]
    featured = next(e for e in entries if e["title"] == POSTS[0][0] and "site.xml" in e["source"])
    assert len(pypdf.PdfReader(out / featured["outputs"]["pdf"]).pages[0].images) == 1  # the featured image
    agency = next(e for e in entries if "agency.xml" in e["source"])
    assert "الرياض" in extract(out / agency["outputs"]["pdf"], "pdfium")  # its dateline


def test_a_broken_item_fails_alone_by_its_number(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(broken=True), encoding="utf-8")
    run = publisher("batch", feed, "--out", tmp_path / "out", "-f", "html", "-q")
    assert run.code == 1
    assert "feed.xml record 2" in run.stderr + run.stdout
    data = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["summary"]
    assert data["ok"] == 3 and data["failed"] == 1


def test_a_remote_image_gives_way_to_its_alt_text(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(rss().replace("افتتحت البلدية", '<img src="https://cdn.example.org/a.jpg" alt="واجهة المكتبة"> '
                                  "افتتحت البلدية", 1), encoding="utf-8")
    run = publisher("build", feed, "--out", tmp_path / "out", "-f", "html")
    assert run.code == 0, run.stderr
    assert "cdn.example.org" in run.stderr and "alt text is kept" in run.stderr
    page = next(p for p in (tmp_path / "out").glob("*.html") if "واجهة المكتبة" in p.read_text(encoding="utf-8"))
    assert "<img" not in page.read_text(encoding="utf-8").split("<body", 1)[1]


def test_unknown_xml_is_refused_by_what_it_is(tmp_path):
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    run = publisher("build", other, "--out", tmp_path / "out")
    assert run.code == 2 and "<svg>" in run.stderr and "WordPress" in run.stderr
