"""`publisher preview`: a local web page that shows a publication's pages as images beside its
HTML, rebuilt whenever an input, a layout or publisher.toml changes, and reloaded by itself.

The server (the standard library's threading HTTP server, on 127.0.0.1 only) serves one folder:
the latest build, made in a fresh folder and swapped in whole, so that a reader never sees half of
one. Nothing else can be fetched: paths are resolved inside that folder (".." and absolute paths
land inside it or nowhere), and folders are not listed. watchfiles watches the inputs' folders,
the layout folders and the working folder's publisher.toml.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from publisher.errors import PublisherError

STATE = "/_preview/state.json"
PAGE_DPI = 60


@dataclass
class Built:
    """One build: its folder, the documents in it (HTML page and page images) and its errors."""

    folder: Path
    documents: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Preview:
    """The latest build of `inputs`, remade by `rebuild`; `version` counts the builds."""

    def __init__(self, build: Callable[[Path], tuple[list[Path], list[str]]], work: Path):
        self.build, self.work = build, work
        self.version = 0
        self.lock = threading.Lock()
        self.current: Built | None = None

    def rebuild(self) -> Built:
        """Build into a new folder, make the page images, then put it in place of the last."""
        from publisher.proof import proof

        folder = Path(tempfile.mkdtemp(prefix="build-", dir=self.work))
        made = Built(folder)
        try:
            pdfs, made.errors = self.build(folder)
            for pdf in pdfs:  # the PDF opened once, by proof, for its page images
                images = proof(pdf, folder, dpi=PAGE_DPI, sheets=False, every_page=True).pages
                page = pdf.with_suffix(".html")
                made.documents.append({"name": pdf.stem, "html": page.name if page.is_file() else None,
                                       "pdf": pdf.name,
                                       "pages": [image.relative_to(folder).as_posix() for image in images]})
        except PublisherError as exc:
            made.errors.append(exc.one_line())
        except Exception as exc:  # a bug of ours: said on the page as much as in the terminal
            made.errors.append(f"bug: {type(exc).__name__}: {exc}")
        with self.lock:
            old, self.current = self.current, made
            self.version += 1
        if old is not None:
            shutil.rmtree(old.folder, ignore_errors=True)
        return made

    def state(self) -> dict:
        with self.lock:
            built = self.current
            return {"version": self.version, "errors": built.errors if built else [],
                    "documents": built.documents if built else []}


def serve(preview: Preview, port: int = 0) -> ThreadingHTTPServer:
    """The server on 127.0.0.1:`port` (0: a free one), not yet started."""

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            with preview.lock:
                folder = preview.current.folder if preview.current else preview.work
            super().__init__(*args, directory=str(folder), **kwargs)

        def do_GET(self):
            # Only a page this machine opened by its own name: a page elsewhere whose name was
            # rebound to 127.0.0.1 (DNS rebinding) sends its own Host, and is refused.
            port = self.server.server_address[1]
            if self.headers.get("Host", "") not in (f"127.0.0.1:{port}", f"localhost:{port}"):
                self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "Not this server")
                return None
            path = self.path.split("?", 1)[0]
            if path == "/":
                return self._send(page(preview.state()).encode("utf-8"), "text/html; charset=utf-8")
            if path == STATE:
                return self._send(json.dumps(preview.state(), ensure_ascii=False).encode(), "application/json")
            return super().do_GET()

        def do_HEAD(self):
            self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)

        def list_directory(self, path):
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None

        def _send(self, data: bytes, kind: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def log_message(self, format, *args):
            pass  # the terminal says what was built, not every request

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def page(state: dict) -> str:
    """The preview page: the build's error in one line, each document's HTML beside its pages,
    and a script that reloads the page when a new build is in place."""
    parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>publisher preview</title><style>'
             "body{font-family:sans-serif;margin:0;padding:1em;background:#eee}"
             ".error{background:#a00;color:#fff;padding:.5em 1em;margin:0 0 1em}"
             ".document{display:flex;gap:1em;align-items:flex-start;margin-bottom:2em}"
             "iframe{width:48%;height:85vh;border:1px solid #999;background:#fff}"
             ".pages{width:50%;height:85vh;overflow:auto}.pages img{display:block;margin:0 auto 1em;"
             "box-shadow:0 0 4px #888;max-width:100%}</style></head><body>"]
    for error in state["errors"]:
        parts.append(f'<p class="error" role="alert">{html.escape(error)}</p>')
    for document in state["documents"]:
        parts.append(f'<section class="document"><h2 hidden>{html.escape(document["name"])}</h2>')
        if document["html"]:
            parts.append(f'<iframe title="{html.escape(document["name"])}" '
                         f'src="{html.escape(quote(document["html"]))}?v={state["version"]}"></iframe>')
        parts.append('<div class="pages">' + "".join(
            f'<img src="{html.escape(quote(image))}?v={state["version"]}" alt="page {number}" '
            f'class="page" data-page="{number}">' for number, image in enumerate(document["pages"], start=1))
            + "</div></section>")
    parts.append(f"""<script>
const seen = {state["version"]};
setInterval(async () => {{
  try {{
    const state = await (await fetch("{STATE}", {{cache: "no-store"}})).json();
    if (state.version !== seen) location.reload();
  }} catch (e) {{}}
}}, 700);
</script></body></html>""")
    return "".join(parts)


def watched(inputs: list[Path], layouts_dirs: tuple[Path, ...]) -> list[Path]:
    """What a change of rebuilds: the inputs (their folders, for a new file or an image beside
    an article), the layout folders and the working folder's publisher.toml."""
    from publisher.config import CONFIG_FILE
    from publisher.layouts import BUILTIN_ROOT

    found = {path.resolve() if path.is_dir() else path.resolve().parent for path in inputs}
    found |= {BUILTIN_ROOT.resolve(), *(folder.resolve() for folder in layouts_dirs if folder.is_dir())}
    if (Path.cwd() / CONFIG_FILE).is_file():
        found.add((Path.cwd() / CONFIG_FILE).resolve())
    return sorted(found)


# Layout files, sidecars, publication files and publisher.toml, beside what readers read.
OTHER_INPUTS = frozenset({".j2", ".toml", ".yml", ".yaml", ".ttf", ".otf"})


def is_source_change(path: str, work: Path) -> bool:
    """Whether a changed file is one a build reads (an article, an image, a layout's file, a
    sidecar or settings), not a build of our own, a log or an editor's droppings."""
    from publisher.sources import READERS
    from publisher.sources.assets import IMAGE_SUFFIXES

    changed = Path(path)
    if changed.is_relative_to(work.resolve()) or changed.name.startswith("."):
        return False
    return changed.suffix.lower() in {*READERS, *IMAGE_SUFFIXES, *OTHER_INPUTS}
