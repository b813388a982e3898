"""What is specific to Arabic text: presentation forms, digits, directional marks."""

from __future__ import annotations

import re
import unicodedata

# Old systems stored Arabic as presentation forms (contextual glyphs, U+FB50-U+FDFF and
# U+FE70-U+FEFF): they look right but do not search, sort or shape. NFKC maps each back to its
# letters; applied to that range only, it leaves every other character exactly as written.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")

# A right-to-left mark (RLM, ALM) beside an Arabic letter, or a left-to-right mark (LRM) beside a
# Latin letter, is the same strong direction as its neighbour: the bidi algorithm resolves
# everything around it exactly as without it. Such marks only hide words from search. A mark
# anywhere else (between a Latin word and a full stop, say) may be doing work, and stays.
_ARABIC_LETTER = "\u0620-\u065f\u0670-\u06d3\u06d5\u06e5\u06e6\u06ee\u06ef\u06fa-\u06ff"
_LATIN_LETTER = "A-Za-z\u00c0-\u024f"
_STRAY_MARKS = re.compile(
    f"(?<=[{_ARABIC_LETTER}])[\u200f\u061c]+|[\u200f\u061c]+(?=[{_ARABIC_LETTER}])"
    f"|(?<=[{_LATIN_LETTER}])\u200e+|\u200e+(?=[{_LATIN_LETTER}])"
)

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_WESTERN = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def fold_presentation_forms(text: str) -> str:
    return _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def drop_stray_marks(text: str) -> str:
    return _STRAY_MARKS.sub("", text)


def normalise(text: str) -> str:
    """Letters as letters, without marks that do nothing; never a word dropped or changed."""
    return drop_stray_marks(fold_presentation_forms(text))


def digits(text: str, style: str) -> str:
    """Write the digits of `text` in `style`: `arabic-indic` (٠١٢) or `western` (012)."""
    return text.translate(_ARABIC_INDIC if style == "arabic-indic" else _WESTERN)
