"""Bytes to text: the encodings articles arrive in, and errors that say where a file is broken."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from publisher.arabic import normalise
from publisher.errors import InputError
from publisher.model import Notice

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# charset-normalizer's codec names, as people know them.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffe\uffff]")
_BREAK_CHARS = re.compile("[\x0b\x0c\x85\u2028\u2029]")
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
_KNOWN_AS = {"cp1256": "windows-1256", "iso8859_6": "ISO-8859-6", "cp1252": "windows-1252", "cp1250": "windows-1250"}


@dataclass(frozen=True)
class Text:
    text: str
    """With LF line ends and Arabic letters normalised."""
    warnings: tuple[str, ...] = ()


def read_text(path: Path) -> Text:
    return decode_text(read_bytes(path), path)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=path, hint="check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=path) from None


def decode_text(data: bytes, path: Path) -> Text:
    text, encoding = decode(data, path)
    return Text(clean(text), (not_utf8(encoding),) if encoding else ())


def not_utf8(encoding: str) -> Notice:
    return Notice("not-utf8", f"not UTF-8: read as {encoding}; check the text, or save the file as UTF-8")


def clean(text: str) -> str:
    """LF line ends, no control characters (no XML document can hold them, and they are no one's
    words; a form feed or vertical tab becomes a line break), Arabic letters normalised."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _BREAK_CHARS.search(text):  # str.translate walks every character: only when there is one to map
        text = text.translate(_BREAKS)
    return normalise(_CONTROLS.sub("", text))


def decode(data: bytes, path: Path) -> tuple[str, str | None]:
    """The text, and the encoding it was guessed to be in when it was neither UTF-8 nor marked by a BOM."""
    bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    if bom is None:
        refuse_binary(data, path)
    try:
        return data.decode(bom or "utf-8"), None
    except UnicodeDecodeError as exc:
        if bom:
            raise InputError(f"is not valid {exc.encoding} text (byte offset {exc.start})", path=path,
                             hint="save the file as UTF-8") from None
        first_bad = exc.start
    # Not UTF-8: archives hold Windows-1256 and ISO-8859-6; let charset-normalizer tell which.
    codec = guess_encoding(data)
    if codec is None:
        raise InputError(f"is not text in any encoding publisher recognises (byte offset {first_bad} "
                         "is not UTF-8)", path=path, hint="save the file as UTF-8") from None
    return data.decode(codec, errors="replace"), known_as(codec)


def refuse_binary(data: bytes, path: Path, offset: int = 0) -> None:
    """A NUL byte: binary data (an image, a database) named like an article."""
    if (nul := data.find(b"\0")) != -1:
        raise InputError(f"holds a NUL byte at offset {offset + nul}: this is binary data, not an article",
                         path=path, hint="export the article as text, Markdown, HTML or Word")


def guess_encoding(data: bytes) -> str | None:
    """The codec of bytes that are not UTF-8, as charset-normalizer tells it (None: no text at all)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return best.encoding if best else None


def known_as(codec: str) -> str:
    """A codec's name as people know it ("windows-1256" for cp1256)."""
    return _KNOWN_AS.get(codec, codec)
