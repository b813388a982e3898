"""Body HTML made ready for one target: bidi isolates for Latin inside Arabic, and footnotes set
as the target needs them (at the foot of the page in print, EPUB 3 notes in an e-book).

Readers produce one neutral body; these turn it into what a layout places. They work on parsed
HTML, never on strings, and touch only text nodes and the footnote structures they know.
"""

from __future__ import annotations

import re
from html import escape

from lxml import html as lxml_html

from publisher.arabic import digits as write_digits
from publisher.markup import inner_html

# What an isolate holds, as the W3C's "Inline markup and bidirectional text in HTML" asks: every
# opposite-direction phrase tightly wrapped, with its direction given (dir="ltr" or "rtl"), never
# left to dir=auto: WeasyPrint gives a <bdi> the direction it inherits (it has no dir=auto), and a
# run with no strong letter in it (a telephone number) would be ordered right to left there.
LATIN_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # not × (U+00D7) or ÷ (U+00F7)
ARABIC_LETTER = "\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06fc\u06ff\u0750-\u077f\u08a0-\u08ff"
ARABIC_WORD = rf"[{ARABIC_LETTER}][{ARABIC_LETTER}\u0640\u064b-\u065f\u0670\u0660-\u066c\u200c]*"
# Extended Arabic-Indic digits (۰-۹) are European numbers for the bidi algorithm (bidi class EN),
# as alreq's "Families of Numerals" shows: after a Latin word they run with it, left to right.
_BRACKETED = rf"(?:\([{LATIN_LETTER}0-9]+\))?"
_LATIN_WORD = rf"[{LATIN_LETTER}0-9\u06f0-\u06f9]+{_BRACKETED}"
_OPENING, _CLOSING = "\"“«‹", "\"”»›"
LATIN_RUN = re.compile(
    # A quotation in Latin letters, with the punctuation that ends it ('"We are ready."'): the
    # quotation's own base direction keeps its full stop at its end (W3C, "Unicode Bidirectional
    # Algorithm basics": embedding changes to the base direction). The marks stay outside.
    rf"(?<=[{_OPENING}])(?=[{LATIN_LETTER}])[^{_OPENING}{_CLOSING}{ARABIC_LETTER}\n]+(?=[{_CLOSING}])"
    # A URL or an e-mail address, whole: its parts are neutral-separated Latin runs that the
    # algorithm would order right to left inside Arabic; a full stop or comma after it is the sentence's.
    r"|(?:https?://|www\.)[^\s<>\"«»]+?(?=[.,;:!?؟،)]*(?:\s|$))"
    # A run of Latin words ("Saudi Aramco", "iPhone 15 Pro", "book(s)": UAX #9's N0 example 3, the
    # brackets belong to the Latin word) with what joins them inside.
    # A number written against the Latin word it goes with ("120km/h") is part of the run: after
    # Arabic it would stay a European number, and the run's order be reversed (UAX #9 W7).
    rf"|(?:[0-9]+(?:[.,][0-9]+)?(?=[{LATIN_LETTER}]))?[{LATIN_LETTER}][{LATIN_LETTER}0-9\u06f0-\u06f9]*{_BRACKETED}"
    rf"(?:[ .\-'’&/+_:@]{_LATIN_WORD})*"
    # A number written left to right in groups: a telephone number ("+966 11 123 4567"), whose
    # groups the algorithm would otherwise reverse inside Arabic. (Ranges such as 10-15 and dates
    # are left to the algorithm, which orders them as Arabic readers expect: UAX #9 W4.)
    r"|\+\d{1,4}(?:[ \-]\d{1,5}){1,5}\b|\b\d{2,5}(?: \d{2,5}){2,4}\b")
