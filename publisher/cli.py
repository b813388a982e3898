"""The command line: parses options, calls the library, turns errors into one line and an exit code.

Exit codes: 0 all done; 1 some articles failed; 2 bad input or usage; 3 the machine lacks
something; 70 a bug (a traceback with --debug).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from publisher import __version__
from publisher.cli_options import (
    OPTION_NAMES,
    Formats,
    Jobs,
    Out,
    SkipEmpty,
    Strict,
    making,
)
from publisher.errors import Bug, PublisherError

app = typer.Typer(
    name="publisher",
    help="Turn articles into print-ready PDF and valid EPUB 3, Arabic first.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
BUG_EXIT = 70


class _State:
    debug = False
    quiet = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"publisher {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks for unexpected errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only warnings and errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    _State.debug, _State.quiet = debug, quiet


def _options(parameters: dict, *, publication: dict | None = None, kind: str = "article"):
    """The Options in force: the options among a command's `parameters` over the publication file,
    publisher.toml and the layout; a bulletin or book uses its own layout unless another is named."""
    from publisher.config import resolve
    from publisher.model import Options

    _State.quiet = _State.quiet or bool(parameters.get("quiet"))
    _State.debug = _State.debug or bool(parameters.get("debug"))
    given = {name: parameters[name] for name in OPTION_NAMES if parameters.get(name) is not None}
    if given.get("formats"):
        given["formats"] = [f.value for f in given["formats"]]
    return resolve(given, publication=publication, base=Options(layout=kind))


# Up to this many articles, `build`'s warnings one by one say enough; past it, they are counted too.
FEW = 5


def _report(result) -> None:
    if result.left_out:
        typer.echo(f"left out: {result.label}: a title and no text (--skip-empty)", err=True)
        return
    for warning in result.warnings:
        typer.echo(f"warning: {result.label}: {warning}", err=True)
    if result.error:
        typer.echo(result.error.one_line(), err=True)
    elif not _State.quiet:
        made = ", ".join(_shown(path) for path in result.outputs.values())
        pages = f" ({result.pages} page{'s' if result.pages != 1 else ''})" if result.pages else ""
        typer.echo(f"wrote {made}{pages}")


@app.command()
@making
def build(
    inputs: Annotated[list[Path], typer.Argument(
        metavar="INPUT...", help="Article files, folders of them, or publication files (.toml, .yml).",
        show_default=False)],
    out: Out = Path("dist"),
    formats: Formats = None,
    strict: Strict = False,
    skip_empty: SkipEmpty = False,
    given: dict | None = None,
) -> None:
    """Build each article into OUT/<slug>.pdf and OUT/<slug>.epub (and .html with --format html).

    \b
    Articles: Markdown (.md), plain text and wire copy (.txt), Word (.docx), HTML (.html),
    JSON (.json, an array of articles) and JSON Lines (.jsonl, one article a line).
    A publication file (.toml or .yml) builds the bulletin or book it describes.

    Options not given on the command line come from publisher.toml in the working folder (a
    [build] table with the same names, e.g. page-size = "A5"), then from the layout.

    \b
    Examples:
      publisher build articles/
      publisher build report.md --format pdf --out print/
      publisher build report.md -f pdf --page-size A5 --bleed 3mm --marks crop --pdf-standard pdf/x-4
      publisher build archive/ --pdf-standard pdf/a-3b
      publisher build export.jsonl --map title=headline_ar --map content=body_ar
      publisher build issue-12.toml
      publisher build notes.txt -f html -f pdf --layouts-dir my-layouts --layout weekly
    """
    from publisher.builder import build as run_build
    from publisher.publications import SUFFIXES

    publication_files = [path for path in inputs if path.suffix.lower() in SUFFIXES]
    articles = [path for path in inputs if path.suffix.lower() not in SUFFIXES]
    failures = 0
    for path in publication_files:
        failures += _publish_file(path, out, given)[0]
    if not articles:
        if failures:
            raise typer.Exit(1)
        return
    options = _options(given)
    results = run_build(articles, out, options, on_result=_report, settings=_settings(given), skip_empty=skip_empty)
    failed = [r for r in results if not r.ok]
    left_out = [r for r in results if r.left_out]
    built = len(results) - len(failed) - len(left_out)
    if not _State.quiet or failed:
        typer.echo(f"{built} of {len(results)} articles built into {out}/"
                   + (f"; failed: {', '.join(r.label for r in failed)}" if failed else ""), err=bool(failed))
    # Each warning was printed as it came; past a few articles, they are counted too.
    if len(results) > FEW or left_out:
        _empty_and_warnings(results, "the warnings above", left_out=len(left_out))
    if failed or failures:
        raise typer.Exit(2 if len(failed) == len(results) and not publication_files else 1)
    _strict(strict, [r.label for r in results if r.warnings])


def _publish_file(path: Path, out: Path, given: dict):
    from publisher import publications

    spec = publications.load(path)
    file_options = {str(k).replace("-", "_"): v for k, v in spec["options"].items()}
    if spec["layout"]:
        file_options["layout"] = spec["layout"]
    options = _options(given, publication=file_options, kind=spec["kind"])
    return _publish(spec["kind"], spec["articles"], out, options, title=spec["title"], issue=spec["issue"],
                    date=spec["date"], authors=spec["authors"], cover=spec["cover"], settings=_settings(given),
                    source=path, strict=bool(given.get("strict")), skip_empty=bool(given.get("skip_empty")),
                    masthead={**spec["masthead"], "short_title": spec["short_title"]})


def _publish(kind: str, inputs: list[Path], out: Path, options, *, title: str, issue: str = "", date=None,
             authors: tuple[str, ...] = (), cover: Path | None = None, settings=None, source: Path | None = None,
             jobs: int | None = None, strict: bool = False, skip_empty: bool = False,
             masthead: dict | None = None, force: bool = False):
    """Read the articles, make the publication, report; the number of articles that failed (a
    warning counts as one with --strict), and the publication's result (its files). `masthead`: a
    bulletin's logo, tagline, publisher, address and back page (Publication's fields of those names)."""
    from publisher.batch import is_empty
    from publisher.builder import build_publication, gather
    from publisher.errors import UsageError
    from publisher.model import Publication

    if not title.strip():
        raise UsageError(f"the {kind} has no title", hint='give it one: --title "…"')
    title = title.strip()

    if cover is not None:
        from publisher.publications import check_cover

        check_cover(cover)
    masthead = {key: value for key, value in (masthead or {}).items() if value}
    if masthead.get("logo") is not None:
        from publisher.publications import check_cover

        check_cover(masthead["logo"], "logo", "--logo")
    articles, failed = gather(inputs, settings)
    for result in failed:
        _report(result)
    left_out = [article for article in articles if skip_empty and is_empty(article)]
    articles = [article for article in articles if article not in left_out]
    for article in left_out:
        typer.echo(f"left out: {article.label}: a title and no text (--skip-empty)", err=True)
    for article in articles:  # what reading each article found, said before the publication is made
        for warning in article.warnings:
            typer.echo(f"warning: {article.label}: {warning}", err=True)
    publication = Publication(title=title, articles=tuple(articles), kind=kind, options=options, issue=issue,
                              issued=date, editors=authors, cover=cover, source=source, **masthead)
    from publisher.progress import Progress

    show = Progress(enabled=kind == "book" and not _State.quiet, label=kind)
    try:
        result = build_publication(publication, out, workers=jobs,
                                   progress=lambda done, total: show.update(done, total, 0), reuse=not force)
    finally:
        show.close()
    _report(result)
    if failed:
        typer.echo(f"{len(failed)} article(s) could not be read and are not in the {kind}: "
                   + ", ".join(r.label for r in failed), err=True)
    if len(articles) > FEW or left_out:
        _empty_and_warnings([*articles, result], "the warnings above", left_out=len(left_out))
    warned = [a.label for a in articles if a.warnings] + ([result.label] if result.warnings else [])
    return len(failed) + (1 if result.error else 0) + _strict_failed(strict, len(warned), warned), result


def _date_option(value: str | None):
    import datetime as dt

    from publisher.errors import UsageError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--date {value!r} is not a date", hint="write it YYYY-MM-DD") from None


@app.command()
@making
def bulletin(
    inputs: Annotated[list[Path], typer.Argument(metavar="INPUT...", help="The articles, lead story first.",
                                                 show_default=False)],
    title: Annotated[str, typer.Option("--title", help="The bulletin's name, set in the masthead.")],
    issue: Annotated[str, typer.Option("--issue", help="The issue number.")],
    date: Annotated[str | None, typer.Option("--date", help="The issue's date, YYYY-MM-DD; default: the newest "
                                                            "article's.")] = None,
    logo: Annotated[Path | None, typer.Option(
        "--logo", help="The masthead's logo: PNG, JPEG, GIF, WebP or SVG.")] = None,
    tagline: Annotated[str | None, typer.Option("--tagline", help="A line under the bulletin's name.")] = None,
    publisher: Annotated[str | None, typer.Option(
        "--publisher", help="Who issues it (an office, an association): the masthead's publisher's line.")] = None,
    address: Annotated[str | None, typer.Option(
        "--address", help="The publisher's address for the back page; \\n between lines.")] = None,
    back_page: Annotated[bool, typer.Option(
        "--back-page", help="End with a back page: the issue's contents, the publisher and the address.")] = False,
    out: Out = Path("dist"),
    formats: Formats = None,
    strict: Strict = False,
    skip_empty: SkipEmpty = False,
    given: dict | None = None,
) -> None:
    """Make a bulletin (نشرة): a masthead with its logo, the issue number and its date in the
    Gregorian and Hijri calendars, the issue's headlines, then each story under its headline with
    its text in two balanced columns, the lead story first under its picture; optionally a back
    page. One PDF and one EPUB; --impose booklet gives the sheets to print, fold and staple.

    \b
    Examples:
      publisher bulletin lead.md wire/*.txt --title "نشرة الحي" --issue 12 --date 2026-11-28
      publisher bulletin *.md --title "نشرة الحي" --issue 12 --logo logo.svg --tagline "نشرة شهرية" \\
          --publisher "جمعية الحي" --back-page --page-size A5 --impose booklet
    """
    masthead = {"logo": logo, "tagline": (tagline or "").strip(), "publisher": (publisher or "").strip(),
                "address": (address or "").replace("\\n", "\n").strip(), "back_page": back_page}
    failures, _ = _publish("bulletin", inputs, out, _options(given, kind="bulletin"), title=title, issue=issue,
                        date=_date_option(date), settings=_settings(given), strict=strict, skip_empty=skip_empty,
                        masthead=masthead)
    if failures:
        raise typer.Exit(1)


@app.command()
@making
def book(
    inputs: Annotated[list[Path], typer.Argument(metavar="INPUT...", help="The articles, in order.",
                                                 show_default=False)],
    title: Annotated[str, typer.Option("--title", help="The book's title.")],
    author: Annotated[list[str] | None, typer.Option(
        "--author", help="The book's author or editor; repeatable.")] = None,
    cover: Annotated[Path | None, typer.Option("--cover", help="A cover image; without one, a cover is set "
                                                                "from the title.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="The book's date, YYYY-MM-DD.")] = None,
    out: Out = Path("dist"),
    formats: Formats = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes for the parts of a long book; default: one per core.")] = None,
    strict: Strict = False,
    skip_empty: SkipEmpty = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Lay out every part again, even those an earlier build into --out kept.")] = False,
    given: dict | None = None,
) -> None:
    """Make a book: a cover, a title page, contents (المحتويات) with the folios printed on the
    pages, one chapter per article opening on a right-hand page, running heads, a bookmark per
    article. Long volumes are rendered in parts, so memory stays bounded; built again into the
    same --out, only the parts whose articles (or options, layout, fonts) changed are laid out
    again, and the files are the very ones a clean build makes.

    \b
    Examples:
      publisher book chapters/ --title "أرشيف ٢٠٢٦" --author "غرفة الأخبار" --cover cover.jpg
      publisher book archive.jsonl --title "Archive, July 2015" --page-size A4
    """
    failures, _ = _publish("book", inputs, out, _options(given, kind="book"), title=title, date=_date_option(date),
                        authors=tuple(author or ()), cover=cover, settings=_settings(given), jobs=jobs,
                        strict=strict, skip_empty=skip_empty, force=force)
    if failures:
        raise typer.Exit(1)


@app.command()
@making
def batch(
    inputs: Annotated[list[Path], typer.Argument(
        metavar="INPUT...", help="Folders of articles and JSON or JSON Lines exports.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")],
    formats: Formats = None,
    jobs: Jobs = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild everything, changed or not.")] = False,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first article that fails.")] = False,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run on a Dask cluster: its scheduler's address, e.g. tcp://10.0.0.5:8786.")] = None,
    group_by: Annotated[str | None, typer.Option(
        "--group-by", help="Also one volume (a book) per year, month or source, in OUT/volumes/.")] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds an article may take before it is stopped and counted as failed.")] = 600,
    strict: Strict = False,
    skip_empty: SkipEmpty = False,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Delete the files of articles no longer in the inputs (taken down, say); without it "
                        "the manifest lists them as orphaned.")] = False,
    given: dict | None = None,
) -> None:
    """Export a whole archive: every article to OUT/<slug>.pdf and .epub, in parallel.

    A rerun redoes only what changed (state in OUT/.publisher/state.sqlite); a run that was
    killed resumes where it stopped; files appear whole or not at all. OUT/manifest.json lists
    every input article with its status, files and checksums, and OUT/index.html links them.
    Exit status 1 when any article failed; the others are still built.

    \b
    Examples:
      publisher batch archive/ exports/*.jsonl --out site/ --jobs 8
      publisher batch feed.jsonl --out out/ --group-by month
      publisher batch feed.jsonl --out out/ --scheduler tcp://127.0.0.1:8786
    """
    from publisher.batch import batch as run_batch

    options = _options(given)
    from publisher.progress import Progress

    show = Progress(enabled=not _State.quiet)
    try:
        summary = run_batch(inputs, out, options, jobs=jobs, force=force, fail_fast=fail_fast, scheduler=scheduler,
                            group_by=group_by, timeout=timeout if timeout > 0 else None,
                            settings=_settings(given), progress=show.update,
                            on_entry=show.entry, skip_empty=skip_empty, prune=prune)
    finally:
        show.close()
    tally = summary.tally
    orphans = tally.orphaned + tally.removed
    typer.echo(f"{tally.ok} of {tally.articles - orphans} articles ok in {out}/ "
               f"({tally.built} built, {tally.reused} unchanged) in {summary.seconds:.1f}s"
               + (f"; {len(summary.volumes)} volumes" if summary.volumes else "")
               + (f"; failed: {', '.join(tally.failed_sources)}" + (" …" if tally.failed > len(tally.failed_sources)
                                                                     else "")
                  if tally.failed else ""), err=bool(tally.failed))
    if orphans:
        typer.echo(f"{orphans} article{'s' if orphans != 1 else ''} no longer in the inputs: "
                   + ("their files deleted (--prune)" if tally.removed else
                      "listed as orphaned in manifest.json; --prune deletes their files"), err=True)
    _last_lines(tally.empty - tally.left_out, tally.left_out, tally.warned, tally.kinds.most_common(),
                f"{out}/manifest.json")
    if tally.failed:
        raise typer.Exit(1)
    if _strict_failed(strict, tally.warned, tally.warned_sources):
        raise typer.Exit(1)


def _empty_and_warnings(results, where: str, left_out: int = 0) -> None:
    """The last lines of a build: empty records, and warnings counted by kind."""
    from publisher.batch_report import warning_counts
    from publisher.model import has_warning

    warned, kinds = warning_counts(results)
    _last_lines(sum(has_warning(r.warnings, "no-text") for r in results), left_out, warned, kinds.items(), where)


def _last_lines(empty: int, left_out: int, warned: int, kinds, where: str) -> None:
    """The run's last lines: empty records left out or built as such, and warnings counted by
    kind (each one is listed where `where` says)."""
    from publisher.batch_report import warnings_line

    if left_out:
        typer.echo(f"{left_out} record{'s' if left_out != 1 else ''} with a title and no text left out "
                   "(--skip-empty)", err=True)
    elif empty:
        typer.echo(f"{empty} of them {'have' if empty != 1 else 'has'} a title and no text, built as such "
                   "(--skip-empty leaves such records out)", err=True)
    if line := warnings_line(warned, dict(kinds), where):
        typer.echo(line, err=True)


def _strict(strict: bool, warned: list[str]) -> None:
    """--strict: a warning fails the run, for pipelines that accept nothing less than clean."""
    if _strict_failed(strict, len(warned), warned):
        raise typer.Exit(1)


def _strict_failed(strict: bool, count: int, names: list[str]) -> bool:
    """With --strict and warnings, say which articles have them (the first ten of `count`);
    whether the run fails for it."""
    if strict and count:
        shown = ", ".join(names[:10]) + (" …" if count > min(len(names), 10) else "")
        typer.echo(f"error: --strict: {count} article{'s' if count != 1 else ''} with warnings: {shown}", err=True)
    return bool(strict and count)


def _settings(given: dict):
    """What the readers are told by a command's --map and --allow-remote."""
    return _read_settings(given["field_map"], given["allow_remote"])


def _read_settings(field_map: list[str] | None, allow_remote: list[str] | None = None):
    from publisher.errors import UsageError
    from publisher.sources import ReadSettings

    pairs = {}
    for item in field_map or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"--map {item!r} is not FIELD=NAME", hint="for example --map title=headline")
        pairs[name.strip()] = value.strip()
    hosts = tuple(host.strip().lower() for host in allow_remote or () if host.strip())
    return ReadSettings(field_map=pairs, allow_remote=hosts)


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# The examining commands register themselves on `app` (imported here so that they are there).
from publisher import cli_examine  # noqa: E402, F401


def main() -> None:
    try:
        # Click (inside Typer) prints usage errors itself and exits 2; typer.Exit becomes SystemExit.
        app()
    except PublisherError as exc:
        typer.echo(exc.one_line(), err=True)
        if _State.debug:
            traceback.print_exc()
        sys.exit(exc.exit_code)
    except Bug as exc:  # a fault in publisher's own code while making an article, named
        typer.echo(exc.one_line(), err=True)
        if _State.debug:
            typer.echo(exc.trace, err=True)
        sys.exit(BUG_EXIT)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # anything else is a bug in publisher, not a problem with the input
        typer.echo(f"bug: {type(exc).__name__}: {exc} (run with --debug for the traceback, and report it)", err=True)
        if _State.debug:
            traceback.print_exc()
        sys.exit(BUG_EXIT)
