"""The contract between stages: what readers produce and what layouts and outputs consume.

Nothing downstream of a reader looks at the source file again; everything it needs is here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# Primary language subtags written right to left.
# The date given to outputs that must carry one when nothing else tells it (see Publication.stamp).
UNDATED = dt.date(2000, 1, 1)
# Digits each script writes natively; any language not here writes Western digits.
NATIVE_DIGITS = {"ar": "arabic-indic", "fa": "persian", "ur": "persian", "ps": "persian", "sd": "persian"}
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi"})
FORMATS = ("pdf", "epub", "html")

# An asset is a file that was checked to lie where the article may read, or bytes taken out of
# the article itself (an image inside a Word file).
Asset = Path | bytes

_TAG = re.compile(r"<[^>]*>")
_BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def normalise_lang(value: str) -> str | None:
    """A BCP 47 tag from what people write (`ar_EG` becomes `ar-EG`); None when it is no tag."""
    tag = value.strip().replace("_", "-")
    if not _BCP47.match(tag):
        return None
    primary, *rest = tag.split("-")
    return "-".join([primary.lower(), *(part.upper() if len(part) == 2 else part for part in rest)])


def primary_language(lang: str) -> str:
    """"ar" of "ar-EG": what most choices by language depend on."""
    return lang.split("-")[0].lower()


def direction_of(lang: str) -> str:
    return "rtl" if primary_language(lang) in RTL_LANGUAGES else "ltr"


def slugify(text: str) -> str:
    """ASCII letters, digits and single hyphens: safe as a file name on every system."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-_")
    return slug[:80].strip("-_")


def title_slug(title: str) -> str:
    """A slug from a title written mostly in Latin letters; "" for an Arabic title, whose few
    ASCII characters (a "4" in "4 نساء…") would make a name that says nothing and collides."""
    letters = [ch for ch in title if ch.isalpha()]
    latin = sum(ch.isascii() for ch in letters)
    return slugify(title) if letters and latin * 2 >= len(letters) else ""


def fallback_slug(text: str) -> str:
    """For a title and file name with no ASCII in them (an Arabic title, say): stable and short."""
    return "article-" + hashlib.sha256(text.encode()).hexdigest()[:10]


# What a warning can be about, by code, as a count of them names it ("9 no glyph for a character").
WARNING_KINDS = {
    "missing-glyph": "no glyph for a character",
    "no-text": "title without text",
    "no-title": "title guessed",
    "not-utf8": "not UTF-8",
    "image-no-alt": "image without alt text",
    "image-refused": "image refused",
    "html-unwrapped": "HTML nested too deep",
    "word": "Word conversion note",
    "asset-refused": "file refused by the renderer",
    "render": "renderer's warning",
    "other": "other warning",
}


class Notice(str):
    """A warning: its text, as it is printed and was always passed along, and its kind (one of
    WARNING_KINDS), which manifest.json lists and the run's last lines count. A str, so that
    every stage that prints or gathers warnings keeps working with text."""

    code: str

    def __new__(cls, code: str, message: str) -> Notice:
        notice = super().__new__(cls, message)
        notice.code = code if code in WARNING_KINDS else "other"
        return notice

    def __reduce__(self):  # pickles (for worker processes) with its code
        return (Notice, (self.code, str(self)))


def warning_code(warning: str) -> str:
    return getattr(warning, "code", "other")


def has_warning(warnings, code: str) -> bool:
    """Whether any of `warnings` is of kind `code` ("no-text": a record with a title and no text)."""
    return any(warning_code(warning) == code for warning in warnings)


@dataclass(frozen=True)
class Original:
    """The article as its source holds it, for an archival PDF to carry (PDF/A-3 associated file)."""

    name: str
    """A file name for it: the source file's, or the export's and the record's number."""
    media_type: str
    content: Asset
    """The source file itself, or the record's bytes."""


