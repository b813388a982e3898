"""Who an article is by, read from what archives actually hold in their author fields and bylines.

An author field is often not a name. Asharq Al-Awsat's holds "CITY: NAME" ("القاهرة: «الشرق الأوسط
أونلاين»", "نواكشوط: الشيخ محمد"); wire copy credits an agency ("(واس)" at the end, "الرياض (واس) -"
in the lede); many records credit the newspaper itself. A place is a dateline, an agency or a
newspaper a credit, and only a person is an author, whom a layout may print after "بقلم". The
agencies and newspapers are data (publisher/data/credits.yml, extended by a credits.yml in the
working folder); every reader's article goes through these rules (sources/meta.build_article).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from publisher import DATA_ROOT

CREDITS_FILE = DATA_ROOT / "publisher" / "data" / "credits.yml"
LOCAL_FILE = "credits.yml"
# Words that open a byline, never a place: "بقلم: أحمد" is a byline, not a dateline.
_BYLINE_WORDS = frozenset({"كتب", "كتبت", "بقلم", "إعداد", "اعداد", "تقرير", "تحرير", "متابعة", "حوار", "ترجمة",
                           "تصوير", "المحرر", "by"})
_ARABIC_WORD = r"[\u0621-\u065f\u0670-\u06d3]+"  # letters and their marks ("عمّان")
# "القاهرة", "الدار البيضاء", "سروج (تركيا) - لندن", "واشنطن - نيويورك": one to three words a place,
# a country in brackets, several places joined by a dash, then a colon.
_PLACE = rf"{_ARABIC_WORD}(?:\s{_ARABIC_WORD}){{0,2}}(?:\s*\({_ARABIC_WORD}(?:\s{_ARABIC_WORD})?\))?"
PLACE_AND_NAME = re.compile(rf"^(?P<place>{_PLACE}(?:\s*[-–—]\s*{_PLACE})*)\s*[:：]\s*(?P<name>\S.*)$")
# "الخرطوم (سونا)": a place and, in brackets, who sent it.
PLACE_AND_SENDER = re.compile(rf"^(?P<place>{_ARABIC_WORD}(?:\s{_ARABIC_WORD}){{0,2}})\s*\((?P<name>[^()]{{2,40}})\)$")
# "بقلم: أحمد السالم" in an author field: the name is what follows.
_BYLINE_WORD = re.compile(rf"^(?:{'|'.join(sorted(_BYLINE_WORDS))})\s*[:：\-–]?\s+(?=\S)", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*(?:«(?P<a>[^«»]+)»|\{(?P<b>[^{}]+)\}|\"(?P<c>[^\"]+)\"|“(?P<d>[^“”]+)”)\s*$")
# "(واس)" or "- واس" closing the text, "الرياض (واس) -" opening it.
_CLOSING = re.compile(r"[(\[]\s*(?P<name>[^()\[\]]{2,40}?)\s*[)\]]\s*[.。]?\s*$")
_IN_DATELINE = re.compile(r"\(\s*(?P<name>[^()]{2,40}?)\s*\)")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[\s.\u200f\u200e]+")


@dataclass(frozen=True)
class Credits:
    """What an author field or byline held, sorted: a place, people, and an agency or newspaper."""

    place: str = ""
    authors: tuple[str, ...] = ()
    credit: str = ""


def _key(name: str) -> str:
    """A name as compared: no dots or spaces, no leading "وكالة", case folded."""
    return _SPACE.sub("", name).removeprefix("وكالة").casefold()


def tables() -> list[Path]:
    """The files the rules read: the bundled table and the working folder's (which may not exist)."""
    return [CREDITS_FILE, Path.cwd() / LOCAL_FILE]


@functools.lru_cache(maxsize=8)
def _table(local: Path, stamp: tuple[int, int] | None) -> dict[str, tuple[str, str]]:
    """key -> (the name as printed, "agency" or "newspaper"), bundled and local (read again when
    the local file's `stamp`, its size and time, changes: a long-lived process sees an edit)."""
    found: dict[str, tuple[str, str]] = {}
    for path in (CREDITS_FILE, local):
        if path is None or not path.is_file():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind, entries in (("agency", data.get("agencies") or []), ("newspaper", data.get("newspapers") or [])):
            for names in entries:
                names = [names] if isinstance(names, str) else [str(n) for n in names]
                for name in names:
                    found.setdefault(_key(name), (names[0], kind))
    return found


def known(name: str) -> tuple[str, str] | None:
    """(its table name, kind) when `name` is an agency or newspaper the table knows."""
    local = Path.cwd() / LOCAL_FILE
    try:
        stat = local.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        stamp = None
    return _table(local, stamp).get(_key(name))


def sort_out(value: str) -> Credits:
    """One author field or byline name: "CITY: NAME" split, NAME an author unless it is quoted (a
    newspaper: «الشرق الأوسط») or an agency the table knows."""
    value = _BYLINE_WORD.sub("", " ".join(value.split()))
    place = ""
    match = PLACE_AND_NAME.match(value) or PLACE_AND_SENDER.match(value)
    if match and match["place"].split()[0].casefold() not in _BYLINE_WORDS:
        place, value = match["place"], match["name"].strip()
    quoted = _QUOTED.match(value)
    # A credit keeps the name as the source wrote it ("أ.ف.ب", "«الشرق الأوسط أونلاين»"); the table
    # only tells what kind of name it is.
    if quoted:
        return Credits(place=place, credit=f"«{next(group for group in quoted.groups() if group).strip()}»")
    # Unquoted, only an agency is a credit: a newspaper's bare name is often a city's or a word's
    # too ("الرياض", "اليوم"), and a byline of one is more likely a person's or a place's.
    entry = known(value)
    if entry and entry[1] == "agency":
        return Credits(place=place, credit=value)
    return Credits(place=place, authors=(value,) if value else ())


def agency_in(body_html: str, dateline: str = "") -> str:
    """An agency credited in the text: "(واس)" closing it, or "الرياض (واس) -" in its lede."""
    text = _TAG.sub(" ", body_html).strip()
    for pattern, where in ((_CLOSING, text[-60:]), (_IN_DATELINE, dateline), (_IN_DATELINE, text[:80])):
        match = pattern.search(where)
        if match and (entry := known(match["name"])) and entry[1] == "agency":
            return match["name"]
    return ""
