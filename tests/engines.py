"""The text real PDF viewers find, and the tests' own measure of it (never the product's code).

Five engines, as readers meet them: PDFium (Chrome, Edge) through pypdfium2, pdf.js (Firefox and
most web viewers) through Node and pdfjs-dist 4, poppler (Evince, Okular) through pdftotext,
MuPDF (SumatraPDF, zathura) through PyMuPDF, and pypdf (scripts). `make test` installs all of
them (pdfjs-dist under .cache/pdfjs with npm).

The measure follows ../shared/tools/viewers.py: strict words (tashkeel, tatweel and direction
marks dropped, Arabic-Indic digits as ASCII, a number equal to its reversal, no NFKC: a lam-alef
read as U+FEFB is not the word a reader types) and phrases (adjacent word pairs, in order).
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PDFJS = ROOT / ".cache" / "pdfjs"
PDFJS_SCRIPT = Path(__file__).parent / "tools" / "pdfjs_text.mjs"
ENGINES = ("pdfium", "pdfjs", "poppler", "mupdf", "pypdf")

_DROPPED = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_WORD = re.compile(r"[\u0621-\u063a\u0641-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff]+|[A-Za-z]+|[0-9]+")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def strict_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).translate(_DIGITS)
    return [min(w, w[::-1]) if w.isdigit() else w for w in _WORD.findall(_DROPPED.sub("", text))]


def strict_recall(source: str, extracted: str) -> float:
    wanted, got = Counter(strict_words(source)), Counter(strict_words(extracted))
    return sum(min(n, got[w]) for w, n in wanted.items()) / max(1, sum(wanted.values()))


def phrase_recall(source: str, extracted: str) -> float:
    src, got = strict_words(source), strict_words(extracted)
    want, have = Counter(itertools.pairwise(src)), Counter(itertools.pairwise(got))
    return sum(min(n, have[p]) for p, n in want.items()) / max(1, sum(want.values()))


def lost(source: str, extracted: str) -> list[str]:
    return list((Counter(strict_words(source)) - Counter(strict_words(extracted))).elements())


@cache
def _pdfjs_ready() -> None:
    if shutil.which("node") is None or not (PDFJS / "node_modules" / "pdfjs-dist").is_dir():
        pytest.fail("pdf.js is not installed: run 'make test-tools' (npm installs pdfjs-dist 4 in .cache/pdfjs)")


_PDFJS_TEXTS: dict[tuple[Path, int], str] = {}


def read_with_pdfjs(pdfs: list[Path]) -> None:
    """pdf.js's text of several PDFs in one node process, kept for `extract` (each taken once)."""
    _pdfjs_ready()
    run = subprocess.run(["node", str(PDFJS_SCRIPT), str(PDFJS), *(str(pdf.resolve()) for pdf in pdfs)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    import json

    for pdf, text in zip(pdfs, json.loads(run.stdout), strict=True):
        _PDFJS_TEXTS[(pdf.resolve(), pdf.stat().st_mtime_ns)] = text


def extract(pdf: Path, engine: str) -> str:
    if engine == "pdfium":
        import pypdfium2

        document = pypdfium2.PdfDocument(str(pdf))
        try:
            return "\n".join(page.get_textpage().get_text_range() for page in document)
        finally:
            document.close()
    if engine == "pdfjs":
        key = (pdf.resolve(), pdf.stat().st_mtime_ns)
        if key not in _PDFJS_TEXTS:
            read_with_pdfjs([pdf])
        return _PDFJS_TEXTS.pop(key)
    if engine == "poppler":
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
    if engine == "mupdf":
        import pymupdf

        with pymupdf.open(str(pdf)) as document:
            return "\n".join(page.get_text() for page in document)
    if engine == "pypdf":
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages)
    raise ValueError(engine)


def scores(source: str, pdf: Path, engines=ENGINES) -> dict[str, tuple[float, float, list[str]]]:
    """engine -> (strict word recall, phrase recall, the words it loses)."""
    out = {}
    for engine in engines:
        text = extract(pdf, engine)
        out[engine] = (strict_recall(source, text), phrase_recall(source, text), lost(source, text))
    return out
