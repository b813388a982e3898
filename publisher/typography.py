"""Body HTML made ready for one target: bidi isolates for Latin inside Arabic, and footnotes set
as the target needs them (at the foot of the page in print, EPUB 3 notes in an e-book).

Readers produce one neutral body; these turn it into what a layout places. They work on parsed
HTML, never on strings, and touch only text nodes and the footnote structures they know.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from publisher.arabic import digits as write_digits
from publisher.markup import inner_html

# A run of Latin words ("Saudi Aramco", "SCADA", "iPhone 15 Pro") with what joins them inside, or
# a number written left to right in groups: a telephone number ("+966 11 123 4567"), whose groups
# the bidi algorithm would otherwise reverse inside Arabic. (Ranges such as 10-15 and dates are left
# to the algorithm, which orders them as Arabic readers expect.)
LATIN_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # not × (U+00D7) or ÷ (U+00F7)
LATIN_RUN = re.compile(rf"[{LATIN_LETTER}][{LATIN_LETTER}0-9]*(?:[ .\-'’&/+_:@][{LATIN_LETTER}0-9]+)*"
                       r"|\+\d{1,4}(?:[ \-]\d{1,5}){1,5}\b|\b\d{2,5}(?: \d{2,5}){2,4}\b")
# Elements whose text is left as it is: already isolated, or not prose.
KEEP = frozenset({"bdi", "bdo", "code", "pre", "kbd", "samp", "script", "style"})


def prepare(body_html: str, *, direction: str, target: str, prefix: str, digits: str = "western") -> str:
    """The body for `target` ("print" or "epub"); ids the body makes are prefixed with `prefix`
    so that two articles in one publication never share one."""
    if not body_html.strip():
        return body_html
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    _prefix_ids(root, prefix)
    if direction == "rtl":
        isolate_latin(root)
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


def isolate_latin(root) -> None:
    """Wrap each Latin run inside right-to-left text in <bdi>, so that the bidi algorithm orders
    it, and the punctuation around it, as one unit (WeasyPrint resolves bidi per text box: #1711)."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in KEEP or _inside(element, KEEP):
            continue
        _wrap_text(element, "text")
        for child in list(element):
            if isinstance(child.tag, str) and child.tag not in KEEP:
                _wrap_text(child, "tail", parent=element)


def _inside(element, tags: frozenset[str]) -> bool:
    return any(ancestor.tag in tags for ancestor in element.iterancestors())


def _wrap_text(element, slot: str, parent=None) -> None:
    """Split the element's text (or tail) around Latin runs, each run in a new <bdi>."""
    text = getattr(element, slot)
    if not text or not LATIN_RUN.search(text):
        return
    pieces, runs = LATIN_RUN.split(text), LATIN_RUN.findall(text)
    setattr(element, slot, pieces[0])
    host, first = (element, 0) if slot == "text" else (parent, parent.index(element) + 1)
    for offset, (run, after) in enumerate(zip(runs, pieces[1:], strict=True)):
        bdi = lxml_html.Element("bdi")
        bdi.text, bdi.tail = run, after
        host.insert(first + offset, bdi)


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