# Inside left-to-right text: a quotation in Arabic with the punctuation that ends it, else a run
# of Arabic words (the W3C's list and spillover examples: "مصر, البحرين and الكويت", "Wadi Rum –
# وادي القم – 321km": each run isolated, so that a comma or a number after it is the English text's).
ARABIC_RUN = re.compile(
    rf"(?<=[{_OPENING}])(?=[{ARABIC_LETTER}])[^{_OPENING}{_CLOSING}\n]+(?=[{_CLOSING}])"
    rf"|{ARABIC_WORD}(?: {ARABIC_WORD})*")
KEEP = frozenset({"bdi", "bdo", "code", "pre", "kbd", "samp", "script", "style"})


def prepare(body_html: str, *, direction: str, target: str, prefix: str, digits: str = "western") -> str:
    """The body for `target` ("print" or "epub"); ids the body makes are prefixed with `prefix`
    so that two articles in one publication never share one."""
    if not body_html.strip():
        return body_html
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    _prefix_ids(root, prefix)
    isolate(root, direction)
    notes = _footnotes(root)
    if notes:
        if target == "print":
            _notes_for_print(root, notes, digits)
        else:
            _notes_for_epub(root, notes, digits)
    return inner_html(root)


def lead_figure(body_html: str, src: str = "") -> tuple[str, str]:
    """(the figure that leads an article, the body without it): the figure of the image `src`
    (the one its front matter names), else the body's first figure; ("", body) when it has none."""
    if "<figure" not in body_html:
        return "", body_html
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    found = root.xpath(".//figure[img/@src = $src]", src=src) if src else []
    found = found or root.xpath(".//figure[img]")
    if not found:
        return "", body_html
    figure = found[0]
    figure.drop_tree()  # its tail, text of the body, stays where the figure was
    figure.tail = None
    shown = lxml_html.tostring(figure, encoding="unicode").strip()
    return shown, inner_html(root)


def _prefix_ids(root, prefix: str) -> None:
    """Every id, and every link to one, made unique to the article: a book holds many articles,
    and each has its "fn1" and its headings."""
    for element in root.xpath(".//*[@id]"):
        element.set("id", f"{prefix}-{element.get('id')}")
    for link in root.xpath(".//a[starts-with(@href, '#')]"):
        link.set("href", f"#{prefix}-{link.get('href')[1:]}")


