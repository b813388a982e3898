"""Who an article is by, read from what archives actually hold in their author fields and bylines.

An author field is often not a name. Asharq Al-Awsat's holds "CITY: NAME" ("القاهرة: «الشرق الأوسط
أونلاين»", "نواكشوط: الشيخ محمد"); wire copy credits an agency ("(واس)" at the end, "الرياض (واس) -"
in the lede); many records credit the newspaper itself; Saudi papers write "CITY - NAME", "NAME -
CITY", "AGENCY - CITY", "NAME من CITY", with a photographer after a slash. A place is a dateline,
an agency or a newspaper a credit, and only a person is an author, whom a layout may print after
"بقلم". The agencies, newspapers and places are data (publisher/data/credits.yml, extended by a
credits.yml in the working folder); every reader's article goes through these rules
(sources/meta.build_article).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from publisher import DATA_ROOT

CREDITS_FILE = DATA_ROOT / "publisher" / "data" / "credits.yml"
LOCAL_FILE = "credits.yml"
# Words that open a byline, never a place: "بقلم: أحمد" is a byline, not a dateline. In a byline of
# several pieces they name the kind of piece ("الرياض، تحقيق - فلان"), and are not printed again.
_BYLINE_WORDS = frozenset({"كتب", "كتبت", "بقلم", "إعداد", "اعداد", "تقرير", "تحرير", "متابعة", "متابعات", "حوار",
                           "تحقيق", "استطلاع", "إضاءة", "المحرر", "by"})
# Words that credit someone for a part of the work, not the text: kept, with the name, as a credit.
_ROLE_WORDS = frozenset({"تصوير", "ترجمة", "رسم"})
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
# The pieces of "الرياض - بندر العتيبي", "عبدالرحمن جمال - جدة", "واس ـ روما", "صالح عسكول-عدن",
# "نيقوسيا، بيروت - أ ف ب، رويترز", "فلان / تصوير - فلان": a dash (or a spaced tatweel) with a
# space on one side at least, or between two Arabic letters (never inside "Jean-Pierre"), a comma,
# a slash.
_SEPARATOR = re.compile(r"(\s+[-–—ـ]+\s*|\s*[-–—]+\s+|(?<=[\u0621-\u06d3])[-–—](?=[\u0621-\u06d3])|\s*[،,/]\s*)")
# "أسامة سليمان من فيينا", "«الاقتصادية» من الرياض": a name, and the place it writes from.
_FROM_PLACE = re.compile(r"^(?P<name>\S.*?)\s+من\s+(?P<place>\S+(?:\s\S+)?)$")
_IN_BRACKETS = re.compile(r"^\((?P<name>[^()]+)\)$")
_COUNTRY = re.compile(rf"^{_ARABIC_WORD}(?:\s{_ARABIC_WORD})?\s*\({_ARABIC_WORD}(?:\s{_ARABIC_WORD})?\)$")
# "(واس)" or "- واس" closing the text, "الرياض (واس) -" opening it.
_CLOSING = re.compile(r"[(\[]\s*(?P<name>[^()\[\]]{2,40}?)\s*[)\]]\s*[.。]?\s*$")
_IN_DATELINE = re.compile(r"\(\s*(?P<name>[^()]{2,40}?)\s*\)")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[\s.\u200f\u200e\u0640\u064b-\u0652]+")  # and tatweel and short vowels
_ALEF = str.maketrans("أإآ", "ااا")


_HONORIFIC = r"(?:(?:م|د|أ|أ\.د|ا)\s*[/.]\s*|(?:الدكتور|الدكتورة|المهندس|المهندسة|الأستاذ|الأستاذة|الشيخ)\s+)"
# A byline line of wire copy: "كتب : م/ خالد عبد العزيز", "بقلم د. سارة", "By Jane Doe": a verb of
# writing, a name of a few words.
BYLINE = re.compile(
    r"^(?P<verb>كتب|كتبت|بقلم|إعداد|اعداد|تقرير|تحرير|متابعة|حوار|ترجمة|By)(?:\s*[:：\-–]\s*|\s+)"
    rf"(?P<name>{_HONORIFIC}?[^\s.:!?؟،,][^.:!?؟]{{0,60}})$",
    re.IGNORECASE,
)
HONORIFIC = re.compile(rf"^{_HONORIFIC}")
# The first or last paragraph of a body, and its text (inline markup only): where a byline or a
# signature line stands.
_PARAGRAPH = r"<p(?:\s[^>]*)?>(?P<text>(?:(?!</?(?:p|div|h\d|ul|ol|li|blockquote|table)[\s>]).){1,120}?)</p>"
_FIRST_PARAGRAPH = re.compile(rf"^\s*{_PARAGRAPH}\s*", re.DOTALL)
_LAST_PARAGRAPH = re.compile(rf"\s*{_PARAGRAPH}\s*$", re.DOTALL)


@dataclass(frozen=True)
class Credits:
    """What an author field or byline held, sorted: a place, people, and an agency or newspaper."""

    place: str = ""
    authors: tuple[str, ...] = ()
    credit: str = ""


def _key(name: str) -> str:
    """A name as compared: no dots, spaces, tatweel or short vowels, one alef, no leading "وكالة",
    case folded."""
    return _SPACE.sub("", name).translate(_ALEF).removeprefix("وكالة").casefold()


def tables() -> list[Path]:
    """The files the rules read: the bundled table and the working folder's (which may not exist)."""
    return [CREDITS_FILE, Path.cwd() / LOCAL_FILE]


