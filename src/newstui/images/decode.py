"""Image bytes to a small RGB picture with Pillow, refusing what could exhaust memory.

Only the common web formats are opened (PNG, JPEG, GIF, WebP, and AVIF where Pillow has it).
The header's size is checked against a pixel cap before a single pixel is decoded, so a
decompression bomb (a tiny file that claims 100 000 × 100 000 pixels) is refused at the
header; Pillow's own ``DecompressionBombError`` stays as a second line. ``verify()`` checks
the file's structure (PNG checksums) before the real decode, JPEGs decode at a reduced
scale when they are larger than needed, and the result is shrunk to ``max_side``.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_PIXELS = 25_000_000  # 25 megapixels: a large photo; about 100 MB decoded at most
MAX_SIDE = 1024  # the picture handed to the view; terminals show far fewer pixels
MIN_SIDE = 4  # smaller is a spacer or a tracking pixel, not a picture
FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "AVIF")


class ImageProblem(Exception):
    """Why an image is not shown; the message is one line for the view."""


def decode(data: bytes, *, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> Image:
    """Decode ``data`` into an RGB picture at most ``max_side`` pixels on its long side.

    Raises ImageProblem (one line) for anything that is not a supported image, is broken,
    is larger than ``max_pixels`` or is too small to be a picture."""
    from PIL import Image, UnidentifiedImageError

    Image.init()
    formats = [f for f in FORMATS if f in Image.OPEN]
    if not data:
        raise ImageProblem("empty image")
    try:
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            _check_size(probe.size, max_pixels)
            probe.verify()
        with Image.open(io.BytesIO(data), formats=formats) as im:
            _check_size(im.size, max_pixels)
            if im.format == "JPEG":
                im.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4 or 1/8 scale
            im.load()
            picture = _rgb(im)
    except ImageProblem:
        raise
    except UnidentifiedImageError:
        raise ImageProblem("not an image this reader can show") from None
    except Image.DecompressionBombError:
        raise ImageProblem(f"image larger than {max_pixels // 1_000_000} megapixels (refused)") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ImageProblem(f"broken image data ({type(exc).__name__})") from None
    picture.thumbnail((max_side, max_side))
    return picture


def _check_size(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        raise ImageProblem(
            f"image of {width}×{height} pixels: larger than {max_pixels // 1_000_000} megapixels (refused)"
        )
    if width < MIN_SIDE or height < MIN_SIDE:
        raise ImageProblem(f"image of {width}×{height} pixels is too small to show")


def _rgb(im: Image) -> Image:
    """An RGB copy; transparent parts are laid on white, as a web page would show them."""
    from PIL import Image

    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")
