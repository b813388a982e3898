"""Tagged parts (PDF/UA) joined into one file with one structure tree.

A PDF/UA book rendered in parts has one structure tree a part: its elements point at their
pages (/Pg), each page names its entry in the part's parent tree (/StructParents), which maps
every marked-content id the page draws back to its element, and each link annotation names its
own (/StructParent). pypdf's join drops /StructParents and rebuilds the annotations (the
elements' OBJR would point at copies no page holds), so the parts are joined here with pikepdf
(qpdf), which copies each part's pages and elements through one map a part: an element's /Pg and
/Obj land on the copies the joined file holds.

The joined tree: one /Document element holding, in order, the elements each part's /Document
held; one parent tree whose keys are each part's moved past the parts before it (pages'
/StructParents and annotations' /StructParent moved with them); element ids (table headers,
"objnum-row-col" in every part alike) made unique with their part's number, the cells' /Headers
with them, and listed in an IDTree, as the standard asks of ids (WeasyPrint writes none); the
parts' namespaces (PDF 2.0, PDF/UA-2), role and class maps gathered in the one root, the front
part's /Document attributes (its namespace) on the one /Document; the parts' named destinations
in one name tree. The catalog's language, MarkInfo, viewer preferences, XMP and output intents
come from the front part when the book is finished (volume.py), as for every standard.
"""

from __future__ import annotations

import io


def join(documents: list[bytes], blanks_before: list[int]) -> bytes:
    """One PDF of `documents` (tagged PDFs, the front part first), with `blanks_before[i]` blank
    pages (the boxes of the page before) ahead of document i."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    joined = pikepdf.new()
    sources = [pikepdf.open(io.BytesIO(data)) for data in documents]
    document = joined.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
    numbers: list[tuple[int, object]] = []
    destinations: dict[bytes, object] = {}
    namespaces: list = []
    maps: dict[str, dict] = {"/RoleMap": {}, "/ClassMap": {}}
    next_key = 0
    for number, (source, blanks) in enumerate(zip(sources, blanks_before, strict=True)):
        for _ in range(blanks):
            _blank_like(joined, joined.pages[-1])
        start = len(joined.pages)
        joined.pages.extend(source.pages)
        names = source.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for name, value in _name_tree(names.Dests):
                destinations.setdefault(name, _copied(joined, source, value))
        tree = source.Root.get("/StructTreeRoot")
        if tree is None:
            continue
        namespaces += [_copied(joined, source, space) for space in _listed(tree.get("/Namespaces"))]
        for key, gathered in maps.items():
            for name, value in (tree.get(key) or {}).items():
                gathered.setdefault(name, _copied(joined, source, value))
        if number == 0:  # the front part's /Document: its namespace, language, attributes
            for kid in _listed(tree.get("/K")):
                if _is_element(kid) and kid.S == "/Document":
                    for attribute in ("/NS", "/Lang", "/A"):
                        if attribute in kid:
                            document[attribute] = _copied(joined, source, kid[attribute])
        offset = next_key
        entries = list(_number_tree(tree.get("/ParentTree")))
        for key, value in entries:
            numbers.append((offset + key, _copied(joined, source, value)))
        next_key = offset + (max(key for key, _ in entries) + 1 if entries else 0)
        for page in joined.pages[start:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = offset + int(page.obj.StructParents)
            for annotation in page.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = offset + int(annotation.StructParent)
        for element in _top_elements(tree):
            copied = _copied(joined, source, element)
            copied.P = document
            document.K.append(copied)
            _own_ids(copied, f"part{number}-")
    root = joined.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=document,
                                           ParentTree=joined.make_indirect(Dictionary(Nums=Array(
                                               [item for key, value in sorted(numbers, key=lambda n: n[0])
                                                for item in (key, value)]))),
                                           ParentTreeNextKey=next_key))
    document.P = root
    ids = sorted(_ids(document), key=lambda pair: pair[0])
    if ids:
        root.IDTree = Dictionary(Names=Array([item for name, element in ids
                                              for item in (pikepdf.String(name), element)]))
    if namespaces:
        root.Namespaces = Array(namespaces)
    for key, gathered in maps.items():
        if gathered:
            root[key] = Dictionary(gathered)
    joined.Root.StructTreeRoot = root
    if destinations:
        joined.Root.Names = Dictionary(Dests=joined.make_indirect(Dictionary(Names=Array(
            [item for name in sorted(destinations) for item in (pikepdf.String(name), destinations[name])]))))
    out = io.BytesIO()
    joined.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue()


def _copied(joined, source, value):
    """`value` of `source`, in `joined` (through the map of `source`'s objects that its pages were
    copied with). qpdf copies only indirect objects: a direct one is made indirect to be copied,
    and given back direct."""
    import pikepdf

    if not isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
        return value  # a name, string, number: nothing in it to map
    if value.is_indirect:
        return joined.copy_foreign(value)
    copied = joined.copy_foreign(source.make_indirect(value))
    if isinstance(copied, pikepdf.Stream):
        return copied
    return (pikepdf.Dictionary({key: copied[key] for key in copied})
            if isinstance(copied, pikepdf.Dictionary) else pikepdf.Array(list(copied)))


def _name_tree(node):
    """The (key as bytes, value) pairs of a name tree, its kids' in order."""
    return ((bytes(key), value) for key, value in _tree(node, "/Names"))


def _number_tree(node):
    """The (key, value) pairs of a number tree, its kids' in order."""
    return ((int(key), value) for key, value in _tree(node, "/Nums"))


def _tree(node, leaves: str):
    if node is None:
        return
    items = node.get(leaves)
    if items is not None:
        for index in range(0, len(items) - 1, 2):
            yield items[index], items[index + 1]
    for kid in node.get("/Kids", ()):
        yield from _tree(kid, leaves)


def _listed(value) -> list:
    """A /K or /A value as a list: an array's items, one item, or none."""
    import pikepdf

    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _is_element(value) -> bool:
    import pikepdf

    return isinstance(value, pikepdf.Dictionary) and "/S" in value


def _top_elements(tree) -> list:
    """The elements under the part's /Document (or its tree's own, if it has no /Document)."""
    found = []
    for kid in _listed(tree.get("/K")):
        if _is_element(kid) and kid.S == "/Document":
            found += _listed(kid.get("/K"))
        else:
            found.append(kid)
    return found


def _elements(element):
    """`element` and every structure element under it (not its marked-content ids, MCRs, OBJRs)."""
    stack = [element]
    while stack:
        current = stack.pop()
        if _is_element(current):
            yield current
            stack.extend(_listed(current.get("/K")))


def _own_ids(element, prefix: str) -> None:
    import pikepdf

    for each in _elements(element):
        if "/ID" in each:
            each.ID = pikepdf.String(prefix + str(each.ID))
        for attributes in _listed(each.get("/A")):
            if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
                attributes.Headers = pikepdf.Array([pikepdf.String(prefix + str(h)) for h in attributes.Headers])


def _ids(element) -> list[tuple[str, object]]:
    return [(str(each.ID), each) for each in _elements(element) if "/ID" in each]


def _blank_like(joined, page) -> None:
    """A blank verso with the same boxes as `page` (trim, bleed and media)."""
    import pikepdf

    box = page.obj.MediaBox
    blank = joined.add_blank_page(page_size=(float(box[2]) - float(box[0]), float(box[3]) - float(box[1])))
    for name in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if name in page.obj:
            blank.obj[name] = pikepdf.Array(list(page.obj[name]))
