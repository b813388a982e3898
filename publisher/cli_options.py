"""The options the commands share, declared once: their flags and help (Typer's Annotated
types), and @making, which adds those every file-making command takes to its signature."""

from __future__ import annotations

import functools
import inspect
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    pdf = "pdf"
    epub = "epub"
    html = "html"


# Options shared by build, bulletin and book.
Out = Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")]
Formats = Annotated[list[Format] | None, typer.Option(
    "--format", "-f", help="Output format; repeat for several. Default: pdf and epub.")]
LayoutName = Annotated[str | None, typer.Option("--layout", "-l", help="Layout name (see 'publisher layouts').")]
PageSize = Annotated[str | None, typer.Option(
    "--page-size", help="A4, A5, B5, letter, ... or WIDTHxHEIGHT such as 170x240mm.")]
Margins = Annotated[str | None, typer.Option(
    "--margins", help="1 to 4 lengths, in CSS order read for a bound book: top outer bottom inner.")]
Bleed = Annotated[str | None, typer.Option("--bleed", help="Bleed beyond the trim on every side, e.g. 3mm.")]
Marks = Annotated[str | None, typer.Option(
    "--marks", help="Printer's marks outside the bleed: crop, cross, crop,cross.")]
Impose = Annotated[str | None, typer.Option(
    "--impose", help="Also write the pages on sheets to print: booklet (folded and stapled, in booklet order, "
                     "bound on the right for Arabic: A5 pages on A4 sheets, A4 on A3) or 2up (two pages a "
                     "sheet). Print both sides, flipping on the short edge.")]
PdfStandard = Annotated[str | None, typer.Option(
    "--pdf-standard", help="pdf/a-3b (archives), pdf/a-2u, pdf/ua-1 (accessible), pdf/x-4 (print), ...")]
Digits = Annotated[str | None, typer.Option(
    "--digits", help="arabic-indic, persian or western; default: the language's own.")]
Calendar = Annotated[str | None, typer.Option(
    "--calendar", help="Dates in the layout: gregorian, hijri (Umm al-Qura, with هـ), persian (Solar Hijri, "
                       "the default for Persian) or both (Gregorian and the language's other one).")]
Justify = Annotated[str | None, typer.Option(
    "--justify", help="Justified Arabic in the PDF: kashida (words lengthened at the joins a calligrapher "
                      "would choose, then the spaces: even word gaps in narrow columns; the text copies "
                      "without tatweel) or spaces (the default unless the layout says kashida).")]
UrduFace = Annotated[str | None, typer.Option(
    "--urdu-face", help="How Urdu text is set: nastaliq (Noto Nastaliq Urdu, the hand Urdu papers and books are "
                        "read in; tall lines, about 2.3 times the type size) or naskh (Amiri, the Arabic face: "
                        "a third more lines a page, for narrow columns). Default: nastaliq.")]
Dpi = Annotated[int | None, typer.Option("--dpi", help="Scale images down to at most this resolution, e.g. 300.")]
Isbn = Annotated[str | None, typer.Option(
    "--isbn", help="The print edition's ISBN, checked: the EPUB's page list names it as its source.")]
Issn = Annotated[str | None, typer.Option(
    "--issn", help="The serial's ISSN (a bulletin's), checked; used when there is no ISBN.")]
Certifier = Annotated[str | None, typer.Option(
    "--a11y-certifier", metavar="NAME",
    help="Who checked the EPUB's accessibility: only then does it claim EPUB Accessibility 1.1 / WCAG 2.1 AA.")]
Strict = Annotated[bool, typer.Option(
    "--strict", help="Any warning fails the run (exit 1), naming the articles: for pipelines that want clean.")]
SkipEmpty = Annotated[bool, typer.Option(
    "--skip-empty", help="Leave out records with a title and no text (a cartoon, a photo story), and count them.")]
LayoutsDirs = Annotated[list[Path] | None, typer.Option(
    "--layouts-dir", help="A folder of your own layouts, searched before the built-in ones; repeatable.")]
Jobs = Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes; default: one per core.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only warnings and errors.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show full tracebacks for unexpected errors.")]
AllowRemote = Annotated[list[str] | None, typer.Option(
    "--allow-remote", metavar="HOST",
    help="Fetch images from this host (once, while reading; 10 s and 40 MB at most); repeatable. "
         "Without it no article makes publisher touch the network.")]
FieldMap = Annotated[list[str] | None, typer.Option(
    "--map", metavar="FIELD=NAME",
    help="For JSON exports: the name your export uses for a field, e.g. --map title=headline_ar; repeatable. "
         "Fields: title, content, author, date, subtitle, summary, tags, lang, url, source, slug.")]


# The options every command that makes files takes, declared here once: each such command is
# decorated with @making, which adds them to its signature (after its own) and hands them to it
# as one dict, `given`.
_MAKING = (("layout", LayoutName, None), ("page_size", PageSize, None), ("margins", Margins, None),
           ("bleed", Bleed, None), ("marks", Marks, None), ("impose", Impose, None),
           ("pdf_standard", PdfStandard, None),
           ("digits", Digits, None), ("calendar", Calendar, None), ("justify", Justify, None),
           ("urdu_face", UrduFace, None), ("dpi", Dpi, None),
           ("isbn", Isbn, None), ("issn", Issn, None), ("a11y_certifier", Certifier, None),
           ("layouts_dirs", LayoutsDirs, None), ("quiet", Quiet, False), ("debug", Debug, False),
           ("field_map", FieldMap, None), ("allow_remote", AllowRemote, None))


def making(command):
    own = inspect.signature(command, eval_str=True)
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
             for name, annotation, default in _MAKING]
    kept = [parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) if parameter.default is not parameter.empty
            else parameter for parameter in own.parameters.values() if parameter.name != "given"]

    @functools.wraps(command)
    def with_options(*args, **values):
        given = {name: values.pop(name) for name, _, _ in _MAKING}
        return command(*args, **values, given={**values, **given})

    with_options.__signature__ = own.replace(parameters=[*kept, *added])
    return with_options


# The command-line parameters that are build options (config.py checks them); a command's other
# parameters (inputs, --out, --title, ...) are its own.
OPTION_NAMES = ("formats", "layout", "page_size", "margins", "bleed", "marks", "impose", "pdf_standard", "digits",
                "calendar", "justify", "urdu_face", "dpi", "isbn", "issn", "a11y_certifier", "layouts_dirs")
