"""The bundled font set: @font-face rules, coverage checks and EPUB subsets.

fonts/ is the only source of glyphs. fonts/fonts.toml names each family's role and faces; the
PDF renderer is confined to that folder through fonts/fonts.conf (see outputs/pdf.py).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from publisher import DATA_ROOT
from publisher.errors import EnvironmentProblem

FONTS_DIR = DATA_ROOT / "fonts"
FONTCONFIG_FILE = FONTS_DIR / "fonts.conf"
ROLES = ("body", "heading", "symbols")
# Where fonts sit in every document publisher writes: beside the HTML, inside the EPUB.
URL_PREFIX = "fonts/"
# Variation selectors choose a glyph form; they have none of their own to miss.
_INVISIBLE = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


@dataclass(frozen=True)
class Face:
    family: str
    path: Path
    weight: int
    style: str

    @property
    def url(self) -> str:
        return URL_PREFIX + self.path.name


@dataclass(frozen=True)
class Family:
    name: str
    role: str
    licence: Path
    faces: tuple[Face, ...]
    languages: tuple[str, ...] = ()
    """The languages (primary subtags) it is the role's face for; () for every language."""
    nastaliq: bool = False
    """A Nastaliq face, used only while its language is set in Nastaliq (--urdu-face)."""


@cache
def families() -> tuple[Family, ...]:
    manifest = FONTS_DIR / "fonts.toml"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EnvironmentProblem(f"cannot read the font manifest: {exc}", path=manifest,
                                 hint="restore fonts/ from the repository") from None
    found = []
    for name, spec in data["families"].items():
        faces = tuple(Face(name, FONTS_DIR / f["file"], int(f["weight"]), f["style"]) for f in spec["faces"])
        licence = FONTS_DIR / spec["licence"]
        missing = [face.path.name for face in faces if not face.path.is_file()]
        if not licence.is_file():
            missing.append(f"{licence.name} (the licence the fonts are shipped under)")
        if missing:
            raise EnvironmentProblem(f"font files missing: {', '.join(missing)}", path=FONTS_DIR,
                                     hint="restore fonts/ from the repository")
        found.append(Family(name, spec["role"], licence, faces, tuple(spec.get("languages", ())),
                            bool(spec.get("nastaliq", False))))
    return tuple(found)


def faces() -> tuple[Face, ...]:
    return tuple(face for family in families() for face in family.faces)


def path_for(family: str, weight: int, italic: bool) -> Path | None:
    """The bundled file WeasyPrint drew `family` at `weight` from, for the PDF text layer."""
    candidates = [face for face in faces() if face.family == family and (face.style == "italic") == italic]
    return min(candidates, key=lambda face: abs(face.weight - weight)).path if candidates else None


def _own_families(lang: str, nastaliq: bool = True) -> dict[str, Family]:
    """The families a language has of its own, by role: a Nastaliq one only while `nastaliq`.
    Urdu's Nastaliq face sets its headings too (Urdu papers set their headlines in Nastaliq)."""
    primary = lang.split("-")[0].lower()
    own = {f.role: f for f in families() if primary in f.languages and (nastaliq or not f.nastaliq)}
    if "body" in own and own["body"].nastaliq:
        own["heading"] = own["body"]
    return own


def family_for(role: str, lang: str = "", nastaliq: bool = True) -> Family:
    """The family a role is set in: the language's own, else the one for every language."""
    return _own_families(lang, nastaliq).get(role) or next(f for f in families() if f.role == role and not f.languages)


def role_names(lang: str = "", nastaliq: bool = True) -> dict[str, str]:
    """Each role's font-family list, for CSS: the role's family (the language's own, if it has
    one), then the other bundled text faces, then the symbols face, so that a glyph missing from
    one comes from the next, never from a system font."""
    general = {role: f'"{family_for(role).name}"' for role in ROLES}
    lists = {"body": [general["body"], general["heading"]], "heading": [general["heading"], general["body"]]}
    for role, family in _own_families(lang, nastaliq).items():
        if role in lists:
            lists[role].insert(0, f'"{family.name}"')
    return {role: ", ".join([*dict.fromkeys(names), general["symbols"]]) for role, names in lists.items()}


def languages_of_their_own(nastaliq: bool = True) -> dict[str, dict[str, str]]:
    """Each language that has faces of its own, with its role lists: for the CSS of its :lang()."""
    tags = sorted({tag for f in families() for tag in f.languages if nastaliq or not f.nastaliq})
    return {tag: role_names(tag, nastaliq) for tag in tags if _own_families(tag, nastaliq)}


