"""`publisher batch`: whole archives, on every core or on a Dask cluster, incremental and resumable.

The process that runs the command reads every input, decides what needs (re)building from the
state it keeps in OUT/.publisher/state.sqlite, and sends each article to a worker: a local process
pool by default, or a Dask cluster with --scheduler. Workers only render and send bytes back;
this process writes every file (atomically) and records it, one article at a time, so a run
killed at any moment leaves only whole files and resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from publisher import DATA_ROOT, __version__, fonts, layouts
from publisher.builder import Rendered, gather, render_outputs, write_outputs
from publisher.errors import Bug, EnvironmentProblem, PublisherError, RenderError, UsageError
from publisher.files import inside, prepare_output_folder, write_atomic
from publisher.model import Article, Options, Publication, asset_bytes, slugify
from publisher.sources import ReadSettings

STATE = ".publisher/state.sqlite"
GROUPINGS = ("year", "month", "source")


@dataclass
class Entry:
    """One input article's line in the manifest."""

    id: str
    source: str
    title: str = ""
    status: str = "failed"
    outputs: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    pages: int | None = None
    error: str | None = None
    reused: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class Summary:
    entries: list[Entry]
    volumes: list[str]
    seconds: float

    @property
    def failed(self) -> list[Entry]:
        return [e for e in self.entries if e.status != "ok"]


class _TookTooLong(BaseException):
    """Raised by the alarm; a BaseException, so that no `except Exception` in a library swallows it."""


def _alarm(signum, frame):
    raise _TookTooLong


def render_task(article: Article, options: Options, timeout: float | None = None) -> Rendered:
    """What a worker does: one article to bytes. Runs in a pool process or on a Dask worker, where
    WeasyPrint, its FontConfiguration and the parsed layouts stay warm between tasks. With a
    timeout, an article that takes longer is stopped and fails alone (a timer signal: only where
    the task runs on the process's main thread, as in the pool; Dask runs tasks on threads)."""
    import signal
    import threading

    armed = bool(timeout) and threading.current_thread() is threading.main_thread()
    if armed:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return render_outputs(Publication(title=article.title, articles=(article,), options=options))
    except EnvironmentProblem as exc:
        return Rendered(error=exc)
    except Exception as exc:  # a fault in publisher's own code: the run stops at it (see batch)
        return Rendered(error=Bug.of(article.label, exc))
    except _TookTooLong:
        return Rendered(error=RenderError(f"took longer than {timeout:g} s and was stopped", path=article.source,
                                          record=article.record, hint="split the article, or raise --timeout"))
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _warm(options: Options | None = None) -> None:
    """Pool initializer: import the renderer once per worker, before the first task, and leave
    when the process that started the pool is gone (killed with kill -9, say): a worker must not
    outlive the run it served. With `options` (a run with a tight --timeout), rehearse too."""
    import threading

    from publisher.outputs import epub, pdf  # noqa: F401

    if options is not None:
        _rehearse(options)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _tight(timeout: float | None) -> bool:
    """Whether a worker's first-article costs (fonts, templates, stylesheet: a fraction of a second,
    a second on a slow machine) could matter against --timeout, and so are paid beforehand."""
    return bool(timeout) and timeout < 60


def _rehearse(options: Options) -> None:
    """Render a short article and throw it away: the fonts, the layout's templates and stylesheet
    and the text layer's tables are then ready, and no article's --timeout pays for them."""
    sample = Article(slug="rehearsal", title="تجربة", source=Path("rehearsal"), authors=("publisher",),
                     body_html="<p>نص قصير للتجربة، فيه أرقام ١٢٣ و 456 وكلمة Latin.</p>")
    with contextlib.suppress(Exception):  # a rehearsal that fails tells nothing: the articles will say what
        render_outputs(Publication(title=sample.title, articles=(sample,), options=options))


