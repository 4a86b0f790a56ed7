"""Web-sized copies of local images, cached by content hash.

Covers and gallery photos from owners' phones are often several megabytes;
cards and pages use a resized copy (originals stay linked from the gallery).
A copy is made once per image content and width, and reused by every build
(`koc check` has made sure each image opens: generator/content/images.py).
Beside each copy a `.sha256` file holds the hash of the copy as written: a
copy that no longer matches it (a damaged or replaced file) is made again
rather than published.

Example:
    >>> web_image(Path("content/media/covers/a.jpg"), Path(".cache/koc"), 640)   # doctest: +SKIP
    PosixPath('.cache/koc/images/3f2a…-640.jpg')
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from PIL import Image, ImageOps

from generator.model import MediaRef

CARD_WIDTH = 640
PAGE_WIDTH = 1200


def web_image(source: Path, cache_dir: Path, width: int) -> Path:
    """A copy of `source` at most `width` pixels wide (the original if already small)."""
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:20]
    suffix = source.suffix.lower() if source.suffix.lower() in (".png", ".webp", ".gif") else ".jpg"
    target = Path(cache_dir) / "images" / f"{digest}-{width}{suffix}"
    if _intact(target):
        return target
    with Image.open(source) as img:
        if img.width <= width and len(data) < 200_000:
            return source
        img = ImageOps.exif_transpose(img)
        if img.width > width:
            img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
        target.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own: two builds (both editions at once) may resize the same image.
        tmp = target.with_name(f"{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
        try:
            if suffix == ".jpg":
                img.convert("RGB").save(tmp, "JPEG", quality=80, optimize=True, progressive=True)
            else:
                img.save(tmp, suffix.lstrip(".").upper().replace("JPG", "JPEG"), optimize=True)
            check = target.with_name(tmp.name + ".sha256")
            check.write_text(hashlib.sha256(tmp.read_bytes()).hexdigest(), encoding="ascii")
            check.replace(_checksum(target))
            tmp.replace(target)  # atomic: a parallel build never reads half a file
        finally:
            tmp.unlink(missing_ok=True)
    return target


def _checksum(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _intact(target: Path) -> bool:
    """Is the cached copy there and exactly as it was written?"""
    try:
        expected = _checksum(target).read_text(encoding="ascii").strip()
        return hashlib.sha256(target.read_bytes()).hexdigest() == expected
    except (OSError, UnicodeDecodeError):
        return False


def sized_path(src: str, width: int) -> str:
    """Site path of the resized copy: media/covers/a.jpg → media/w640/covers/a.jpg."""
    return f"media/w{width}/{src[len('media/'):]}"


def web_src(ref: MediaRef, width: int) -> str:
    """What a page shows for an image at `width`: a local file's resized copy, a remote one as it is.

    >>> web_src(MediaRef("media/covers/a.jpg"), 640), web_src(MediaRef("https://example.com/a.jpg"), 640)
    ('media/w640/covers/a.jpg', 'https://example.com/a.jpg')
    """
    return ref.url or sized_path(ref.path, width)
