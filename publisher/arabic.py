"""What is specific to Arabic text: presentation forms, digits, directional marks."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache

# Old systems stored Arabic as presentation forms (contextual glyphs, U+FB50-U+FDFF and
# U+FE70-U+FEFF): they look right but do not search, sort or shape. NFKC maps each back to its
# letters; applied to that range only, it leaves every other character exactly as written.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")

# A right-to-left mark (RLM, ALM) beside an Arabic letter, or a left-to-right mark (LRM) beside a
# Latin letter, is the same strong direction as its neighbour: the bidi algorithm resolves
# everything around it exactly as without it. Such marks only hide words from search, and are
# dropped at a word's edge. Between two letters a mark stays: dropping it would join two words.
# A mark anywhere else (between a Latin word and a full stop, say) may be doing work, and stays.
_ARABIC_LETTER = "\u0620-\u065f\u0670-\u06d3\u06d5\u06e5\u06e6\u06ee\u06ef\u06fa-\u06ff"
_LATIN_LETTER = "A-Za-z\u00c0-\u024f"
# (A run of marks counts as one: the lookarounds see through neither letters nor other marks.)
_NEAR = _ARABIC_LETTER + _LATIN_LETTER + "\u200e\u200f\u061c"
_STRAY_MARKS = re.compile(
    f"(?<=[{_ARABIC_LETTER}])[\u200f\u061c]+(?![{_NEAR}])|(?<![{_NEAR}])[\u200f\u061c]+(?=[{_ARABIC_LETTER}])"
    f"|(?<=[{_LATIN_LETTER}])\u200e+(?![{_NEAR}])|(?<![{_NEAR}])\u200e+(?=[{_LATIN_LETTER}])"
)

_NATIVE = {"arabic-indic": str.maketrans("0123456789۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩"),
           "persian": str.maketrans("0123456789٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹")}
_WESTERN = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def fold_presentation_forms(text: str) -> str:
    return _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def drop_stray_marks(text: str) -> str:
    # Most text holds no direction mark at all: the look-arounds then cost a whole scan for nothing.
    if "\u200f" not in text and "\u200e" not in text and "\u061c" not in text:
        return text
    return _STRAY_MARKS.sub("", text)


def normalise(text: str) -> str:
    """Letters as letters, without marks that do nothing; never a word dropped or changed."""
    return drop_stray_marks(fold_presentation_forms(text))


def digits(text: str, style: str) -> str:
    """Write the digits of `text` in `style`: `arabic-indic` (٠١٢), `persian` (۰۱۲) or `western` (012)."""
    return text.translate(_NATIVE.get(style, _WESTERN))


# Month names across the Arab world (Egyptian and Gulf, Levantine, Maghrebi, Moroccan), from
# CLDR through Babel, plus English; compared after folding hamza and taa marbuta variants.
_MONTH_LOCALES = ("ar", "ar_SY", "ar_DZ", "ar_MA", "en")
_DATE_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_DATE_NUMERIC = re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$")
_DATE_WORDS = re.compile(r"^(?P<d>\d{1,2})\s+(?P<month>[^\d]+?)\s+(?P<y>\d{4})$")
_LETTER_VARIANTS = str.maketrans("أإآةى", "اااهي")


def _fold(word: str) -> str:
    return " ".join(word.translate(_LETTER_VARIANTS).replace("،", " ").split()).lower()


@cache
def _months() -> dict[str, int]:
    from babel.dates import get_month_names

    months: dict[str, int] = {}
    for locale in _MONTH_LOCALES:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                months[_fold(name)] = number
    # "أيار/مايو", "مايو (أيار)": the two names given together
    for name, number in list(months.items()):
        for other, same in list(months.items()):
            if same == number and other != name:
                months[f"{name}/{other}"] = number
    return months


@cache
def _weekdays() -> frozenset[str]:
    from babel.dates import get_day_names

    return frozenset(_fold(d) for loc in ("ar", "en") for d in get_day_names("wide", locale=loc).values())


def hijri_date(value: dt.date, style: str) -> str:
    """The Umm al-Qura date with Arabic month name and the هـ suffix: "١٨ جمادى الآخرة ١٤٤٨ هـ"."""
    from hijridate import Gregorian

    try:
        hijri = Gregorian(value.year, value.month, value.day).to_hijri()
    except (OverflowError, ValueError):  # outside the Umm al-Qura tables (1343-1500 AH)
        return ""
    return digits(f"{hijri.day} {hijri.month_name('ar')} {hijri.year} هـ", style)


def solar_hijri_date(value: dt.date, style: str) -> str:
    """The Solar Hijri date Iranian and Afghan papers print, Persian month names (with ی, never
    ي): "۲۹ آبان ۱۴۰۵" for 2026-11-20 in Persian digits."""
    import jdatetime

    try:
        solar = jdatetime.date.fromgregorian(date=value)
    except (OverflowError, ValueError):
        return ""
    return digits(f"{solar.day} {jdatetime.date.j_months_fa[solar.month - 1]} {solar.year}", style)


def parse_date(text: str) -> dt.date | None:
    """The date a whole line states ("الأحد 12 مايو 2024م", "12/5/2024", "2024-05-12"), or None.

    Day before month, as Arabic copy writes it. A Hijri date (هـ) is not read as Gregorian.
    """
    line = digits(text.strip(), "western").rstrip(".،, ")
    if len(line) > 40 or "هـ" in line:
        return None
    line = re.sub(r"(?<=\d)\s*م$", "", line)  # "2024م": the Gregorian era marker
    first, _, rest = line.partition(" ")
    if _fold(first.rstrip("،,")) in _weekdays():
        line = rest.strip(" ،,-–")
    for pattern in (_DATE_ISO, _DATE_NUMERIC, _DATE_WORDS):
        if match := pattern.match(line):
            month = int(match["m"]) if "m" in match.groupdict() else _months().get(_fold(match["month"]))
            try:
                return dt.date(int(match["y"]), month, int(match["d"])) if month else None
            except ValueError:
                return None
    return None
