"""Plain text and wire copy (.txt): one paragraph a line, with the byline and headings found.

A .txt file may open with the same YAML front matter as Markdown, which then wins over anything
guessed from the text.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from publisher.sources.decode import read_text
from publisher.sources.meta import build_article, split_front_matter

# "كتب : م/ خالد عبد العزيز", "بقلم د. سارة", "By Jane Doe": a verb of writing, an optional colon, a name.
BYLINE = re.compile(r"^(?:كتب|كتبت|بقلم|إعداد|اعداد|تقرير|تحرير|By)\s*:?\s*(?P<name>\S.{0,60})$", re.IGNORECASE)
# A short line that ends with a colon introduces a section: "أبرز محاور اللقاء:".
SECTION = re.compile(r"^(?P<heading>[^.!?؟:]{2,60})[:：]$")
TITLE_WORDS = 10


def read(path: Path):
    meta, text = split_front_matter(read_text(path), path)
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    warnings: list[str] = []
    authors: list[str] = []
    byline = ""
    blocks: list[str] = []
    title = ""
    for index, line in enumerate(lines):
        if (found := BYLINE.match(line)) and index < 3 and not authors:
            authors.append(found["name"].strip())
            byline = line
        elif index == 0 and _looks_like_title(line, lines):
            title = line
        elif section := SECTION.match(line):
            blocks.append(f"<h2>{escape(section['heading'].strip())}</h2>")
        else:
            blocks.append(f"<p>{escape(line)}</p>")
    if not title and not meta.get("title"):
        title = _title_from_lede(lines, authors)
        warnings.append(f"no title given: used the first words of the text ({title!r}); "
                        "add a title in front matter to choose one")
    return build_article(meta, path=path, body_html="\n".join(blocks), title=title, warnings=warnings,
                         byline=byline, authors=tuple(authors))


def _looks_like_title(line: str, lines: list[str]) -> bool:
    """A first line that is short, has no full stop at its end and is followed by more text."""
    return len(lines) > 1 and len(line) <= 120 and not line.endswith((".", "،", ",", ":")) and not BYLINE.match(line)


def _title_from_lede(lines: list[str], authors: list[str]) -> str:
    lede = next((line for line in lines if not BYLINE.match(line)), "")
    words = lede.split()
    cut = " ".join(words[:TITLE_WORDS]).rstrip("،,.:؛;")
    return cut + ("…" if len(words) > TITLE_WORDS else "") if cut else "بلا عنوان"
