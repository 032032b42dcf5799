"""Pictures for the demo library, drawn with Pillow and put in the image cache.

The demo's articles name their pictures on example hosts that serve nothing, so the demo
(and the README's screenshot of an article with a picture) draws them here and stores them
in the image cache under those addresses: the reader then shows them offline, as it shows
any cached picture.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

    from newstui.paths import Paths

SENSOR_HELMET = "https://img.example.org/sensor-helmet.jpg"


def sensor_helmet(width: int = 480, height: int = 270) -> Image:
    """A head in a helmet studded with small sensor cubes, on a lab-blue background."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(im)
    for y in range(height):  # a soft vertical gradient
        shade = int(40 + 60 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade // 2, shade, 90 + shade))
    cx, top = width // 2, height // 5
    draw.rectangle((cx - 70, height - 50, cx + 70, height), fill=(70, 90, 120))  # shoulders
    draw.ellipse((cx - 110, height - 70, cx + 110, height + 60), fill=(70, 90, 120))
    draw.rectangle((cx - 22, height - 95, cx + 22, height - 45), fill=(225, 180, 150))  # neck
    draw.ellipse((cx - 62, top + 20, cx + 62, top + 170), fill=(235, 190, 160))  # face
    draw.chord((cx - 78, top - 8, cx + 78, top + 150), 180, 360, fill=(215, 220, 228))  # helmet
    draw.rectangle((cx - 78, top + 70, cx + 78, top + 84), fill=(215, 220, 228))
    for i in range(9):  # the sensors: small cubes along the helmet's rim and crown
        x = cx - 64 + i * 16
        draw.rectangle((x - 6, top + 58, x + 6, top + 70), fill=(240, 150, 40))
    for i in range(5):
        x = cx - 36 + i * 18
        draw.rectangle(
            (x - 6, top + 18 - abs(2 - i) * 6, x + 6, top + 30 - abs(2 - i) * 6), fill=(240, 150, 40)
        )
    for ex in (cx - 26, cx + 26):  # eyes and a smile
        draw.ellipse((ex - 7, top + 105, ex + 7, top + 117), fill=(40, 50, 70))
    draw.arc((cx - 24, top + 120, cx + 24, top + 150), 20, 160, fill=(150, 70, 70), width=4)
    return im


# The demo's other pictures: a calm abstract picture each, so the demo never reaches out
# to the (non-existent) example hosts for them.
OTHERS = (
    "https://img.example.org/checkout-passkey.jpg",
    "https://img.example.org/ferris-reading.png",
    "https://img.example.org/hitzekarte-2025.png",
    "https://img.example.org/keramik-tassen.jpg",
    "https://img.example.org/router-menue.png",
    "https://img.example.org/tui-screenshot.png",
    "https://img.example.org/warenkorb-raten.png",
)


def abstract(seed: int, width: int = 480, height: int = 270) -> Image:
    """Overlapping soft shapes in colours picked by ``seed``."""
    from PIL import Image, ImageDraw

    hue = [(seed * 53 + k * 97) % 256 for k in range(9)]
    im = Image.new("RGB", (width, height), (hue[0] // 3, hue[1] // 3, 60 + hue[2] // 3))
    draw = ImageDraw.Draw(im)
    for k in range(3):
        x = (hue[3 + k] * width) // 256
        r = height // (2 + k)
        draw.ellipse(
            (x - r, height // 2 - r, x + r, height // 2 + r), fill=(hue[k + 1], hue[k + 4], hue[(k + 7) % 9])
        )
    draw.rectangle((0, height * 4 // 5, width, height), fill=(hue[6] // 2, hue[7] // 2, hue[8] // 2))
    return im


def demo_pictures() -> dict[str, bytes]:
    """The demo's pictures by address, as PNG bytes (lossless: the same on every machine)."""
    pictures = {SENSOR_HELMET: sensor_helmet()}
    pictures.update({url: abstract(i + 1) for i, url in enumerate(OTHERS)})
    out = {}
    for url, picture in pictures.items():
        buf = io.BytesIO()
        picture.save(buf, "PNG")
        out[url] = buf.getvalue()
    return out


def seed_pictures(paths: Paths) -> None:
    """Put the demo's pictures in the image cache of ``paths``."""
    from newstui.images.store import ImageStore

    store = ImageStore.for_paths(paths)
    for url, data in demo_pictures().items():
        store.put(url, data)
