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
    "ar": {"issue": "العدد", "contents": "المحتويات", "in_this_issue": "في هذا العدد", "pages": "الصفحات"},
    "he": {"issue": "גיליון", "contents": "תוכן העניינים", "in_this_issue": "בגיליון זה", "pages": "עמודים"},
    "fa": {"issue": "شماره", "contents": "فهرست", "in_this_issue": "در این شماره", "pages": "صفحه‌ها"},
    "ur": {"issue": "شمارہ", "contents": "فہرست", "in_this_issue": "اس شمارے میں", "pages": "صفحات"},
    "en": {"issue": "Issue", "contents": "Contents", "in_this_issue": "In this issue", "pages": "Pages"},
    "fr": {"issue": "Numéro", "contents": "Sommaire", "in_this_issue": "Dans ce numéro", "pages": "Pages"},
}



# The accessibility summary, in sentences put together from what the EPUB holds (see
# outputs/accessibility.py): what it offers, and what it lacks.
_SUMMARY = {
    "ar": {"base": "نص منشور قابل للقراءة بقارئات الشاشة: عناوين مرتبة، وفهرس للتنقل، ونص يمكن تكبيره وإعادة "
                   "تدفقه، وخطوط مضمنة؛ بلا صوت ولا فيديو.",
           "pages": "علامات فواصل الصفحات وقائمة الصفحات مطابقة للطبعة الورقية{source}.",
           "no_pages": "لا يحمل أرقام صفحات طبعة ورقية.",
           "images": "الصور: {n}، لكل منها نص بديل.", "some_images": "الصور: {n}، منها {k} بلا نص بديل.",
           "tables": "الجداول: {n}.", "moving": "قد تكون بعض الصور متحركة.",
           "certified": "فحص إتاحته {name} وفق EPUB Accessibility 1.1 وWCAG 2.1 AA.",
           "uncertified": "لم تعتمد جهة فاحصة إتاحته وفق معيار."},
    "en": {"base": "A text publication readable with screen readers: ordered headings, a navigable table of "
                   "contents, text that can be resized and reflowed, embedded fonts; no sound or video.",
           "pages": "Page-break markers and a page list follow the printed edition{source}.",
           "no_pages": "It carries no page numbers of a printed edition.",
           "images": "Images: {n}, each with a text alternative.",
           "some_images": "Images: {n}, of which {k} have no text alternative.",
           "tables": "Tables: {n}.", "moving": "Some images may be animated.",
           "certified": "Checked against EPUB Accessibility 1.1 and WCAG 2.1 AA by {name}.",
           "uncertified": "Its accessibility has not been certified against a standard."},
    "fr": {"base": "Publication textuelle lisible par les lecteurs d'écran : titres ordonnés, table des matières "
                   "navigable, texte redimensionnable et recomposable, polices intégrées ; ni son ni vidéo.",
           "pages": "Les sauts de page et la liste des pages suivent l'édition imprimée{source}.",
           "no_pages": "Elle ne porte pas les numéros de page d'une édition imprimée.",
           "images": "Images : {n}, chacune avec un texte de remplacement.",
           "some_images": "Images : {n}, dont {k} sans texte de remplacement.",
           "tables": "Tableaux : {n}.", "moving": "Certaines images peuvent être animées.",
           "certified": "Vérifiée selon EPUB Accessibility 1.1 et WCAG 2.1 AA par {name}.",
           "uncertified": "Son accessibilité n'a pas été certifiée selon une norme."},
    "fa": {"base": "نشریه‌ای متنی که با صفحه‌خوان خوانده می‌شود: عنوان‌های مرتب، فهرست مطالب پیمایش‌پذیر، متنی "
                   "که بزرگ‌نمایی و بازچینی می‌شود و قلم‌های جاسازی‌شده؛ بدون صدا و ویدیو.",
           "pages": "نشانه‌های شکست صفحه و فهرست صفحات با نسخهٔ چاپی{source} یکی است.",
           "no_pages": "شمارهٔ صفحات نسخهٔ چاپی را ندارد.",
           "images": "تصویرها: {n}، همه با متن جایگزین.", "some_images": "تصویرها: {n}، {k} تا بدون متن جایگزین.",
           "tables": "جدول‌ها: {n}.", "moving": "برخی تصویرها ممکن است متحرک باشند.",
           "certified": "{name} آن را بر پایهٔ EPUB Accessibility 1.1 و WCAG 2.1 AA بررسی کرده است.",
           "uncertified": "دسترس‌پذیری آن بر پایهٔ استانداردی گواهی نشده است."},
    "ur": {"base": "ایک متنی اشاعت جو اسکرین ریڈر سے پڑھی جا سکتی ہے: ترتیب وار سرخیاں، قابلِ تلاش فہرست، بڑا "
                   "اور دوبارہ ترتیب دیا جا سکنے والا متن اور شامل شدہ فونٹس؛ کوئی آواز یا ویڈیو نہیں۔",
           "pages": "صفحہ بندی کے نشانات اور صفحات کی فہرست مطبوعہ ایڈیشن{source} کے مطابق ہیں۔",
           "no_pages": "اس میں مطبوعہ ایڈیشن کے صفحہ نمبر نہیں۔",
           "images": "تصاویر: {n}، ہر ایک کے ساتھ متبادل متن۔",
           "some_images": "تصاویر: {n}، جن میں سے {k} بغیر متبادل متن کے۔",
           "tables": "جدولیں: {n}۔", "moving": "کچھ تصاویر متحرک ہو سکتی ہیں۔",
           "certified": "{name} نے اسے EPUB Accessibility 1.1 اور WCAG 2.1 AA کے مطابق جانچا ہے۔",
           "uncertified": "اس کی رسائی کسی معیار کے مطابق تصدیق شدہ نہیں۔"},
    "he": {"base": "פרסום טקסטואלי הקריא בקוראי מסך: כותרות מסודרות, תוכן עניינים שניתן לנווט בו, טקסט שניתן "
                   "להגדיל ולזרום מחדש וגופנים מוטמעים; ללא קול או וידאו.",
           "pages": "סימוני מעברי העמודים ורשימת העמודים תואמים את המהדורה המודפסת{source}.",
           "no_pages": "אין בו מספרי עמודים של מהדורה מודפסת.",
           "images": "תמונות: {n}, לכל אחת טקסט חלופי.", "some_images": "תמונות: {n}, מהן {k} ללא טקסט חלופי.",
           "tables": "טבלאות: {n}.", "moving": "ייתכן שחלק מהתמונות מונפשות.",
           "certified": "נבדק לפי EPUB Accessibility 1.1 ו-WCAG 2.1 AA על ידי {name}.",
           "uncertified": "נגישותו לא אושרה לפי תקן."},
}


