"""What a reader made of a file, for `publisher inspect`: the fields and the tree of blocks."""

from __future__ import annotations

from typing import Any

from publisher.model import Article

# Elements whose children are blocks in their own right; every other element is one block.
CONTAINERS = frozenset({"ul", "ol", "blockquote", "figure", "table", "thead", "tbody", "tr", "div", "section", "dl"})
EXCERPT = 70


def outline(article: Article) -> dict[str, Any]:
    fields = {
        "title": article.title, "subtitle": article.subtitle, "authors": list(article.authors),
        "byline": article.byline, "dateline": article.dateline,
        "date": article.date.isoformat() if article.date else None, "lang": article.lang, "dir": article.dir,
        "summary": article.summary, "tags": list(article.tags), "slug": article.slug,
    }
    return {
        "source": str(article.source),
        "record": article.record,
        **{key: value for key, value in fields.items() if value not in ("", [], None)},
        "meta": article.meta,
        "images": sorted(article.assets),
        "warnings": list(article.warnings),
        "blocks": blocks(article.body_html),
    }


def blocks(body_html: str) -> list[dict[str, Any]]:
    from lxml import html

    if not body_html.strip():
        return []
    root = html.fragment_fromstring(body_html, create_parent="div")
    return [_block(child) for child in root if isinstance(child.tag, str)]


def _block(element) -> dict[str, Any]:
    kind = element.tag + "".join(f".{name}" for name in (element.get("class") or "").split())
    if element.tag in CONTAINERS:
        return {"type": kind, "children": [_block(child) for child in element if isinstance(child.tag, str)]}
    text = " ".join(element.text_content().split())
    block: dict[str, Any] = {"type": kind, "text": text}
    if element.tag == "img":
        block["src"] = element.get("src")
    return block


def as_text(summary: dict[str, Any]) -> str:
    """The outline as a person reads it: fields, then the blocks, indented, each cut short."""
    lines = [f"{summary['source']}" + (f" record {summary['record']}" if summary.get("record") else "")]
    for key in ("title", "subtitle", "authors", "byline", "dateline", "date", "lang", "dir", "summary", "tags",
                "slug", "meta", "images"):
        if summary.get(key):
            value = summary[key]
            shown = ", ".join(map(str, value)) if isinstance(value, list) else (
                ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value)
            lines.append(f"  {key + ':':<10} {shown}")
    for warning in summary.get("warnings", []):
        lines.append(f"  warning:   {warning}")
    lines.append("  blocks:")

    def walk(items: list[dict[str, Any]], depth: int) -> None:
        for item in items:
            text = item.get("text", "")
            cut = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
            lines.append(f"{'  ' * depth}{item['type']}" + (f"  {cut}" if cut else ""))
            walk(item.get("children", []), depth + 1)

    walk(summary["blocks"], 2)
    return "\n".join(lines)
