"""Hostile input: nothing fetched from the network, no image bomb unpacked, no article hangs a run."""

from __future__ import annotations

import http.server
import json
import tempfile
import threading
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEED, publisher
from publisher.errors import PublisherError


class _Counter(http.server.SimpleHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        import io

        from PIL import Image

        _Counter.requests.append(self.path)
        picture = io.BytesIO()
        Image.new("RGB", (40, 20), (200, 30, 30)).save(picture, "PNG")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(picture.getvalue())

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A web server on loopback that records every request it gets."""
    _Counter.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_no_input_makes_the_renderer_touch_the_network(tmp_path, server):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "remote.md").write_text(f"# بعيد\n\n![صورة]({server}/md.png)\n\n<img src=\"{server}/raw.png\">\n",
                                      encoding="utf-8")
    (folder / "cms.html").write_text(
        f'<html><head><link rel="stylesheet" href="{server}/site.css"><style>@import "{server}/i.css";'
        f'body {{ background: url({server}/bg.png) }}</style></head><body><article><h1>عنوان</h1>'
        f'<p style="background: url({server}/inline.png)">نص <img src="{server}/cms.png" alt="صورة"></p>'
        f'<svg><image href="{server}/svg.png"/></svg><iframe src="{server}/frame"></iframe>'
        f'<object data="{server}/obj"></object></article></body></html>', encoding="utf-8")
    (folder / "feed.jsonl").write_text(json.dumps({"title": "سجل", "content": f'<p>نص <img src="{server}/json.png">'
                                                  f'</p>'}, ensure_ascii=False) + "\n", encoding="utf-8")
    run = publisher("build", folder, "--out", tmp_path / "out", "-f", "pdf", "-f", "epub", "-f", "html")
    assert run.code == 0, run.stderr
    layouts = tmp_path / "layouts" / "leaky"
    layouts.mkdir(parents=True)
    (layouts / "layout.toml").write_text('extends = "article"\n')
    (layouts / "publication.html.j2").write_text(
        '{% extends "article/publication.html.j2" %}{% block content %}'
        f'<img src="{server}/layout.png"><link rel="stylesheet" href="{server}/layout.css">'
        '{{ super() }}{% endblock %}')
    run = publisher("build", SEED, "--out", tmp_path / "out2", "-f", "pdf", "--layouts-dir", tmp_path / "layouts",
                    "--layout", "leaky")
    assert run.code == 0 and "refused to load" in run.stderr
    assert _Counter.requests == []


def test_image_bombs_and_heavy_images_are_refused(tmp_path):
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    # 12000 x 6000 pixels of one colour: a small file that would unpack into 216 MB
    Image.new("RGB", (12000, 6000), (255, 255, 255)).save(folder / "bomb.png", optimize=True)
    (folder / "bomb.md").write_text("# قنبلة\n\n![كبيرة](bomb.png)\n", encoding="utf-8")
    run = publisher("build", folder / "bomb.md", "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0
    assert "12000x6000 pixels" in run.stderr and "alt text is kept" in run.stderr
    assert not (tmp_path / "out" / "images").exists()


def test_an_article_that_takes_too_long_fails_alone(tmp_path):
    export = tmp_path / "slow.jsonl"
    long_text = "\n".join(["نص طويل يملأ الصفحات ويأخذ وقتا في التخطيط والرسم"] * 3000)
    export.write_text(json.dumps({"title": "طويل", "content": long_text}, ensure_ascii=False) + "\n"
                      + json.dumps({"title": "قصير", "content": "نص قصير."}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    run = publisher("batch", export, "--out", tmp_path / "out", "--jobs", "2", "--timeout", "1", "-f", "pdf")
    assert run.code == 1
    assert "slow.jsonl record 1: took longer than 1 s and was stopped" in run.stderr
    data = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [a["status"] for a in data["articles"]] == ["failed", "ok"]
    assert not list(Path(tmp_path / "out").glob("*.part"))


def test_allow_remote_fetches_once_from_the_named_host_only(tmp_path, server):
    article = tmp_path / "remote.md"
    article.write_text(f"# بعيد\n\n![صورة مسموحة]({server}/ok.png)\n\n![أخرى](http://localhost:9/other.png)\n",
                       encoding="utf-8")
    run = publisher("build", article, "--out", tmp_path / "out", "-f", "pdf", "-f", "epub", "-f", "html",
                    "--allow-remote", "127.0.0.1")
    assert run.code == 0, run.stderr
    assert _Counter.requests == ["/ok.png"]  # fetched once, while reading; the renderer fetched nothing
    assert "localhost:9/other.png" in run.stderr and "alt text is kept" in run.stderr
    assert len(list((tmp_path / "out" / "images").glob("*.png"))) == 1


def test_deeply_nested_html_renders_with_its_text(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body><article><h1>عميق</h1>" + "<div>" * 3000 + "نص في القاع" + "</div>" * 3000
                    + "</article></body></html>", encoding="utf-8")
    run = publisher("build", page, "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr
    import pypdf

    assert "القاع" in pypdf.PdfReader(tmp_path / "out" / "deep.pdf").pages[0].extract_text()


def test_a_flood_of_bidi_controls_renders(tmp_path):
    article = tmp_path / "flood.txt"
    article.write_text("عنوان\n" + "\u202e\u202d\u2067\u2069\u200f" * 20000 + "نص بعد الطوفان\n", encoding="utf-8")
    run = publisher("build", article, "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr


PIECES = [*"ابتثجحخد abc01#*_>-[]()!`|:\n\"'<>&{}%\\", "**", "[^1]", "---", "{{ x }}", "{% if %}"]
MARKDOWN = st.lists(st.sampled_from(PIECES), max_size=200).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=MARKDOWN, suffix=st.sampled_from([".md", ".txt", ".html"]))
def test_any_article_builds_or_fails_with_our_error(text, suffix):
    """The whole build (read, compose, typography, HTML and EPUB output) on generated input: it
    ends in files or in the project's own error, never anything else."""
    from publisher.builder import build
    from publisher.model import Options

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"article{suffix}"
        source.write_text(text, encoding="utf-8")
        results = build([source], Path(folder) / "out", Options(formats=("html", "epub")))
        for result in results:
            assert result.ok or isinstance(result.error, PublisherError)


def test_svg_external_entities_are_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRETVALUE", encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil.svg").write_text(
        f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50"><text x="5" y="30">&leak;</text></svg>',
        encoding="utf-8")
    (folder / "svg.md").write_text("# رسم\n\n![رسم](evil.svg)\n", encoding="utf-8")
    run = publisher("build", folder / "svg.md", "--out", tmp_path / "out", "-f", "pdf")
    assert run.code == 0, run.stderr
    import pypdf

    assert "TOPSECRET" not in "".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "out" / "svg.pdf").pages)


