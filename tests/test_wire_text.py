"""The wire-text reader, rule by rule (fixtures/wire.yml), and on the seed article."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, SEED, publisher, recall
from publisher.outline import blocks
from publisher.sources import read_article

CASES = yaml.safe_load((FIXTURES / "wire.yml").read_text(encoding="utf-8"))


def flat(items: list[dict], depth: int = 0) -> list[str]:
    lines = []
    for item in items:
        lines.append(f"{'  ' * depth}{item['type']}" + (f" {item['text']}" if item.get("text") else ""))
        lines.extend(flat(item.get("children", []), depth + 1))
    return lines


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rule(tmp_path: Path, case: dict):
    path = tmp_path / "copy.txt"
    path.write_text(case["text"], encoding="utf-8")
    article = read_article(path)
    if "blocks" in case:
        assert flat(blocks(article.body_html)) == case["blocks"]
    for field in ("title", "byline", "dateline"):
        if field in case:
            assert getattr(article, field) == case[field]
    if "authors" in case:
        assert list(article.authors) == case["authors"]
    if "date" in case:
        assert article.date == dt.date.fromisoformat(str(case["date"]))
    if "warning" in case:
        assert any(case["warning"] in warning for warning in article.warnings)
    if "html_contains" in case:
        assert case["html_contains"] in article.body_html


def test_seed_html_output_structure_and_every_word(tmp_path):
    from lxml import html

    assert publisher("build", SEED, "--format", "html", "--out", tmp_path).code == 0
    page = (tmp_path / "000_96635321e4ee60bd.html").read_text(encoding="utf-8")
    body = html.fromstring(page).find(".//article")
    assert [e.text_content() for e in body.find_class("byline")] == ["كتب : م/ خالد عبد العزيز"]
    assert [h.text_content() for h in body.iter("h2")] == ["أبرز محاور اللقاء", "نتائج اللقاء", "دلالات اللقاء"]
    topics = body.find_class("topic")
    assert [t.text_content() for t in topics] == ["تعزيز التعاون الأمني والعسكري", "تأمين الحدود الغربية لمصر",
                                                 "دعم الحل السياسي الليبي", "التأكيد على وحدة الجيش الليبي"]
    for topic in topics:  # each topic heads its own paragraph
        following = topic.getnext()
        assert following.tag == "p" and "topic" not in (following.get("class") or "")
    blocks_text = [e.text_content().strip() for e in body.iter("p", "h1", "h2", "li")]
    assert not [text for text in blocks_text if text.endswith(".,")]
    assert recall(SEED.read_text(encoding="utf-8"), body.text_content()) == 1.0


@pytest.mark.parametrize("encoding", ["cp1256", "iso-8859-6", "utf-16", "crlf", "cr", "utf-8-sig"])
def test_seed_in_other_encodings_gives_the_same_words(tmp_path, encoding):
    original = SEED.read_text(encoding="utf-8")
    path = tmp_path / f"seed-{encoding}.txt"
    if encoding == "crlf":
        path.write_bytes(original.replace("\n", "\r\n").encode())
    elif encoding == "cr":
        path.write_bytes(original.replace("\n", "\r").encode())
    else:
        path.write_bytes(original.encode(encoding))
    article, reference = read_article(path), read_article(SEED)
    assert article.body_html == reference.body_html
    assert (article.title, article.byline) == (reference.title, reference.byline)
    if encoding == "cp1256":
        assert any("read as windows-1256" in w for w in article.warnings)
