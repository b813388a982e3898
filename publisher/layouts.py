"""Layouts: folders of templates and CSS, found by name, rendered with Jinja2.

A layout folder holds layout.toml (description, extends, defaults), `publication.html.j2`, and
optional `print.css.j2` and `epub.css.j2`. Lookup goes through an ordered list of roots: the
user's --layouts-dir folders first, then the project's layouts/. A layout inherits its parent's
files; its own templates may extend a parent's by prefix ("article/publication.html.j2") and
override only the blocks they name. Article text reaches templates as data, never as a template.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from publisher import DATA_ROOT, words
from publisher.arabic import digits as write_digits
from publisher.errors import LayoutError
from publisher.model import CSS_SLOT, Document, EpubContent, PageGeometry, Part, Publication

BUILTIN_ROOT = DATA_ROOT / "layouts"
ENTRY_TEMPLATE = "publication.html.j2"
# A layout is named, never given as a path: a name cannot climb out of the layout folders.
LAYOUT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Layout:
    name: str
    folder: Path
    description: str
    parent: Layout | None
    defaults: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def chain(self) -> tuple[Layout, ...]:
        """This layout, then its ancestors: the order in which files are looked up."""
        return (self, *(self.parent.chain if self.parent else ()))

    def merged_defaults(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for layout in reversed(self.chain):
            merged.update(layout.defaults)
        return merged


def roots(extra: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    return (*extra, BUILTIN_ROOT)


def available(extra: tuple[Path, ...] = ()) -> dict[str, Path]:
    """Every layout name found, mapped to the folder that wins (user folders first)."""
    found: dict[str, Path] = {}
    for root in roots(extra):
        if root.is_dir():
            for toml in sorted(root.glob("*/layout.toml")):
                found.setdefault(toml.parent.name, toml.parent)
    return found


def find(name: str, extra: tuple[Path, ...] = ()) -> Layout:
    if not LAYOUT_NAME.match(name):
        raise LayoutError(f"{name!r} is not a layout name", hint="a name such as article; see 'publisher layouts'")
    for root in extra:
        if not root.is_dir():
            raise LayoutError("layouts folder not found", path=root, hint="check --layouts-dir")
    return _load(name, tuple(roots(extra)), skip=None)


@cache
def _load(name: str, search: tuple[Path, ...], skip: Path | None) -> Layout:
    candidates = [root / name for root in search if (root / name / "layout.toml").is_file()]
    if skip is not None:
        # A layout that extends its own name ("article" over "article") means the next one found.
        candidates = candidates[candidates.index(skip) + 1 :] if skip in candidates else candidates
    if not candidates:
        names = ", ".join(sorted(available(tuple(r for r in search if r != BUILTIN_ROOT)))) or "none"
        raise LayoutError(f"layout {name!r} not found", hint=f"available: {names}")
    folder = candidates[0]
    manifest = folder / "layout.toml"
    try:
        spec = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"layout.toml is not valid TOML: {exc}", path=manifest) from None
    parent_name = spec.get("extends")
    if parent_name is not None and not (isinstance(parent_name, str) and LAYOUT_NAME.match(parent_name)):
        raise LayoutError(f"extends {parent_name!r} is not a layout name", path=manifest)
    if parent_name == name and skip == folder:
        raise LayoutError("layout extends itself", path=manifest, hint="name another layout in extends")
    parent = _load(parent_name, search, folder if parent_name == name else None) if parent_name else None
    return Layout(name, folder, spec.get("description", ""), parent, spec.get("defaults", {}))


@cache
def environment(layout: Layout):
    import jinja2

    # Plain names resolve along the chain (this layout first); "parent/file" names reach one
    # ancestor's own file, so a template can extend the one it replaces.
    ancestors = {ancestor.name: jinja2.FileSystemLoader(ancestor.folder) for ancestor in reversed(layout.chain[1:])}
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([item.folder for item in layout.chain]),
        jinja2.PrefixLoader(ancestors, delimiter="/"),
    ])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["digits"] = _digits_filter
    env.filters["long_date"] = words.long_date
    env.filters["names"] = words.names
    env.filters["isolated"] = _isolated_filter
    return env


def _isolated_filter(text: str, direction: str):
    """A title or subtitle with its opposite-direction phrases in <bdi>, as the body's are
    (typography.isolated): a title is one text box in WeasyPrint, and a telephone number or a URL in
    it would be ordered right to left there as in the body."""
    from markupsafe import Markup

    from publisher import typography

    return Markup(typography.isolated(str(text), direction))


def _digits_filter(value: Any, style: str) -> str:
    from publisher.arabic import digits

    return digits(str(value), style)


def render(layout: Layout, template: str, **context: Any) -> str:
    return "".join(stream(layout, template, **context))


def stream(layout: Layout, template: str, **context: Any) -> Iterator[str]:
    """A template rendered a piece at a time (Jinja's generate): a page of 30,000 rows never
    stands whole in memory."""
    import jinja2

    try:
        yield from environment(layout).get_template(template).generate(**context)
    except jinja2.TemplateNotFound as exc:
        raise LayoutError(f"template {exc.name!r} not found in layout {layout.name!r}",
                          path=layout.folder, hint="add it or extend a layout that has it") from None
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or layout.folder
        line = getattr(exc, "lineno", None)
        raise LayoutError(f"template error{f' at line {line}' if line else ''}: {exc.message}", path=where) from None


def stylesheet(layout: Layout, kind: str, **context: Any) -> str:
    """`print` or `epub` CSS: each layout's `<kind>.css.j2`, ancestors first, so children refine.

    CSS is not HTML, so it is rendered without HTML escaping; it receives only checked options.
    """
    import jinja2

    parts = []
    for item in reversed(layout.chain):
        path = item.folder / f"{kind}.css.j2"
        if path.is_file():
            try:
                parts.append(_css_template(layout, path).render(**context))
            except jinja2.TemplateError as exc:
                raise LayoutError(f"stylesheet error: {exc}", path=path) from None
    return "\n".join(parts)


@cache
def _css_template(layout: Layout, path: Path):
    """Compiled once a process: every article of a batch renders the same stylesheets."""
    return environment(layout).overlay(autoescape=False).from_string(path.read_text(encoding="utf-8"))



# Running heads are set in the heading face at this size (the base layout's print.css.j2 takes it
# from here), so that a title can be shortened to what the head's box holds.
HEAD_SIZE_PT = 8.5
HEAD_ROOM = 0.94  # of the text block's width: what a head may take, leaving the renderer's rounding room
ELLIPSIS = "…"


def fitted_head(text: str, width_pt: float, lang: str = "", nastaliq: bool = True) -> str:
    """`text` as a running head `width_pt` wide holds it: whole, or as many of its first words as
    fit followed by "…" (never a word cut, as WeasyPrint's text-overflow cuts it at the box's edge).
    Measured in the heading face of `lang`, the face the head is set in."""
    from publisher import fonts

    text = " ".join(text.split())
    room = width_pt * HEAD_ROOM

    def width(value: str) -> float:
        return fonts.text_width(value, "heading", HEAD_SIZE_PT, lang=lang, nastaliq=nastaliq)

    if width(text) <= room:
        return text
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):
        shortened = " ".join(words[:count]).rstrip("،,:;-–—۔ ") + ELLIPSIS
        if width(shortened) <= room:
            return shortened
    return words[0]  # one word longer than the head: WeasyPrint's ellipsis is the last resort


def head_width_pt(page: PageGeometry) -> float:
    from publisher import config

    return config.text_width_mm(page.size, page.outer, page.inner) * config.POINTS_PER_MM


@lru_cache(maxsize=32)
def _print_css(layout: Layout, page: PageGeometry, left: str, right: str, digits: str, first_folio: int | None,
               lang: str = "", nastaliq: bool = True) -> str:
    """The print stylesheet, rendered once for all the documents that share it (every article of
    a batch, as a rule): the same string, which the PDF renderer then parses once too. Margin
    boxes (folios, running heads) are set in the faces of `lang`, the publication's language."""
    from publisher import fonts

    context = {"page": page, "running": {"left": left, "right": right, "size": f"{HEAD_SIZE_PT:g}pt"},
               "digits": digits, "first_folio": first_folio, **_font_context(lang, nastaliq)}
    return fonts.font_face_css(lang=lang, nastaliq=nastaliq) + "\n" + stylesheet(layout, "print", **context)


def _font_context(lang: str, nastaliq: bool) -> dict[str, Any]:
    """What the stylesheets are told of the fonts: the role lists of the publication's language
    (`fonts`), those of every language with faces of its own (`own_fonts`, for their :lang()
    rules), and whether Urdu is set in Nastaliq."""
    from publisher import fonts

    return {"fonts": fonts.role_names(lang, nastaliq), "own_fonts": fonts.languages_of_their_own(nastaliq),
            "nastaliq": nastaliq}


def nastaliq(layout: Layout, options) -> bool:
    """Whether Urdu is set in Nastaliq: --urdu-face, else the layout's default, else yes."""
    return _setting(layout, options, "urdu_face", "nastaliq") == "nastaliq"


def _setting(layout: Layout, options, name: str, default: str | None = None) -> str | None:
    """An option as given, else the layout's default for it (layout.toml), else `default`."""
    return getattr(options, name) or str(layout.merged_defaults().get(name, "")) or default


@dataclass(frozen=True)
class Composer:
    """A publication with its layout found and its page worked out, once: what the outputs are
    given, so that none of them looks a layout up. A book's PDF is rendered in parts whose
    contents page needs the folios the parts turned out to have, so the outputs ask it for the
    document of each part; it pickles, for the worker processes that render them."""

    publication: Publication
    layout: Layout
    page: PageGeometry

    def document(self, part: Part | None = None) -> Document:
        """The print document of a part, or of the whole publication: that one is made once, for
        the PDF and the HTML output alike."""
        if part is None:
            return self._whole
        return compose(self.publication, part=part, layout=self.layout, page=self.page)

    @cached_property
    def _whole(self) -> Document:
        return compose(self.publication, layout=self.layout, page=self.page)

    @property
    def in_parts(self) -> bool:
        """Whether its PDF is rendered in parts and joined (books)."""
        return self.publication.kind == "book"

    @cached_property
    def faces(self):
        """The bundled faces its text may be set in (what its EPUB carries): those for every
        language and those of its articles' languages."""
        from publisher import fonts

        languages = {article.lang for article in self.publication.articles}
        return fonts.faces_for(languages, nastaliq(self.layout, self.publication.options))

    @property
    def font_files(self) -> tuple[Path, ...]:
        """The font files its documents may embed: the bundled faces and the layout's own."""
        from publisher import fonts

        return (*(face.path for face in fonts.faces()),
                *(path for path in layout_assets(self.layout).values() if path.suffix.lower() in (".ttf", ".otf")))

    def epub(self) -> EpubContent:
        """Everything the EPUB holds that the layout makes: its stylesheet and content documents."""
        publication = self.publication
        stylesheet = epub_stylesheet(publication, self.layout, self.faces)
        front = None
        if publication.kind != "article":
            front = compose(publication, "epub", Part(front=True, articles=()), self.layout, self.page).html
        chapters = tuple(
            compose(publication, "epub", Part(front=False, articles=(article,)), self.layout, self.page).html
            for article in publication.articles)
        back = None
        if publication.back_page:
            back = compose(publication, "epub", Part(front=False, articles=(), back=True), self.layout, self.page).html
        # The layout's own pictures its CSS or pages name.
        named = stylesheet + (front or "") + "".join(chapters) + (back or "")
        images = {url: path for url, path in layout_assets(self.layout).items() if url in named}
        if (logo := logo_name(publication)) and logo in (front or "") + (back or ""):
            images[logo] = publication.logo
        return EpubContent(stylesheet=stylesheet, front=front, chapters=chapters, back=back, images=images,
                           contents_word=words.around_articles(publication.lang)["contents"], faces=self.faces)


def composer(publication: Publication) -> Composer:
    """The publication's layout and page, resolved once for all its outputs."""
    options = publication.options
    layout = find(options.layout, options.layouts_dirs)
    return Composer(publication, layout, page_settings(layout, options))


def compose(publication, target: str = "print", part: Part | None = None, layout: Layout | None = None,
            page: PageGeometry | None = None) -> Document:
    """The HTML document a publication (or one part of it) becomes: for print (the PDF and the
    HTML output) or for an EPUB content document, of which the EPUB keeps the body. `layout` and
    `page` as a Composer resolved them (found from the options when not given)."""
    from markupsafe import Markup

    from publisher import __version__, fonts, typography

    part = part or Part()
    options = publication.options
    if layout is None:
        layout = find(options.layout, options.layouts_dirs)
    if page is None and target == "print":
        page = page_settings(layout, options)
    # Persian is dated by the Solar Hijri calendar unless asked otherwise; Arabic and the rest by
    # the Gregorian one, with Hijri (Umm al-Qura) beside it where a layout or --calendar says.
    calendar = _setting(layout, options, "calendar") or (
        "persian" if publication.lang.split("-")[0] == "fa" else "gregorian")
    in_nastaliq = nastaliq(layout, options)
    chosen = [
        replace(article, body_html=typography.prepare(
            article.body_html, direction=article.dir, target=target, prefix=f"article-{article.slug}",
            digits=publication.digits))
        for article in (publication.articles if part.articles is None else part.articles)
    ]
    # The lead story's picture, for a layout that sets it across the page above the story (the
    # bulletin): the figure its front matter names, else its first. The layout places `lead.figure`
    # and `lead.body` (the body without it) or ignores both and keeps the body whole.
    lead = None
    if target == "print" and chosen and chosen[0].slug == publication.articles[0].slug:
        figure, rest = typography.lead_figure(chosen[0].body_html, chosen[0].meta.get("image", ""))
        if figure:
            lead = {"slug": chosen[0].slug, "figure": Markup(figure), "body": Markup(rest)}
    css = ""
    if target == "print":
        head_width = head_width_pt(page)  # worked out once for every head of the document
        running = _running_heads(publication, head_width, in_nastaliq)
        css = _print_css(layout, page, running["left"], running["right"], publication.digits, part.first_folio,
                         publication.lang, in_nastaliq)
    assets = {face.url: face.path for face in fonts.faces()}
    assets.update(layout_assets(layout))
    for article in chosen:
        assets.update(article.assets)
    cover_url = ""
    if publication.cover and part.front:
        cover_url = "images/cover" + publication.cover.suffix.lower()
        assets[cover_url] = publication.cover
    back = part.back or part.articles is None  # the whole publication ends with its back page
    logo_url = logo_name(publication) if part.front or back else ""
    if logo_url:
        assets[logo_url] = publication.logo
    html = render(
        layout,
        ENTRY_TEMPLATE,
        publication=publication,
        articles=chosen,
        front=part.front,
        back=back,
        contents=[(article, write_digits(str(folio), publication.digits) if folio else "")
                  for article, folio in part.contents],
        cover_url=cover_url,
        logo_url=logo_url,
        lead=lead,
        target=target,
        css=Markup(CSS_SLOT) if css else "",
        digits=publication.digits,
        # PDF/X must carry dates, and WeasyPrint would take the clock's.
        stamp=publication.stamp(required=(options.pdf_standard or "").startswith("pdf/x")),
        version=__version__,
        description=chosen[0].summary if len(publication.articles) == 1 and chosen else "",
        keywords=list(dict.fromkeys(tag for a in publication.articles for tag in a.tags)),
        byline_word=words.byline,
        # The running head an article's pages show (print.css sets it from the title's data-running).
        running_title=(lambda article: fitted_head(article.short_title or article.title, head_width, article.lang,
                                                   in_nastaliq))
        if target == "print" else (lambda article: article.short_title or article.title),
        dates=lambda value, lang: _dates(value, lang, publication.digits, calendar),
        words=words.around_articles(publication.lang),
    )
    justify = _setting(layout, options, "justify", "spaces")
    return Document(html=html, assets=assets, css=css, page=page if target == "print" else None, justify=justify)


def logo_name(publication) -> str:
    """The URL the pages give a publication's logo (a bulletin's masthead), or ""."""
    return "images/logo" + publication.logo.suffix.lower() if publication.logo else ""


# A layout's own pictures and fonts (a masthead logo, an ornament), which its templates and CSS
# name as "layout/<file>"; the renderer may load these and nothing else of the layout's.
LAYOUT_ASSET_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ttf", ".otf"})


@cache
def layout_assets(layout: Layout) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for item in layout.chain:  # this layout's files first, then its ancestors'
        for path in sorted(item.folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in LAYOUT_ASSET_SUFFIXES:
                found.setdefault(f"layout/{path.relative_to(item.folder).as_posix()}", path)
    return found


def _dates(value, lang: str, digits: str, calendar: str) -> list[str]:
    """A date as the calendar option asks: Gregorian, Hijri (Umm al-Qura, with هـ), Solar Hijri
    (persian), or both: the Gregorian date and the language's own other calendar (Solar Hijri
    first, for Persian; Hijri after it, for Arabic and the rest)."""
    from publisher.arabic import hijri_date, solar_hijri_date

    persian = lang.split("-")[0] == "fa"
    gregorian = words.long_date(value, lang, digits)
    if calendar == "both":
        other = solar_hijri_date(value, digits) if persian else hijri_date(value, digits)
        return [other, gregorian] if persian and other else [gregorian, *filter(None, [other])]
    if calendar == "hijri":
        return [hijri_date(value, digits) or gregorian]
    if calendar == "persian":
        return [solar_hijri_date(value, digits) or gregorian]
    return [gregorian]


# Printer's marks need room outside the bleed; WeasyPrint draws them in the outer half of the
# CSS bleed area, so marks widen it by this much (the PDF's BleedBox is set back to the real bleed).
MARKS_ROOM_MM = 10.0


def page_settings(layout: Layout, options) -> PageGeometry:
    """Page size, margins (top, outer, bottom, inner), bleed and marks: options over layout defaults."""
    from publisher import config

    defaults = config.checked(layout.merged_defaults(), f"layout {layout.name!r} (layout.toml)")
    size = options.page_size or defaults.get("page_size", "A4")
    top, outer, bottom, inner = config.margins(options.margins or defaults.get("margins", "20mm"))
    config.check_fit(size, (top, outer, bottom, inner))
    bleed_mm = config.millimetres(options.bleed) if options.bleed else 0.0
    room = MARKS_ROOM_MM if options.marks else 0.0
    css_bleed = f"{bleed_mm + room:g}mm" if bleed_mm or room else ""
    return PageGeometry(size=size, top=top, outer=outer, bottom=bottom, inner=inner, bleed=css_bleed,
                        bleed_mm=bleed_mm, marks=tuple(options.marks))


def check(options) -> Layout:
    """The layout the options name, with their formats and page checked against it: what every
    command verifies before it reads or writes anything."""
    from publisher import config

    config.formats(list(options.formats))
    layout = find(options.layout, options.layouts_dirs)
    page_settings(layout, options)  # a page size or margins that leave no room for text fail here
    return layout


def _running_heads(publication, width_pt: float, in_nastaliq: bool = True) -> dict[str, str]:
    """CSS content for the heads of left and right pages: the publication's title on one, the
    article's on the other; a publication of one article shows its title on both."""
    from publisher.config import css_string

    article = "string(running-title, start)"  # the article the page opens in, not one starting at its foot
    if len(publication.articles) == 1:
        return {"left": article, "right": article}
    return {"left": css_string(fitted_head(publication.short_title or publication.title, width_pt,
                                           publication.lang, in_nastaliq)),
            "right": article}


def epub_stylesheet(publication, layout: Layout, faces) -> str:
    """The EPUB's stylesheet: @font-face rules for the faces it carries (`faces`), then each
    layout's epub.css.j2."""
    from publisher import fonts

    in_nastaliq = nastaliq(layout, publication.options)
    carried = {face.family for face in faces}
    context = {"digits": publication.digits, **_font_context(publication.lang, in_nastaliq)}
    # Only the languages whose faces the EPUB carries get rules of their own.
    context["own_fonts"] = {lang: names for lang, names in context["own_fonts"].items()
                            if fonts.family_for("body", lang, in_nastaliq).name in carried
                            and fonts.family_for("heading", lang, in_nastaliq).name in carried}
    # Older reading systems (Adobe RMSDK, early Kobo) ignore CSS variables: EPUB CSS names fonts outright.
    return (fonts.font_face_css(variables=False, chosen=faces) + "\n"
            + stylesheet(layout, "epub", **context))
