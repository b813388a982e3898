"""Persian served as Persian: dated by the Solar Hijri calendar, in its own month names and digits."""

from __future__ import annotations

import subprocess
import zipfile

from engines import extract, strict_recall

from conftest import FIXTURES, needs_poppler, publisher

ARTICLE = ("---\ntitle: خبری از تهران\nlang: fa\ndate: 2026-11-20\n---\n\n"
           "این یک خبر کوتاه است که در تهران نوشته شده است.\n")


def dateline(epub) -> str:
    with zipfile.ZipFile(epub) as archive:
        page = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml") and "nav" not in n)
    return page.split('class="dateline">', 1)[1].split("<", 1)[0]


def test_a_persian_article_is_dated_by_the_solar_hijri_calendar(tmp_path):
    (tmp_path / "news.md").write_text(ARTICLE, encoding="utf-8")
    assert publisher("build", tmp_path / "news.md", "--out", tmp_path / "out", "-f", "pdf", "-f", "epub").code == 0
    # 20 November 2026 is 29 Aban 1405 (the Iranian calendar's own tables give it, not ours).
    assert dateline(next((tmp_path / "out").glob("*.epub"))) == "۲۹ آبان ۱۴۰۵"
    text = extract(next((tmp_path / "out").glob("*.pdf")), "poppler")
    assert "آبان" in text and "۱۴۰۵" in text and "۲۹" in text and "نوامبر" not in text
    run = publisher("build", tmp_path / "news.md", "--out", tmp_path / "greg", "-f", "epub", "--calendar", "gregorian")
    assert run.code == 0, run.stderr
    assert dateline(next((tmp_path / "greg").glob("*.epub"))) == "۲۰ نوامبر ۲۰۲۶"  # Gregorian, in Persian
    run = publisher("build", tmp_path / "news.md", "--out", tmp_path / "both", "-f", "epub", "--calendar", "both")
    assert run.code == 0, run.stderr
    assert dateline(next((tmp_path / "both").glob("*.epub"))) == "۲۹ آبان ۱۴۰۵ — ۲۰ نوامبر ۲۰۲۶"


FIXTURE = FIXTURES / "persian-news.md"
# Persian's own letters and digits: what a face for Persian headlines must have.
PERSIAN_LETTERS = "پچژگیک" + "".join(chr(c) for c in range(0x06F0, 0x06FA))


def test_persian_headlines_have_a_face_with_every_persian_letter():
    from fontTools.ttLib import TTFont

    from publisher import fonts

    heading = fonts.family_for("heading", "fa")
    assert heading.name != fonts.family_for("heading").name  # Tajawal lacks چ ژ گ ی ک and ۰-۹
    for face in heading.faces:
        cmap = TTFont(face.path).getBestCmap()
        assert [ch for ch in PERSIAN_LETTERS + "\u200c" if ord(ch) not in cmap] == [], face.path.name


@needs_poppler
def test_a_persian_article_keeps_its_letters_and_zwnj_as_written(tmp_path):
    run = publisher("build", FIXTURE, "--out", tmp_path, "-f", "pdf", "-f", "epub")
    assert run.code == 0, run.stderr
    pdf, epub = tmp_path / "persian-news.pdf", tmp_path / "persian-news.epub"
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Vazirmatn-Bold" in listing and "Tajawal" not in listing  # the title in one face
    written = ["کتاب‌ها", "هفته‌ای", "می‌شود", "نمی‌خواهم", "کتاب‌های", "پیش‌بینی", "کارگاه‌های", "یک", "کرمان"]
    for engine in ("pdfium", "poppler", "mupdf"):
        text = extract(pdf, engine)
        assert [word for word in written if word not in text] == [], engine
        assert "ي" not in text and "ك" not in text, engine
    # pdf.js drops ZWNJ from the text it gives (its own reading); the words are whole all the same.
    assert strict_recall(FIXTURE.read_text(encoding="utf-8").split("---\n", 2)[2], extract(pdf, "pdfjs")) == 1.0
    with zipfile.ZipFile(epub) as archive:
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                 if name.endswith((".xhtml", ".opf", ".ncx", ".css", ".xml", ".txt"))}
    assert any(name.endswith("nav.xhtml") for name in texts)
    assert {name: "ي" in text or "ك" in text for name, text in texts.items() if "ي" in text or "ك" in text} == {}
    chapter = next(text for name, text in texts.items() if name.endswith("persian-news.xhtml"))
    assert "کتاب‌ها در نمایشگاه یک هفته‌ای کرمان" in chapter and "نمی‌خواهم" in chapter
    assert dateline(epub) == "۲۹ آبان ۱۴۰۵"