_KINDS = (("agency", "agencies"), ("newspaper", "newspapers"), ("place", "places"))


@functools.lru_cache(maxsize=8)
def _table(local: Path, stamp: tuple[int, int] | None) -> dict[str, dict[str, str]]:
    """key -> {kind: the name as printed} for "agency", "newspaper" and "place", bundled and local
    (read again when the local file's `stamp`, its size and time, changes: a long-lived process
    sees an edit). A name may be of two kinds: "الرياض" is a city and a newspaper."""
    found: dict[str, dict[str, str]] = {}
    for path in (CREDITS_FILE, local):
        if path is None or not path.is_file():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind, section in _KINDS:
            for names in data.get(section) or []:
                names = [names] if isinstance(names, str) else [str(n) for n in names]
                for name in names:
                    found.setdefault(_key(name), {}).setdefault(kind, names[0])
    return found


def kinds(name: str) -> dict[str, str]:
    """{kind: table name} for what the table knows `name` to be (empty when it does not)."""
    local = Path.cwd() / LOCAL_FILE
    try:
        stat = local.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        stamp = None
    return _table(local, stamp).get(_key(name), {})


def known(name: str) -> tuple[str, str] | None:
    """(its table name, kind) when `name` is an agency or newspaper the table knows."""
    found = kinds(name)
    kind = next((k for k in ("agency", "newspaper") if k in found), None)
    return (found[kind], kind) if kind else None


def sort_out(value: str) -> Credits:
    """One author field or byline: "CITY: NAME" split, NAME an author unless it is quoted (a
    newspaper: «الشرق الأوسط») or an agency the table knows; "CITY - NAME", "NAME - CITY",
    "AGENCY - CITY", "NAME من CITY" and their longer kin sorted piece by piece."""
    value = _BYLINE_WORD.sub("", " ".join(value.split())).strip().rstrip(":：").strip().strip("*").strip()
    match = PLACE_AND_NAME.match(value) or PLACE_AND_SENDER.match(value)
    if match and match["place"].split()[0].casefold() not in _BYLINE_WORDS:
        found = _sorted_pieces(_pieces(match["name"].strip()))
        return Credits(place=" - ".join(filter(None, (match["place"], found.place))), authors=found.authors,
                       credit=found.credit)
    return _sorted_pieces(_pieces(value))


def _pieces(value: str) -> list[tuple[str, str]]:
    """(separator before it, piece): the separators as "-" or "،" (or "/"), the pieces as written
    (out of their brackets)."""
    parts = _SEPARATOR.split(value)
    pieces, separator = [], ""
    for index, part in enumerate(parts):
        if index % 2:
            separator = "/" if "/" in part else "،" if ("،" in part or "," in part) else "-"
        elif part.strip():
            part = part.strip()
            bracketed = _IN_BRACKETS.match(part)  # "(د ب أ)": the name in the brackets
            part = bracketed["name"].strip() if bracketed else part
            from_place = _FROM_PLACE.match(part)
            if from_place and not _QUOTED.match(part):
                pieces += [(separator, from_place["name"]), ("-", from_place["place"])]
            else:
                pieces.append((separator, part))
    return pieces


def _kind(piece: str) -> str:
    """What one piece of a byline is: quoted, agency, newspaper, place, both (a newspaper's name that
    is a place's too), role, byline, credit, one (a word, likely a place), or person."""
    word = piece.split()[0]
    if _QUOTED.match(piece):
        return "quoted"
    if piece.casefold() in _BYLINE_WORDS:
        return "byline"
    if piece in _ROLE_WORDS:
        return "role"
    if word in ("خاص", "مكتب", "القسم", "قسم"):  # "خاص بالرياض", "مكتب الجزيرة": the paper's own
        return "credit"
    found = kinds(piece)
    if "agency" in found:
        return "agency"
    if "newspaper" in found:
        return "both" if "place" in found else "newspaper"
    if "place" in found or _COUNTRY.match(piece):
        return "place"
    return "one" if len(piece.split()) == 1 else "person"


