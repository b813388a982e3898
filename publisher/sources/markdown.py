"""Markdown (CommonMark through markdown-it-py) with YAML front matter.

Raw HTML inside Markdown is escaped, not passed through: article text is data.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from publisher.model import Article, Notice
from publisher.sources.assets import Refused, image
from publisher.sources.decode import read_text
from publisher.sources.meta import build_article, front_matter_and_sidecar


@cache
def _parser() -> MarkdownIt:
    parser = (MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
              .use(footnote_plugin).use(anchors_plugin, min_level=1, max_level=6))  # ids for #links to headings
    # What a writer sets apart: a fenced block "::: pullquote" … ":::" (a line pulled out of the
    # text, set large between rules) or "::: box" … ":::" (a box beside the story), as the fenced
    # divs of Pandoc and MyST are written.
    for name in SET_APART:
        parser.use(container_plugin, name, render=_aside(name))
    # The "↩" back-link after each footnote means nothing on paper and no bundled font has it.
    parser.add_render_rule("footnote_anchor", lambda *args: "")
    return parser


SET_APART = ("pullquote", "box")


def _aside(name: str):
    def render(self, tokens, index, options, env):
        return f'<aside class="{name}">\n' if tokens[index].nesting == 1 else "</aside>\n"
    return render


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
    lead, inserted = _lead_image(tokens, meta)
    assets = _take_images(tokens, path, warnings, getattr(settings, "allow_remote", ()))
    if inserted and lead.attrs["src"] not in assets:
        del tokens[:3]  # refused: the paragraph put there for it goes too, and the warning says so
        warnings[-1] = Notice("image-refused", f"front matter's image: {warnings[-1].split(': its alt')[0]}: "
                                               "the story has no lead picture")
    body = parser.renderer.render(tokens, parser.options, env)
    article = build_article(meta, path=path, body_html=body, title=title, warnings=warnings, assets=assets)
    if lead is not None and lead.attrs["src"] in assets:  # not refused: a layout may set it as the lead picture
        article = replace(article, meta={**article.meta, "image": lead.attrs["src"]})
    yield article


def _lead_image(tokens: list[Token], meta: dict) -> tuple[Token | None, bool]:
    """The image front matter names (`image: photo.jpg`, with `image_caption` and `image_alt`):
    the body's own image of that file, or one put at the top of the body when the text shows
    none (then True). Its token, whose source the reader then resolves like any other image's."""
    wanted = str(meta.get("image") or "").strip()
    if not wanted:
        return None, False
    for token in tokens:
        for child in token.children or ():
            if child.type == "image" and _same_file(str(child.attrs.get("src", "")), wanted):
                return child, False
    alt = str(meta.get("image_alt") or meta.get("image_caption") or "")
    image = Token("image", "img", 0, attrs={"src": wanted, "alt": ""}, content=alt,
                  children=[Token("text", "", 0, content=alt)])
    if caption := str(meta.get("image_caption") or ""):
        image.attrs["title"] = caption
    paragraph = [Token("paragraph_open", "p", 1), Token("inline", "", 0, children=[image]),
                 Token("paragraph_close", "p", -1)]
    tokens[:0] = paragraph
    return image, True


def _same_file(src: str, wanted: str) -> bool:
    """Two relative references to one file ("photo.png", "./photo.png", "images/../photo.png")."""
    return posixpath.normpath(unquote(src.strip())) == posixpath.normpath(unquote(wanted))


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
