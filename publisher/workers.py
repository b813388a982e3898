"""The workers of `publisher batch`: what a worker does with an article, and the one loop that
keeps a bounded number of articles in flight on whichever executor runs them (this process, a
local process pool, or a Dask cluster through `Client.get_executor()`, which speaks
concurrent.futures).

The local pool is Pebble's: it ends the worker of an article that overruns --timeout, even inside
WeasyPrint's C code, and replaces a worker that dies without failing the others' articles.
(concurrent.futures' pool breaks whole when one worker dies: every article in flight failed with
it, measured by tests/test_batch.py::test_a_worker_that_dies_fails_its_article_alone.) The
timer signal in render_task serves the single-worker run in this process."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import chain, islice
from pathlib import Path
from typing import Any

from publisher.builder import Rendered, render_outputs
from publisher.errors import Bug, EnvironmentProblem, PublisherError, RenderError, UsageError
from publisher.files import use_scratch
from publisher.model import Article, Options, Publication, asset_bytes

Todo = Iterable[tuple[Article, Any]]  # (article, what the caller wants back with it)
Done = Iterator[tuple[Article, Any, Rendered]]


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
        return _too_long(article, timeout)
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _warm(options: Options | None = None, scratch: str | None = None) -> None:
    """Pool initializer: import the renderer once per worker, before the first task, and leave
    when the process that started the pool is gone (killed with kill -9, say): a worker must not
    outlive the run it served. With `options` (a run with a tight --timeout), rehearse too.

    `scratch`: the run's folder for temporary files, which the run removes (files.scratch)."""
    import threading

    use_scratch(scratch)

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


def run(todo: Todo, options: Options, jobs: int | None, scheduler: str | None, timeout: float | None = None,
        scratch: Path | None = None) -> Done:
    """(article, token, rendered) as workers finish, with a bounded number in flight. `todo` is
    read as the work goes (a batch reads its inputs while the workers render)."""
    todo = iter(todo)
    wanted = jobs or os.cpu_count() or 1
    # No more workers than articles to build: the first few tell, the rest are read as they go.
    first = list(islice(todo, wanted))
    if not first:
        return
    todo = chain(first, todo)
    if scheduler:
        yield from _on_dask(todo, options, scheduler)
        return
    workers = min(wanted, len(first))
    if workers == 1:
        from publisher.outputs import epub, pdf  # noqa: F401  (warm, as a pool worker would be)

        if _tight(timeout):
            _rehearse(options)
        for article, token in todo:
            yield article, token, render_task(article, options, timeout)
        return
    import pebble

    # Pebble stops an article that overruns --timeout by ending its worker, even inside C code
    # (a signal waits for Python bytecode), and replaces a worker that dies without breaking the
    # pool: the others keep their warm renderer.
    with pebble.ProcessPool(max_workers=workers, initializer=_warm,
                            initargs=(options if _tight(timeout) else None,
                                      str(scratch) if scratch else None)) as pool:
        yield from _in_flight(todo, lambda article: pool.schedule(render_task, args=(article, options),
                                                                  timeout=timeout), workers * 12, timeout)


def _on_dask(todo: Todo, options: Options, scheduler: str) -> Done:
    """The same tasks on a Dask cluster. Articles travel with their images as bytes, since a
    worker on another machine cannot read this machine's files; results come back here."""
    try:
        from distributed import Client
    except ImportError:
        raise EnvironmentProblem("--scheduler needs dask.distributed", hint="pip install 'dask[distributed]'") from None
    _reachable(scheduler)
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                         hint="start one with 'dask scheduler' and give its tcp://HOST:PORT") from None
    with client:
        executor = client.get_executor(pure=False)
        window = max(8, 4 * len(client.scheduler_info().get("workers", {})) or 8)

        def submit(article: Article) -> cf.Future:
            portable = replace(article, assets={url: asset_bytes(asset) for url, asset in article.assets.items()})
            return executor.submit(render_task, portable, options)

        yield from _in_flight(todo, submit, window)


def _reachable(scheduler: str) -> None:
    """A scheduler nothing listens at is named at once: Dask's own client retries for its whole
    timeout (20 s) before it gives up."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    if parts.scheme not in ("tcp", "tls"):
        return  # another transport (inproc, ucx): Dask says what is wrong with it
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or not port:
        # Refused here, before a Dask client starts the threads it leaves behind when it fails.
        raise UsageError(f"--scheduler {scheduler!r} is not an address", hint="give tcp://HOST:PORT, e.g. "
                                                                             "tcp://10.0.0.5:8786")
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    except OSError as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                         hint="start one with 'dask scheduler' and give its tcp://HOST:PORT") from None


def _in_flight(todo: Todo, submit: Callable[[Article], cf.Future], window: int,
               timeout: float | None = None) -> Done:
    """The one loop for every executor: at most `window` articles submitted at a time, each
    yielded with its result as it finishes (`timeout`: what the executor stops a task after)."""
    pending: dict[cf.Future, tuple[Article, Any]] = {}
    queue = iter(todo)
    more = True
    try:
        while True:
            while more and len(pending) < window:
                item = next(queue, None)
                if item is None:
                    more = False
                else:
                    pending[submit(item[0])] = item
            if not pending:
                return
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                article, token = pending.pop(future)
                yield article, token, _result(future, article, timeout)
    finally:
        for future in pending:
            future.cancel()


def _result(future: cf.Future, article: Article, timeout: float | None) -> Rendered:
    try:
        return future.result()
    except cf.TimeoutError:
        return _too_long(article, timeout)
    except Exception as exc:  # a worker that died: this article fails, the rest go on
        return Rendered(error=PublisherError(f"the worker failed: {type(exc).__name__}: {exc}"))


def _too_long(article: Article, timeout: float | None) -> Rendered:
    return Rendered(error=RenderError(f"took longer than {timeout:g} s and was stopped", path=article.source,
                                      record=article.record, hint="split the article, or raise --timeout"))