def _quoted_name(piece: str) -> str:
    """«name» for a quoted piece, whatever marks the source quoted it with."""
    quoted = _QUOTED.match(piece)
    return f"«{next(group for group in quoted.groups() if group).strip()}»"


def _sorted_pieces(pieces: list[tuple[str, str]]) -> Credits:
    if len(pieces) == 1:
        # One name: a credit when quoted, an agency's or a newspaper's ("الرياض الإلكتروني", and
        # "الرياض" alone: the paper crediting itself); a dateline when a place the table knows;
        # else a person's.
        (_, value), = pieces
        kind = _kind(value)
        if kind == "quoted":
            return Credits(credit=_quoted_name(value))
        if kind in ("agency", "newspaper", "both"):
            return Credits(credit=value)
        if kind == "place" and kinds(value):
            return Credits(place=value)
        return Credits(authors=(value,))
    sorted_out = [[separator, piece, _kind(piece)] for separator, piece in pieces]
    # A newspaper's name that is a place's too ("الرياض", "المدينة") is the paper beside a place, and
    # the place beside an agency or alone ("الرياض - واس"): the last such name is then the place.
    has_place = any(kind == "place" for _, _, kind in sorted_out)
    both = [entry for entry in sorted_out if entry[2] == "both"]
    for entry in both:
        entry[2] = "newspaper" if has_place or entry is not both[-1] else "place"
    has_place = has_place or bool(both)
    # A word alone is a place ("بريدة - طارق الناصر", "صالح عسكول-عدن") unless a place is named,
    # or one of a list of places ("نيقوسيا، بيروت").
    for index, entry in enumerate(sorted_out):
        if entry[2] == "one":
            listed = (index + 1 < len(sorted_out) and sorted_out[index + 1][0] == "،"
                      and sorted_out[index + 1][2] in ("place", "one")) or (entry[0] == "،" and index
                                                                              and sorted_out[index - 1][2] == "place")
            entry[2] = "place" if listed or not has_place else "person"
            has_place = True
    place, authors, credit = "", [], []
    role = ""
    for separator, piece, kind in sorted_out:
        if kind == "role":
            role = piece
        elif role:
            credit.append(f"{role}: {piece}")
            role = ""
        elif kind == "place":  # places as one dateline: "صنعاء - جدة", "نيقوسيا، بيروت"
            place += ("، " if separator == "،" else " - ") + piece if place else piece
        elif kind == "person":
            authors.append(piece)
        elif kind == "quoted":
            credit.append(_quoted_name(piece))
        elif kind != "byline":
            credit.append(piece)
    return Credits(place=place, authors=tuple(authors), credit="، ".join(credit))


def agency_in(body_html: str, dateline: str = "") -> str:
    """An agency credited in the text: "(واس)" closing it, or "الرياض (واس) -" in its lede."""
    text = _TAG.sub(" ", body_html).strip()
    for pattern, where in ((_CLOSING, text[-60:]), (_IN_DATELINE, dateline), (_IN_DATELINE, text[:80])):
        match = pattern.search(where)
        if match and (entry := known(match["name"])) and entry[1] == "agency":
            return match["name"]
    return ""


def names_in(byline: str) -> tuple[str, ...]:
    """The people a byline line names ("كتب: م/ خالد عبد العزيز، سارة علي"), without honorifics."""
    match = BYLINE.match(byline)
    if not match:
        return ()
    return tuple(HONORIFIC.sub("", name).strip() for name in re.split(r"\s*[،,]\s*", match["name"].strip()) if name)


def signature(body_html: str) -> tuple[str, str]:
    """(the body without it, the byline) when the body opens with a byline paragraph or ends with
    a signature line in the shapes wire copy uses ("بقلم: سارة علي", "إعداد: فريق التحرير"), else
    (body_html, ""). The line is printed as the article's byline, where every layout puts it."""
    for pattern in (_FIRST_PARAGRAPH, _LAST_PARAGRAPH):
        match = pattern.search(body_html)
        if not match:
            continue
        text = " ".join(html.unescape(_TAG.sub(" ", match["text"])).split())
        rest = (body_html[:match.start()] + "\n" + body_html[match.end():]).strip()
        if BYLINE.match(text) and rest:  # a body that is only a byline keeps it: it is the text
            return rest, text
    return body_html, ""
