"""What a publication's earlier builds laid out, kept in its output folder for the next build.

A book of 400 articles is a few minutes of WeasyPrint; correcting one article must not cost them
all again. Every document the PDF of a book is rendered from (each part, the folio specimens, the
front matter) is looked up here by the digest of everything its PDF depends on: its HTML, its
stylesheet, the bytes of every asset it may fetch, the options, and what publisher itself is (its
version, its code, the versions of WeasyPrint, Pango and the libraries that write the PDF, the
bundled fonts). The same document renders to the same bytes, so a kept PDF is the one a clean
build would make, whatever folder it was kept in. The EPUB's cut of its fonts keeps, the same way,
the characters each content document sets in each face (epub_fonts: a cascade a document).

In OUT/.publisher/kept/: `<digest>.part`, one a rendered document (a JSON line of what was
learnt while laying it out, then the PDF); `<name>.json`, one a publication, naming the parts
its last build used and holding the characters of its content documents. A build keeps what it
used; parts no publication names any more, and that no build running beside it may still be
about to name, are removed when it ends. A file that does not read back whole (a crash
mid-write, a disk error) is a part to render again, and a folder that cannot be written (full,
read-only) costs the next build its parts, with a warning: never the build itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import fields
from functools import cache
from pathlib import Path

from publisher import __version__, fonts
from publisher.files import write_atomic
from publisher.model import Document, Notice, Options, PageStart, Publication

FOLDER = ".publisher/kept"
# What a part's PDF does not depend on: what is made beside it (an imposition, the EPUB's page
# source and accessibility claims). Of the formats, only whether an EPUB is made counts (the PDF
# then records where its pages begin).
_BESIDE = {"formats", "impose", "isbn", "issn", "a11y_certifier"}
_ABANDONED = 3600  # seconds after which a temporary file of an unfinished write is left over


class Kept:
    """The documents one publication's build renders, looked up and kept in `folder`; a Kept of
    no folder keeps nothing (a build that writes no files: the API's `render`)."""

    def __init__(self, folder: Path | None, name: str = "", reuse: bool = True) -> None:
        self.folder = folder
        self.name = name.replace("/", "+")  # a batch's volumes are named volumes/<group>
        self.reuse = reuse  # False: everything rendered again (--force), and kept for the next build
        self.used: set[str] = set()
        self.started = time.time()
        self.problems: list[Notice] = []
        self._characters: dict[str, list] = {}
        self._known_characters: dict[str, list] = {}
        if folder is not None and reuse:
            try:
                saved = json.loads((folder / f"{self.name}.json").read_text(encoding="utf-8"))
                self._known_characters = saved.get("characters", {})
            except (OSError, ValueError, AttributeError):
                pass

    @classmethod
    def under(cls, out: Path, publication: Publication, reuse: bool = True) -> Kept:
        return cls(out / FOLDER, publication.slug, reuse)

    @staticmethod
    def environment() -> str:
        """The digest of what publisher itself is (this process's: _environment)."""
        return _environment()

    def key(self, document: Document, publication: Publication) -> str:
        """The digest of everything `document`'s PDF depends on."""
        from publisher.outputs import pdf

        digest = hashlib.sha256(_environment().encode())
        options = _rendering(publication.options)
        digest.update(f"\0{options}\0{publication.dir}\0{document.justify}\0{document.page!r}\0"
                      f"{document.carries_sources}\0".encode())
        digest.update(document.html.encode() + b"\0" + document.css.encode())
        for url, asset in sorted(document.assets.items()):
            digest.update(b"\0" + url.encode() + b"\0" + _asset_digest(asset))
        if document.carries_sources and pdf.carries_source_files(publication):  # PDF/A-3: what it embeds
            for name, data, description in pdf.source_files(publication):
                digest.update(b"\0" + name.encode() + b"\0" + description.encode() + hashlib.sha256(data).digest())
        return digest.hexdigest()

    def pdf(self, key: str):
        """The RenderedPDF kept under `key`, or None."""
        from publisher.outputs.pdf import RenderedPDF

        if self.folder is None or not self.reuse:
            return None
        try:
            with open(self.folder / f"{key}.part", "rb") as handle:
                facts = json.loads(handle.readline())
                data = handle.read()
        except (OSError, ValueError):
            return None
        if not isinstance(facts, dict) or facts.get("sha256") != hashlib.sha256(data).hexdigest():
            return None
        self.used.add(key)
        return RenderedPDF(
            data=data, pages=facts["pages"], warnings=[Notice(code, text) for code, text in facts["warnings"]],
            bookmarks=facts["bookmarks"], blank_pages=_tuple(facts["blank_pages"]),
            named_pages=_tuple(facts["named_pages"]), folios=tuple(facts["folios"]),
            page_starts=tuple(PageStart(**start) for start in facts["page_starts"]))

    def keep_pdf(self, key: str, rendered) -> None:
        if self.folder is None:
            return
        facts = {"sha256": hashlib.sha256(rendered.data).hexdigest(), "pages": rendered.pages,
                 "warnings": [[getattr(w, "code", "other"), str(w)] for w in rendered.warnings],
                 "bookmarks": rendered.bookmarks, "blank_pages": rendered.blank_pages,
                 "named_pages": rendered.named_pages, "folios": rendered.folios,
                 "page_starts": [start.__dict__ for start in rendered.page_starts]}
        data = json.dumps(facts, ensure_ascii=False).encode() + b"\n" + rendered.data
        if self._unwritable(lambda: write_atomic(self.folder / f"{key}.part", data)):
            return
        self.used.add(key)

    def characters(self, key: str) -> list | None:
        """What epub_fonts found in a content document (by its digest) when it last saw it."""
        found = self._known_characters.get(key)
        if found is not None:
            self._characters[key] = found
        return found

    def keep_characters(self, key: str, found: list) -> None:
        self._characters[key] = found

    def close(self) -> None:
        """What this build used, kept for the next; parts no publication names any more, removed
        (not those written since this build began: a build beside it into the same folder may be
        about to name them)."""
        if self.folder is None:
            return
        if self._unwritable(lambda: write_atomic(self.folder / f"{self.name}.json", json.dumps(
                {"parts": sorted(self.used), "characters": self._characters}, ensure_ascii=False).encode())):
            return
        named: set[str] = set()
        for listing in self.folder.glob("*.json"):
            try:
                named.update(json.loads(listing.read_text(encoding="utf-8")).get("parts", ()))
            except (OSError, ValueError, AttributeError):
                continue
        for part in self.folder.iterdir():
            try:
                if part.name.startswith("."):  # a temporary file: left over if a write stopped long ago
                    if part.suffix == ".part" and part.stat().st_mtime < self.started - _ABANDONED:
                        part.unlink()
                elif part.suffix == ".part" and part.stem not in named and part.stat().st_mtime < self.started:
                    part.unlink()
            except OSError:
                continue  # gone already, or not ours to remove

    def _unwritable(self, write) -> bool:
        """Run `write`; if the folder cannot take it, say so once and keep nothing more."""
        try:
            write()
            return False
        except OSError as exc:
            self.problems.append(Notice("other", f"could not keep the laid-out parts for the next build in "
                                                 f"{self.folder} ({exc.strerror or exc}): it will lay them out again"))
            self.folder = None
            return True


def _rendering(options: Options) -> str:
    """The options a part's PDF depends on."""
    chosen = {field.name: getattr(options, field.name) for field in fields(options) if field.name not in _BESIDE}
    chosen["epub_beside"] = "epub" in options.formats
    return repr(sorted(chosen.items()))


def _tuple(value):
    return None if value is None else tuple(value)


@cache
def _environment() -> str:
    """What publisher itself is, for one process: its version and code, the libraries that lay out
    and write the PDF (a new Pango may break lines elsewhere), and the bundled fonts."""
    from importlib.metadata import version

    from publisher.outputs.pdf import _weasyprint

    pango = _weasyprint().text.ffi.pango
    parts = [__version__, sys.version, *(f"{name} {version(name)}" for name in (
        "weasyprint", "pydyf", "pypdf", "pikepdf", "fonttools", "uharfbuzz", "tinycss2", "pillow")),
             f"pango {pango.pango_version()}", *_system_libraries()]
    digest = hashlib.sha256("\0".join(parts).encode())
    package = Path(__file__).resolve().parents[1]
    for root in (package, fonts.FONTS_DIR):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode() + _file_digest(path, *_stat(path)))
    return digest.hexdigest()


