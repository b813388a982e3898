"""A fault in publisher's own code is a bug, reported as one (exit status 70, naming what was being
made), never as a render failure of the article; only WeasyPrint's and ebooklib's own failures are.

In-process through the CLI's entry point, so that a helper can be made to fail inside rendering.
"""

from __future__ import annotations

import json
import sys

import pytest

from conftest import SEED, make_export


def _injected(*args, **kwargs):
    raise TypeError("injected fault")


def _main(monkeypatch, capsys, *args) -> tuple[int, str]:
    from publisher import cli

    monkeypatch.setattr(sys, "argv", ["publisher", *map(str, args)])
    monkeypatch.setattr(cli._State, "debug", False)  # set by --debug, for this run only
    monkeypatch.setattr(cli._State, "quiet", False)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    return exited.value.code, capsys.readouterr().err


def test_build_reports_a_bug_in_rendering_as_a_bug(tmp_path, monkeypatch, capsys):
    from publisher.outputs import text_plan

    monkeypatch.setattr(text_plan, "narrow_gaps", _injected)
    code, err = _main(monkeypatch, capsys, "build", SEED, "-f", "pdf", "--out", tmp_path)
    assert code == 70, err
    assert err.startswith("bug: ") and SEED.name in err and "TypeError: injected fault" in err
    assert "render" not in err.split("TypeError")[0]  # not dressed as a rendering failure
    assert not (tmp_path / f"{SEED.stem}.pdf").exists()


def test_debug_shows_where_the_bug_is(tmp_path, monkeypatch, capsys):
    from publisher.outputs import text_plan

    monkeypatch.setattr(text_plan, "narrow_gaps", _injected)
    code, err = _main(monkeypatch, capsys, "--debug", "build", SEED, "-f", "pdf", "--out", tmp_path)
    assert code == 70 and "Traceback" in err and "_injected" in err


def test_batch_stops_at_the_first_bug_and_leaves_its_manifest(tmp_path, monkeypatch, capsys):
    from publisher.outputs import epub

    export = make_export(tmp_path / "export.jsonl", 3)
    monkeypatch.setattr(epub, "_reproducible_zip", _injected)  # the PDF is made, the EPUB meets the bug
    code, err = _main(monkeypatch, capsys, "batch", export, "-o", tmp_path / "out", "-j", "1")
    assert code == 70, err
    assert "bug: " in err and "export.jsonl record 1" in err and "TypeError: injected fault" in err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    statuses = [entry["status"] for entry in manifest["articles"]]
    assert statuses == ["failed", "skipped", "skipped"], manifest["articles"]
    assert "TypeError: injected fault" in manifest["articles"][0]["error"]


def test_a_renderer_failure_stays_a_render_error(tmp_path, monkeypatch, capsys):
    """WeasyPrint failing on a document is the article's failure (exit 1 for it), not a bug."""
    from publisher.outputs import pdf

    class Broken:
        def __init__(self, *args, **kwargs):
            raise ValueError("WeasyPrint could not parse this")

    real = pdf._weasyprint()
    monkeypatch.setattr(pdf, "_weasyprint", lambda: type("W", (), {"HTML": Broken, "CSS": real.CSS}))
    code, err = _main(monkeypatch, capsys, "build", SEED, "-f", "pdf", "--out", tmp_path)
    assert code == 2 and "render: " in err and "PDF rendering failed" in err and "bug" not in err
