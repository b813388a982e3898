"""`publisher build`: read every input, then make each article's outputs, one article at a time.

Everything is read and checked before anything is written; an article that fails is recorded
with its error and the others go on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from publisher import fonts, layouts
from publisher.errors import Bug, EnvironmentProblem, PublisherError, RenderError, UsageError
from publisher.files import inside, prepare_output_folder, write_atomic
from publisher.model import FORMATS, Article, Notice, Options, Publication, has_warning
from publisher.outputs.kept import Kept
from publisher.sources import ReadSettings, collect_inputs, read


@dataclass
class ArticleResult:
    source: Path
    record: int | None = None
    article: Article | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)
    error: PublisherError | None = None
    left_out: bool = False
    """A record with a title and no text, left out (--skip-empty)."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def label(self) -> str:
        return f"{self.source} record {self.record}" if self.record else str(self.source)


def build(
    inputs: Iterable[Path],
    out: Path,
    options: Options,
    on_result: Callable[[ArticleResult], None] | None = None,
    settings: ReadSettings | None = None,
    skip_empty: bool = False,
) -> list[ArticleResult]:
    layouts.check(options)
    results = _read_all(collect_inputs(inputs), settings or ReadSettings())
    prepare_output_folder(out)
    for result in results:
        if skip_empty and result.article is not None and has_warning(result.article.warnings, "no-text"):
            result.left_out = True
        elif result.ok:
            with _faults_named(result.label):
                _make_outputs(result, out, options)
        if on_result:
            on_result(result)
    return results


@contextlib.contextmanager
def _faults_named(label: str):
    """A fault in publisher's own code, raised as a Bug that names what was being made."""
    try:
        yield
    except (PublisherError, Bug):
        raise
    except Exception as exc:
        raise Bug.of(label, exc) from exc


def _read_all(paths: list[Path], settings: ReadSettings) -> list[ArticleResult]:
    results, slugs = [], set()
    for path in paths:
        for item in read(path, settings):
            if isinstance(item, PublisherError):
                results.append(ArticleResult(source=path, record=item.record, error=item))
            else:
                article = _unique(item, slugs)
                results.append(ArticleResult(source=path, record=article.record, article=article,
                                             warnings=list(article.warnings)))
    return results


def _unique(article: Article, taken: set[str]) -> Article:
    """Two articles may not write the same file: a repeated slug gets -2, -3, ..."""
    slug = unique_slug(article.slug, taken)
    taken.add(slug)
    return article if slug == article.slug else replace(article, slug=slug)


def unique_slug(base: str, taken: set[str]) -> str:
    """`base`, or the first of base-2, base-3, ... that `taken` does not hold."""
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _make_outputs(result: ArticleResult, out: Path, options: Options) -> None:
    article = result.article
    assert article is not None
    make_outputs(Publication(title=article.title, articles=(article,), options=options), out, result)


@dataclass
class Rendered:
    """A publication's outputs as bytes, before anything is written: what a worker process (or a
    Dask worker on another machine) sends back to the one that writes the files."""

    files: dict[str, bytes] = field(default_factory=dict)
    """format -> the file's bytes."""
    assets: dict = field(default_factory=dict)
    """For the HTML output: URL -> file or bytes, written beside the page."""
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)
    error: PublisherError | None = None
    """The first format's failure (it pickles with its file and hint, for worker processes)."""


