"""`publisher batch`: whole archives, on every core or on a Dask cluster, incremental and resumable.

The process that runs the command reads every input, decides what needs (re)building from the
state it keeps in OUT/.publisher/state.sqlite, and sends each article to a worker: a local process
pool by default, or a Dask cluster with --scheduler. Workers only render and send bytes back;
this process writes every file (atomically) and records it, one article at a time, so a run
killed at any moment leaves only whole files and resumes where it stopped.

Its parts: batch_state.py (what earlier runs made), workers.py (what a worker does, and the loop
that keeps articles in flight on any executor), batch_report.py (manifest.json, index.html).
"""

from __future__ import annotations

import concurrent.futures as cf
import errno
import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from publisher import batch_state, layouts, workers
from publisher.batch_report import group_key, write_index, write_manifest
from publisher.batch_state import Entry, State
from publisher.builder import Rendered, gather, render_outputs, write_outputs
from publisher.errors import Bug, EnvironmentProblem, PublisherError, UsageError
from publisher.files import inside, prepare_output_folder
from publisher.model import Article, Options, Publication, has_warning, slugify
from publisher.sources import ReadSettings

GROUPINGS = ("year", "month", "source")


@dataclass
class Summary:
    entries: list[Entry]
    volumes: list[str]
    seconds: float

    @property
    def failed(self) -> list[Entry]:
        return [e for e in self.entries if e.status not in ("ok", "empty", "orphaned", "removed")]

    @property
    def orphaned(self) -> list[Entry]:
        """Articles an earlier run built that the inputs no longer hold (--prune removes them)."""
        return [e for e in self.entries if e.status in ("orphaned", "removed")]

    @property
    def left_out(self) -> list[Entry]:
        """Records with a title and no text that --skip-empty left out."""
        return [e for e in self.entries if e.status == "empty"]

    @property
    def warned(self) -> list[Entry]:
        return [e for e in self.entries if e.warnings]


def batch(
    inputs: Iterable[Path],
    out: Path,
    options: Options,
    *,
    jobs: int | None = None,
    force: bool = False,
    fail_fast: bool = False,
    scheduler: str | None = None,
    group_by: str | None = None,
    timeout: float | None = None,
    settings: ReadSettings | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    on_entry: Callable[[Entry], None] | None = None,
    skip_empty: bool = False,
    prune: bool = False,
) -> Summary:
    started = time.monotonic()
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs} is not a number of workers", hint="give 1 or more; default: one per core")
    if group_by is not None and group_by not in GROUPINGS:
        raise UsageError(f"--group-by {group_by!r} is not known", hint=f"choose {', '.join(GROUPINGS)}")
    layout = layouts.check(options)
    # An archive's records are kept as they were only when a PDF/A-3 is to carry them.
    keep = (options.pdf_standard or "").startswith("pdf/a-3")
    articles, unreadable = gather(inputs, replace(settings or ReadSettings(), keep_originals=keep))
    prepare_output_folder(out)
    lock = _lock(out)
    try:
        return _run(articles, unreadable, out, options, layout, started, jobs=jobs, force=force, fail_fast=fail_fast,
                    scheduler=scheduler, group_by=group_by, timeout=timeout, progress=progress, on_entry=on_entry,
                    skip_empty=skip_empty, prune=prune)
    finally:
        if lock is not None:
            lock.close()


