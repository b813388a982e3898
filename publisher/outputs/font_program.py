"""Glyphs appended to an embedded TrueType program: the PDF text layer's codes of their own.

The text layer gives a character its own code when the glyph WeasyPrint drew for it cannot carry
it alone (a ligature, a mark, a letter drawn in two pieces, a glyph whose advance is not the
font's). Each such code is a glyph of its own in the embedded program: a composite of glyphs
already there, or an empty glyph, with the advance the code has in the PDF's W array, so that
W always equals the font's own widths (PDF/A and PDF/UA validators compare them).

Only the tables that count glyphs change (glyf, loca, hmtx, hhea, maxp, post, head's checksum);
the rest are copied byte for byte. fontTools would do the same in about 75 ms a font (it
recompiles every glyph); this takes about 1 ms, and a batch embeds several fonts an article.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

# Composite glyph flags (OpenType glyf table)
_WORDS, _XY, _MORE = 0x0001, 0x0002, 0x0020
_PER_GLYPH_TABLES = (b"hdmx", b"LTSH", b"VDMX", b"vmtx", b"vhea")  # would no longer match the glyph count


class Added(NamedTuple):
    """A glyph to append: other glyphs drawn at offsets (font units), and its advance."""

    components: tuple[tuple[int, int, int], ...]  # (glyph id, dx, dy); empty for a glyph with no outline
    advance: int


class NotTrueType(ValueError):
    """The program has no glyf table (CFF outlines): no composites can be added to it."""


def _tables(data: bytes) -> dict[bytes, bytes]:
    count = struct.unpack_from(">H", data, 4)[0]
    tables = {}
    for index in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        tables[tag] = data[offset:offset + length]
    return tables


def glyph_count(data: bytes) -> int:
    return struct.unpack_from(">H", _tables(data)[b"maxp"], 4)[0]


def advances(data: bytes) -> list[int]:
    """Each glyph's advance width, in font units."""
    tables = _tables(data)
    return [advance for advance, _ in _metrics(tables, struct.unpack_from(">H", tables[b"maxp"], 4)[0])]


def _offsets(tables: dict[bytes, bytes]) -> list[int]:
    count = struct.unpack_from(">H", tables[b"maxp"], 4)[0]
    loca = tables[b"loca"]
    if struct.unpack_from(">h", tables[b"head"], 50)[0] == 0:
        return [2 * value for value in struct.unpack_from(f">{count + 1}H", loca)]
    return list(struct.unpack_from(f">{count + 1}I", loca))


def _metrics(tables: dict[bytes, bytes], count: int) -> list[tuple[int, int]]:
    long_count, last, bearings = _short_metrics(tables, count)
    pairs = struct.unpack_from(f">{2 * long_count}h", tables[b"hmtx"])
    metrics = list(zip([a & 0xFFFF for a in pairs[0::2]], pairs[1::2], strict=True))
    return metrics + [(last, bearing) for bearing in bearings]


def _short_metrics(tables: dict[bytes, bytes], count: int) -> tuple[int, int, tuple[int, ...]]:
    """hmtx's numberOfHMetrics, the advance the glyphs past them share (the last long one), and
    their left side bearings."""
    long_count = struct.unpack_from(">H", tables[b"hhea"], 34)[0]
    hmtx = tables[b"hmtx"]
    last = struct.unpack_from(">H", hmtx, 4 * (long_count - 1))[0] if long_count else 0
    bearings = struct.unpack_from(f">{count - long_count}h", hmtx, 4 * long_count) if count > long_count else ()
    return long_count, last, bearings


