"""The words publisher writes itself, in the reader's language: around articles in layouts
("بقلم", "المحتويات"), in dates and lists of names (Babel, from CLDR), and in an EPUB's
accessibility summary. A language not listed reads as English."""

from __future__ import annotations

import functools
from typing import Any

from publisher.model import primary_language

_BYLINE = {"ar": "بقلم", "fa": "نوشته", "ur": "از", "en": "By", "fr": "Par"}

# What layouts write around the articles, in the publication's language.
_AROUND = {
    "ar": {"issue": "العدد", "contents": "المحتويات", "in_this_issue": "في هذا العدد"},
    "he": {"issue": "גיליון", "contents": "תוכן העניינים", "in_this_issue": "בגיליון זה"},
    "fa": {"issue": "شماره", "contents": "فهرست", "in_this_issue": "در این شماره"},
    "ur": {"issue": "شمارہ", "contents": "فہرست", "in_this_issue": "اس شمارے میں"},
    "en": {"issue": "Issue", "contents": "Contents", "in_this_issue": "In this issue"},
    "fr": {"issue": "Numéro", "contents": "Sommaire", "in_this_issue": "Dans ce numéro"},
}



_ACCESSIBILITY_SUMMARY = {
    "ar": "نص منشور قابل للقراءة بقارئات الشاشة، بعناوين مرتبة وفهرس للتنقل، وخطوط مضمنة؛ "
          "لا يعتمد على اللون أو الصوت ولا يحوي ما يعرّض القارئ للخطر.",
    "en": "A text publication readable with screen readers, with ordered headings, a navigable table "
          "of contents and embedded fonts; it relies on no colour or sound and has no hazards.",
    "fa": "نشریه‌ای متنی که با صفحه‌خوان خوانده می‌شود، با عنوان‌های مرتب، فهرست مطالب پیمایش‌پذیر و "
          "قلم‌های جاسازی‌شده؛ به رنگ یا صدا وابسته نیست و خطری برای خواننده ندارد.",
    "ur": "ایک متنی اشاعت جو اسکرین ریڈر سے پڑھی جا سکتی ہے، ترتیب وار سرخیوں، قابلِ تلاش فہرست اور "
          "شامل شدہ فونٹس کے ساتھ؛ یہ رنگ یا آواز پر منحصر نہیں اور اس میں کوئی خطرہ نہیں۔",
    "he": "פרסום טקסטואלי הקריא בקוראי מסך, עם כותרות מסודרות, תוכן עניינים שניתן לנווט בו וגופנים "
          "מוטמעים; אינו תלוי בצבע או בקול ואין בו סכנות.",
    "fr": "Publication textuelle lisible par les lecteurs d'écran, avec des titres ordonnés, une table des "
          "matières navigable et des polices intégrées ; elle ne dépend ni de la couleur ni du son et ne "
          "présente aucun danger.",
}



def byline(lang: str) -> str:
    """The word before an author's name ("بقلم", "By")."""
    return _BYLINE.get(primary_language(lang), _BYLINE["en"])


def around_articles(lang: str) -> dict[str, str]:
    """The words layouts and the EPUB's nav write around articles: issue, contents, in this issue."""
    return _AROUND.get(primary_language(lang), _AROUND["en"])


def accessibility_summary(lang: str) -> str:
    """What an EPUB offers a reader who cannot see it, in the book's language."""
    return _ACCESSIBILITY_SUMMARY.get(primary_language(lang), _ACCESSIBILITY_SUMMARY["en"])


@functools.cache
def _locale(lang: str) -> str:
    """The Babel locale for a language tag: itself, else its primary language, else English
    (worked out once a tag: every date and byline of a batch asks)."""
    from babel.core import Locale, UnknownLocaleError

    for tag in (lang.replace("-", "_"), primary_language(lang)):
        try:
            Locale.parse(tag)
            return tag
        except (UnknownLocaleError, ValueError):
            continue
    return "en"


def names(values: Any, lang: str) -> str:
    """Names as the language lists them ("أحمد وسارة", "Ada, Grace, and Joan"): Babel's list
    patterns, from CLDR."""
    from babel.lists import format_list

    items = [str(value) for value in values]
    return format_list(items, locale=_locale(lang)) if items else ""


def long_date(value: Any, lang: str, digits: str) -> str:
    """A date written out in the language ("٢٠ نوفمبر ٢٠٢٦"), in the digits asked for."""
    from babel.dates import format_date

    from publisher.arabic import digits as write_digits

    return write_digits(format_date(value, format="long", locale=_locale(lang)), digits)
