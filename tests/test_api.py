"""The Python API as a program uses it: the README's example run as it stands, errors the same as
the command line's, and an import that stays light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, SEED, epub_files, epubcheck, publisher

README = ROOT / "README.md"


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    marker = text.index("<!-- tests/test_api.py runs this example as it stands -->")
    return re.search(r"```python\n(.*?)```", text[marker:], re.S).group(1)


def test_readme_example_builds_the_seed_in_process(tmp_path, monkeypatch, capsys):
    (tmp_path / "articles").symlink_to(ROOT / "articles")
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_example(), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    pdf, epub = tmp_path / "dist" / f"{SEED.stem}.pdf", tmp_path / "dist" / f"{SEED.stem}.epub"
    assert "None" in printed.splitlines()[0] and printed.splitlines()[-1] == "ok", printed
    text = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "القيادتين العسكريتين" in text
    assert [m for m in epubcheck(epub) if m["severity"] in ("ERROR", "FATAL")] == []
    assert f"EPUB/{SEED.stem}.xhtml" in epub_files(epub)


def test_options_are_checked_when_made_as_the_cli_checks_them(tmp_path):
    import publisher as api

    with pytest.raises(api.PublisherError) as raised:
        api.Options(page_size="A11")
    run = publisher("build", SEED, "--page-size", "A11", "--out", tmp_path)
    assert run.code == raised.value.exit_code == 2
    assert run.stderr.strip() == raised.value.one_line()
    with pytest.raises(api.PublisherError, match="need 1 to 4 lengths"):
        api.Options(margins="20mm 3mm 4mm 5mm 6mm")
    assert api.Options(page_size="170x240mm").page_size == "170mm 240mm"
    assert api.Options(formats=["pdf"]).formats == ("pdf",)


def test_a_failed_format_raises_from_render():
    import publisher as api

    article = api.read(SEED)[0]
    publication = api.Publication(title=article.title, articles=(article,),
                                  options=api.Options(formats=("pdf",), layout="no-such-layout"))
    with pytest.raises(api.PublisherError, match="no-such-layout"):
        api.render(publication)


def test_importing_the_package_loads_no_renderer():
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", "import publisher; publisher.__all__"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    heavy = [line for line in run.stderr.splitlines() if re.search(r"\b(weasyprint|ebooklib|fontTools)\b", line)]
    assert heavy == []
    import publisher as api

    assert all(getattr(api, name) is not None for name in api.__all__)
    assert {"read", "build", "render", "check", "Options", "Publication", "Article"} <= set(api.__all__)


def test_read_names_the_file_it_cannot_read(tmp_path):
    import publisher as api

    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(api.PublisherError) as raised:
        api.read(broken)
    assert str(broken) in raised.value.one_line()


def test_build_takes_one_path_or_many(tmp_path):
    import publisher as api

    results = api.build([Path(SEED)], out=tmp_path, options=api.Options(formats=("html",)))
    assert [r.ok for r in results] == [True] and (tmp_path / f"{SEED.stem}.html").is_file()
