"""Pictures in an article's body, made into figures the same way whatever the reader.

A paragraph that holds nothing but an image is a figure. Its caption is the figure's own
(HTML's <figcaption>, a Word paragraph in the Caption style right after the picture), else the
image's title (Markdown's ![alt](photo.jpg "caption")), else its alt text. A photographer or an
agency named at the end of a caption ("… عند الفجر (تصوير: سلمى الحربي)", "Photo: AFP",
"(رويترز)") is set apart as the figure's credit line:

    <figure><img …><figcaption>caption<span class="figure-credit">تصوير: سلمى الحربي</span></figcaption></figure>
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from publisher.markup import inner_html
from publisher.sources import credits

# "(تصوير: سلمى الحربي)", "عدسة: …", "الصورة: رويترز", "Photo: AFP", "تصوير - سلمى" at the end of a
# caption: bracketed, or after a colon, or after a dash where a stop or a dash comes before it
# ("…عند الفجر. تصوير - سلمى"; not "A photo - image of the year").
_CREDIT_WORDS = r"تصوير|عدسة|الصورة|صورة|المصدر|photo|photograph|photos|image|picture|credit|source"
_CREDIT = re.compile(
    rf"(?:\(\s*(?P<a>(?:{_CREDIT_WORDS})\s*[:：\-–]?\s*[^()]{{2,60}}?)\s*\)"
    rf"|(?<=\s)(?P<b>(?:{_CREDIT_WORDS})\s*[:：]\s*[^()\n]{{2,60}}?)"
    rf"|(?<=[.،,;—–\-]\s)(?P<c>(?:{_CREDIT_WORDS})\s*[\-–]\s*[^()\n]{{2,60}}?))\s*[.。]?\s*$", re.IGNORECASE)
# "(رويترز)", "(أ ف ب)": an agency the credits table knows, in brackets at the end.
_BRACKETED = re.compile(r"\(\s*(?P<name>[^()]{2,40}?)\s*\)\s*[.。]?\s*$")
_TRAILING = re.compile(r"[\s.،,:;—–\-]+$")


def split_credit(caption: str) -> tuple[str, str]:
    """(the caption, its credit) when the caption ends with one, else (caption, "")."""
    caption = " ".join(caption.split())
    match = _CREDIT.search(caption)
    if match and (rest := _TRAILING.sub("", caption[:match.start()]).strip()):
        credit = (match["a"] or match["b"] or match["c"]).strip()
        credit = re.sub(r"^(\S+)\s*[:：\-–]\s*", r"\1: ", credit)  # "تصوير - فلان" printed "تصوير: فلان"
        return rest, credit
    match = _BRACKETED.search(caption)
    if (match and (entry := credits.known(match["name"])) and entry[1] == "agency"
            and (rest := _TRAILING.sub("", caption[:match.start()]).strip())):
        return rest, match["name"]
    # A caption that is nothing but its credit ("الصورة: جانب من الاحتفال") stays the caption.
    return caption, ""


def make_figures(body_html: str) -> str:
    """The body with its lone pictures as captioned figures (see the module's text)."""
    if "<img" not in body_html:
        return body_html
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    changed = False
    for paragraph in root.xpath(".//p[count(*) = 1 and img and normalize-space(.) = '']"):
        image = paragraph[0]
        paragraph.tag = "figure"
        paragraph.attrib.clear()
        paragraph.text = image.tail = None
        caption = (image.attrib.pop("title", "") or "").strip()
        following = paragraph.getnext()
        if following is not None and following.tag == "p" and "caption" in (following.get("class") or "").split():
            caption = following.text_content().strip() or caption  # Word's Caption style, after the picture
            following.drop_tree()
        _caption(paragraph, caption or (image.get("alt") or "").strip())
        changed = True
    for figure in root.xpath(".//figure[figcaption]"):
        changed |= _credit_apart(figure.find("figcaption"))
    if not changed:
        return body_html
    return inner_html(root)


def _caption(figure, caption: str) -> None:
    if not caption:
        return
    figcaption = lxml_html.Element("figcaption")
    figcaption.text = caption
    figure.append(figcaption)


def _credit_apart(figcaption) -> bool:
    """A credit at the end of a caption set apart in its own span (once: a caption that has one,
    or holds elements of its own, is left as it is)."""
    if len(figcaption) or figcaption.xpath(".//*[@class='figure-credit']"):
        return False
    caption, credit = split_credit(figcaption.text or "")
    if not credit:
        return False
    figcaption.text = caption
    span = lxml_html.Element("span")
    span.set("class", "figure-credit")
    span.text = credit
    figcaption.append(span)
    return True