def _run(articles: list[Article], unreadable: list, out: Path, options: Options, layout, started: float, *,
         jobs, force, fail_fast, scheduler, group_by, timeout, progress, on_entry, skip_empty, prune) -> Summary:
    try:
        _clear_partial_files(out)
        state = State(out)
    except (OSError, sqlite3.Error) as exc:
        raise machine_fault(exc, out, 0, len(articles)) from None
    entries: dict[str, Entry] = {}
    order: list[str] = []
    for failure in unreadable:
        key = f"{failure.source}#{failure.record}" if failure.record else str(failure.source)
        entries[key] = Entry(id=key, source=failure.label, error=failure.error.one_line() if failure.error else None)
        order.append(key)
    environment = batch_state.environment_fingerprint(layout, options)
    todo: list[tuple[Article, str]] = []
    for article in articles:
        order.append(article.slug)
        if skip_empty and is_empty(article):
            entries[article.slug] = Entry(id=article.slug, source=article.label, title=article.title, status="empty",
                                          error="no text: left out (--skip-empty)", warnings=list(article.warnings))
            continue
        fingerprint = batch_state.fingerprint(article, environment)
        reused = None if force else state.reusable(article.slug, fingerprint, out)
        if reused:
            entries[article.slug] = reused
            if on_entry:
                on_entry(reused)
        else:
            todo.append((article, fingerprint))
    _orphans(state, entries, order, out, prune)
    total, done, failed = len(order), len(order) - len(todo), len(unreadable)
    if progress:
        progress(done, total, failed)
    volumes: list[str] = []
    stopping = True  # until the run gets to its end: then a manifest that cannot be written is the failure
    try:
        try:
            for article, fingerprint, entry in _written(workers.run(todo, options, jobs, scheduler, timeout), out):
                state.record(article.slug, fingerprint, entry)
                entries[article.slug] = entry
                done += 1
                failed += entry.status != "ok"
                if on_entry:
                    on_entry(entry)
                if progress:
                    progress(done, total, failed)
                if fail_fast and entry.status != "ok":
                    break
        except Bug as bug:
            # A bug stops the run (the next article would meet it too); the manifest says where.
            if (article := getattr(bug, "article", None)) is not None:
                entries[article.slug] = Entry(id=article.slug, source=article.label, title=article.title,
                                              status="failed", error=bug.one_line())
            raise
        except (OSError, sqlite3.Error) as exc:
            # The machine's fault (a full disk, a folder gone read-only or away): the user's to fix,
            # and the same command then goes on from what was written, whole.
            raise machine_fault(exc, out, done, total) from None
        if group_by:
            volumes, broken = _volumes(articles, entries, out, options, group_by, state, jobs)
            for entry in broken:
                entries[entry.id] = entry
                order.append(entry.id)
            if prune:
                _prune_volumes(state, out, set(volumes) | {entry.id for entry in broken})
        stopping = False
    finally:
        state.close()
        for article, _ in todo:  # what a stopped run (--fail-fast, an error) never reached
            entries.setdefault(article.slug, Entry(id=article.slug, source=article.label, title=article.title,
                                                   status="skipped", error="not built: the run stopped first"))
        listed = [entries[key] for key in order if key in entries]
        try:
            write_manifest(out, listed, volumes)
            write_index(out, listed, articles, group_by, options)
        except OSError as exc:
            if not stopping:
                raise machine_fault(exc, out, done, total) from None
            # else the error on its way up says what the machine lacks; the manifest waits for room
    return Summary(entries=listed, volumes=volumes, seconds=time.monotonic() - started)


def _orphans(state: State, entries: dict[str, Entry], order: list[str], out: Path, prune: bool) -> None:
    """Articles an earlier run built that the inputs no longer hold (an archive took them down):
    listed as orphaned with their files, or with --prune their files deleted and listed as
    removed. A volume that held one is rebuilt, since its members' fingerprint changed."""
    current = set(entries) | set(order)
    for key, entry in state.known().items():
        if key in current or key.startswith("volumes/"):
            continue
        if prune:
            for relative in entry.outputs.values():
                inside(out, relative).unlink(missing_ok=True)
            state.forget(key)
            entry = replace(entry, status="removed", error="no longer in the inputs: its files were deleted (--prune)",
                            warnings=[])
        else:
            entry = replace(entry, status="orphaned", reused=False, warnings=[],
                            error="no longer in the inputs; --prune deletes its files")
        entries[key] = entry
        order.append(key)


def _prune_volumes(state: State, out: Path, kept: set[str]) -> None:
    """With --prune, the volumes of groups no article is left in go too."""
    for key, entry in state.known().items():
        if key.startswith("volumes/") and key not in kept:
            for relative in entry.outputs.values():
                inside(out, relative).unlink(missing_ok=True)
            state.forget(key)


def machine_fault(exc: BaseException, out: Path, done: int, total: int) -> EnvironmentProblem:
    """One line for a fault of the machine: what, where, how far the run got, how to go on."""
    where = getattr(exc, "filename", None) or out
    what = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the output folder is on a read-only file system",
            errno.ENOENT: "the output folder is gone", errno.EACCES: "no permission to write there"}.get(
        getattr(exc, "errno", None), str(getattr(exc, "strerror", None) or exc))
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        what = "the state file is locked by another run"
    elif isinstance(exc, sqlite3.Error):
        what = f"the state file cannot be written ({exc})"
    return EnvironmentProblem(f"{what} (writing {where}): {done} of {total} articles done",
                              path=out, hint="fix that, then run the same command again: it goes on from "
                                             "what is already written")


