"""What is specific to Arabic text: presentation forms, digits, directional marks."""

from __future__ import annotations

import re
import unicodedata

# Old systems stored Arabic as presentation forms (contextual glyphs, U+FB50-U+FDFF and
# U+FE70-U+FEFF): they look right but do not search, sort or shape. NFKC maps each back to its
# letters; applied to that range only, it leaves every other character exactly as written.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")

# LRM, RLM and ALM between two characters of the same direction do nothing but hide words from
# search. Dropped only where no Latin letter or digit could need them.
_STRAY_MARKS = re.compile("(?<=[\u0600-\u06ff\\s])[\u200e\u200f\u061c]+(?=[\u0600-\u06ff\\s]|$)")

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
