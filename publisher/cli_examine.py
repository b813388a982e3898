"""The commands that look at things rather than make them: inspect (what publisher reads in an
article), check (what a print shop, archive or store would check in a finished file), proof (the
pages as pictures), doctor (what this machine has) and layouts (what can be named with --layout).
Registered on cli.app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from publisher.cli import _read_settings, app
from publisher.errors import InputError, PublisherError, UsageError


@app.command()
def inspect(
    inputs: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Article files or folders.",
                                                 show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, one article a line.")] = False,
    field_map: Annotated[list[str] | None, typer.Option("--map", metavar="FIELD=NAME",
                                                        help="As for build, for JSON exports.")] = None,
) -> None:
    """Show what publisher reads in a file: title, metadata and the tree of blocks.

    \b
    Examples:
      publisher inspect articles/000_96635321e4ee60bd.txt
      publisher inspect export.jsonl --json
    """
    import json

    from publisher.outline import as_text, outline
    from publisher.sources import collect_inputs, read

    failed = total = 0
    for path in collect_inputs(inputs):
        for item in read(path, _read_settings(field_map)):
            total += 1
            if isinstance(item, PublisherError):
                failed += 1
                typer.echo(item.one_line(), err=True)
            elif as_json:
                typer.echo(json.dumps(outline(item), ensure_ascii=False))
            else:
                typer.echo(as_text(outline(item)))
    if failed:
        raise typer.Exit(2 if failed == total else 1)


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="PDF and EPUB files.", show_default=False)],
    source: Annotated[Path | None, typer.Option(
        "--source", help="The article a PDF was made from: report the words and phrases Chrome (PDFium), "
                         "Evince (poppler) and pypdf find, and the words a reader would not find.")] = None,
    min_recall: Annotated[float, typer.Option(
        "--min-recall", help="With --source: the least share of words Chrome's viewer must find.")] = 0.99,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, one file a line.")] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", metavar="REPORT.html", help="Also write the findings as a page, with a thumbnail of every page "
                                              "a problem was seen on.")] = None,
) -> None:
    """Check finished files. A PDF: fonts embedded and all from fonts/, page boxes, the standard it
    declares, tagging, and with --source the text viewers find in it. An EPUB: EPUBCheck, then
    Ace by DAISY (accessibility, as stores and libraries run it) when it is installed
    ('publisher doctor' says). Exit status 1 when something is wrong.

    \b
    Examples:
      publisher check dist/*.pdf dist/*.epub
      publisher check dist/report.pdf --source articles/report.md
      publisher check dist/*.pdf --html check.html
    """
    import json

    from publisher.checker import check as run_check

    failed = False
    reports = []
    for path in files:
        report = run_check(path, source, min_recall)
        reports.append(report)
        failed = failed or bool(report.problems)
        if as_json:
            typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
            continue
        typer.echo(f"{path}: {'ok' if not report.problems else 'PROBLEMS'}")
        for name, value in report.facts:
            typer.echo(f"  {name + ':':<18} {value}")
        for problem in report.problems:
            typer.echo(f"  problem: {problem}")
    if html is not None:
        from publisher.checker import html_report
        from publisher.files import write_atomic

        write_atomic(html, html_report(reports).encode("utf-8"))
        if not as_json:
            typer.echo(f"report: {html}")
    if failed:
        raise typer.Exit(1)


@app.command()
def proof(
    inputs: Annotated[list[Path], typer.Argument(
        metavar="INPUT...", help="PDF files, or articles and publication files (.toml, .yml) to build first.",
        show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into (and to build into).")] = Path(
        "proofs"),
    dpi: Annotated[int, typer.Option("--dpi", min=10, max=600, help="Resolution of the page images.")] = 100,
    pages: Annotated[str | None, typer.Option(
        "--pages", help="The pages to make images of, e.g. 1-3,7; default: every page of a document of up to 8, "
                        "else none (the contact sheets show them all).")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes; default: one per core.")]
    = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only warnings and errors.")] = False,
) -> None:
    """Page proofs: contact sheets of a whole document (up to 40 pages a sheet, as spreads in
    reading order, right page first for right-to-left books, folios under the pages, trim and
    bleed drawn where the PDF has them), and page images. Written to OUT/<name>-proof/.

    An article or a publication file is built first (its PDF into OUT), with its own options and
    publisher.toml's; both times are reported.

    \b
    Examples:
      publisher proof dist/book-2026.pdf
      publisher proof issue-12.toml --pages 1-4 --dpi 150
      publisher proof articles/000_96635321e4ee60bd.txt
    """
    import time

    from publisher import cli
    from publisher.cli_options import Format
    from publisher.proof import proof as make_proofs

    cli._State.quiet = cli._State.quiet or quiet
    pdfs: list[Path] = [path for path in inputs if path.suffix.lower() == ".pdf"]
    to_build = [path for path in inputs if path.suffix.lower() != ".pdf"]
    built_in = 0.0
    errors: list[str] = []
    if to_build:
        started = time.perf_counter()
        made_pdfs, errors = _build_pdfs(to_build, out, [Format.pdf])
        pdfs += made_pdfs
        built_in = time.perf_counter() - started
    failures = len(errors)
    for pdf in pdfs:
        started = time.perf_counter()
        made = make_proofs(pdf, out, dpi=dpi, pages=pages, workers=jobs)
        if not cli._State.quiet:
            where = (made.sheets or made.pages)[0].parent if made.sheets or made.pages else out
            typer.echo(f"proofs of {pdf.name}: {len(made.sheets)} sheet{'s' if len(made.sheets) != 1 else ''}, "
                       f"{len(made.pages)} page image{'s' if len(made.pages) != 1 else ''} in "
                       f"{time.perf_counter() - started:.1f}s, in {where}/")
    if built_in and not cli._State.quiet:
        typer.echo(f"built in {built_in:.1f}s")
    if failures:
        raise typer.Exit(1)


def _build_pdfs(inputs: list[Path], out: Path, formats) -> tuple[list[Path], list[str]]:
    """Build articles and publication files as `publisher build` does (with their own options and
    publisher.toml's) in `formats`: the PDFs written, and a line for each that failed."""
    from publisher import cli
    from publisher.builder import build as run_build
    from publisher.publications import SUFFIXES

    given = {"formats": formats, "field_map": None, "allow_remote": None}
    pdfs: list[Path] = []
    errors: list[str] = []
    for path in (p for p in inputs if p.suffix.lower() in SUFFIXES):
        failed, result = cli._publish_file(path, out, given)
        pdfs += [result.outputs["pdf"]] if "pdf" in result.outputs else []
        if failed:
            errors.append(result.error.one_line() if result.error else f"{path}: {failed} article(s) failed")
    articles = [p for p in inputs if p.suffix.lower() not in SUFFIXES]
    if articles:
        results = run_build(articles, out, cli._options(given), on_result=cli._report, settings=_read_settings(None))
        pdfs += [r.outputs["pdf"] for r in results if "pdf" in r.outputs]
        errors += [r.error.one_line() if r.error else f"{r.label}: failed" for r in results if not r.ok]
    return pdfs, errors


@app.command()
def preview(
    inputs: Annotated[list[Path], typer.Argument(
        metavar="INPUT...", help="Articles, folders of them, or a publication file (.toml, .yml).",
        show_default=False)],
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="The port on 127.0.0.1; default: a free one.")] = 0,
) -> None:
    """A live preview in the browser: the pages as images beside the HTML, rebuilt when an input,
    a layout or publisher.toml changes, and the open page reloaded by itself; a build error shows
    on the page. Served on 127.0.0.1 only, and only the files of the publication. Ctrl-C stops it.

    \b
    Example:
      publisher preview articles/          (then open the address it prints)
    """
    import shutil
    import signal
    import sys
    import tempfile
    import threading

    import watchfiles

    from publisher import cli
    from publisher.cli_options import Format
    from publisher.preview import Preview, is_source_change, serve, watched

    for path in inputs:
        if not path.exists():
            raise InputError("no such file or folder", path=path, hint="check the path")
    options = cli._options({})

    def stopped(signum, frame):  # a terminal closed or a kill: cleaned up as after Ctrl-C
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stopped)
    work = Path(tempfile.mkdtemp(prefix="publisher-preview-"))
    stop = threading.Event()
    server = None
    try:
        live = Preview(lambda folder: _build_pdfs(inputs, folder, [Format.pdf, Format.html]), work)
        live.rebuild()
        try:
            server = serve(live, port)
        except OSError as exc:
            raise UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})",
                             hint="give another --port, or none for a free one") from None
        threading.Thread(target=server.serve_forever, daemon=True).start()
        typer.echo(f"preview on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
        sys.stdout.flush()
        for changes in watchfiles.watch(*watched(inputs, options.layouts_dirs), stop_event=stop):
            if any(is_source_change(path, work) for _, path in changes):
                made = live.rebuild()
                typer.echo(f"rebuilt (build {live.version})" + (f": {made.errors[0]}" if made.errors else ""))
                sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if server is not None:
            server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


@app.command()
def doctor() -> None:
    """Say what this machine has and lacks for publisher: WeasyPrint, Pango and HarfBuzz
    subsetting, the bundled fonts, Java for EPUBCheck, poppler for checks. Exit status 3 when
    something every build needs is missing."""
    from publisher.doctor import examine

    findings = examine()
    for finding in findings:
        mark = "ok" if finding.ok else ("MISSING" if finding.needed else "missing")
        fix = f"  -> {finding.fix}" if not finding.ok and finding.fix else ""
        typer.echo(f"{mark:<8} {finding.name:<26} {finding.detail}{fix}")
    if any(not f.ok and f.needed for f in findings):
        raise typer.Exit(3)


@app.command("layouts")
def list_layouts(
    layouts_dirs: Annotated[list[Path] | None, typer.Option("--layouts-dir", help="Also list layouts here.")] = None,
) -> None:
    """List the layouts you can name with --layout, with what each is for."""
    from publisher import layouts

    for name in sorted(layouts.available(tuple(layouts_dirs or ()))):
        layout = layouts.find(name, tuple(layouts_dirs or ()))
        parent = f" (extends {layout.parent.name})" if layout.parent else ""
        typer.echo(f"{name:<12} {layout.description}{parent}")
