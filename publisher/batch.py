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
import contextlib
import errno
import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from publisher import batch_state, layouts, workers
from publisher.batch_report import Tally, group_key, manifest_file, write_index, write_manifest
from publisher.batch_state import Entry, Listing, State
from publisher.builder import Rendered, render_outputs, unique_slug, write_outputs
from publisher.errors import Bug, EnvironmentProblem, PublisherError, UsageError
from publisher.files import inside, prepare_output_folder, scratch
from publisher.model import Article, Options, Publication, has_warning, slugify
from publisher.outputs.kept import FOLDER as KEPT
from publisher.outputs.kept import Kept
from publisher.sources import ReadSettings, collect_inputs, credits, expected_items, items

GROUPINGS = ("year", "month", "source")


@dataclass
class Summary:
    """What a run made, counted (batch_report.Tally), with its volumes and its time."""

    tally: Tally
    volumes: list[str]
    seconds: float


@dataclass(frozen=True)
class Work:
    """What a batch needs back with an article its workers built: its fingerprint, and the item
    its bytes came from (to remember them by, when they are its own)."""

    fingerprint: str
    item: str
    digest: str | None
    base: str


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
    paths = collect_inputs(inputs)
    prepare_output_folder(out)
    lock = _lock(out)
    try:
        run = _Run(out, options, layout, replace(settings or ReadSettings(), keep_originals=keep), force=force,
                   group_by=group_by, skip_empty=skip_empty, progress=progress, on_entry=on_entry)
        with contextlib.ExitStack() as stack:
            try:
                # The workers' temporary files (WeasyPrint's copy of every font, 2.8 MB a worker)
                # go in the system's temporary folder, not OUT: on an output disk short of space
                # they would fill it before the first article, and they are no output.
                run.scratch = stack.enter_context(scratch())
            except OSError as exc:
                raise machine_fault(exc, out, 0, 0) from None
            return run.go(paths, jobs=jobs, scheduler=scheduler, timeout=timeout, fail_fast=fail_fast, prune=prune,
                          started=started)
    finally:
        if lock is not None:
            lock.close()