BAD_INPUTS = {
    "empty.md": b"",
    "garbage.txt": bytes(range(0x80, 0x100)) * 40,
    "nul.txt": b"abc\x00def",
    "front.md": b"---\ntitle: [unclosed\n---\ntext\n",
    "odd.rtf": b"{\\rtf1 hello}",
    "broken.docx": b"PK\x03\x04 not really a zip",
    "bad.jsonl": b'{"title": "x"\n',
    "bad.json": b"[1, 2",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_each_bad_input_is_one_line_and_exit_2(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    run = publisher("build", path, "--out", tmp_path / "out")
    assert run.code == 2, (name, run.stderr)
    assert "Traceback" not in run.stderr and "bug:" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if not line.startswith("warning:")]
    assert errors and name in errors[0], run.stderr


def test_a_missing_file_and_a_bad_record_among_good_ones(tmp_path):
    run = publisher("build", tmp_path / "missing.md", "--out", tmp_path / "out")
    assert run.code == 2 and "missing.md: no such file or folder" in run.stderr
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"title": "جيد", "content": "نص."}\n{"title": 3,\n', encoding="utf-8")
    run = publisher("build", feed, "--out", tmp_path / "out", "-f", "html")
    assert run.code == 1 and "feed.jsonl record 2" in run.stderr and "Traceback" not in run.stderr
