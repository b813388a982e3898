"""Layouts: found by name, overridable one block at a time, and never a door for article text."""

from __future__ import annotations

from pathlib import Path

from conftest import SEED, publisher


def make_layout(root: Path, name: str, extends: str, template: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "layout.toml").write_text(f'description = "test layout"\nextends = "{extends}"\n')
    (folder / "publication.html.j2").write_text(template, encoding="utf-8")


def test_user_layout_overrides_one_block_and_keeps_the_rest(tmp_path):
    make_layout(tmp_path / "mine", "weekly", "article",
                '{% extends "article/publication.html.j2" %}'
                '{% block byline %}<p class="byline">WEEKLY BYLINE</p>{% endblock %}')
    run = publisher("build", SEED, "--out", tmp_path / "out", "-f", "html", "-f", "pdf",
                    "--layouts-dir", tmp_path / "mine", "--layout", "weekly")
    assert run.code == 0, run.stderr
    page = (tmp_path / "out" / "000_96635321e4ee60bd.html").read_text(encoding="utf-8")
    assert "WEEKLY BYLINE" in page and "كتب : م/ خالد عبد العزيز" not in page
    assert "<h2>أبرز محاور اللقاء</h2>" in page and "@page" in page  # the rest is the built-in layout's
    assert (tmp_path / "out" / "000_96635321e4ee60bd.pdf").stat().st_size > 10_000


def test_user_folder_shadows_a_builtin_layout_of_the_same_name(tmp_path):
    make_layout(tmp_path / "mine", "article", "article",
                '{% extends "article/publication.html.j2" %}{% block dateline %}<p>SHADOW</p>{% endblock %}')
    run = publisher("build", SEED, "--out", tmp_path / "out", "-f", "html", "--layouts-dir", tmp_path / "mine")
    assert run.code == 0, run.stderr
    assert "SHADOW" in (tmp_path / "out" / "000_96635321e4ee60bd.html").read_text(encoding="utf-8")


def test_article_text_is_never_a_template_and_never_live_markup(tmp_path):
    article = tmp_path / "hostile.md"
    article.write_text('---\ntitle: "{{ 7*7 }} <script>alert(1)</script>"\nauthor: "<img src=x onerror=alert(1)>"\n'
                       '---\n\n{% raw %}{{ config }}{% endraw %} <b onclick="x()">bold</b>\n\n'
                       '![x](file:///etc/passwd) [link](javascript:alert(1))\n', encoding="utf-8")
    run = publisher("build", article, "--out", tmp_path / "out", "-f", "html", "-f", "pdf")
    assert run.code == 0, run.stderr
    page = next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
    from lxml import html

    tree = html.fromstring(page)
    text = tree.text_content()
    assert "{{ 7*7 }}" in text and "49" not in text
    assert "{{ config }}" in text
    assert tree.xpath("//script") == [] and tree.xpath("//img[not(starts-with(@src, 'fonts/'))]") == []
    for element in tree.iter():
        assert not [name for name in element.attrib if name.startswith("on")], element.tag
        for name in ("href", "src"):
            assert not element.get(name, "").startswith(("javascript:", "file:")), element.get(name)


def test_images_outside_the_article_folder_are_not_read(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    folder = tmp_path / "article"
    folder.mkdir()
    article = folder / "leak.md"
    article.write_text(f"# Leak\n\n![a]({secret.as_uri()})\n\n![b](/etc/hostname)\n\n![c](../secret.png)\n",
                       encoding="utf-8")
    run = publisher("build", article, "--out", tmp_path / "out", "-f", "pdf", "-f", "html")
    assert run.code == 0, run.stderr
    # markdown-it refuses the file: URL itself; the other two are refused by publisher
    assert run.stderr.count("its alt text is kept instead") == 2
    assert not (tmp_path / "out" / "images").exists()


def test_renderer_fetches_nothing_a_layout_names_outside_the_document(tmp_path):
    """Even a layout cannot make the renderer read a file that is not one of the document's assets."""
    make_layout(tmp_path / "mine", "leaky", "article",
                '{% extends "article/publication.html.j2" %}{% block content %}'
                '<img src="file:///etc/hostname"><img src="/etc/passwd"><img src="../../etc/passwd">'
                '<link rel="stylesheet" href="file:///etc/passwd">{{ super() }}{% endblock %}')
    run = publisher("build", SEED, "--out", tmp_path / "out", "-f", "pdf", "--layouts-dir", tmp_path / "mine",
                    "--layout", "leaky")
    assert run.code == 0, run.stderr
    assert "refused to load file:///etc/hostname" in run.stderr
    assert "refused to load file:///etc/passwd" in run.stderr


def test_a_layout_may_use_its_own_pictures(tmp_path):
    from PIL import Image

    from conftest import epubcheck

    make_layout(tmp_path / "mine", "branded", "article",
                '{% extends "article/publication.html.j2" %}{% block headline %}'
                '<img class="logo" src="layout/logo.png" alt="شعار">{{ super() }}{% endblock %}')
    Image.new("RGB", (120, 40), (20, 90, 160)).save(tmp_path / "mine" / "branded" / "logo.png")
    run = publisher("build", SEED, "--out", tmp_path / "out", "-f", "pdf", "-f", "epub", "-f", "html",
                    "--layouts-dir", tmp_path / "mine", "--layout", "branded")
    assert run.code == 0 and "refused" not in run.stderr, run.stderr
    import pypdf

    assert len(pypdf.PdfReader(tmp_path / "out" / "000_96635321e4ee60bd.pdf").pages[0].images) == 1
    assert (tmp_path / "out" / "layout" / "logo.png").is_file()
    epub = tmp_path / "out" / "000_96635321e4ee60bd.epub"
    assert [m for m in epubcheck(epub) if m["severity"] in ("ERROR", "FATAL", "WARNING")] == []
