"""Markdown (CommonMark through markdown-it-py) with YAML front matter.

Raw HTML inside Markdown is escaped, not passed through: article text is data.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from publisher.model import Article, Notice
from publisher.sources.assets import Refused, image
from publisher.sources.decode import read_text
from publisher.sources.meta import build_article, front_matter_and_sidecar


@cache
def _parser() -> MarkdownIt:
    parser = (MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
              .use(footnote_plugin).use(anchors_plugin, min_level=1, max_level=6))  # ids for #links to headings
    # The "↩" back-link after each footnote means nothing on paper and no bundled font has it.
    parser.add_render_rule("footnote_anchor", lambda *args: "")
    return parser


def read(path: Path, settings=None) -> Iterator[Article]:
    decoded = read_text(path)
    meta, text = front_matter_and_sidecar(decoded.text, path)
    parser = _parser()
    env: dict = {}
    tokens = parser.parse(text, env)
    warnings: list[str] = list(decoded.warnings)
    title = ""
    # A first-level heading at the very top is the title when front matter gives none.
    if not meta.get("title") and len(tokens) >= 3 and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        title = tokens[1].content.strip()
        tokens = tokens[3:]
    _demote_headings(tokens)
    assets = _take_images(tokens, path, warnings, getattr(settings, "allow_remote", ()))
    body = parser.renderer.render(tokens, parser.options, env)
    yield build_article(meta, path=path, body_html=body, title=title, warnings=warnings, assets=assets)


def _take_images(tokens, path: Path, warnings: list[str], allow_remote: tuple[str, ...]) -> dict:
    """Local images become assets under their content name; any other becomes its alt text."""
    assets: dict[str, Path] = {}
    for token in tokens:
        for index, child in enumerate(token.children or ()):
            if child.type != "image":
                continue
            try:
                url, file = image(str(child.attrs.get("src", "")), path, allow_remote)
            except Refused as refusal:
                warnings.append(Notice("image-refused", f"{refusal}: its alt text is kept instead"))
                alt = child.content or ""
                token.children[index] = Token("text", "", 0, content=alt)
                continue
            child.attrs["src"] = url
            assets[url] = file
    return assets


def _demote_headings(tokens) -> None:
    """The layout sets the article title as h1, so the body's top heading level becomes h2."""
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    if not levels or min(levels) > 1:
        return
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
