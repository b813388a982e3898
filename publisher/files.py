"""Writing outputs: atomically, and only inside the output folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from publisher.errors import UsageError


def inside(out: Path, relative: str) -> Path:
    """`relative` under `out`, refused if it would land anywhere else."""
    target = (out / relative).resolve()
    if not target.is_relative_to(out.resolve()):
        raise UsageError(f"refusing to write outside the output folder: {relative}", path=out)
    return target


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers see all of it or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # which file a full disk stopped, for the message
        raise


def prepare_output_folder(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise UsageError("is a file, not a folder", path=out, hint="give --out a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder: {exc.strerror}", path=out,
                         hint="choose another --out") from None
    return out
