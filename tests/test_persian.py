"""Persian served as Persian: dated by the Solar Hijri calendar, in its own month names and digits."""

from __future__ import annotations

import zipfile

from engines import extract

from conftest import publisher

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