class _Run:
    """One batch: its inputs read an item at a time and listed as they are read (OUT/.publisher/
    run.sqlite), the ones to build handed to the workers as they come, the manifest and the
    index written from the listing. Memory holds the articles in flight, whatever the archive's size."""

    def __init__(self, out: Path, options: Options, layout, settings: ReadSettings, *, force: bool,
                 group_by: str | None, skip_empty: bool, progress, on_entry):
        self.out, self.options, self.settings = out, options, settings
        self.force, self.group_by, self.skip_empty = force, group_by, skip_empty
        self.progress, self.on_entry = progress, on_entry
        self.environment = batch_state.environment_fingerprint(layout, options)
        self.book_environment = None
        if group_by:
            book = _book_options(options)
            self.book_environment = batch_state.environment_fingerprint(
                layouts.find(book.layout, book.layouts_dirs), book)
        # What reading an item depends on besides its bytes: the run's environment, the readers'
        # settings and the agencies and newspapers the credits rules know (bundled and local).
        reading = hashlib.sha256(f"{self.environment}\0{settings!r}\0".encode())
        for table in credits.tables():
            reading.update(table.read_bytes() if table.is_file() else b"-")
        self.reading = reading
        self.done = self.total = self.failed = 0
        self.lang: str | None = None

    def go(self, paths: list[Path], *, jobs, scheduler, timeout, fail_fast, prune, started) -> Summary:
        out = self.out
        self.total = sum(expected_items(path) for path in paths)
        try:
            _clear_partial_files(out)
            self.state = State(out)
            self.listing = Listing(out)
        except (OSError, sqlite3.Error) as exc:
            raise machine_fault(exc, out, 0, self.total) from None
        volumes: list[str] = []
        stopping = True  # until the run gets to its end: then a manifest that cannot be written is the failure
        todo = self._read(paths)
        rendered = workers.run(todo, self.options, jobs, scheduler, timeout, scratch=self.scratch)
        written = _written(rendered, out)
        try:
            try:
                for article, work, entry in written:
                    self.state.record(article.slug, work.fingerprint, entry)
                    self._remember(article, work)
                    self.listing.update(entry)
                    self._counted(entry)
                    if fail_fast and entry.status != "ok":
                        break
                written.close()
                rendered.close()  # the workers stop: what they had in hand stays "not built"
                for _ in todo:  # the rest of the inputs, listed (as not built, when the run stopped early)
                    pass
            except Bug as bug:
                # A bug stops the run (the next article would meet it too); the manifest says where.
                if (article := getattr(bug, "article", None)) is not None:
                    self.listing.update(Entry(id=article.slug, source=article.label, title=article.title,
                                              status="failed", error=bug.one_line()))
                rendered.close()
                with contextlib.suppress(Exception):  # what was not reached is listed as not built
                    for _ in todo:
                        pass
                raise
            except (OSError, sqlite3.Error) as exc:
                # The machine's fault (a full disk, a folder gone read-only or away): the user's to fix,
                # and the same command then goes on from what was written, whole.
                raise machine_fault(exc, out, self.done, self.total) from None
            self._orphans(prune)
            if self.group_by:
                volumes = self._volumes(jobs, prune)
            stopping = False
        finally:
            try:
                if self.group_by:  # the index in group order, the manifest in input order
                    tally = write_manifest(out, self.listing.entries(), volumes)
                    write_index(out, self.listing.by_group(), self.lang or "ar", True, self.options)
                else:  # both in input order: each entry read once for the two
                    with manifest_file(out, volumes) as manifest:
                        write_index(out, (("", manifest.add(entry)) for entry in self.listing.entries()),
                                    self.lang or "ar", False, self.options)
                    tally = manifest.tally
            except (OSError, sqlite3.Error) as exc:
                if not stopping:
                    raise machine_fault(exc, out, self.done, self.total) from None
                tally = Tally()  # the error on its way up says what the machine lacks; the manifest waits for room
            finally:
                with contextlib.suppress(OSError, sqlite3.Error):
                    self.listing.close()
                self.state.close()
        return Summary(tally=tally, volumes=volumes, seconds=time.monotonic() - started)

    def _read(self, paths: list[Path]) -> Iterator[tuple[Article, Work]]:
        """Every input item in order, each listed as it is read: an unchanged one with its entry
        (an item whose bytes are as before is not even read), a failed one with its error, and
        the ones to build, listed as not built yet, yielded for the workers."""
        seen = 0
        for path in paths:
            for item in items(path, self.settings, raw=not self.group_by):
                seen += 1
                self.total = max(self.total, seen)
                key = f"{item.path}#{item.record or 0}"
                digest = None
                if item.raw is not None and not self.group_by:
                    hashed = self.reading.copy()
                    hashed.update(key.encode() + b"\0" + item.raw)
                    digest = hashed.hexdigest()
                    if not self.force and (reused := self._unread(key, digest)):
                        self._list(*reused)
                        continue
                for read in item.read():
                    if isinstance(read, PublisherError):
                        source = read.path or item.path
                        where = f"{source}#{read.record}" if read.record else str(source)
                        self._list(Entry(id=where, source=_label(read, item.path), error=read.one_line()))
                        continue
                    work = self._wanted(read, key, digest)
                    if work is not None:
                        yield work

    def _unread(self, key: str, digest: str) -> tuple[Entry, str] | None:
        """The entry (and its listing JSON) of an item whose bytes were read before into the same settings, when its
        article would get the same slug now and its files are there."""
        known = self.state.unread(key, digest, self.out)
        if known is None:
            return None
        base, slug, entry = known
        if unique_slug(base, self.listing.ids) != slug:
            return None  # another article took its name in this run: read it again
        return entry

    def _wanted(self, article: Article, key: str, digest: str | None) -> tuple[Article, Work] | None:
        base = article.slug
        article = replace(article, slug=unique_slug(base, self.listing.ids)) if self.listing.taken(base) else article
        self.lang = self.lang or article.lang
        group = group_key(article, self.group_by) if self.group_by else ""
        if self.skip_empty and is_empty(article):
            self._list(Entry(id=article.slug, source=article.label, title=article.title, status="empty",
                             error="no text: left out (--skip-empty)", warnings=list(article.warnings),
                             date=_iso(article), lang=article.lang), group=group)
            return None
        work = Work(batch_state.fingerprint(article, self.environment), key, digest, base)
        if self.group_by:
            self.listing.keep_member(article.slug, group,
                                     batch_state.fingerprint(article, self.book_environment), article)
        reused = None if self.force else self.state.reusable(article.slug, work.fingerprint, self.out)
        if reused:
            self._remember(article, work)
            self._list(*reused, group=group)
            return None
        self.listing.add(Entry(id=article.slug, source=article.label, title=article.title, status="skipped",
                               error="not built: the run stopped first", date=_iso(article), lang=article.lang),
                         group)
        return article, work

    def _remember(self, article: Article, work: Work) -> None:
        """An article read from bytes of its own, and built from nothing else: no image, whose
        file could change while its bytes do not."""
        if work.digest and not article.assets and "<img" not in article.body_html:
            self.state.remember(work.item, work.digest, work.base, article.slug)

    def _list(self, entry: Entry, listed: str | None = None, group: str = "") -> None:
        self.lang = self.lang or entry.lang
        self.listing.add(entry, group, listed)
        self._counted(entry)

    def _counted(self, entry: Entry) -> None:
        self.done += 1
        self.failed += entry.status not in ("ok", "empty")
        if self.on_entry:
            self.on_entry(entry)
        if self.progress:
            self.progress(self.done, max(self.total, self.done), self.failed)

    def _orphans(self, prune: bool) -> None:
        """Articles an earlier run built that the inputs no longer hold (an archive took them down):
        listed as orphaned with their files, or with --prune their files deleted and listed as
        removed. A volume that held one is rebuilt, since its members' fingerprint changed."""
        for key, entry in self.listing.orphans():
            if prune:
                for relative in entry.outputs.values():
                    inside(self.out, relative).unlink(missing_ok=True)
                self.state.forget(key)
                entry = replace(entry, status="removed", error="no longer in the inputs: its files were deleted "
                                                               "(--prune)", warnings=[])
            else:
                entry = replace(entry, status="orphaned", reused=False, warnings=[],
                                error="no longer in the inputs; --prune deletes its files")
            self.listing.add(entry)

    def _volumes(self, jobs: int | None, prune: bool) -> list[str]:
        """One book a group, beside the articles: OUT/volumes/<group>.pdf and .epub, made from
        the group's built articles as the listing kept them. A volume that fails is listed among
        the entries, so that it counts as a failure of the run."""
        made = []
        book_options = _book_options(self.options)
        for key, joined in self.listing.groups():
            slug = f"volumes/{slugify(key) or 'group'}"
            fingerprint = hashlib.sha256(joined.encode()).hexdigest()
            if self.state.reusable(slug, fingerprint, self.out):
                made.append(slug)
                continue
            members = self.listing.members(key)
            publication = Publication(title=key, articles=tuple(members), kind="book", options=book_options)
            kept = Kept(self.out / KEPT, slug, reuse=not self.force)  # a volume rebuilt lays out only what changed
            rendered = render_outputs(publication, workers=jobs, kept=kept)
            written = write_outputs(rendered, self.out, slug)
            kept.close()
            rendered.warnings += kept.problems
            entry = Entry(id=slug, source=f"{self.group_by}={key}", title=key,
                          status="failed" if rendered.error else "ok",
                          outputs={f: p.relative_to(self.out.resolve()).as_posix() for f, p in written.items()},
                          error=rendered.error.one_line() if rendered.error else None,
                          warnings=list(rendered.warnings))
            self.state.record(slug, fingerprint, entry)
            if entry.status == "ok":
                made.append(slug)
            else:
                self.listing.add(entry)
        if prune:  # the volumes of groups no article is left in go too
            for key, entry in self.state.volumes():
                if key not in made and not self.listing.taken(key):
                    for relative in entry.outputs.values():
                        inside(self.out, relative).unlink(missing_ok=True)
                    self.state.forget(key)
        return made