def byline(lang: str) -> str:
    """The word before an author's name ("بقلم", "By")."""
    return _BYLINE.get(primary_language(lang), _BYLINE["en"])


def around_articles(lang: str) -> dict[str, str]:
    """The words layouts and the EPUB's nav write around articles: issue, contents, in this issue."""
    return _AROUND.get(primary_language(lang), _AROUND["en"])


def accessibility_summary(lang: str, facts: Any, source: str = "") -> str:
    """What an EPUB offers a reader who cannot see it and what it lacks, in the book's language:
    `facts` as outputs.accessibility.facts found them, `source` the print edition its page
    breaks follow, as a reader would name it ("ISBN 9789953000008"; "" for none or for the
    publication's own identifier, which tells a reader nothing)."""
    from publisher.arabic import digits as write_digits
    from publisher.model import NATIVE_DIGITS

    primary = primary_language(lang)
    said = _SUMMARY.get(primary, _SUMMARY["en"])

    def number(value: int) -> str:
        return write_digits(str(value), NATIVE_DIGITS.get(primary, "western"))

    shown = f" ({source})" if source else ""
    sentences = [said["base"], said["pages"].format(source=shown) if facts.page_list else said["no_pages"]]
    if facts.images:
        key = "some_images" if facts.images_without_alt else "images"
        sentences.append(said[key].format(n=number(facts.images), k=number(facts.images_without_alt)))
    if facts.tables:
        sentences.append(said["tables"].format(n=number(facts.tables)))
    if facts.may_move:
        sentences.append(said["moving"])
    sentences.append(said["certified"].format(name=facts.certifier) if facts.certifier else said["uncertified"])
    return " ".join(sentences)


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
