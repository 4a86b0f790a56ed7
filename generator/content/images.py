"""Whether a local image can be published: `koc check` opens every one.

Whatever this accepts, the build can resize (generator/pages/images.py):
the file is opened and its pixels decoded, as the build will (a truncated
file fails only then). Imported only when a library has local images, for PIL.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image

# Pixels an image may have: a 50-megapixel phone photo fits; a 20000×20000 PNG
# (a few KB, 1.6 GB once decoded) is a decompression bomb.
MAX_PIXELS = 64_000_000
# What the build can resize and a browser can show; SVG is not here (it can carry script).
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


def image_problem(source: Path) -> str | None:
    """Why the build could not make web copies of `source`, or None."""
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
