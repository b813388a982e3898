"""Images an article names: only files inside the article's own folder, renamed by content.

A reader hands each `src` it finds to `local_image`; what comes back is the URL the body should
use ("images/3f2a9c….jpg") and the file, checked. Anything else (a remote URL, a path that climbs
out of the folder, a missing file, a file that is not an image) is refused with a reason, and
the reader keeps the image's alt text so no word is lost.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publisher.model import MEDIA_TYPES

IMAGE_SUFFIXES = frozenset(s for s, t in MEDIA_TYPES.items() if t.startswith("image/"))
# What an article's image may weigh: enough for a full-page photograph at print resolution, and
# far below what would let a small file unpack into gigabytes (a decompression bomb).
MAX_BYTES = 40 * 1024 * 1024
MAX_PIXELS = 60_000_000
_SIGNATURES = {b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg", b"GIF8": ".gif", b"RIFF": ".webp"}


class Refused(Exception):
    """Why an image was not taken; the reader turns it into a warning."""


# A remote image (only from hosts named with --allow-remote) must come within this time.
REMOTE_TIMEOUT = 10


def image(src: str, article: Path, allow_remote: tuple[str, ...] = ()) -> tuple[str, Path | bytes]:
    """The URL the body should use and the image: a checked file beside the article, or the bytes
    of a remote image from a host the user allowed. Anything else is Refused."""
    src = src.strip()
    parts = urlsplit(src)
    if parts.scheme in ("http", "https") and parts.hostname and parts.hostname.lower() in allow_remote:
        return remote_image(src)
    return local_image(src, article)


def remote_image(src: str) -> tuple[str, bytes]:
    """Fetch once, at reading time: a time limit, a size cap, no redirect to another place."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(src, headers={"User-Agent": "publisher"}),
                         timeout=REMOTE_TIMEOUT) as response:
            data = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise Refused(f"image {src[:80]!r} could not be fetched ({exc})") from None
    if len(data) > MAX_BYTES:
        raise Refused(f"image {src[:80]!r} is larger than {MAX_BYTES // 1_048_576} MB")
    suffix = sniff_suffix(data)
    if suffix is None:
        raise Refused(f"image {src[:80]!r} is not a PNG, JPEG, GIF, WebP or SVG image")
    check_image(data, src)
    return content_url(data, suffix), data


def local_image(src: str, article: Path) -> tuple[str, Path]:
    src = src.strip()
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("//"):
        raise Refused(f"image {src[:80]!r} is not a file beside the article (remote images are loaded only "
                      "from hosts named with --allow-remote)")
    folder = article.parent.resolve()
    path = (folder / unquote(parts.path)).resolve()
    if not path.is_relative_to(folder):
        raise Refused(f"image {src[:80]!r} lies outside the article's folder")
    if not path.is_file():
        raise Refused(f"image {src[:80]!r} not found")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise Refused(f"image {src[:80]!r} is not a PNG, JPEG, GIF, WebP or SVG file")
    data = path.read_bytes()
    check_image(data, src)
    return content_url(data, path.suffix), path


def check_image(data: bytes, name: str) -> None:
    """Refuse an image too heavy to print, or whose header promises more pixels than it should:
    Pillow reads only the header here, so a bomb is caught before anything is unpacked."""
    if len(data) > MAX_BYTES:
        raise Refused(f"image {name[:80]!r} weighs {len(data) // 1_048_576} MB (at most {MAX_BYTES // 1_048_576} MB)")
    if sniff_suffix(data) in (None, ".svg"):
        return
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Refused(f"image {name[:80]!r} cannot be read ({type(exc).__name__})") from None
    if width * height > MAX_PIXELS:
        raise Refused(f"image {name[:80]!r} has {width}x{height} pixels (at most {MAX_PIXELS // 1_000_000} million)")


def content_url(data: bytes, suffix: str) -> str:
    """A name from the bytes: the same picture is stored once, and two pictures never collide."""
    return f"images/{hashlib.sha256(data).hexdigest()[:20]}{suffix.lower()}"


def sniff_suffix(data: bytes) -> str | None:
    """The image type from its first bytes, for images that come without a file name."""
    for signature, suffix in _SIGNATURES.items():
        if data.startswith(signature):
            return suffix
    return ".svg" if re.match(rb"\s*(<\?xml[^>]*>\s*)?<svg", data[:512]) else None