def _lock(out: Path):
    """OUT/.publisher/lock, held for the run (the open file; None where there is no POSIX lock):
    two batches into one folder would each rebuild what the other is writing, and race on its state."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the state's own locking keeps it consistent
        return None
    path = out / ".publisher" / "lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise machine_fault(exc, out, 0, 0) from None
    try:
        # A POSIX record lock, not flock: it belongs to this process, so the workers it forks (and
        # may leave alive a moment after a failure) never hold it.
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        if exc.errno not in (errno.EACCES, errno.EAGAIN):
            raise machine_fault(exc, out, 0, 0) from None
        raise EnvironmentProblem("is in use by another publisher batch", path=out,
                                 hint="wait for it to finish, or give this one another --out") from None
    return handle


def is_empty(article: Article) -> bool:
    """A record with a title and no text (a cartoon, a photo story whose picture is elsewhere)."""
    return has_warning(article.warnings, "no-text")


def _written(results: Iterator[tuple[Article, str, Rendered]], out: Path) -> Iterator[tuple[Article, str, Entry]]:
    """Each result with its files written by a thread of its own, in order: the disk's waits for
    one article overlap the rendering of the next. One write is in flight at a time, and a failed
    article is handed on at once, so that --fail-fast stops before another is built."""
    with cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="publisher-writer") as writer:
        previous = None
        for article, fingerprint, rendered in results:
            if isinstance(rendered.error, EnvironmentProblem | Bug):
                if isinstance(rendered.error, Bug):
                    rendered.error.article = article
                raise rendered.error
            current = (article, fingerprint, writer.submit(_write, article, rendered, out))
            if previous:
                yield previous[0], previous[1], previous[2].result()
            previous = current
            if rendered.error:
                previous = None
                yield current[0], current[1], current[2].result()
        if previous:
            yield previous[0], previous[1], previous[2].result()


def _write(article: Article, rendered: Rendered, out: Path) -> Entry:
    entry = Entry(id=article.slug, source=article.label, title=article.title, pages=rendered.pages,
                  warnings=list(article.warnings) + rendered.warnings)
    written = write_outputs(rendered, out, article.slug)
    entry.outputs = {fmt: path.relative_to(out.resolve()).as_posix() for fmt, path in written.items()}
    entry.sha256 = {fmt: hashlib.sha256(rendered.files[fmt]).hexdigest() for fmt in written}
    if rendered.error:
        entry.error = rendered.error.one_line() if isinstance(rendered.error, PublisherError) else str(rendered.error)
    entry.status = "failed" if rendered.error or not written else "ok"
    return entry


def _clear_partial_files(out: Path) -> None:
    """Temporary files a killed run left behind (never visible as outputs: dot-named, .part)."""
    for leftover in out.rglob(".*.part"):
        leftover.unlink(missing_ok=True)


def _volumes(articles: list[Article], entries: dict[str, Entry], out: Path, options: Options, group_by: str,
             state: State, jobs: int | None = None) -> tuple[list[str], list[Entry]]:
    """One book a group, beside the articles: OUT/volumes/<group>.pdf and .epub. A volume that
    fails is listed among the entries, so that it counts as a failure of the run."""
    failed_volumes: list[Entry] = []
    groups: dict[str, list[Article]] = {}
    for article in articles:
        if entries.get(article.slug) and entries[article.slug].status == "ok":
            groups.setdefault(group_key(article, group_by), []).append(article)
    made = []
    book_options = replace(options, layout="book" if options.layout == "article" else options.layout)
    environment = batch_state.environment_fingerprint(layouts.find(book_options.layout, book_options.layouts_dirs),
                                           book_options)
    for key, members in sorted(groups.items()):
        slug = f"volumes/{slugify(key) or 'group'}"
        joined = "".join(batch_state.fingerprint(a, environment) for a in members)
        fingerprint = hashlib.sha256(joined.encode()).hexdigest()
        if state.reusable(slug, fingerprint, out):
            made.append(slug)
            continue
        if not members:
            continue
        publication = Publication(title=key, articles=tuple(members), kind="book", options=book_options)
        rendered = render_outputs(publication, workers=jobs)
        written = write_outputs(rendered, out, slug)
        entry = Entry(id=slug, source=f"{group_by}={key}", title=key, status="failed" if rendered.error else "ok",
                      outputs={f: p.relative_to(out.resolve()).as_posix() for f, p in written.items()},
                      error=rendered.error.one_line() if rendered.error else None)
        state.record(slug, fingerprint, entry)
        if entry.status == "ok":
            made.append(slug)
        else:
            failed_volumes.append(entry)
    return made, failed_volumes