def render_outputs(publication: Publication, workers: int | None = None,
                   progress: Callable[[int, int], None] | None = None, kept: Kept | None = None) -> Rendered:
    """Each format on its own: a PDF that fails does not cost the publication its EPUB. A machine
    that lacks a system library raises, since everything else would fail the same way. `workers`:
    processes a long volume may render its parts on (default: one per core); `progress` hears
    (articles laid out, articles) as a long volume's parts are; `kept`: what the publication's
    earlier builds into the same folder laid out, taken where nothing it depends on changed."""
    rendered = Rendered()
    text = "\n".join(article.text for article in publication.articles) + publication.title
    missing = fonts.missing_characters(text)
    if missing:
        shown = ", ".join(fonts.describe(ch) for ch in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        rendered.warnings.append(Notice("missing-glyph", f"no bundled font covers {shown}{more}: those characters "
                                                         "will show as empty boxes"))
    composer = None
    page_starts = ()  # where the PDF's pages begin, for the EPUB's page list (print equivalence)
    for fmt in (f for f in FORMATS if f in publication.options.formats):
        try:
            composer = composer or layouts.composer(publication)  # the layout and page resolved once
            if fmt == "html":
                document = composer.document()
                rendered.files["html"] = document.standalone().encode("utf-8")
                rendered.assets = document.assets
            elif fmt == "pdf":
                from publisher.outputs.volume import render_print

                pdf = render_print(composer, workers, progress, kept)
                rendered.files["pdf"], rendered.pages = pdf.data, pdf.pages
                page_starts = pdf.page_starts
                rendered.warnings.extend(w for w in pdf.warnings if not (missing and ".notdef glyph" in w))
                if how := publication.options.impose:  # the sheets beside the pages: <slug>.booklet.pdf
                    from pypdf.errors import PyPdfError

                    from publisher.outputs.impose import impose

                    try:
                        rendered.files[f"{how}.pdf"] = impose(
                            pdf.data, how, direction=publication.dir, bleed_mm=composer.page.bleed_mm,
                            marks=composer.page.marks,
                            keep_last=publication.kind == "bulletin" and publication.back_page)
                    except (PyPdfError, ValueError, KeyError) as exc:  # pypdf's, on our own PDF
                        raise RenderError(f"the pages could not be imposed ({type(exc).__name__}: {exc})",
                                          hint="build without --impose, and report this") from exc
            else:
                from publisher.outputs.epub import make_epub

                rendered.files["epub"] = make_epub(publication, composer.epub(), page_starts, kept)
        except EnvironmentProblem:
            raise
        except PublisherError as exc:
            first = publication.articles[0]
            if exc.path is None:  # about the article itself, not a layout or a font
                exc.path = publication.source or first.source
                exc.record = exc.record or (first.record if len(publication.articles) == 1 else None)
            rendered.error = rendered.error or exc
    return rendered


def write_outputs(rendered: Rendered, out: Path, slug: str) -> dict[str, Path]:
    """The files, each written atomically under `out`; fonts and images beside an HTML page."""
    written = {}
    for fmt, data in rendered.files.items():
        target = inside(out, f"{slug}.{fmt}")
        if fmt == "html":
            from publisher.outputs.html import write_assets

            write_assets(rendered.assets, out)
        write_atomic(target, data)
        written[fmt] = target
    return written


def make_outputs(publication: Publication, out: Path, result: ArticleResult, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None, kept: Kept | None = None) -> None:
    rendered = render_outputs(publication, workers, progress, kept)
    result.outputs.update(write_outputs(rendered, out, publication.slug))
    result.pages = rendered.pages
    result.warnings.extend(rendered.warnings)
    result.error = rendered.error


def gather(inputs: Iterable[Path], settings: ReadSettings | None = None) -> tuple[list[Article], list[ArticleResult]]:
    """Every article the inputs hold, in order, and a failed result for each one that could not
    be read: a publication is made of the good ones, and the bad ones are reported."""
    results = _read_all(collect_inputs(inputs), settings or ReadSettings())
    return [r.article for r in results if r.ok and r.article], [r for r in results if not r.ok]


def build_publication(publication: Publication, out: Path, workers: int | None = None,
                      progress: Callable[[int, int], None] | None = None, reuse: bool = True) -> ArticleResult:
    """One bulletin or book from its articles: OUT/<slug>.pdf, .epub (and .html). `reuse`: take
    what an earlier build into `out` laid out where nothing it depends on changed (kept.py)."""
    layouts.check(publication.options)
    if not publication.articles:
        raise UsageError("no article could be read, so there is nothing to publish",
                         path=publication.source, hint="check the inputs named above")
    prepare_output_folder(out)
    result = ArticleResult(source=publication.source or Path(publication.slug))
    kept = Kept.under(out, publication, reuse)  # a book rebuilt into the same folder lays out only what changed
    with _faults_named(f"the {publication.kind} {publication.title!r}"):
        make_outputs(publication, out, result, workers, progress, kept)
        kept.close()
        result.warnings += kept.problems
    return result