def _book_options(options: Options) -> Options:
    return replace(options, layout="book" if options.layout == "article" else options.layout)


def _iso(article: Article) -> str | None:
    return article.date.isoformat() if article.date else None


def _label(error: PublisherError, path: Path) -> str:
    source = error.path or path
    return f"{source} record {error.record}" if error.record else str(source)


def machine_fault(exc: BaseException, out: Path, done: int, total: int) -> EnvironmentProblem:
    """One line for a fault of the machine: what, where, how far the run got, how to go on."""
    where = getattr(exc, "filename", None) or out
    what = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the output folder is on a read-only file system",
            errno.ENOENT: "the output folder is gone", errno.EACCES: "no permission to write there"}.get(
        getattr(exc, "errno", None), str(getattr(exc, "strerror", None) or exc))
    if isinstance(exc, sqlite3.Error):  # SQLite names the fault by its own codes, not errno
        code = getattr(exc, "sqlite_errorcode", None)  # absent from an error raised by hand
        if code is None:
            code = sqlite3.SQLITE_FULL if "disk is full" in str(exc) else (
                sqlite3.SQLITE_BUSY if "locked" in str(exc) else 0)
        what = {sqlite3.SQLITE_FULL: "no space left on the device",
                sqlite3.SQLITE_READONLY: "the output folder is on a read-only file system",
                sqlite3.SQLITE_BUSY: "the state file is locked by another run",
                sqlite3.SQLITE_LOCKED: "the state file is locked by another run"}.get(
            code & 0xFF, f"the state file cannot be written ({exc})")  # an extended code's primary part
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


def _written(results: Iterator[tuple[Article, Work, Rendered]], out: Path) -> Iterator[tuple[Article, Work, Entry]]:
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
                  warnings=list(article.warnings) + rendered.warnings, date=_iso(article), lang=article.lang)
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