class _Glyphs:
    """The outlines of a program, read as far as composites need: bounds, points, contours, depth."""

    def __init__(self, tables: dict[bytes, bytes]):
        self.glyf = tables[b"glyf"]
        self.offsets = _offsets(tables)

    def record(self, glyph: int) -> bytes:
        if glyph + 1 >= len(self.offsets):
            return b""
        return self.glyf[self.offsets[glyph]:self.offsets[glyph + 1]]

    def bounds(self, glyph: int) -> tuple[int, int, int, int] | None:
        record = self.record(glyph)
        return struct.unpack_from(">hhhh", record, 2) if len(record) >= 10 else None

    def size(self, glyph: int, depth: int = 0) -> tuple[int, int, int, int]:
        """(points, contours, components, depth) of the outline, composites resolved."""
        record = self.record(glyph)
        if len(record) < 10 or depth > 16:
            return 0, 0, 0, 0
        contours = struct.unpack_from(">h", record)[0]
        if contours >= 0:
            points = struct.unpack_from(">H", record, 10 + 2 * (contours - 1))[0] + 1 if contours else 0
            return points, contours, 0, 0
        total_points = total_contours = count = deepest = 0
        position = 10
        while True:
            flags, component = struct.unpack_from(">HH", record, position)
            position += 4 + (4 if flags & _WORDS else 2)
            position += 8 if flags & 0x0080 else 4 if flags & 0x0040 else 2 if flags & 0x0008 else 0
            points, contours, _, inner = self.size(component, depth + 1)
            total_points, total_contours, count = total_points + points, total_contours + contours, count + 1
            deepest = max(deepest, inner + 1)
            if not flags & _MORE:
                return total_points, total_contours, count, deepest


def _composite(glyphs: _Glyphs, components) -> tuple[bytes, int]:
    """A composite glyph record of `components`, and its left side bearing (its xMin)."""
    boxes = [(bounds[0] + dx, bounds[1] + dy, bounds[2] + dx, bounds[3] + dy)
             for glyph, dx, dy in components if (bounds := glyphs.bounds(glyph))]
    if not boxes:
        return b"", 0
    x_min, y_min = min(box[0] for box in boxes), min(box[1] for box in boxes)
    x_max, y_max = max(box[2] for box in boxes), max(box[3] for box in boxes)
    parts = [struct.pack(">hhhhh", -1, x_min, y_min, x_max, y_max)]
    for index, (glyph, dx, dy) in enumerate(components):
        more = _MORE if index < len(components) - 1 else 0
        if -128 <= dx <= 127 and -128 <= dy <= 127:
            parts.append(struct.pack(">HHbb", _XY | more, glyph, dx, dy))
        else:
            parts.append(struct.pack(">HHhh", _XY | _WORDS | more, glyph, dx, dy))
    record = b"".join(parts)
    return record + b"\0" * (-len(record) % 4), x_min


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def append_glyphs(data: bytes, start: int, added: list[Added]) -> bytes:
    """The program with `added` as glyphs start, start + 1, ...; glyphs between its last one and
    `start` are empty. Glyph ids below `start` keep their outlines and metrics. (The tables of the
    glyphs already there are copied as bytes, not read glyph by glyph: a cut WeasyPrint embeds
    keeps every id of the font, thousands of them, and only the added ones are new.)"""
    tables = _tables(data)
    if b"glyf" not in tables or b"loca" not in tables:
        raise NotTrueType("the font has no TrueType outlines")
    count = struct.unpack_from(">H", tables[b"maxp"], 4)[0]
    if start < count or start + len(added) > 0xFFFF:
        raise ValueError(f"cannot add {len(added)} glyphs at {start} to a font of {count}")
    glyphs = _Glyphs(tables)
    end = glyphs.offsets[count]
    padding = start - count
    records, lefts = [], []
    most_points, most_contours, most_components, deepest = 0, 0, 0, 0
    for glyph in added:
        record, left = _composite(glyphs, glyph.components)
        if record:
            points, contours, _, depth = zip(*(glyphs.size(g) for g, _, _ in glyph.components), strict=True)
            most_points, most_contours = max(most_points, sum(points)), max(most_contours, sum(contours))
            most_components, deepest = max(most_components, len(glyph.components)), max(deepest, max(depth) + 1)
        records.append(record)
        lefts.append(left)
    new_offsets = [end] * padding
    position = end
    for record in records:
        position += len(record)
        new_offsets.append(position)
    total = count + padding + len(added)

    head = bytearray(tables[b"head"])
    was_long = struct.unpack_from(">h", head, 50)[0] != 0
    # The glyphs already there fit the format they came in; only the added ones may need the long one.
    long_loca = was_long or position > 0x1FFFE or any(offset % 2 for offset in new_offsets)
    struct.pack_into(">h", head, 50, 1 if long_loca else 0)
    struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set below
    tables[b"head"] = bytes(head)
    tables[b"glyf"] = tables[b"glyf"][:end] + b"".join(records)
    if long_loca == was_long:
        loca = tables[b"loca"][:(count + 1) * (4 if long_loca else 2)]
    else:  # short to long: the glyphs already there are read once
        loca = struct.pack(f">{count + 1}I", *glyphs.offsets[:count + 1])
    tables[b"loca"] = loca + (struct.pack(f">{len(new_offsets)}I", *new_offsets) if long_loca
                              else struct.pack(f">{len(new_offsets)}H", *[offset >> 1 for offset in new_offsets]))
    # Every glyph gets a long metric (advance, bearing): those past the old numberOfHMetrics take
    # the last advance, as they had it.
    long_count, last, bearings = _short_metrics(tables, count)
    hmtx = tables[b"hmtx"]
    tail = struct.pack(f">{2 * len(bearings)}H", *[value for bearing in bearings for value in (last, bearing & 0xFFFF)])
    added_metrics = [0, 0] * padding + [value for glyph, left in zip(added, lefts, strict=True)
                                        for value in (glyph.advance & 0xFFFF, left & 0xFFFF)]
    tables[b"hmtx"] = hmtx[:4 * long_count] + tail + struct.pack(f">{len(added_metrics)}H", *added_metrics)
    hhea = bytearray(tables[b"hhea"])
    struct.pack_into(">H", hhea, 34, total)
    struct.pack_into(">H", hhea, 10, max(struct.unpack_from(">H", hhea, 10)[0], *(g.advance for g in added)))
    tables[b"hhea"] = bytes(hhea)
    maxp = bytearray(tables[b"maxp"])
    struct.pack_into(">H", maxp, 4, total)
    if len(maxp) >= 32:  # version 1.0: the composite limits a rasterizer may allocate by
        for offset, value in ((10, most_points), (12, most_contours), (28, most_components), (30, deepest)):
            struct.pack_into(">H", maxp, offset, max(struct.unpack_from(">H", maxp, offset)[0], value))
    tables[b"maxp"] = bytes(maxp)
    if b"post" in tables:  # format 3: no glyph names, which nothing in a PDF reads
        tables[b"post"] = struct.pack(">I", 0x00030000) + tables[b"post"][4:32]
    for tag in _PER_GLYPH_TABLES:
        tables.pop(tag, None)
    return _assemble(tables)


