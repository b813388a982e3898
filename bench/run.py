"""`make bench`: publisher's speed beside bare WeasyPrint, pandoc and Typst, as ratios, on this
machine, and the size of the EPUBs archives store.

    python bench/run.py [--articles 60] [--volume 400] [--out bench/results]

Every figure is a whole command, timed from the outside, the way a user meets it. Articles come
from ../shared/corpus when it is there (its licence keeps its text out of this repository), else
from generated copy. Prints a table of times and ratios and writes them to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "saudinewsnet-2015-07-22.jsonl"
PUBLISHER = [sys.executable, "-m", "publisher"]

BARE_WEASYPRINT = """
import sys, time
from pathlib import Path
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
config = FontConfiguration()
pages = sorted(Path(sys.argv[1]).glob("*.html"))
out = Path(sys.argv[2])
for page in pages:
    HTML(filename=page).write_pdf(out / (page.stem + ".pdf"), font_config=config)
"""


# The same book laid out as one WeasyPrint document (as for PDF/A, /UA and /X, without their extra
# work): what rendering in parts is measured against.
ONE_PIECE = """
import sys
from pathlib import Path
from publisher.builder import gather
from publisher.layouts import Part, compose
from publisher.model import Options, Publication
from publisher.outputs.pdf import render_pdf
articles, _ = gather([Path(sys.argv[1])])
book = Publication(title="Volume", articles=tuple(articles), kind="book", options=Options(layout="book"))
pdf = render_pdf(compose(book, part=Part(front=True, contents=tuple((a, None) for a in articles))), book)
Path(sys.argv[2]).write_bytes(pdf.data)
"""


# Typst, for PDF alone, as a reference (bench's own environment, never a dependency: make bench-tools).
TYPST_PYTHON = ROOT / ".cache" / "bench" / "typst" / "bin" / "python"
TYPST = """
import sys
from pathlib import Path
import typst
sources, out, fonts = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
for source in sorted(sources.glob("*.typ")):
    typst.compile(str(source), output=str(out / (source.stem + ".pdf")), font_paths=[fonts])
