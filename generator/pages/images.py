"""Web-sized copies of local images, cached by content hash.

Covers and gallery photos from owners' phones are often several megabytes;
cards and pages use a resized copy (originals stay linked from the gallery).
A copy is made once per image content and width, and reused by every build.
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
import warnings
from pathlib import Path

from PIL import Image, ImageOps

CARD_WIDTH = 640
PAGE_WIDTH = 1200
# Pixels an image may have: a 50-megapixel phone photo fits; a 20000×20000 PNG
# (a few KB, 1.6 GB once decoded) is a decompression bomb.
MAX_PIXELS = 64_000_000
# What the build can resize and a browser can show; SVG is not here (it can carry script).
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


def image_problem(source: Path) -> str | None:
    """Why the build could not make web copies of `source`, or None.

    `koc check` calls this for every local image, so that whatever it accepts
    `web_image` can resize: the file is opened and its pixels decoded, as the
    build will (a truncated file fails only then).
    """
    with warnings.catch_warnings():
        # Our own limit below says it better than PIL's warning.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return _image_problem(source)


def _image_problem(source: Path) -> str | None:
    try:
        with Image.open(source) as img:
            if img.format not in FORMATS:
                return f"不支持的图片格式 {img.format}：请另存为 JPEG 或 PNG"
            if img.width * img.height > MAX_PIXELS:
                return f"图片过大（{img.width}×{img.height} 像素，上限 {MAX_PIXELS // 1_000_000} 百万像素）：请缩小后再放入"
            if img.format in ("JPEG", "MPO"):
                img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))  # decodes at 1/8: quick, still reads every byte
            img.load()
    except Image.DecompressionBombError:
        return "图片像素过多，疑似解压炸弹：请缩小后再放入"
    except (OSError, ValueError, SyntaxError, Image.UnidentifiedImageError) as exc:
        return f"图片无法读取（{type(exc).__name__}）：文件可能已损坏，或不是它扩展名所说的格式"
    return None


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
