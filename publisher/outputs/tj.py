"""Text-showing operators as WeasyPrint writes them, read and written in one place: a TJ array's
glyph codes (two bytes each, in hex) and the pen moves between them, and the Tf and Ts lines."""

from __future__ import annotations

import re
from collections.abc import Iterator

NUMBER = rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
TF = re.compile(rb"^/(\S+)\s+(" + NUMBER + rb")\s+Tf$")
TS = re.compile(rb"^(" + NUMBER + rb")\s+Ts$")
_ITEM = re.compile(rb"<([0-9a-fA-F]*)>|(" + NUMBER + rb")")


def read(body: bytes) -> Iterator[tuple[int | None, float]]:
    """A TJ array's items in order: (glyph, 0.0) for each code, (None, n) for each number (n
    thousandths of an em the pen moves left)."""
    for hexadecimal, number in _ITEM.findall(body):
        if number:
            yield None, float(number)
            continue
        for start in range(0, len(hexadecimal), 4):
            yield int(hexadecimal[start:start + 4], 16), 0.0


def glyphs(body: bytes) -> list[int]:
    """The glyph codes a TJ array draws, in order."""
    return [glyph for glyph, _ in read(body) if glyph is not None]


def number(value: float) -> bytes:
    """A number as content streams write it: no trailing zeros."""
    return (b"%d" % value) if float(value).is_integer() else (b"%.3f" % value).rstrip(b"0").rstrip(b".")