def _assemble(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
    directory, body = [], []
    offset = 12 + 16 * count
    for tag in tags:
        table = tables[tag]
        directory.append(struct.pack(">4sIII", tag, _checksum(table), offset, len(table)))
        body.append(table + b"\0" * (-len(table) % 4))
        offset += len(table) + (-len(table) % 4)
    font = header + b"".join(directory) + b"".join(body)
    adjustment = (0xB1B0AFBA - _checksum(font)) & 0xFFFFFFFF
    position = 12 + 16 * count + sum(len(b) for b in body[:tags.index(b"head")])
    return font[:position + 8] + struct.pack(">I", adjustment) + font[position + 12:]


def added_glyphs(data: bytes, start: int) -> list[Added]:
    """The glyphs from `start` on, as append_glyphs was given them (for joining several PDFs)."""
    tables = _tables(data)
    count = struct.unpack_from(">H", tables[b"maxp"], 4)[0]
    glyphs = _Glyphs(tables)
    metrics = _metrics(tables, count)
    found = []
    for glyph in range(start, count):
        record = glyphs.record(glyph)
        components = []
        if len(record) >= 10:
            position = 10
            while True:
                flags, component = struct.unpack_from(">HH", record, position)
                dx, dy = struct.unpack_from(">hh" if flags & _WORDS else ">bb", record, position + 4)
                components.append((component, dx, dy))
                position += 4 + (4 if flags & _WORDS else 2)
                if not flags & _MORE:
                    break
        found.append(Added(tuple(components), metrics[glyph][0]))
    return found
