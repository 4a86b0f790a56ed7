"""Web-sized copies of local images, cached by content hash.

Covers and gallery photos from owners' phones are often several megabytes;
cards and pages use a resized copy (originals stay linked from the gallery).
A copy is made once per image content and width, and reused by every build.

Example:
    >>> web_image(Path("content/media/covers/a.jpg"), Path(".cache/koc"), 640)   # doctest: +SKIP
    PosixPath('.cache/koc/images/3f2a…-640.jpg')
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image, ImageOps

CARD_WIDTH = 640
PAGE_WIDTH = 1200


def web_image(source: Path, cache_dir: Path, width: int) -> Path:
    """A copy of `source` at most `width` pixels wide (the original if already small)."""
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:20]
    suffix = source.suffix.lower() if source.suffix.lower() in (".png", ".webp", ".gif") else ".jpg"
    target = Path(cache_dir) / "images" / f"{digest}-{width}{suffix}"
    if target.exists():
        return target
    with Image.open(source) as img:
        if img.width <= width and len(data) < 200_000:
            return source
        img = ImageOps.exif_transpose(img)
        if img.width > width:
            img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        if suffix == ".jpg":
            img.convert("RGB").save(tmp, "JPEG", quality=80, optimize=True, progressive=True)
        else:
            img.save(tmp, suffix.lstrip(".").upper().replace("JPG", "JPEG"), optimize=True)
        tmp.replace(target)  # atomic: a parallel build never reads half a file
    return target


def sized_path(src: str, width: int) -> str:
    """Site path of the resized copy: media/covers/a.jpg → media/w640/covers/a.jpg."""
    return f"media/w{width}/{src[len('media/'):]}"
