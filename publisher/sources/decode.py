"""Bytes to text: the encodings articles arrive in, and errors that say where a file is broken."""

from __future__ import annotations

import codecs
from pathlib import Path

from publisher.arabic import normalise
from publisher.errors import InputError

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_text(path: Path) -> str:
    """The file's text with LF line ends and Arabic letters normalised."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=path, hint="check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=path) from None
    return normalise(decode(data, path).replace("\r\n", "\n").replace("\r", "\n"))


def decode(data: bytes, path: Path) -> str:
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and (nul := data.find(b"\0")) != -1:
        raise InputError(
            f"holds a NUL byte at offset {nul}: this is binary data, not an article",
            path=path, hint="export the article as text, Markdown or Word",
        )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not valid {exc.encoding} text (byte offset {exc.start})",
            path=path, hint="save the file as UTF-8",
        ) from None