def _system_libraries() -> list[str]:
    """The versions of the system libraries WeasyPrint shapes, subsets (HarfBuzz's subsetter is
    built with HarfBuzz), rasterises and compresses with (Pango's own is asked of Pango):
    HarfBuzz, fontconfig, FreeType, zlib, and Pillow's codecs."""
    import ctypes
    import ctypes.util
    import zlib

    found = [f"zlib {zlib.ZLIB_RUNTIME_VERSION}"]

    def library(name: str):
        path = ctypes.util.find_library(name)
        try:
            return ctypes.CDLL(path) if path else None
        except OSError:
            return None

    harfbuzz, fontconfig, freetype = library("harfbuzz"), library("fontconfig"), library("freetype")
    if harfbuzz is not None:
        harfbuzz.hb_version_string.restype = ctypes.c_char_p
        found.append(f"harfbuzz {harfbuzz.hb_version_string().decode()}")
    if fontconfig is not None:
        found.append(f"fontconfig {fontconfig.FcGetVersion()}")
    if freetype is not None:
        handle, numbers = ctypes.c_void_p(), [ctypes.c_int() for _ in range(3)]
        if freetype.FT_Init_FreeType(ctypes.byref(handle)) == 0:
            freetype.FT_Library_Version(handle, *(ctypes.byref(n) for n in numbers))
            freetype.FT_Done_FreeType(handle)
            found.append("freetype " + ".".join(str(n.value) for n in numbers))
    try:
        from PIL import features

        found += [f"{name} {features.version(name)}" for name in ("jpg", "zlib", "webp")]
    except ImportError:
        pass
    return found


def _stat(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_mtime_ns, status.st_size


def _asset_digest(asset) -> bytes:
    if isinstance(asset, Path):
        return _file_digest(asset, *_stat(asset))
    return hashlib.sha256(asset).digest()


@cache
def _file_digest(path: Path, _mtime_ns: int, _size: int) -> bytes:
    """A file's digest, read once a process for as long as it is not changed (fonts are named by
    every part of a book)."""
    return hashlib.sha256(path.read_bytes()).digest()
