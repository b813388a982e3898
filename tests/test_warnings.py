"""Warnings are results: listed with their kind in manifest.json, counted at the end of a run,
kept across unchanged reruns, failures with --strict; empty records built and counted, or left
out with --skip-empty."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from conftest import make_export, publisher

# A character none of the bundled fonts covers (Tibetan).
UNCOVERED = "\u0f00"


@pytest.fixture
def export(tmp_path) -> Path:
    """Six articles, five records with a title and no text (a cartoon a day), and one article
    with a character no font covers."""
    path = make_export(tmp_path / "feed.jsonl", 6)
    with path.open("a", encoding="utf-8") as handle:
        for day in range(1, 6):
            handle.write(json.dumps({"title": f"كاريكاتير اليوم {day}", "content": "", "author": "رسام الصحيفة"},
                                    ensure_ascii=False) + "\n")
        handle.write(json.dumps({"title": "رموز نادرة", "content": f"نص فيه حرف تبتي {UNCOVERED} لا يغطيه خط."},
                                ensure_ascii=False) + "\n")
    return path


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_warnings_listed_with_their_codes_and_counted(export, tmp_path):
    out = tmp_path / "out"
    run = publisher("batch", export, "--out", out, "-f", "html", "-q")
    assert run.code == 0, run.stderr
    data = manifest(out)
    by_title = {article["title"]: article for article in data["articles"]}
    assert by_title["كاريكاتير اليوم 1"]["warnings"] == [{"code": "no-text", "message": "has a title but no text"}]
    glyph = by_title["رموز نادرة"]["warnings"]
    assert [w["code"] for w in glyph] == ["missing-glyph"] and "U+0F00" in glyph[0]["message"]
    assert by_title["خبر رقم 1: الحدائق والأحياء"]["warnings"] == []
    # The keys the manifest had stay as they were.
    assert {"title", "status", "outputs", "sha256", "pages", "error"} <= set(by_title["رموز نادرة"])
    assert data["summary"]["with_warnings"] == 6 and data["summary"]["warnings"] == {"no-text": 5, "missing-glyph": 1}
    assert data["summary"]["empty"] == 5 and data["summary"]["ok"] == 12
    said = run.stderr
    assert "12 of 12 articles ok" in said + run.stdout and "(12 built, 0 unchanged)" in said + run.stdout
    assert "5 of them have a title and no text" in said
    assert re.search(r"6 articles with warnings: 5 title without text, 1 no glyph for a character "
                     r"\(see .*manifest\.json\)", said)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('class="warned"') == 6
    # An unchanged rerun builds nothing and still reports every warning.
    again = publisher("batch", export, "--out", out, "-f", "html", "-q")
    assert "(0 built, 12 unchanged)" in again.stderr + again.stdout
    assert manifest(out)["summary"]["warnings"] == {"no-text": 5, "missing-glyph": 1}
    assert "6 articles with warnings" in again.stderr


def test_strict_makes_a_warning_a_failure(export, tmp_path):
    run = publisher("batch", export, "--out", tmp_path / "out", "-f", "html", "-q", "--strict")
    assert run.code == 1
    assert "--strict: 6 articles with warnings" in run.stderr and "feed.jsonl record 12" in run.stderr
    clean = make_export(tmp_path / "clean.jsonl", 3)
    assert publisher("batch", clean, "--out", tmp_path / "clean", "-f", "html", "-q", "--strict").code == 0
    built = publisher("build", export, "--out", tmp_path / "built", "-f", "html", "--strict")
    assert built.code == 1 and "--strict: 6 articles with warnings" in built.stderr
    # Past a few articles, build counts its warnings too.
    assert "6 articles with warnings: 5 title without text, 1 no glyph for a character" in built.stderr


def test_skip_empty_leaves_them_out_and_counts_them(export, tmp_path):
    out = tmp_path / "out"
    run = publisher("batch", export, "--out", out, "-f", "html", "-q", "--skip-empty")
    assert run.code == 0, run.stderr
    assert "7 of 12 articles ok" in run.stderr + run.stdout
    assert "5 records with a title and no text left out (--skip-empty)" in run.stderr
    assert "title without text" not in run.stderr  # counted as left out, not as warned of
    data = manifest(out)
    empty = [a for a in data["articles"] if a["status"] == "empty"]
    assert len(empty) == 5 and all(a["outputs"] == {} for a in empty)
    assert not list(out.glob("*.html")) or len([p for p in out.glob("*.html") if p.name != "index.html"]) == 7
    built = publisher("build", export, "--out", tmp_path / "built", "-f", "html", "--skip-empty")
    assert built.code == 0 and built.stderr.count("left out:") == 5
    assert "7 of 12 articles built" in built.stdout + built.stderr


def test_bulletins_and_books_report_their_articles_warnings(export, tmp_path):
    """Each article's warnings are said before the publication is made (they were lost before),
    counted, failures with --strict; --skip-empty leaves the empty records out of the bulletin."""
    run = publisher("bulletin", export, "--title", "نشرة الحي", "--issue", "4", "--out", tmp_path / "b", "-f", "epub")
    assert run.code == 0, run.stderr
    assert run.stderr.count("has a title but no text") == 5 and "U+0F00" in run.stderr
    assert "5 of them have a title and no text" in run.stderr
    skipped = publisher("bulletin", export, "--title", "نشرة الحي", "--issue", "4", "--out", tmp_path / "s",
                        "-f", "epub", "--skip-empty", "--strict")
    assert skipped.code == 1 and skipped.stderr.count("left out:") == 5 and "--strict" in skipped.stderr
    names = zipfile.ZipFile(next((tmp_path / "s").glob("*.epub"))).namelist()
    assert len([n for n in names if n.endswith(".xhtml") and "nav" not in n and "front" not in n]) == 7
