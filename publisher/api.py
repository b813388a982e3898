"""The Python API: what `publisher build` and `publisher check` do, for programs (a newsroom's
CMS, a notebook) that would otherwise shell out. The CLI is a layer over the same functions.

    import publisher
    articles = publisher.read("articles/report.md")
    results = publisher.builder(["articles/report.md"], out="dist", options=publisher.Options(formats=("pdf",)))

Errors are the CLI's: a PublisherError (InputError, UsageError, LayoutError, RenderError,
EnvironmentProblem) whose one_line() is what the CLI prints and whose exit_code is its status.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from publisher.model import Article, Options, Publication


def read(path: str | Path, *, field_map: dict[str, str] | None = None,
         allow_remote: Iterable[str] = ()) -> list[Article]:
    """The articles a file (or every supported file in a folder) holds, in order, slugs made
    unique as `build` makes them. The first one that cannot be read raises its error, naming the
    file (and the record, in an export)."""
    from publisher.builder import gather

    articles, failed = gather([Path(path)], _settings(field_map, allow_remote))
    if failed:
        raise failed[0].error
    return articles


def build(paths: str | Path | Iterable[str | Path], out: str | Path = "dist", options: Options | None = None,
          *, field_map: dict[str, str] | None = None, allow_remote: Iterable[str] = ()) -> list:
    """Each article of `paths` into OUT/<slug>.pdf and OUT/<slug>.epub (and .html), exactly as
    `publisher build` writes them. Returns one build.ArticleResult an article (its `outputs`,
    `pages`, `warnings`, and `error` for one that failed while the others were made); a problem
    with the options, the layout or the output folder raises before anything is written."""
    from publisher.builder import build as run_build

    inputs = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    return run_build(inputs, Path(out), options or Options(), settings=_settings(field_map, allow_remote))


def render(publication: Publication, *, workers: int | None = None):
    """The publication's outputs as bytes, nothing written: `.files` maps each format of its
    options to the file's bytes, with `.pages` and `.warnings`. A format that fails raises."""
    from publisher import layouts
    from publisher.builder import render_outputs

    layouts.check(publication.options)
    rendered = render_outputs(publication, workers)
    if rendered.error is not None:
        raise rendered.error
    return rendered


def _settings(field_map: dict[str, str] | None, allow_remote: Iterable[str]):
    from publisher.sources import ReadSettings

    return ReadSettings(field_map=dict(field_map or {}), allow_remote=tuple(allow_remote))


def check(path: str | Path, source: str | Path | None = None, min_recall: float | None = None):
    """What `publisher check` reports on a finished PDF or EPUB: `.facts`, `.problems` (empty
    when all is well); with `source`, the words viewers find in a PDF."""
    from publisher.checker import MIN_RECALL
    from publisher.checker import check as run_check

    return run_check(Path(path), Path(source) if source is not None else None,
                     MIN_RECALL if min_recall is None else min_recall)
