"""XML exports (.xml, .rss, .atom): told apart by what they hold, not by their suffix. A WordPress
export (WXR) is RSS with WordPress's namespace; an RSS 2.0 or Atom feed; an IPTC NewsML-G2 news
item or news message. Each goes to its reader; any other XML is refused, naming what it is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from publisher.errors import InputError
from publisher.model import Article
from publisher.sources.decode import read_bytes

WXR_NAMESPACE = b"wordpress.org/export/"
NEWSML_NAMESPACE = b"iptc.org/std/nar/2006-10-01/"
_ROOT = re.compile(rb"<(?!\?|!)(?:[\w.-]+:)?(?P<name>[\w.-]+)")


def kind_of(data: bytes) -> str:
    """"wxr", "feed" (RSS or Atom) or "newsml", from the document's root element and namespaces."""
    head = data[:4096]
    match = _ROOT.search(re.sub(rb"<!--.*?-->", b"", head, flags=re.DOTALL))
    root = match["name"].decode("ascii", "replace").lower() if match else ""
    if root == "rss" and WXR_NAMESPACE in head:
        return "wxr"
    if root in ("rss", "feed", "rdf"):
        return "feed"
    if root in ("newsitem", "newsmessage") or NEWSML_NAMESPACE in head:
        return "newsml"
    return root or "unknown"


def read(path: Path, settings=None) -> Iterator[Article]:
    data = read_bytes(path)
    kind = kind_of(data)
    if kind == "wxr":
        from publisher.sources import wxr

        yield from wxr.read_data(data, path, settings)
    elif kind == "feed":
        from publisher.sources import feeds

        yield from feeds.read_data(data, path, settings)
    elif kind == "newsml":
        from publisher.sources import newsml

        yield from newsml.read_data(data, path, settings)
    else:
        raise InputError(f"is XML publisher does not read (its root element is <{kind}>)", path=path,
                         hint="publisher reads WordPress exports (WXR), RSS 2.0 and Atom feeds, and NewsML-G2 items")


def safe_parser():
    """An XML parser that never reads a file or the network an export names (no external
    entities, no DTD loading) and never expands entities into a bomb."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True)