def isolate(root, direction: str) -> None:
    """Every opposite-direction phrase in the text of `root` (whose base direction is
    `direction`) tightly wrapped in a <bdi> with its own direction: Latin runs, URLs, telephone
    numbers and Latin quotations in right-to-left text; Arabic runs and Arabic quotations in
    left-to-right text, and, inside those, their own Latin runs (the W3C's nested phrases)."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in KEEP or _inside(element, KEEP):
            continue
        children = list(element)  # before the text's own runs are wrapped
        for made in _wrap_text(element, "text", direction=direction):
            _nested(made, direction)
        for child in children:
            if isinstance(child.tag, str):
                for made in _wrap_text(child, "tail", parent=element, direction=direction):
                    _nested(made, direction)


def isolated(text: str, direction: str) -> str:
    """`text` (plain, a title) as escaped HTML with its opposite-direction phrases isolated."""
    root = lxml_html.Element("span")
    root.text = text
    isolate(root, direction)
    # Inline content: each child with its tail exactly (inner_html puts blocks a line each).
    return escape(root.text or "", quote=False) + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in root)


def _nested(bdi, direction: str) -> None:
    """An Arabic phrase isolated inside left-to-right text holds Latin runs of its own ("في XHTML
    1.0 يتم ..."): those are isolated in it as in any right-to-left text."""
    if direction == "ltr":
        for made in _wrap_text(bdi, "text", direction="rtl"):
            _nested(made, "rtl")


def _inside(element, tags: frozenset[str]) -> bool:
    return any(ancestor.tag in tags for ancestor in element.iterancestors())


def _wrap_text(element, slot: str, parent=None, *, direction: str) -> list:
    """Split the element's text (or tail) around the opposite-direction runs of text whose
    direction is `direction`, each run in a new <bdi dir=...>; the new elements."""
    runs_of, inner = (LATIN_RUN, "ltr") if direction == "rtl" else (ARABIC_RUN, "rtl")
    text = getattr(element, slot)
    if not text or not runs_of.search(text):
        return []
    pieces, runs = runs_of.split(text), runs_of.findall(text)
    setattr(element, slot, pieces[0])
    host, first = (element, 0) if slot == "text" else (parent, parent.index(element) + 1)
    made = []
    for offset, (run, after) in enumerate(zip(runs, pieces[1:], strict=True)):
        bdi = lxml_html.Element("bdi")
        bdi.set("dir", inner)
        bdi.text, bdi.tail = run, after
        host.insert(first + offset, bdi)
        made.append(bdi)
    return made


def _footnotes(root) -> dict[str, object]:
    """markdown-it's footnotes: id -> the <li> that holds the note."""
    return {li.get("id"): li for li in root.xpath(".//section[@class='footnotes']//li[@id]")}


def _notes_for_print(root, notes: dict, digits: str) -> None:
    """The first call of a note becomes the note itself, floated to the foot of its page (CSS
    float: footnote); a later call of the same note repeats its number instead of its text."""
    numbers: dict[str, int] = {}
    for call in root.xpath(".//sup[@class='footnote-ref']"):
        link = call.find("a")
        key = (link.get("href") or "").lstrip("#") if link is not None else ""
        note = notes.get(key)
        if note is None:
            continue
        if key in numbers:
            repeat = lxml_html.Element("sup")
            repeat.set("class", "footnote-repeat")
            repeat.text = write_digits(str(numbers[key]), digits)
            repeat.tail = call.tail
            call.getparent().replace(call, repeat)
            continue
        numbers[key] = len(numbers) + 1
        span = lxml_html.Element("span")
        span.set("class", "footnote")
        _move_content(note, span)
        span.tail = call.tail
        call.getparent().replace(call, span)
    _drop_note_list(root)


def _notes_for_epub(root, notes: dict, digits: str) -> None:
    """EPUB 3 notes: a noteref link at the call, the note in an <aside epub:type="footnote">."""
    numbers: dict[str, int] = {}
    for index, call in enumerate(root.xpath(".//sup[@class='footnote-ref']"), start=1):
        link = call.find("a")
        if link is None:
            continue
        target = (link.get("href") or "").lstrip("#")
        number = numbers.setdefault(target, len(numbers) + 1)
        link.attrib.clear()
        link.set("href", f"#{target}")
        link.set("id", f"{target}-ref-{index}")  # each call its own id, even for a note cited twice
        link.set("epub:type", "noteref")
        link.set("role", "doc-noteref")
        link.text = write_digits(str(number), digits)
        call.attrib.clear()
    for key, note in notes.items():
        aside = lxml_html.Element("aside")
        aside.set("id", key)
        aside.set("epub:type", "footnote")
        aside.set("role", "doc-footnote")
        _move_content(note, aside)
        root.append(aside)
    _drop_note_list(root)


def _move_content(source, target) -> None:
    """The note's content into `target`, its paragraphs run together with line breaks: a
    footnote is set as one block, and the back-link to the call is dropped."""
    paragraphs = [child for child in source if isinstance(child.tag, str) and child.tag == "p"]
    parts = paragraphs if paragraphs and len(paragraphs) == len(source) else [source]
    for number, part in enumerate(parts):
        if number:
            target.append(lxml_html.Element("br"))
        _append_text(target, part.text or "")
        for child in list(part):
            target.append(child)
    for backref in target.xpath(".//a[@class='footnote-backref']"):
        backref.drop_tree()
    if target.text:
        target.text = target.text.lstrip()


def _append_text(parent, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _drop_note_list(root) -> None:
    for element in root.xpath(".//section[@class='footnotes'] | .//hr[@class='footnotes-sep']"):
        element.drop_tree()
