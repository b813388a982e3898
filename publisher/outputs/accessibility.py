"""An EPUB's accessibility metadata, from what its content documents hold.

Stores and libraries read these properties (EPUB Accessibility 1.1, schema.org's accessibility
vocabulary) to tell a reader what a file offers before it is bought or lent; Ace by DAISY checks
that they are there and well formed, not that they are true. So each is derived from the content:
images and whether each has a text alternative, tables, a page list. A conformance claim is a
promise someone checked the file against WCAG: it is made only with the name of who did
(`--a11y-certifier`), since the specification makes a certifier a MUST for a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TABLE = re.compile(r"<table\b", re.IGNORECASE)
# Formats that can move (an animated GIF may flash); no other content moves or sounds.
_MAY_MOVE = re.compile(r"""\bsrc\s*=\s*["'][^"']*\.(?:gif|webp|svg)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class Facts:
    images: int
    images_without_alt: int
    tables: int
    page_list: bool
    may_move: bool
    certifier: str | None


def facts(documents: list[str], page_list: bool, certifier: str | None) -> Facts:
    """What the EPUB's content documents hold (the layouts' own markup: attributes quoted)."""
    images = [tag for document in documents for tag in _IMAGE.findall(document)]
    without = 0
    for tag in images:
        alt = _ALT.search(tag)
        if not alt or not (alt[1] or alt[2] or "").strip():
            without += 1
    return Facts(images=len(images), images_without_alt=without,
                 tables=sum(len(_TABLE.findall(document)) for document in documents), page_list=page_list,
                 may_move=any(_MAY_MOVE.search(tag) for tag in images), certifier=certifier)


def properties(facts: Facts, summary: str) -> list[tuple[str, str]]:
    """(property, value) for the OPF, in a stable order."""
    modes = ["textual"] + (["visual"] if facts.images else [])
    sufficient = ["textual"] if facts.images_without_alt == 0 else []
    if facts.images:
        sufficient.append("textual,visual")
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if facts.images and not facts.images_without_alt:
        features.append("alternativeText")
    if facts.page_list:
        features += ["pageBreakMarkers", "pageNavigation"]
    hazards = (["noSoundHazard", "noMotionSimulationHazard", "unknownFlashingHazard"] if facts.may_move
               else ["none"])
    metas = [("schema:accessMode", mode) for mode in modes]
    metas += [("schema:accessModeSufficient", value) for value in sufficient]
    metas += [("schema:accessibilityFeature", feature) for feature in features]
    metas += [("schema:accessibilityHazard", hazard) for hazard in hazards]
    metas.append(("schema:accessibilitySummary", summary))
    if facts.certifier:
        metas += [("dcterms:conformsTo", CONFORMANCE), ("a11y:certifiedBy", facts.certifier)]
    return metas


def declare(book, facts: Facts, summary: str) -> None:
    """The properties on an ebooklib book."""
    for prop, value in properties(facts, summary):
        book.add_metadata(None, "meta", value, {"property": prop})