class State:
    """What earlier runs made: an article's fingerprint and the files it gave."""

    def __init__(self, out: Path):
        path = out / STATE
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        # A record lost to a power cut only means that article is built again: the outputs are
        # written (and synced) before their record, so the log need not be synced at every commit.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS done (id TEXT PRIMARY KEY, fingerprint TEXT, entry TEXT)")

    def reusable(self, key: str, fingerprint: str, out: Path) -> Entry | None:
        row = self.db.execute("SELECT fingerprint, entry FROM done WHERE id = ?", (key,)).fetchone()
        if not row or row[0] != fingerprint:
            return None
        entry = Entry(**json.loads(row[1]))
        if entry.status != "ok" or not all((out / rel).is_file() for rel in entry.outputs.values()):
            return None
        return replace(entry, reused=True, warnings=[])

    def record(self, key: str, fingerprint: str, entry: Entry) -> None:
        saved = {k: v for k, v in entry.__dict__.items() if k not in ("reused", "warnings")}
        self.db.execute("INSERT OR REPLACE INTO done VALUES (?, ?, ?)", (key, fingerprint, json.dumps(saved)))
        self.db.commit()

    def close(self) -> None:
        self.db.close()


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
) -> Summary:
    started = time.monotonic()
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs} is not a number of workers", hint="give 1 or more; default: one per core")
    if group_by is not None and group_by not in GROUPINGS:
        raise UsageError(f"--group-by {group_by!r} is not known", hint=f"choose {', '.join(GROUPINGS)}")
    layout = layouts.check(options)
    articles, unreadable = gather(inputs, settings)
    prepare_output_folder(out)
    _clear_partial_files(out)
    state = State(out)
    entries: dict[str, Entry] = {}
    order: list[str] = []
    for failure in unreadable:
        key = f"{failure.source}#{failure.record}" if failure.record else str(failure.source)
        entries[key] = Entry(id=key, source=failure.label, error=failure.error.one_line() if failure.error else None)
        order.append(key)
    environment = _environment_fingerprint(layout, options)
    todo: list[tuple[Article, str]] = []
    for article in articles:
        fingerprint = _fingerprint(article, environment)
        order.append(article.slug)
        reused = None if force else state.reusable(article.slug, fingerprint, out)
        if reused:
            entries[article.slug] = reused
            if on_entry:
                on_entry(reused)
        else:
            todo.append((article, fingerprint))
    total, done, failed = len(order), len(order) - len(todo), len(unreadable)
    if progress:
        progress(done, total, failed)
    volumes: list[str] = []
    try:
        try:
            for article, fingerprint, entry in _written(_run(todo, options, jobs, scheduler, timeout), out):
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
        if group_by:
            volumes, broken = _volumes(articles, entries, out, options, group_by, state, jobs)
            for entry in broken:
                entries[entry.id] = entry
                order.append(entry.id)
    finally:
        state.close()
        for article, _ in todo:  # what a stopped run (--fail-fast, an error) never reached
            entries.setdefault(article.slug, Entry(id=article.slug, source=article.label, title=article.title,
                                                   status="skipped", error="not built: the run stopped first"))
        listed = [entries[key] for key in order if key in entries]
        _write_manifest(out, listed, volumes)
        _write_index(out, listed, articles, group_by, options)
    return Summary(entries=listed, volumes=volumes, seconds=time.monotonic() - started)


def _run(todo: list[tuple[Article, str]], options: Options, jobs: int | None, scheduler: str | None,
         timeout: float | None = None) -> Iterator[tuple[Article, str, Rendered]]:
    """(article, fingerprint, rendered) as workers finish, with a bounded number in flight."""
    if not todo:
        return
    if scheduler:
        yield from _run_dask(todo, options, scheduler)
        return
    workers = min(jobs or os.cpu_count() or 1, len(todo))  # no more workers than articles to build
    if workers == 1:
        from publisher.outputs import epub, pdf  # noqa: F401  (warm, as a pool worker would be)

        if _tight(timeout):
            _rehearse(options)
        for article, fingerprint in todo:
            yield article, fingerprint, render_task(article, options, timeout)
        return
    queue = list(todo)
    while queue:
        # A worker that dies (killed, out of memory) breaks the whole pool: the article it held
        # fails, and a new pool takes up the ones not yet done.
        queue = yield from _pool(queue, options, workers, timeout)


def _pool(todo: list[tuple[Article, str]], options: Options, workers: int,
          timeout: float | None) -> Iterator[tuple[Article, str, Rendered]]:
    """Run `todo` on a process pool; return what is left if the pool broke."""
    window = workers * 3
    pending: dict[cf.Future, tuple[Article, str]] = {}
    queue = iter(todo)
    with cf.ProcessPoolExecutor(max_workers=workers, initializer=_warm,
                                initargs=(options if _tight(timeout) else None,)) as pool:
        try:
            for item in queue:
                pending[pool.submit(render_task, item[0], options, timeout)] = item
                while len(pending) >= window or (pending and item is todo[-1]):
                    finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for future in finished:
                        article, fingerprint = pending.pop(future)
                        if isinstance(future.exception(), cf.process.BrokenProcessPool):
                            left = [pending.pop(f) for f in list(pending)] + list(queue)
                            yield article, fingerprint, _result(future)
                            return left
                        yield article, fingerprint, _result(future)
        finally:
            for future in pending:
                future.cancel()
    return []


