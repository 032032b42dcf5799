"""Helpers for the picture tests: images made with Pillow, a library whose articles show
them, served by the loopback feed server. (No tests here.)"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

from newstui.config import Config
from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.app import NewstuiApp


def scene(width: int = 96, height: int = 64) -> Image.Image:
    """A small picture with clear shapes: sky, sun, hill (stable colours for snapshots)."""
    im = Image.new("RGB", (width, height), (40, 110, 210))
    draw = ImageDraw.Draw(im)
    draw.ellipse(
        (width // 8, height // 8, width // 8 + height // 3, height // 8 + height // 3), fill=(250, 205, 40)
    )
    draw.polygon(
        [
            (0, height),
            (0, height * 2 // 3),
            (width // 2, height // 2),
            (width, height * 3 // 4),
            (width, height),
        ],
        fill=(40, 150, 60),
    )
    return im


def encode(im: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


@functools.lru_cache(maxsize=4)
def png_bomb(width: int = 6_000, height: int = 6_000) -> bytes:
    """A valid, small PNG whose header claims ``width`` × ``height`` pixels (a
    decompression bomb: its rows are all zeros and compress to almost nothing)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    comp = zlib.compressobj(1)
    rows = b"\0" * ((width + 7) // 8 + 1) * 500  # 1-bit greyscale: filter byte + pixels
    raw = b"".join(comp.compress(rows) for _ in range(height // 500)) + comp.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def picture_library(data: Path, articles: list[ArticleIn]) -> Paths:
    """A library at ``data`` with one feed holding ``articles``."""
    paths = Paths.resolve(data)
    with Library(paths.library) as lib:
        src, _ = lib.add_source("https://pictures.example/feed.xml", title="Pictures")
        lib.upsert_articles(src.id, articles)
    return paths


def article(
    title: str, html: str, *, enclosures: list[dict[str, object]] | None = None, when: float = 1_760_000_000.0
) -> ArticleIn:
    return ArticleIn(
        title,
        guid=title,
        link="",
        content=html,
        content_type="html",
        published=when,
        enclosures=enclosures or [],
    )


def picture_app(
    paths: Paths, *, images: str = "blocks", network: bool = True, **config: object
) -> NewstuiApp:
    """The reader over ``paths`` with pictures fetched from the network (loopback only in
    these tests) unless ``network`` is off."""
    cfg = Config()
    cfg.images = images
    cfg.mark_read_on_open = False
    for key, value in config.items():
        setattr(cfg, key, value)
    return NewstuiApp(paths, cfg, network=network)
