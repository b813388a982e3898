"""Plain text and wire copy (.txt), read the way newsroom copy is written.

Wire copy has conventions but no markup: a byline line ("كتب : م/ خالد عبد العزيز"), a dateline
("القاهرة - "), section headings that end with a colon, topics that start with "- " (sometimes
run into the end of the paragraph before them), bullet and numbered lines, quotations. Each rule
below finds one of these; none drops or changes a word. A .txt file may open with YAML front
matter, or have a sidecar <name>.yml, which then wins over anything guessed from the text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path

from publisher.arabic import parse_date
from publisher.model import Article, Notice
from publisher.sources import credits
from publisher.sources.decode import read_text
from publisher.sources.meta import build_article, front_matter_and_sidecar

# A short line that ends with a colon introduces a section: "أبرز محاور اللقاء:".
SECTION = re.compile(r"^(?P<text>[^.!?؟:•*\-–]\S*(?:\s+\S+){0,6}?)\s*[:：]$")
# "- topic", "• item", "* item", "1. item", "١) item", "٣- item"
BULLET = re.compile(r"^(?:(?P<mark>[-–—•*▪●◦])|(?P<number>[0-9٠-٩]{1,3}\s*[.)\-–]))\s+(?P<text>\S.*)$")
# A topic run into the end of the paragraph before it: "... عبر الحدود. - تأمين الحدود الغربية لمصر"
RUN_IN_TOPIC = re.compile(r"(?<=[.!?؟…])\s+[-–—•]\s+(?=\S)")
# A whole line in quotation marks.
QUOTE = re.compile(r"^(?:«[^«»]+»|“[^“”]+”|\"[^\"]+\")[.،,]?$")
# "القاهرة - ", "الرياض (واس) - ", "دبي – (رويترز): " at the very start of the lede.
DATELINE = re.compile(r"^(?P<dateline>[\u0621-\u064a]+(?:\s[\u0621-\u064a]+){0,2}\s*(?:\([^()]{2,30}\)\s*)?[-–—:]\s)"
                      r"(?=\S)")
# ".," or "،." left at the end of a line by copy and paste; an ellipsis is left alone.
STRAY_END = re.compile(r"(?<=[^.,،\s])(?P<run>[.,،]{2,})$")
TITLE_WORDS = 10


@dataclass
class Line:
    """One line of copy and what a rule decided it is."""

    kind: str  # byline, dateline, title, section, bullet, numbered, quote, paragraph
    text: str
    number: str = ""


@dataclass(frozen=True)
class Copy:
    """What the rules made of a piece of copy."""

    body_html: str
    title: str
    byline: str
    dateline: str
    authors: tuple[str, ...]
    date: dt.date | None


def read(path: Path, settings=None) -> Iterator[Article]:
    decoded = read_text(path)
    meta, text = front_matter_and_sidecar(decoded.text, path)
    warnings = list(decoded.warnings)
    copy = read_copy(text, has_title=bool(meta.get("title")))
    title = copy.title
    if not title and not meta.get("title") and (title := title_from_lede(text)):
        warnings.append(Notice("no-title", f"no title given: used the first words of the text ({title!r}); "
                               "add a title in front matter or a sidecar .yml to choose one"))
    if copy.date and "date" not in meta:
        meta = {**meta, "date": copy.date}
    yield build_article(meta, path=path, body_html=copy.body_html, title=title, warnings=warnings,
                        byline=copy.byline, authors=copy.authors, dateline=copy.dateline)


def read_copy(text: str, *, has_title: bool) -> Copy:
    """Wire copy to body HTML, with the byline, dateline and title it opens with taken out."""
    lines = classify(split_lines(text), has_title=has_title)
    byline = next((line.text for line in lines if line.kind == "byline"), "")
    dateline = next((line.text for line in lines if line.kind == "dateline"), "")
    authors = credits.names_in(byline)
    return Copy(
        body_html=render(lines),
        title=next((line.text for line in lines if line.kind == "title"), ""),
        byline=byline,
        dateline=dateline,
        authors=authors,
        date=parse_date(dateline) if dateline else None,
    )


def split_lines(text: str) -> list[str]:
    """Non-empty lines, with run-in topics put on lines of their own and stray ends cleaned."""
    out = []
    for raw in text.split("\n"):
        pieces = [piece.strip() for piece in RUN_IN_TOPIC.split(raw.strip()) if piece.strip()]
        for index, piece in enumerate(pieces):
            # the split consumed the topic's dash; it goes back so the topic reads as a bullet
            out.append(_clean_end(f"- {piece}" if index else piece))
    return out


def _clean_end(line: str) -> str:
    """'... والمنطقة.,' ends with '.': a stray comma after a full stop is no one's word."""
    match = STRAY_END.search(line)
    if match and "." in match["run"] and set(match["run"]) != {"."}:
        return line[: match.start()] + "."
    return line


