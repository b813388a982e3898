"""Markdown (CommonMark through markdown-it-py) with YAML front matter.

Raw HTML inside Markdown is escaped, not passed through: article text is data.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from publisher.sources.decode import read_text
from publisher.sources.meta import build_article, split_front_matter


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table").use(footnote_plugin)


def read(path: Path):
    meta, text = split_front_matter(read_text(path), path)
    parser = _parser()
    tokens = parser.parse(text)
    warnings: list[str] = []
    title = ""
    # A first-level heading at the very top is the title when front matter gives none.
    if not meta.get("title") and len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        title = tokens[1].content.strip()
        tokens = tokens[3:]
    _demote_headings(tokens)
    if not title and not meta.get("title"):
        title = path.stem.replace("_", " ").replace("-", " ")
        warnings.append(f"no title given: used the file name ({title!r}); add a title in front matter")
    body = parser.renderer.render(tokens, parser.options, {})
    return build_article(meta, path=path, body_html=body, title=title, warnings=warnings)


def _demote_headings(tokens) -> None:
    """The layout sets the article title as h1, so the body's top heading level becomes h2."""
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    if not levels or min(levels) > 1:
        return
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