@dataclass(frozen=True)
class Article:
    """One article, read and cleaned; its body is safe HTML that a layout places as it is."""

    slug: str
    """ASCII, safe as a file name; unique within one run."""
    title: str
    source: Path
    """The file the article was read from, for messages and for resolving its images."""
    body_html: str
    """Sanitised HTML fragment: readers escape text and build every element themselves."""
    lang: str = "ar"
    """BCP 47 language tag."""
    dir: str = "rtl"
    subtitle: str = ""
    short_title: str = ""
    """What a running head shows when the title is too long for it; "": the title, shortened."""
    authors: tuple[str, ...] = ()
    byline: str = ""
    """The byline as the source wrote it ("كتب : م/ خالد عبد العزيز"); layouts fall back on authors."""
    credit: str = ""
    """The agency or newspaper the article is credited to ("واس", "«الشرق الأوسط»"): never an author."""
    dateline: str = ""
    """The date line as the source wrote it; layouts fall back on a date formatted from `date`."""
    date: dt.date | None = None
    summary: str = ""
    tags: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """What the reader had to guess or repair, reported with the article's name."""
    meta: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    """What the source said that has no field of its own: url, source (the newspaper), …"""
    record: int | None = None
    """Where in a file of many articles (a JSON Lines export) this one stood, counting from 1."""
    assets: dict[str, Asset] = field(default_factory=dict, hash=False, compare=False)
    """Images the body names by relative URL ("images/3f2a….jpg"): a checked file, or bytes."""
    original: Original | None = field(default=None, hash=False, compare=False)
    """What the article was read from, as it was."""

    @property
    def dateline_is_place(self) -> bool:
        """A dateline that names a place and no date ("القاهرة"): layouts add the date to it."""
        return bool(self.dateline) and not any(ch.isdigit() for ch in self.dateline)

    @property
    def label(self) -> str:
        """How messages name the article: its file, and its record in a file of many."""
        return f"{self.source} record {self.record}" if self.record else str(self.source)

    @property
    def visible_text(self) -> str:
        """The words a reader of the output sees: title, byline, credit, date line and body."""
        body = html.unescape(_TAG.sub(" ", self.body_html))
        return "\n".join([self.title, self.subtitle, self.byline, self.credit, self.dateline, body])

    @property
    def text(self) -> str:
        """Every character a reader will see, for font coverage and EPUB font subsets."""
        body = html.unescape(_TAG.sub(" ", self.body_html))
        return "\n".join([self.title, self.subtitle, self.byline, self.credit, self.dateline, self.summary,
                          *self.authors,
                          *self.tags, body])


@dataclass(frozen=True)
class Options:
    """How a publication is made: CLI flag > publication file > publisher.toml > layout defaults."""

    layout: str = "article"
    formats: tuple[str, ...] = ("pdf", "epub")
    page_size: str | None = None
    """A CSS page size ("A5", "170mm 240mm"); None: the layout's default."""
    margins: str | None = None
    """"top outer bottom inner", checked lengths; None: the layout's default."""
    bleed: str | None = None
    """A length added on every side beyond the trim, for print."""
    marks: tuple[str, ...] = ()
    """Printer's marks outside the bleed: crop, cross."""
    impose: str | None = None
    """`booklet` or `2up`: the PDF's pages also placed on printer's sheets (outputs/impose.py)."""
    pdf_standard: str | None = None
    """pdf/a-3b, pdf/ua-1, pdf/x-4, ...: what the PDF claims and is made to meet."""
    digits: str | None = None
    """`arabic-indic`, `persian` or `western`; None follows the language."""
    dpi: int | None = None
    """The highest resolution images keep in the PDF; larger ones are scaled down."""
    calendar: str | None = None
    """Dates in layouts: `gregorian`, `hijri` (Umm al-Qura) or `both`; None: the layout's default."""
    justify: str | None = None
    """Justified lines in print: `kashida` (Arabic words lengthened at their joins first, then the
    spaces) or `spaces`; None: the layout's default (spaces unless it says kashida)."""
    urdu_face: str | None = None
    """Urdu set in `nastaliq` (Noto Nastaliq Urdu) or `naskh` (Amiri); None: the layout's default,
    else Nastaliq."""
    isbn: str | None = None
    """The print edition's ISBN (checked, compact): the EPUB's page breaks name it as their source."""
    issn: str | None = None
    """The serial's ISSN (checked, as 0317-8471), for bulletins: the same, when there is no ISBN."""
    a11y_certifier: str | None = None
    """Who vouches for the EPUB's accessibility: without one, the EPUB claims no conformance."""
    layouts_dirs: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        # Checked when made, whoever makes it (the CLI, publisher.toml, a program using the API):
        # a bad value is the same one-line error everywhere, before any work starts.
        from publisher import config

        for name, value in config.checked(config.given(self)).items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "layouts_dirs", tuple(Path(folder) for folder in self.layouts_dirs))


