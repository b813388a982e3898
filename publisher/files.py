"""Writing outputs: atomically, and only inside the output folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from publisher.errors import UsageError


def inside(out: Path, relative: str) -> Path:
    """`relative` under `out`, refused if it would land anywhere else."""
    target = (out / relative).resolve()
    if not target.is_relative_to(out.resolve()):
        raise UsageError(f"refusing to write outside the output folder: {relative}", path=out)
    return target


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all of it or nothing."""
    with atomic_file(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write in pieces (a manifest of 30,000 entries, say), that appears at `path` whole
    when the block ends, and not at all if it fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # which file a full disk stopped, for the message
        raise


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A folder in the system's temporary folder (TMPDIR) for worker processes' temporary files,
    removed with all it holds when the block ends. WeasyPrint's FontConfiguration keeps the fonts it
    loads in a folder (weasyprint-XXXX, 2.8 MB) that only its __del__ removes, and a pool worker ends
    with os._exit, which runs no __del__: each worker of every batch and every book in parts left
    one in /tmp (259 were found there)."""
    _remove_orphaned_scratch()
    folder = Path(tempfile.mkdtemp(prefix=f"publisher-tmp-{os.getpid()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphaned_scratch() -> None:
    """The scratch folders of runs that were killed (SIGKILL, a power cut) before they could remove
    them: named by their run's process id, gone once that process is."""
    for folder in Path(tempfile.gettempdir()).glob("publisher-tmp-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # another user's process: alive, not ours to judge
            pass


def use_scratch(folder: str | None) -> None:
    """In a worker process: temporary files go into `folder` (tempfile.tempdir, the documented
    default of every tempfile call, WeasyPrint's included)."""
    if folder:
        tempfile.tempdir = folder


def prepare_output_folder(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise UsageError("is a file, not a folder", path=out, hint="give --out a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder: {exc.strerror}", path=out,
                         hint="choose another --out") from None
    return out