def _run_dask(todo: list[tuple[Article, str]], options: Options,
              scheduler: str) -> Iterator[tuple[Article, str, Rendered]]:
    """The same tasks on a Dask cluster. Articles travel with their images as bytes, since a
    worker on another machine cannot read this machine's files; results come back here."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise EnvironmentProblem("--scheduler needs dask.distributed", hint="pip install 'dask[distributed]'") from None
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                         hint="start one with 'dask scheduler' and give its tcp://HOST:PORT") from None
    with client:
        portable = [(replace(article, assets={u: asset_bytes(a) for u, a in article.assets.items()}), fp)
                    for article, fp in todo]
        window = max(8, 4 * len(client.scheduler_info().get("workers", {})) or 8)
        by_key: dict[str, tuple[Article, str]] = {}
        queue = iter(portable)
        running = as_completed()
        for article, fingerprint in queue:
            future = client.submit(render_task, article, options, pure=False)
            by_key[future.key] = (article, fingerprint)
            running.add(future)
            if running.count() >= window:
                break
        for future in running:
            article, fingerprint = by_key.pop(future.key)
            yield article, fingerprint, _result(future)
            following = next(queue, None)
            if following is not None:
                nxt = client.submit(render_task, following[0], options, pure=False)
                by_key[nxt.key] = following
                running.add(nxt)


def _result(future) -> Rendered:
    try:
        return future.result()
    except Exception as exc:  # a worker that died, or a bug in it: this article fails, the rest go on
        return Rendered(error=PublisherError(f"the worker failed: {type(exc).__name__}: {exc}"))


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


def _fingerprint(article: Article, environment: str) -> str:
    digest = hashlib.sha256(environment.encode())
    fields = {"slug": article.slug, "title": article.title, "subtitle": article.subtitle, "body": article.body_html,
              "lang": article.lang, "dir": article.dir, "authors": article.authors, "byline": article.byline,
              "dateline": article.dateline, "date": article.date.isoformat() if article.date else None,
              "summary": article.summary, "tags": article.tags, "meta": article.meta}
    digest.update(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode())
    for url, asset in sorted(article.assets.items()):
        digest.update(url.encode() + hashlib.sha256(asset_bytes(asset)).digest())
    return digest.hexdigest()


def _environment_fingerprint(layout: layouts.Layout, options: Options) -> str:
    """What every article's outputs depend on besides the article: publisher's version, the
    options, the layout's files (its ancestors' too) and the fonts."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{__version__}\0{version('weasyprint')}\0{options!r}".encode())
    folders = [item.folder for item in layout.chain] + [fonts.FONTS_DIR]
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + hashlib.sha256(path.read_bytes()).digest())
    digest.update(str(DATA_ROOT).encode())
    return digest.hexdigest()


def _group_key(article: Article, group_by: str) -> str:
    if group_by == "source":
        return article.meta.get("source") or article.source.stem
    if article.date is None:
        return "undated"
    return str(article.date.year) if group_by == "year" else f"{article.date:%Y-%m}"


def _volumes(articles: list[Article], entries: dict[str, Entry], out: Path, options: Options, group_by: str,
             state: State, jobs: int | None = None) -> tuple[list[str], list[Entry]]:
    """One book a group, beside the articles: OUT/volumes/<group>.pdf and .epub. A volume that
    fails is listed among the entries, so that it counts as a failure of the run."""
    failed_volumes: list[Entry] = []
    groups: dict[str, list[Article]] = {}
    for article in articles:
        if entries.get(article.slug) and entries[article.slug].status == "ok":
            groups.setdefault(_group_key(article, group_by), []).append(article)
    made = []
    book_options = replace(options, layout="book" if options.layout == "article" else options.layout)
    environment = _environment_fingerprint(layouts.find(book_options.layout, book_options.layouts_dirs),
                                           book_options)
    for key, members in sorted(groups.items()):
        slug = f"volumes/{slugify(key) or 'group'}"
        fingerprint = hashlib.sha256("".join(_fingerprint(a, environment) for a in members).encode()).hexdigest()
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


def _write_manifest(out: Path, entries: list[Entry], volumes: list[str]) -> None:
    listed = [{"id": e.id, "source": e.source, "title": e.title, "status": e.status, "outputs": e.outputs,
               "sha256": e.sha256, "pages": e.pages, "error": e.error} for e in entries]
    summary = {"articles": len(entries), "ok": sum(e.status == "ok" for e in entries),
               "failed": sum(e.status != "ok" for e in entries), "reused": sum(e.reused for e in entries),
               "built": sum(e.status == "ok" and not e.reused for e in entries), "volumes": volumes}
    data = json.dumps({"articles": listed, "summary": summary}, ensure_ascii=False, indent=1)
    write_atomic(inside(out, "manifest.json"), data.encode("utf-8"))


def _write_index(out: Path, entries: list[Entry], articles: list[Article], group_by: str | None,
                 options: Options) -> None:
    """OUT/index.html: every article with links to its files, by group when grouped."""
    by_slug = {a.slug: a for a in articles}
    rows: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        article = by_slug.get(entry.id)
        key = _group_key(article, group_by) if group_by and article else ""
        rows.setdefault(key, []).append({"entry": entry, "article": article})
    layout = layouts.find(options.layout, options.layouts_dirs)
    lang = articles[0].lang if articles else "ar"
    page = layouts.render(layout, "index.html.j2", groups=sorted(rows.items()), lang=lang,
                          dir="rtl" if lang.split("-")[0] in ("ar", "fa", "ur", "he") else "ltr",
                          volumes=sorted((out / "volumes").glob("*.pdf")) if group_by else [])
    write_atomic(inside(out, "index.html"), page.encode("utf-8"))