@dataclass(frozen=True)
class Publication:
    """What is being made from one or more articles; a single-article build is a publication of one."""

    title: str
    articles: tuple[Article, ...]
    kind: str = "article"
    """article, bulletin or book."""
    options: Options = field(default_factory=Options)
    issue: str = ""
    """A bulletin's issue number, as written."""
    issued: dt.date | None = None
    """The publication's own date; None: the newest of its articles'."""
    editors: tuple[str, ...] = ()
    """A book's author(s) or a bulletin's editors; None: the articles' authors."""
    cover: Path | None = None
    """An image for the cover of a book."""
    logo: Path | None = None
    """A bulletin's logo, set in its masthead (and on its back page)."""
    tagline: str = ""
    """A line under a bulletin's name ("نشرة شهرية تصدر عن …")."""
    publisher: str = ""
    """Who issues it (a press office, an association): the masthead's publisher's line."""
    address: str = ""
    """The publisher's address, lines separated by newlines: on the back page."""
    back_page: bool = False
    """A back page with the issue's contents, the publisher and the address (bulletins)."""
    short_title: str = ""
    """What running heads show of the title when it is too long for them."""
    source: Path | None = None
    """The publication file it was described in, if any."""

    @property
    def lang(self) -> str:
        return self.articles[0].lang

    @property
    def dir(self) -> str:
        return self.articles[0].dir

    @property
    def slug(self) -> str:
        """One article's own slug; for a bulletin or book the title's, else "bulletin-12", "book"."""
        if self.kind == "article" and len(self.articles) == 1:
            return self.articles[0].slug
        if slug := title_slug(self.title):
            return slug
        # An Arabic title gives no ASCII name: the issue number, else a short hash of the title,
        # so that two books in one folder never overwrite each other.
        suffix = self.issue or hashlib.sha256(self.title.encode()).hexdigest()[:8]
        return slugify(f"{self.kind}-{suffix}")

    @property
    def authors(self) -> tuple[str, ...]:
        """Who the publication is by: its editors when named; an article's own authors; a bulletin
        or book without editors names no one (its articles' bylines are theirs, not the book's)."""
        if self.editors:
            return self.editors
        if self.kind != "article":
            return ()
        seen: dict[str, None] = {}
        for article in self.articles:
            # An article by no one but an agency or a newspaper: that is who it is by.
            seen.update(dict.fromkeys(article.authors or ((article.credit,) if article.credit else ())))
        return tuple(seen)

    @property
    def date(self) -> dt.date | None:
        if self.issued:
            return self.issued
        dates = [a.date for a in self.articles if a.date]
        return max(dates) if dates else None

    def stamp(self, *, required: bool = False) -> dt.date | None:
        """The date outputs carry in their metadata: the articles' own, else SOURCE_DATE_EPOCH
        (the reproducible-builds convention), else, where a format demands a date, a fixed one;
        never the clock, so that the same input gives the same bytes."""
        if self.date:
            return self.date
        if epoch := os.environ.get("SOURCE_DATE_EPOCH", "").strip():
            with contextlib.suppress(ValueError, OverflowError, OSError):
                return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        return UNDATED if required else None

    @property
    def digits(self) -> str:
        if self.options.digits:
            return self.options.digits
        return NATIVE_DIGITS.get(primary_language(self.lang), "western")


CSS_SLOT = "/* the print stylesheet */"


