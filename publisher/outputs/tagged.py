"""PDF/UA: what WeasyPrint 70's tagging leaves undone, mended on its PDF objects before they are
written (the write_pdf finisher).

- Running heads and folios. WeasyPrint marks a margin box's text as tagged content (an MCID) and
  builds structure elements for it that it never links into the structure tree, since PDF 1.7
  has no way to put an artifact in the tree (weasyprint/pdf/tags.py, _build_box_tree). The
  content stays tagged, mapped in the parent tree, and a screen reader that follows the parent
  tree reads "١ مختارات من الصحافة" between two paragraphs. Such content is made what PDF/UA
  wants it to be, a pagination artifact (ISO 14289-1, 7.8): its marked-content sequence becomes
  /Artifact <</Type /Pagination>>, and its parent-tree entries are dropped.
- Languages. An article whose language differs from the document's (an English article in an
  Arabic bulletin) gets /Lang on its /Art elements, so a screen reader switches voice.

Crop marks and backgrounds WeasyPrint already draws as artifacts; figures get /Alt from the
image's alt (and an image without one is reported by the readers).
"""

from __future__ import annotations


def mend(document, pdf) -> None:
    """Run on a tagged PDF (one with a structure tree); anything else is left as it is."""
    import pydyf

    root_reference = pdf.catalog.get("StructTreeRoot")
    if root_reference is None:
        return
    objects = pdf.objects
    root = _get(objects, root_reference)
    reachable = _reachable(objects, root)
    parent_tree = _get(objects, root["ParentTree"])
    nums = parent_tree["Nums"]
    pages = [item for item in objects if isinstance(item, pydyf.Dictionary) and item.get("Type") == "/Page"]
    orphans: dict[int, set[int]] = {}  # page index -> MCIDs whose element is in no tree
    for position in range(0, len(nums) - 1, 2):
        page_index, entries = nums[position], nums[position + 1]
        if not isinstance(entries, pydyf.Array) or page_index >= len(pages):
            continue  # an annotation's StructParent, not a page's marked content
        lost = {mcid for mcid, reference in enumerate(entries) if _number(reference) not in reachable}
        if lost:
            orphans[page_index] = lost
            for mcid in lost:
                entries[mcid] = "null"
    for page_index, lost in orphans.items():
        for stream in _streams(objects, pages[page_index]):
            _as_artifacts(stream, lost)
    _languages(document, pdf, objects, root, reachable)


def _get(objects, reference):
    return objects[_number(reference)]


def _number(reference) -> int | None:
    if isinstance(reference, bytes | str):
        text = reference.decode() if isinstance(reference, bytes) else reference
        parts = text.split()
        if len(parts) == 3 and parts[2] == "R" and parts[0].isdigit():
            return int(parts[0])
    return None


def _reachable(objects, root) -> set[int]:
    """The object numbers of every structure element the tree reaches from its root."""
    import pydyf

    seen: set[int] = set()
    stack = list(root.get("K") or [])
    while stack:
        number = _number(stack.pop())
        if number is None or number in seen:
            continue
        element = objects[number]
        if not isinstance(element, pydyf.Dictionary) or element.get("Type") != "/StructElem":
            continue
        seen.add(number)
        kids = element.get("K")
        if isinstance(kids, list):
            stack.extend(kids)
    return seen


def _streams(objects, page) -> list:
    contents = page.get("Contents")
    references = contents if isinstance(contents, list) else [contents]
    return [objects[n] for n in map(_number, references) if n is not None]


def _as_artifacts(stream, lost: set[int]) -> None:
    """Each marked-content sequence `/Tag <</MCID n>> BDC` with n in `lost` becomes a
    pagination artifact (pydyf keeps the tag, the property list and the operator as three
    items of the stream)."""
    import pydyf

    items = stream.stream
    for index in range(1, len(items) - 1):
        properties = items[index]
        if (isinstance(properties, pydyf.Dictionary) and properties.get("MCID") in lost
                and items[index + 1] == b"BDC"):
            items[index - 1] = "/Artifact"
            items[index] = pydyf.Dictionary({"Type": "/Pagination"})


def _languages(document, pdf, objects, root, reachable: set[int]) -> None:
    """/Lang on the /Art elements of articles in another language than the document's. Both the
    tree and the laid-out pages hold an article's part on each page in the same order, page by
    page (WeasyPrint builds the tree a page at a time), so the two are paired in that order; a
    count that differs on a page leaves that page's articles untagged rather than mislabelled."""
    import pydyf
    from weasyprint.formatting_structure import boxes

    document_lang = document.metadata.lang or ""
    page_numbers = {reference: index for index, reference in enumerate(pdf.page_references)}
    elements: dict[int, list] = {}
    stack = list(reversed(root.get("K") or []))
    while stack:
        number = _number(stack.pop())
        if number is None or number not in reachable:
            continue
        element = objects[number]
        if element.get("S") == "/Art":
            elements.setdefault(page_numbers.get(element.get("Pg"), -1), []).append(element)
        kids = element.get("K")
        if isinstance(kids, list):
            stack.extend(reversed(kids))
    for index, page in enumerate(document.pages):
        articles = [box.element.get("lang") or "" for box in page._page_box.descendants()
                    if isinstance(box, boxes.BlockBox) and box.element_tag == "article"
                    and not isinstance(box, boxes.MarginBox)]
        found = elements.get(index, [])
        if len(found) != len(articles):
            continue
        for element, lang in zip(found, articles, strict=True):
            if lang and lang.lower() != document_lang.lower():
                element["Lang"] = pydyf.String(lang)