def classify(lines: list[str], *, has_title: bool) -> list[Line]:
    found: list[Line] = []
    for index, text in enumerate(lines):
        if index < 3 and not any(x.kind == "byline" for x in found) and credits.BYLINE.match(text):
            found.append(Line("byline", text))
        elif index < 4 and not any(x.kind == "dateline" for x in found) and parse_date(text):
            found.append(Line("dateline", text))
        elif index == 0 and not has_title and _looks_like_title(text, lines):
            found.append(Line("title", text))
        elif (section := SECTION.match(text)) and not (index + 1 < len(lines) and QUOTE.match(lines[index + 1])):
            # "قال الوزير:" before a quotation introduces it; it heads no section
            found.append(Line("section", section["text"]))
        elif bullet := BULLET.match(text):
            found.append(Line("numbered" if bullet["number"] else "bullet", bullet["text"], bullet["number"] or ""))
        elif QUOTE.match(text):
            found.append(Line("quote", text))
        else:
            found.append(Line("paragraph", text))
    return found


def _looks_like_title(line: str, lines: list[str]) -> bool:
    """A first line that is short, has no full stop or colon at its end and has text after it."""
    return (len(lines) > 1 and len(line.split()) <= 20 and not line.endswith((".", "،", ",", ":", "؛"))
            and not BULLET.match(line) and not QUOTE.match(line))


def title_from_lede(text: str) -> str:
    """A short title cut from the first paragraph at a word boundary."""
    lines = classify(split_lines(text), has_title=True)
    lede = next((line.text for line in lines if line.kind == "paragraph"), "")
    lede = lede or next((line.text for line in lines if line.kind not in ("byline", "dateline")), "")
    words = lede.split()
    cut = " ".join(words[:TITLE_WORDS]).rstrip("،,.:؛;")
    return (cut + ("…" if len(words) > TITLE_WORDS else "")) if cut else ""


def render(lines: list[Line]) -> str:
    """Body HTML. A bullet followed by a paragraph is a topic that heads it; bullets in a row are a
    list; the lede may open with a dateline."""
    blocks: list[str] = []
    body = [line for line in lines if line.kind not in ("byline", "dateline", "title")]
    lede_done = False
    index = 0
    while index < len(body):
        line = body[index]
        following = body[index + 1] if index + 1 < len(body) else None
        if line.kind in ("bullet", "numbered") and following is not None and following.kind == "paragraph":
            blocks.append(f'<p class="topic">{_marker(line)}{escape(line.text)}</p>')
        elif line.kind in ("bullet", "numbered"):
            run = [line]
            while index + 1 < len(body) and body[index + 1].kind == line.kind and not (
                index + 2 < len(body) and body[index + 2].kind == "paragraph"
            ):
                index += 1
                run.append(body[index])
            tag = "ol" if line.kind == "numbered" else "ul"
            items = "".join(f"<li>{_marker(item)}{escape(item.text)}</li>" for item in run)
            blocks.append(f'<{tag} class="{"numbered" if tag == "ol" else "bullets"}">{items}</{tag}>')
        elif line.kind == "section":
            blocks.append(f"<h2>{escape(line.text)}</h2>")
        elif line.kind == "quote":
            blocks.append(f"<blockquote><p>{escape(line.text)}</p></blockquote>")
        else:
            text = escape(line.text)
            if not lede_done and (match := DATELINE.match(line.text)):
                text = f'<span class="dateline">{escape(match["dateline"].strip())}</span> ' + escape(
                    line.text[match.end():])
            blocks.append(f"<p>{text}</p>")
            lede_done = True
        index += 1
    return "\n".join(blocks)


def _marker(line: Line) -> str:
    """A numbered line keeps its number as written: it is part of the text, not a CSS counter."""
    return f'<span class="number">{escape(line.number)}</span> ' if line.number else ""