@dataclass(frozen=True)
class Part:
    """Which part of a publication a document holds, for publications rendered in parts.

    `front`: the cover, title page and contents (books) or the masthead (bulletins); `articles`:
    the articles it holds (None: all of them); `contents`: (article, folio) pairs for a contents
    page whose numbers are already known; `first_folio`: the folio of its first page; `back`: the
    back page (a bulletin's), which the whole publication (`articles` None) always ends with.
    """

    front: bool = True
    articles: tuple | None = None
    contents: tuple = ()
    first_folio: int | None = None
    back: bool = False


@dataclass(frozen=True)
class PageGeometry:
    """A publication's page, worked out once from its options over its layout's defaults."""

    size: str
    top: str
    outer: str
    bottom: str
    inner: str
    bleed: str
    """The CSS bleed: the real one, widened by room for printer's marks ("" for none)."""
    bleed_mm: float
    """The bleed asked for, which the PDF's BleedBox is set to."""
    marks: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """What a layout made of a publication: one HTML string and the files its URLs name.

    The URLs in `html` are relative ("fonts/Amiri-Regular.ttf"); `assets` maps each to the file
    or bytes it stands for. The PDF renderer may fetch these and nothing else; the HTML output copies them
    beside the page; the EPUB packs them at the same paths.
    """

    html: str
    assets: dict[str, Asset]
    css: str = ""
    """The print stylesheet, kept apart: a worker parses it once for every article that shares it
    (all of a batch, as a rule). `html` holds CSS_SLOT where it belongs."""
    page: PageGeometry | None = None
    """The page it is laid out on (print documents)."""
    justify: str = "spaces"
    """How the PDF renderer fills justified lines: `spaces`, or `kashida` (outputs/kashida.py)."""
    carries_sources: bool = True
    """Whether its PDF/A-3 embeds the articles' sources: a book's parts do not, its front matter
    carries them all for the joined file."""

    def standalone(self) -> str:
        """The HTML with its stylesheet in place, for the HTML output."""
        return self.html.replace(CSS_SLOT, self.css, 1) if self.css else self.html


class PrintComposer(Protocol):
    """What the outputs are given to make a publication's PDF: the publication with its layout
    resolved (layouts.Composer). A book's contents page needs the folios its parts turned out to
    have, so the PDF asks for the document of each part, but never looks a layout up."""

    publication: Publication

    @property
    def in_parts(self) -> bool: ...

    @property
    def font_files(self) -> tuple[Path, ...]: ...

    def document(self, part: Part | None = None) -> Document: ...


@dataclass(frozen=True)
class PageStart:
    """Where a page of the PDF begins in an article's text, for the EPUB made in the same run:
    its page-break marker goes at the same place, labelled with the same folio."""

    page: int
    """The page's index in the PDF, from 0."""
    folio: str
    """The folio printed on it, in the publication's digits ("١٢")."""
    article: str
    """The slug of the article the page begins in."""
    block: int
    """Which of the article's blocks (paragraphs, headings, list items, …) in document order."""
    offset: int
    """Characters of that block's text, white space collapsed, before the page's first."""


@dataclass(frozen=True)
class EpubContent:
    """What a layout makes of a publication for its EPUB, all of it before the EPUB is packed."""

    stylesheet: str
    front: str | None
    """The title page or masthead (books and bulletins): an XHTML content document."""
    chapters: tuple[str, ...]
    """One content document an article, in order."""
    back: str | None
    """The back page (a bulletin's, when it has one), after the articles."""
    images: dict[str, Asset]
    """The layout's own pictures that its stylesheet or pages name, by URL."""
    contents_word: str
    """"Contents" in the publication's language: the nav's title."""
    faces: tuple = ()
    """The bundled faces (fonts.Face) its stylesheet names: the fonts the EPUB carries."""


def asset_bytes(asset: Asset) -> bytes:
    return asset if isinstance(asset, bytes) else asset.read_bytes()


MEDIA_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}


def media_type(url: str) -> str:
    return MEDIA_TYPES.get(Path(url).suffix.lower(), "application/octet-stream")
