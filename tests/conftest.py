"""Shared fixtures: the sample articles built once per session, and readers of real outputs."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from engines import strict_recall as recall  # noqa: F401  (the tests' own measure, not the product's)
from engines import strict_words

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "articles"
SEED = ARTICLES / "000_96635321e4ee60bd.txt"
FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def publisher(*args: str | Path, cwd: Path | None = None) -> Run:
    """The command line's entry point (`publisher ARGS`), run in this process: the same parsing,
    library calls, messages and exit status, without paying for a fresh interpreter and a cold
    WeasyPrint at every call. Tests that need a process of their own (signals, imports, a kill)
    use publisher_process."""
    from publisher import cli, layouts

    # Layouts are read once a process; a test may write or edit one between two runs.
    for cached in (layouts._load, layouts.environment, layouts._css_template, layouts._print_css,
                   layouts.layout_assets):
        cached.cache_clear()
    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd(), sys.argv, cli._State.debug, cli._State.quiet
    code = 0
    try:
        os.chdir(cwd or ROOT)
        sys.argv = ["publisher", *map(str, args)]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(before[0])
        sys.argv, cli._State.debug, cli._State.quiet = before[1:]
    return Run(code, out.getvalue(), err.getvalue())


def publisher_process(*args: str | Path, cwd: Path | None = None) -> Run:
    """The real command line, in a fresh process, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    proc = subprocess.run([sys.executable, "-m", "publisher", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def small_parts(monkeypatch) -> int:
    """Books laid out in parts of 2 to 6 articles (4 to 24 in use), for the tests of parts and
    their joins: the number of articles that makes two parts or more (three with today's slugs),
    in a fraction of the time parts of a dozen take. The CLI runs in this process (see publisher), and pool workers are
    forked from it after the change."""
    from publisher.outputs import volume

    monkeypatch.setattr(volume, "MIN_PART", 2)
    monkeypatch.setattr(volume, "SPREAD", 3)
    monkeypatch.setattr(volume, "MAX_PART", 6)
    return 9


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> Path:
    """Every article in articles/ built as PDF, EPUB and HTML."""
    out = tmp_path_factory.mktemp("samples")
    run = publisher("build", ARTICLES, "--out", out, "-f", "pdf", "-f", "epub", "-f", "html")
    assert run.code == 0, run.stderr
    return out


def words(text: str) -> Counter:
    """The words of `text`, presentation forms read as the letters they stand for (readers fold
    them into letters; tests/engines.py)."""
    return Counter(strict_words(unicodedata.normalize("NFKC", text)))


def epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_text(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def epubcheck(path: Path) -> list[dict]:
    """EPUBCheck's messages for `path`."""
    from publisher.checker import run_epubcheck

    return run_epubcheck(path)


ACE = ROOT / ".cache" / "ace"
ACE_SCRIPT = Path(__file__).parent / "tools" / "ace_many.js"


def chromium() -> str:
    """The browser Ace runs in (Debian's chromium, which scripts/system-deps.sh installs)."""
    found = os.environ.get("PUPPETEER_EXECUTABLE_PATH") or next(
        (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None)
    if not found:
        pytest.fail("Ace needs a Chromium: run 'make setup' as root (scripts/system-deps.sh installs chromium)")
    return found


def ace(epubs: list[Path], work: Path) -> list[dict]:
    """Ace by DAISY's verdict on each EPUB: {"outcome", "violations": [{"rule", "impact", …}]}
    (tests/tools/ace_many.js runs Ace's own checks, one browser for all of them)."""
    if shutil.which("node") is None or not (ACE / "node_modules" / "@daisy" / "ace-core").is_dir():
        pytest.fail("Ace is not installed: run 'make test-tools' (npm installs @daisy/ace in .cache/ace)")
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium()}
    proc = subprocess.run(["node", str(ACE_SCRIPT), str(ACE), str(work), *map(str, epubs)], capture_output=True,
                          text=True, env=env, timeout=900, check=False)
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(epubs), proc.stderr[-2000:]
    return results


def assert_ace_passes(epubs: list[Path], work: Path) -> None:
    """Ace: outcome "pass" and no violation of any impact, on every EPUB."""
    assert epubs
    for result in ace(epubs, work):
        assert (result["outcome"], result["violations"]) == ("pass", []), result


needs_poppler = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
needs_qpdf = pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed (make setup installs it)")


SENTENCES = ["تعمل البلدية على توسيع شبكة الحدائق العامة في الأحياء الجديدة.",
             "وقال المسؤولون إن المرحلة الأولى ستنتهي قبل نهاية العام.",
             "ويطالب السكان بمزيد من المساحات الخضراء وممرات المشاة.",
             "وتشمل الخطة زراعة آلاف الأشجار على جانبي الطرق الرئيسية."]


def make_export(path: Path, count: int) -> Path:
    """`count` articles of different lengths (1 to 14 paragraphs), as a JSON Lines export."""
    with path.open("w", encoding="utf-8") as handle:
        for number in range(1, count + 1):
            paragraphs = [" ".join(SENTENCES[(number + i) % 4] for i in range(5)) for _ in range(1 + (number * 5) % 14)]
            record = {"title": f"خبر رقم {number}: الحدائق والأحياء", "author": "غرفة الأخبار",
                      "date_extracted": f"2026-11-{number % 28 + 1:02d} 10:00:00", "content": "\n".join(paragraphs),
                      "url": f"https://example.org/news/{1000 + number}", "source": "example"}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
