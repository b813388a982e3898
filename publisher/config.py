"""Options: what each means, how it is checked, and where it comes from.

Precedence, highest first: the command line, a publication file, publisher.toml in the working
folder, the layout's defaults. Every value is checked here, once, before any work starts, and
turned into the form the layouts use; a bad value is an error that lists the choices.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from publisher.errors import UsageError
from publisher.model import FORMATS, Options

CONFIG_FILE = "publisher.toml"
PAGE_MM = {"A3": (297, 420), "A4": (210, 297), "A5": (148, 210), "A6": (105, 148), "B4": (250, 353),
           "B5": (176, 250), "letter": (215.9, 279.4), "legal": (215.9, 355.6)}
PAGE_SIZES = tuple(PAGE_MM)
# The least room margins may leave for text, in mm.
MIN_TEXT_MM = 30.0
# What WeasyPrint 70 can write; the first four are the ones archives and print shops ask for.
PDF_STANDARDS = ("pdf/a-3b", "pdf/a-2u", "pdf/ua-1", "pdf/x-4", "pdf/a-1b", "pdf/a-2b", "pdf/a-3u",
                 "pdf/a-4u", "pdf/ua-2", "pdf/x-1a", "pdf/x-3")
MARKS = ("crop", "cross")
DIGITS = ("arabic-indic", "persian", "western")
CALENDARS = ("gregorian", "hijri", "persian", "both")
JUSTIFICATIONS = ("spaces", "kashida")
URDU_FACES = ("nastaliq", "naskh")
UNITS = ("mm", "cm", "in", "pt", "px")
_LENGTH = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>mm|cm|in|pt|px)$")
_SIZE = re.compile(r"^(?P<w>\d+(?:\.\d+)?)\s*[x×]\s*(?P<h>\d+(?:\.\d+)?)\s*(?P<unit>mm|cm|in|pt)$")
# The form page_size() gives back, "170mm 240mm", read again when an Options is copied.
_CSS_SIZE = re.compile(r"^(?P<w>\d+(?:\.\d+)?)(?P<unit>mm|cm|in|pt) (?P<h>\d+(?:\.\d+)?)(?P=unit)$")


# A page from 50 mm (a label) to 5080 mm (PDF's largest page, 14400 pt) a side.
SIDE_MM = (50.0, 5080.0)


def page_size(value: str) -> str:
    """"A5" stays a name CSS knows; "170x240mm" becomes "170mm 240mm"."""
    value = str(value).strip()
    named = {name.lower(): name for name in PAGE_SIZES}
    if value.lower() in named:
        return named[value.lower()]
    if match := _SIZE.match(value) or _CSS_SIZE.match(value):
        sides = [millimetres(f"{match[side]}{match['unit']}") for side in ("w", "h")]
        if not all(SIDE_MM[0] <= side <= SIDE_MM[1] for side in sides):
            raise UsageError(f"page size {value!r} is out of range",
                             hint=f"each side from {SIDE_MM[0]:g} to {SIDE_MM[1]:g} mm")
        return f"{match['w']}{match['unit']} {match['h']}{match['unit']}"
    raise UsageError(f"page size {value!r} is not known",
                     hint=f"choose {', '.join(PAGE_SIZES)}, or WIDTHxHEIGHT with a unit such as 170x240mm")


def length(value: str, name: str) -> str:
    value = str(value).strip().replace(" ", "")
    if value == "0":
        return "0mm"
    if not _LENGTH.match(value):
        raise UsageError(f"{name} {value!r} is not a length",
                         hint=f"a number and a unit ({', '.join(UNITS)}), e.g. 3mm")
    return value


_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96}


def millimetres(value: str) -> float:
    match = _LENGTH.match(length(value, "length"))
    assert match
    return float(match["number"]) * _MM[match["unit"]]


def css_string(text: str) -> str:
    """`text` as a CSS string literal that nothing in it can end: every character that is not a
    letter, digit or space is written as a hex escape (so no quote, backslash or '</style>')."""
    return '"' + "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in text) + '"'


def margins(value: str) -> tuple[str, str, str, str]:
    """CSS order, read for a bound book: top, outer, bottom, inner (1 to 4 values, as in CSS)."""
    parts = [length(part, "margin") for part in str(value).split()]
    if not 1 <= len(parts) <= 4:
        raise UsageError(f"margins {value!r} need 1 to 4 lengths",
                         hint="top outer bottom inner, e.g. 20mm 15mm 22mm 20mm")
    if len(parts) == 1:
        return parts[0], parts[0], parts[0], parts[0]
    if len(parts) == 2:
        return parts[0], parts[1], parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2], parts[1]
    return parts[0], parts[1], parts[2], parts[3]


def marks(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else re.split(r"[,\s]+", str(value))
    chosen = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    wrong = [item for item in chosen if item not in MARKS]
    if wrong:
        raise UsageError(f"marks {wrong[0]!r} are not known", hint="choose crop, cross or crop,cross")
    return chosen


IMPOSITIONS = ("booklet", "2up")


def impose(value: str) -> str:
    value = str(value).strip().lower().replace("-", "")
    if value not in IMPOSITIONS:
        raise UsageError(f"--impose {value!r} is not an imposition publisher knows",
                         hint="choose booklet (folded and stapled sheets) or 2up (two pages a sheet)")
    return value


def _one_of(value: Any, choices: tuple[str, ...], wrong: str, hint: str | None = None) -> str:
    """A keyword option: `value` folded to lower case if it is one of `choices`, else the usage
    error `wrong` (formatted with the value's repr) and its hint (by default, the choices)."""
    value = str(value).strip().lower()
    if value not in choices:
        raise UsageError(wrong.format(repr(value)), hint=hint or f"choose {', '.join(choices)}")
    return value


def pdf_standard(value: str) -> str:
    return _one_of(value, PDF_STANDARDS, "PDF standard {} is not one publisher can write")


def digits(value: str) -> str:
    return _one_of(value, DIGITS, "digits {} are not known")


def calendar(value: str) -> str:
    return _one_of(value, CALENDARS, "calendar {} is not known")


def justify(value: str) -> str:
    return _one_of(value, JUSTIFICATIONS, "--justify {} is not a justification publisher knows",
                   "choose kashida (Arabic lines lengthened at their joins, then spaces) or spaces")


def urdu_face(value: str) -> str:
    return _one_of(value, URDU_FACES, "Urdu face {} is not known",
                   "choose nastaliq (Noto Nastaliq Urdu, the default) or naskh (Amiri)")


def dpi(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 72 <= number <= 2400:
        raise UsageError(f"dpi {value!r} is not a resolution", hint="a whole number from 72 to 2400, e.g. 300")
    return number


def formats(value: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    wrong = [item for item in value if item not in FORMATS]
    if wrong:
        raise UsageError(f"format {wrong[0]!r} is not known", hint=f"choose {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(value))


POINTS_PER_MM = 72 / 25.4


def page_mm(size: str) -> tuple[float, float]:
    """A checked page size (a name, or "170mm 240mm") as (width, height) in mm."""
    return PAGE_MM.get(size) or tuple(millimetres(part) for part in size.split())


def text_width_mm(size: str, outer: str, inner: str) -> float:
    """The width a page leaves between its margins."""
    return page_mm(size)[0] - millimetres(outer) - millimetres(inner)


def check_fit(size: str, margin_values: tuple[str, str, str, str]) -> None:
    """Margins that leave no room for text are refused before any page is made."""
    width, height = page_mm(size)
    top, outer, bottom, inner = (millimetres(m) for m in margin_values)
    if width - outer - inner < MIN_TEXT_MM or height - top - bottom < MIN_TEXT_MM:
        raise UsageError(f"margins {' '.join(margin_values)} leave no room for text on a {size} page",
                         hint=f"keep at least {MIN_TEXT_MM:g} mm between them each way")


def bleed(value: str) -> str:
    checked_value = length(value, "bleed")
    if millimetres(checked_value) > 25:
        raise UsageError(f"bleed {value!r} is more than a print shop trims", hint="usually 3mm; at most 25mm")
    return checked_value


def isbn(value: Any) -> str:
    """An ISBN-10 or ISBN-13 whose check digit holds, without hyphens or spaces."""
    from stdnum import isbn as stdnum_isbn
    from stdnum.exceptions import ValidationError

    try:
        return stdnum_isbn.validate(str(value))
    except ValidationError as exc:
        raise UsageError(f"ISBN {value!r} is not valid: {exc.message.rstrip('.').lower()}",
                         hint="copy it from the book's imprint page, e.g. 978-9953-0-0000-8") from None


def issn(value: Any) -> str:
    """An ISSN whose check digit holds, written as 0317-8471."""
    from stdnum import issn as stdnum_issn
    from stdnum.exceptions import ValidationError

    try:
        return stdnum_issn.format(stdnum_issn.validate(str(value)))
    except ValidationError as exc:
        raise UsageError(f"ISSN {value!r} is not valid: {exc.message.rstrip('.').lower()}",
                         hint="eight digits, the last one a check digit (or X), e.g. 0317-8471") from None


def certifier(value: Any) -> str:
    name = " ".join(str(value).split())
    if not name:
        raise UsageError("the accessibility certifier's name is empty",
                         hint="name who checked the EPUB, e.g. --a11y-certifier \"مركز النشر الميسر\"")
    return name


CHECKS = {"isbn": isbn, "issn": issn, "a11y_certifier": certifier,
          "page_size": page_size, "margins": lambda v: " ".join(margins(v)), "bleed": bleed,
          "marks": marks, "pdf_standard": pdf_standard, "digits": digits, "dpi": dpi, "formats": formats,
          "calendar": calendar, "urdu_face": urdu_face, "impose": impose, "justify": justify,
          "layout": str}


def given(options: Options) -> dict[str, Any]:
    """The options an Options holds, by name, for checking (the layout folders are not values)."""
    return {f.name: getattr(options, f.name) for f in fields(Options) if f.name != "layouts_dirs"}


def checked(values: dict[str, Any], origin: str | None = None) -> dict[str, Any]:
    """Values by option name, each checked; unknown names are an error naming where they came from
    (a file; nothing for the command line or a program, where the value is in plain sight)."""
    known = {f.name for f in fields(Options)} - {"layouts_dirs"}
    result = {}
    for name, value in values.items():
        key = name.replace("-", "_")
        if key not in known:
            raise UsageError(f"unknown option {name!r}" + (f" in {origin}" if origin else ""),
                             hint=f"options: {', '.join(sorted(known))}")
        if value is None:
            continue
        check = CHECKS.get(key)
        try:
            result[key] = check(value) if check else value
        except UsageError as exc:
            if origin:
                exc.message = f"{exc.message} (in {origin})"
            raise
    return result


def load_config(folder: Path | None = None) -> dict[str, Any]:
    """publisher.toml in `folder` (the working folder): its [build] table, checked."""
    path = (folder or Path.cwd()) / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"is not valid TOML: {exc}", path=path, hint="fix the file or remove it") from None
    table = data.get("build", {})
    if not isinstance(table, dict):
        raise UsageError("has a 'build' that is not a table", path=path, hint='write [build] then page-size = "A5"')
    return checked(table, str(path))


def resolve(cli: dict[str, Any], *, publication: dict[str, Any] | None = None, base: Options | None = None,
            config_folder: Path | None = None) -> Options:
    """The Options in force: command line over publication file over publisher.toml over defaults.

    Layout defaults come last of all, when the layout is known (layouts.compose reads them for any
    option still unset here).
    """
    merged: dict[str, Any] = {}
    merged.update(load_config(config_folder))
    merged.update(checked(publication or {}, "the publication file"))
    merged.update(checked({k: v for k, v in cli.items() if k != "layouts_dirs"}))
    options = replace(base or Options(), **merged)
    if cli.get("layouts_dirs"):
        options = replace(options, layouts_dirs=tuple(cli["layouts_dirs"]))
    return options
