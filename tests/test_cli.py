"""The command line as a user meets it: help, outputs chosen, errors as one line with an exit code."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, SEED, publisher


def test_help_teaches_and_imports_no_renderer():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "publisher", "build", "--help"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0
    assert "--format" in proc.stdout and "Examples" in proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert not {m for m in imported if m.split(".")[0] in ("weasyprint", "ebooklib", "fontTools", "uharfbuzz")}


def test_html_format_alone_writes_the_page_and_its_fonts(tmp_path):
    run = publisher("build", SEED, "--out", tmp_path, "--format", "html")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000_96635321e4ee60bd.html", "fonts"]
    page = (tmp_path / "000_96635321e4ee60bd.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    assert 'url("fonts/Amiri-Regular.ttf")' in page and (tmp_path / "fonts" / "Amiri-Regular.ttf").is_file()
    assert "wrote" in run.stdout


def test_folder_input_builds_every_supported_file(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "one.md").write_text("# First\n\nنص.\n", encoding="utf-8")
    (source / "two.txt").write_text("عنوان قصير\nفقرة أولى.\n", encoding="utf-8")
    (source / "notes.pdf").write_bytes(b"%PDF-1.7")  # not an article: ignored inside a folder
    run = publisher("build", source, "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr
    # slugs come from the title when it has ASCII letters, else from the file name
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["first.pdf", "two.pdf"]


def test_same_slug_twice_does_not_overwrite(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "note.md").write_text(f"# Note\n\ntext from {folder}\n", encoding="utf-8")
    run = publisher("build", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "out", "-f", "html")
    assert run.code == 0, run.stderr
    assert "text from a" in (tmp_path / "out" / "note.html").read_text(encoding="utf-8")
    assert "text from b" in (tmp_path / "out" / "note-2.html").read_text(encoding="utf-8")


def _one_line_error(run, code: int, *needles: str) -> None:
    assert run.code == code, (run.code, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    for needle in needles:
        assert needle in run.stderr, run.stderr


def test_unknown_layout_lists_the_ones_that_exist(tmp_path):
    run = publisher("build", SEED, "--out", tmp_path, "--layout", "bulltin")
    _one_line_error(run, 2, "layout 'bulltin' not found", "available: article, base")


def test_missing_file(tmp_path):
    _one_line_error(publisher("build", tmp_path / "nope.md", "--out", tmp_path), 2, "nope.md", "no such file")


def test_unknown_extension(tmp_path):
    odd = tmp_path / "article.rtf"
    odd.write_text("x")
    run = publisher("build", odd, "--out", tmp_path)
    _one_line_error(run, 2, "article.rtf", "supported: .atom, .docx, .htm, .html, .json")


def test_broken_front_matter_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: عنوان: بنقطتين\n---\n\nنص\n", encoding="utf-8")
    _one_line_error(publisher("build", bad, "--out", tmp_path / "out"), 2, "bad.md", "not valid YAML at line 2")


def test_nul_bytes_and_bad_encoding(tmp_path):
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"abc\x00def")
    _one_line_error(publisher("build", binary, "--out", tmp_path / "out"), 2, "binary.txt", "offset 3")
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"ab" + bytes(range(0x80, 0x100)) * 3)
    _one_line_error(publisher("build", garbage, "--out", tmp_path / "out"), 2, "garbage.txt", "byte offset 2")


def test_one_bad_article_among_good_ones_exits_1_and_builds_the_rest(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "good.md").write_text("# Good\n\ntext\n", encoding="utf-8")
    (source / "bad.md").write_text("---\ndate: someday\n---\ntext\n", encoding="utf-8")
    run = publisher("build", source, "--out", tmp_path / "out", "-f", "html")
    _one_line_error(run, 1, "bad.md", "date", "failed:")
    assert (tmp_path / "out" / "good.html").is_file()


def test_layouts_command_lists_descriptions():
    run = publisher("layouts")
    assert run.code == 0
    assert "article" in run.stdout and "extends base" in run.stdout


def test_usage_errors_are_one_message_and_exit_2(tmp_path):
    for args in (("build", SEED, "--format", "docx"), ("build", SEED, "--bogus"), ("build",), ()):
        run = publisher(*args)
        assert run.code == 2, (args, run.stderr)
        assert "Traceback" not in run.stderr and "bug:" not in run.stderr


def test_empty_article_is_an_error_not_a_blank_page(tmp_path):
    for name in ("empty.md", "empty.txt", "blank.txt"):
        (tmp_path / name).write_text("" if name.startswith("empty") else "\n\n  \n", encoding="utf-8")
        _one_line_error(publisher("build", tmp_path / name, "--out", tmp_path / "out"), 2, name, "has no text")


def test_same_file_named_twice_is_built_once(tmp_path):
    run = publisher("build", SEED, ROOT / "articles" / ".." / "articles" / SEED.name, "--out", tmp_path, "-f", "html")
    assert run.code == 0, run.stderr
    assert [p.name for p in tmp_path.glob("*.html")] == ["000_96635321e4ee60bd.html"]


def test_layout_must_be_a_name_not_a_path(tmp_path):
    _one_line_error(publisher("build", SEED, "--out", tmp_path, "--layout", "../layouts/article"), 2,
                    "is not a layout name")


def test_out_that_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    _one_line_error(publisher("build", SEED, "--out", target), 2, "taken", "is a file, not a folder")


def test_inspect_shows_fields_and_block_tree():
    run = publisher("inspect", SEED)
    assert run.code == 0, run.stderr
    assert "byline:    كتب : م/ خالد عبد العزيز" in run.stdout
    assert "    h2  أبرز محاور اللقاء" in run.stdout and "    p.topic  تعزيز التعاون الأمني والعسكري" in run.stdout
    as_json = publisher("inspect", SEED, "--json")
    import json

    outline = json.loads(as_json.stdout)
    assert outline["authors"] == ["خالد عبد العزيز"]
    assert [b["type"] for b in outline["blocks"]].count("h2") == 3


def test_inspect_reports_bad_records_and_exits_1(tmp_path):
    export = tmp_path / "x.jsonl"
    export.write_text('{"title": "a", "content": "b"}\n[1, 2]\n', encoding="utf-8")
    run = publisher("inspect", export, "--json")
    assert run.code == 1 and len(run.stdout.splitlines()) == 1
    assert "x.jsonl record 2: is a list, not an object" in run.stderr


def test_doctor_reports_the_machine():
    run = publisher("doctor")
    assert run.code == 0, run.stdout
    assert "HarfBuzz subsetting yes" in run.stdout and "font Amiri (body)" in run.stdout


def test_help_of_every_command_imports_no_renderer():
    for command in ("build", "batch", "bulletin", "book", "check", "inspect", "doctor", "layouts"):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "publisher", command, "--help"],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, command
        imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
        assert not imported & {"weasyprint", "ebooklib", "fontTools", "uharfbuzz", "distributed"}, command
