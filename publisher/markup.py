"""A parsed HTML fragment written back as the markup inside its root, for the stages that edit
bodies as trees (sources/figures.py, typography.py)."""

from __future__ import annotations

from html import escape

from lxml import html as lxml_html


def inner_html(root) -> str:
    """What `root` holds, as HTML: its own text escaped, then each child (with its tail), a line
    each."""
    return escape(root.text or "") + "\n".join(lxml_html.tostring(child, encoding="unicode").strip() for child in root)