def faces_for(langs, nastaliq: bool = True) -> tuple[Face, ...]:
    """The faces a publication in `langs` may be set in: every family for all languages, and the
    families of its languages (what its EPUB carries)."""
    wanted = {f.name for lang in langs for f in _own_families(lang, nastaliq).values()}
    return tuple(face for f in families() if not f.languages or f.name in wanted for face in f.faces)


def font_face_css(*, variables: bool = True, chosen: tuple[Face, ...] | None = None,
                  lang: str = "", nastaliq: bool = True) -> str:
    """@font-face rules pointing at fonts/ relative to the document (every face, or those
    `chosen`), and the role variables (the faces of `lang`, the document's language, first)."""
    rules = [
        f'@font-face {{ font-family: "{face.family}"; src: url("{face.url}") format("truetype"); '
        f"font-weight: {face.weight}; font-style: {face.style}; }}"
        for face in (faces() if chosen is None else chosen)
    ]
    if variables:
        names = role_names(lang, nastaliq)
        rules.append(f":root {{ --font-body: {names['body']}; --font-heading: {names['heading']}; }}")
    return "\n".join(rules)


@cache
def _face_data(face: Face) -> bytes:
    return face.path.read_bytes()


@cache
def _hb_font(path: Path):
    import uharfbuzz as hb

    return hb.Font(hb.Face(hb.Blob(path.read_bytes())))


def text_width(text: str, role: str, size_pt: float, weight: int = 400, lang: str = "",
               nastaliq: bool = True) -> float:
    """How wide `text` sets, in points, in the role's face for `lang` at `size_pt`, shaped by
    HarfBuzz as the renderer shapes it (joined letters, ligatures, kerning)."""
    import uharfbuzz as hb

    if not text:
        return 0.0  # HarfBuzz gives no positions at all for nothing
    family = family_for(role, lang, nastaliq)
    path = path_for(family.name, weight, False)
    font = _hb_font(path)
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font, buffer)
    return sum(position.x_advance for position in buffer.glyph_positions) * size_pt / font.face.upem


@cache
def face_unicodes(face: Face) -> frozenset[int]:
    """The characters a bundled face has a glyph for."""
    import uharfbuzz as hb

    return frozenset(hb.Face(_face_data(face)).unicodes)


@cache
def _coverage() -> frozenset[int]:
    covered: set[int] = set()
    for family in families():
        covered.update(face_unicodes(family.faces[0]))
    return frozenset(covered)


def missing_characters(text: str) -> list[str]:
    """Characters of `text` that no bundled font can draw (spaces and controls need no glyph)."""
    covered = _coverage()
    missing = {
        ch for ch in set(text)
        if ord(ch) not in covered and not ch.isspace() and unicodedata.category(ch)[0] not in ("C", "Z")
        and not _INVISIBLE.match(ch)
    }
    return sorted(missing)


def describe(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')} ({ch})"


@cache
def subset(face: Face, characters: frozenset[str]) -> bytes:
    """The face cut down to what `characters` need, every layout feature kept so Arabic still
    joins and ligates. HarfBuzz does it in milliseconds where fontTools took half a second a face;
    cached per glyph set, so every chapter of a book, or a rebuild, asks for one cut once."""
    import uharfbuzz as hb

    request = hb.SubsetInput()
    for ch in characters:
        request.unicode_set.add(ord(ch))
    features = request.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG)
    features.clear()
    features.invert()  # the empty set inverted: all features, not only HarfBuzz's default list
    result = hb.subset(hb.Face(_face_data(face)), request)
    if result is None:
        raise EnvironmentProblem(f"HarfBuzz could not subset {face.path.name}", path=face.path)
    return result.blob.data


def postscript_name(data: bytes) -> str:
    import uharfbuzz as hb

    return hb.Face(data).get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or ""


# What WeasyPrint drops from the fonts it embeds in a PDF (weasyprint/pdf/fonts.py).
_PDF_DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")


def subset_glyphs(data: bytes, glyphs: set[int]) -> bytes:
    """A font program cut to `glyphs` as WeasyPrint cuts the fonts it embeds in a PDF: glyph ids
    kept where they are, outlines without hinting, layout tables dropped."""
    import uharfbuzz as hb

    request = hb.SubsetInput()
    for glyph in glyphs:
        request.glyph_set.add(glyph)
    request.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                     | hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING)
    dropped = request.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in _PDF_DROPPED_TABLES:
        dropped.add(int.from_bytes(tag.encode("ascii"), "big"))
    result = hb.subset(hb.Face(data), request)
    if result is None:
        raise EnvironmentProblem("HarfBuzz could not subset a font for the PDF")
    return result.blob.data