"""


def _typst_source(record: dict) -> str:
    """An article as Typst: its text as string literals (never markup), in Amiri, right to left,
    justified, on A4: what a user who picked Typst for PDF alone would write."""
    def literal(text: str) -> str:
        return '#"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    paragraphs = [p for p in record.get("content", "").split("\n") if p.strip()]
    return "\n".join([
        '#set page(paper: "a4", margin: 2cm)',
        '#set text(font: "Amiri", lang: "ar", dir: rtl, size: 11pt)',
        "#set par(justify: true)",
        f"#heading(level: 1)[{literal(record.get('title', ''))}]",
        "", *(literal(p) + "\n" for p in paragraphs)])


def _typst(export: Path, work: Path, runs: int, bare: float, ours: float) -> dict:
    """Typst on the same articles, one process, one core."""
    if not TYPST_PYTHON.is_file():
        return {"typst": "not installed (make bench-tools)"}
    folder, out = work / "typst-in", work / "typst-out"
    folder.mkdir()
    out.mkdir()
    for number, line in enumerate(export.read_text(encoding="utf-8").splitlines()):
        (folder / f"{number:04d}.typ").write_text(_typst_source(json.loads(line)), encoding="utf-8")
    version = subprocess.run([TYPST_PYTHON, "-c", "import typst; print(typst.__version__)"], capture_output=True,
                             text=True, check=True).stdout.strip()
    seconds = best_of(runs, lambda i: timed([TYPST_PYTHON, "-c", TYPST, folder, out, ROOT / "fonts"]))
    return {"version": version, "seconds": round(seconds, 2),
            "bare_weasyprint_ratio_to_typst": round(bare / seconds, 2),
            "publisher_1_worker_ratio_to_typst": round(ours / seconds, 2)}


def _epub_sizes(work: Path) -> dict:
    """What archives store: the seed's EPUB and every corpus record's, in bytes."""
    seed = ROOT / "articles" / "000_96635321e4ee60bd.txt"
    out = work / "epub-sizes"
    sizes: dict = {}
    if seed.is_file():
        subprocess.run([*PUBLISHER, "build", seed, "--out", out / "seed", "-f", "epub", "-q"], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sizes["seed_bytes"] = sum(p.stat().st_size for p in (out / "seed").glob("*.epub"))
    if CORPUS.is_file():
        subprocess.run([*PUBLISHER, "batch", CORPUS, "--out", out / "corpus", "-f", "epub", "-q"], check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        epubs = list((out / "corpus").glob("*.epub"))
        sizes.update({"corpus_epubs": len(epubs), "corpus_mb": round(sum(p.stat().st_size for p in epubs) / 1e6, 1)})
    return sizes


def articles(folder: Path, count: int) -> Path:
    """A JSON Lines export of `count` articles: corpus records, or generated ones."""
    export = folder / f"articles-{count}.jsonl"
    if CORPUS.is_file():
        lines = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if '"content": ""' not in line]
        export.write_text("\n".join((lines * (count // len(lines) + 1))[:count]) + "\n", encoding="utf-8")
    else:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import make_export

        make_export(export, count)
    return export


def timed(command: list, **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - started


def best_of(runs: int, command_for) -> float:
    """The fastest of `runs` runs: the least disturbed by whatever else the machine does."""
    return min(command_for(i) for i in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--epub-articles", type=int, default=20)
    parser.add_argument("--volume", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="publisher-bench-"))
    results: dict = {"machine": {"cores": cores, "python": platform.python_version(),
                                 "source": "corpus" if CORPUS.is_file() else "generated"}}
    try:
        export = articles(work, args.articles)
        html = work / "html"
        subprocess.run([*PUBLISHER, "batch", export, "--out", html, "-f", "html", "--jobs", "1", "-q"], check=True,
                       cwd=ROOT)
        bare_out = work / "bare"
        bare_out.mkdir()
        def bare_run(_):
            return timed([sys.executable, "-c", BARE_WEASYPRINT, html, bare_out])

        def batch_run(jobs: int, formats=("pdf",), source=export):
            def run(i):
                target = work / f"batch-{jobs}-{'-'.join(formats)}-{i}"
                command = [*PUBLISHER, "batch", source, "--out", target, "--jobs", str(jobs), "-q"]
                for fmt in formats:
                    command += ["-f", fmt]
                return timed(command)
            return run

        def batch(jobs: int, formats=("pdf",), source=export):
            return best_of(args.runs, batch_run(jobs, formats, source))

        # Taken in turns, so that a slower spell of the machine weighs on both sides alike.
        pairs = [(bare_run(i), batch_run(1)(i)) for i in range(args.runs)]
        bare, one = min(b for b, _ in pairs), min(o for _, o in pairs)
        results["pdf"] = {"articles": args.articles, "bare_weasyprint_s": round(bare, 2), "publisher_1_worker_s":
                          round(one, 2), "ratio_to_bare": round(one / bare, 3)}
        scaling = {}
        for jobs in sorted({2, cores} - {1}):
            seconds = batch(jobs)
            scaling[str(jobs)] = {"seconds": round(seconds, 2), "ratio_to_1_worker": round(seconds / one, 3)}
        results["workers"] = scaling
        results["typst"] = {"articles": args.articles, **_typst(export, work, args.runs, bare, one)}
        results["epub_size"] = _epub_sizes(work)

        small = articles(work, args.epub_articles)
        both = batch(2, ("pdf", "epub"), small)
        results["pdf_and_epub"] = {"articles": args.epub_articles, "publisher_2_workers_s": round(both, 2)}
        pandoc = shutil.which("pandoc")
        if pandoc:
            results["pdf_and_epub"].update(_pandoc(pandoc, small, work, args.runs, both))
        else:
            results["pdf_and_epub"]["pandoc"] = "not installed"

        startup = [timed([*PUBLISHER, "--help"]) for _ in range(5)]
        results["startup"] = {"help_s": round(statistics.median(startup), 3)}

        volume = articles(work, args.volume)
        book = [*PUBLISHER, "book", volume, "--title", "Volume", "-f", "pdf", "-q"]
        in_turn = timed([*book, "--jobs", "1", "--out", work / "book-1"])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far: in turn
        in_parallel = timed([*book, "--jobs", str(max(2, cores)), "--out", work / "book-n"])
        one_piece = timed([sys.executable, "-c", ONE_PIECE, volume, work / "one-piece.pdf"])
        # Page proofs of the book just built (contact sheets of every page), beside its build.
        proofs = timed([*PUBLISHER, "proof", next((work / "book-n").glob("*.pdf")), "--out", work / "proofs", "-q"])

        def megabytes(path: Path) -> float:
            return round(path.stat().st_size / 2**20, 2)
        results["volume"] = {"articles": args.volume, "parts_in_turn_s": round(in_turn, 2),
                             f"parts_on_{max(2, cores)}_workers_s": round(in_parallel, 2),
                             "one_piece_s": round(one_piece, 2),
                             "proof_sheets_s": round(proofs, 2),
                             "proof_ratio_to_build": round(proofs / in_parallel, 3),
                             "parallel_ratio_to_one_piece": round(in_parallel / one_piece, 3),
                             "parallel_ratio_to_in_turn": round(in_parallel / in_turn, 3),
                             "peak_memory_mb_in_turn": round(peak / 1024),
                             "size_mb": {"in_turn": megabytes(next((work / "book-1").glob("*.pdf"))),
                                         "in_parallel": megabytes(next((work / "book-n").glob("*.pdf"))),
                                         "one_piece": megabytes(work / "one-piece.pdf")}}
        results["rebuild"] = _rebuild(volume, work, cores)
        results["standard_in_parts"] = _standard_in_parts(volume, work, cores)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps(results, indent=1))
    print(f"written to {target}")
    return 0


def _edited(export: Path, target: Path, change) -> Path:
    lines = export.read_text(encoding="utf-8").splitlines()
    change(lines)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _rebuild(volume: Path, work: Path, cores: int) -> dict:
    """The book (PDF and EPUB) built, then built again into the same folder after one article's
    text changed, then after an article was inserted at the middle; each rebuild beside a clean
    build of the same inputs in a folder of its own, whose files it must equal byte for byte."""
    jobs = str(max(2, cores))

    def book(source: Path, out: Path) -> float:
        return timed([*PUBLISHER, "book", source, "--title", "Volume", "--jobs", jobs, "--out", out, "-q"])

    def same(one: Path, other: Path) -> bool:
        made = [path for path in one.iterdir() if path.suffix in (".pdf", ".epub")]
        return bool(made) and all(path.read_bytes() == (other / path.name).read_bytes() for path in made)

    def correct(lines: list[str]) -> None:
        record = json.loads(lines[len(lines) // 3])
        record["content"] += "\nوأضاف المتحدث أن العمل سيستمر حتى نهاية الشهر المقبل."
        lines[len(lines) // 3] = json.dumps(record, ensure_ascii=False)

    def insert(lines: list[str]) -> None:
        record = json.loads(lines[7])
        record.update(title="مقال أضيف في منتصف المجلد", url=record.get("url", "") + "-inserted")
        lines.insert(len(lines) // 2, json.dumps(record, ensure_ascii=False))

    folder = work / "rebuilt"
    first = book(volume, folder)
    changed = _edited(volume, work / "changed.jsonl", correct)
    after_change = book(changed, folder)
    book(changed, work / "clean-changed")
    change_same = same(folder, work / "clean-changed")
    inserted = _edited(changed, work / "inserted.jsonl", insert)
    after_insert = book(inserted, folder)
    book(inserted, work / "clean-inserted")
    return {"first_build_s": round(first, 2),
            "one_article_changed": {"seconds": round(after_change, 2), "ratio_to_first": round(after_change / first, 3),
                                    "same_bytes_as_clean_build": change_same},
            "one_article_inserted_in_the_middle": {
                "seconds": round(after_insert, 2), "ratio_to_first": round(after_insert / first, 3),
                "same_bytes_as_clean_build": same(folder, work / "clean-inserted")}}


def _standard_in_parts(volume: Path, work: Path, cores: int) -> dict:
    """The book as PDF/A-3b, on one worker and on every core."""
    def book(jobs: int) -> float:
        return timed([*PUBLISHER, "book", volume, "--title", "Volume", "-f", "pdf", "--pdf-standard", "pdf/a-3b",
                      "--jobs", str(jobs), "--out", work / f"pdfa-{jobs}", "-q"])

    one, many = book(1), book(max(2, cores))
    return {"standard": "pdf/a-3b", "jobs_1_s": round(one, 2), f"jobs_{max(2, cores)}_s": round(many, 2),
            "ratio_to_1_worker": round(many / one, 3)}


def _pandoc(pandoc: str, export: Path, work: Path, runs: int, ours: float) -> dict:
    """pandoc on the same articles as Markdown: one EPUB and one PDF (through WeasyPrint) each."""
    folder = work / "pandoc-in"
    folder.mkdir()
    for number, line in enumerate(export.read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        (folder / f"{number}.md").write_text(f"# {record.get('title', '')}\n\n{record.get('content', '')}\n",
                                            encoding="utf-8")
    weasyprint = [str(Path(sys.executable).parent / "weasyprint")]

    def run(i):
        started = time.perf_counter()
        for source in sorted(folder.glob("*.md")):
            subprocess.run([pandoc, source, "-o", work / f"{source.stem}-{i}.epub"], check=True,
                           stderr=subprocess.DEVNULL)
            subprocess.run([pandoc, source, "--pdf-engine", *weasyprint, "-o", work / f"{source.stem}-{i}.pdf"],
                           check=True, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started

    seconds = best_of(runs, run)
    return {"pandoc_s": round(seconds, 2), "ratio_to_pandoc": round(ours / seconds, 3)}


if __name__ == "__main__":
    sys.exit(main())
