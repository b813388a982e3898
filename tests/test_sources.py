"""Readers, through the library's API: what each makes of real and awkward files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import SEED
from publisher.errors import InputError
from publisher.model import normalise_lang
from publisher.sources import read_article


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_byline_headings_and_guessed_title():
    article = read_article(SEED)
    assert article.byline == "كتب : م/ خالد عبد العزيز"
    assert article.authors == ("خالد عبد العزيز",)  # the honorific stays in the byline, not the name
    assert article.title.startswith("في إطار التنسيق المستمر")
    assert any("no title given" in w for w in article.warnings)
    assert article.slug == "000_96635321e4ee60bd"
    assert (article.lang, article.dir) == ("ar", "rtl")
    assert "<h2>أبرز محاور اللقاء</h2>" in article.body_html


def test_markdown_front_matter_fields(tmp_path):
    path = write(tmp_path, "x.md", "---\ntitle: Hello\nsubtitle: Sub\nauthor: A. Writer\ndate: 2026-03-01\n"
                 "lang: en_GB\nsummary: S\ntags: one, two\nslug: My Slug!\n---\n\n## Part\n\ntext\n")
    article = read_article(path)
    assert (article.title, article.subtitle, article.authors) == ("Hello", "Sub", ("A. Writer",))
    assert article.date == dt.date(2026, 3, 1)
    assert (article.lang, article.dir) == ("en-GB", "ltr")
    assert article.tags == ("one", "two")
    assert article.slug == "my-slug"
    assert '<h2 id="part">Part</h2>' in article.body_html


def test_markdown_title_from_first_heading_and_levels_shifted(tmp_path):
    article = read_article(write(tmp_path, "t.md", "# العنوان\n\nنص.\n\n# قسم\n\n## فرع\n"))
    assert article.title == "العنوان"
    assert '<h2 id="قسم">قسم</h2>' in article.body_html and '<h3 id="فرع">فرع</h3>' in article.body_html
    assert article.slug == "t"  # an Arabic title has no ASCII: the file name gives the slug


def test_text_front_matter_wins_over_guesses(tmp_path):
    article = read_article(write(tmp_path, "w.txt", "---\ntitle: عنوان\nauthor: سارة\n---\nكتب: أحمد\nفقرة.\n"))
    assert article.title == "عنوان" and article.authors == ("سارة",) and article.byline == ""
    assert article.warnings == ()


@pytest.mark.parametrize(("given", "expected"), [("ar", "ar"), ("ar_EG", "ar-EG"), ("EN-us", "en-US"),
                                                  ("fa", "fa"), ("not a tag", None)])
def test_language_tags_are_bcp47(given, expected):
    assert normalise_lang(given) == expected


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("he", "rtl"),
                                                 ("en", "ltr"), ("fr", "ltr")])
def test_direction_follows_language(tmp_path, lang, direction):
    article = read_article(write(tmp_path, "l.md", f"---\ntitle: t\nlang: {lang}\n---\ntext\n"))
    assert article.dir == direction


def test_presentation_forms_and_stray_marks_are_folded(tmp_path):
    article = read_article(write(tmp_path, "p.txt", "عنوان\n\ufeb3\ufef3\ufe8e\ufeb3\ufe94 \u200fعامة\u200f.\n"))
    assert "سياسة عامة." in article.body_html


def test_bom_and_crlf(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffعنوان\r\nفقرة أولى.\r\nفقرة ثانية.\r\n".encode())
    article = read_article(path)
    assert article.title == "عنوان"
    assert article.body_html.count("<p>") == 2 and "\r" not in article.body_html


def test_markup_in_text_is_escaped(tmp_path):
    article = read_article(write(tmp_path, "h.md", "# T\n\n<script>alert(1)</script> {{ 7*7 }}\n"))
    assert "<script>" not in article.body_html and "&lt;script&gt;" in article.body_html


@pytest.mark.parametrize(("text", "problem"), [("---\ntitle: [unclosed\n---\n", "not valid YAML"),
                                               ("---\n- a\n- b\n---\n", "must be a mapping"),
                                               ("---\ntitle: x\n", "never closed"),
                                               ("---\nlang: 12 34\n---\n", "not a language tag")])
def test_bad_front_matter(tmp_path, text, problem):
    with pytest.raises(InputError, match=problem):
        read_article(write(tmp_path, "bad.md", text))


def test_a_line_that_starts_like_a_byline_word_is_not_one(tmp_path):
    article = read_article(write(tmp_path, "by.txt", "Bypass roads reopen after floods\nBy noon the water had gone.\n"))
    assert article.title == "Bypass roads reopen after floods"
    assert article.authors == () and article.byline == ""
    arabic = read_article(write(tmp_path, "ar.txt", "عنوان الخبر\nكتبها المراسل أمس من الميدان.\n"))
    assert arabic.byline == "" and "كتبها المراسل" in arabic.body_html
