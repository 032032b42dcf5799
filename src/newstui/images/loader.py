"""Get an article's pictures: the cache (or the bookmark's pinned copy) first, else one
fetch through the feeds' HTTP layer, then a bounded decode.

Nothing here runs during a refresh: the article view calls ``load_many`` when an article is
opened. Every URL is checked before any I/O (http and https only, a host, no user name or
password), every fetch has the HTTP layer's deadline, redirect rules and a size cap (5 MiB
by default), and nothing that failed to decode is cached. Failures never raise: each image
comes back as a ``LoadedImage`` with a picture or a one-line reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newstui.images.decode import MAX_PIXELS, ImageProblem, decode
from newstui.images.store import MIB, ImageStore
from newstui.textsafe import clean_line

if TYPE_CHECKING:
    import httpx
    from PIL.Image import Image

    from newstui.config import Config
    from newstui.paths import Paths
    from newstui.sources.fetch import FetchLimits

CONCURRENCY = 4
MAX_URL = 4000
_IMAGE_TYPES = ("image/", "application/octet-stream", "binary/octet-stream")


@dataclass
class ImageSettings:
    """Limits for fetching and keeping pictures (``[images]`` in the config)."""

    max_bytes: int = 5 * MIB
    cache_cap: int = 200 * MIB
    max_pixels: int = MAX_PIXELS
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    deadline: float = 20.0

    @classmethod
    def from_config(cls, cfg: Config) -> ImageSettings:
        return cls(
            max_bytes=int(getattr(cfg, "image_max_mb", 5)) * MIB,
            cache_cap=int(getattr(cfg, "image_cache_mb", 200)) * MIB,
            connect_timeout=cfg.connect_timeout,
            read_timeout=cfg.read_timeout,
            deadline=min(cfg.feed_deadline, 20.0),
        )

    def fetch_limits(self) -> FetchLimits:
        from newstui.sources.fetch import FetchLimits

        return FetchLimits(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            deadline=self.deadline,
            max_bytes=self.max_bytes,
        )


@dataclass
class LoadedImage:
    url: str
    picture: Image | None = None
    error: str | None = None  # one line, when there is no picture
    fetched: bool = False  # came from the network this time (not the cache)


def refusal(url: object) -> str | None:
    """Why ``url`` is never fetched as an image, or None when it may be."""
    if not isinstance(url, str) or not url.strip():
        return "no image address"
    url = url.strip()
    if len(url) > MAX_URL:
        return "image address too long"
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        shown = clean_line(scheme, 20) if scheme.isascii() and scheme.isalnum() else ""
        return f"not an http(s) image address{f' ({shown}:)' if shown else ''}"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "invalid image address"
    if not host:
        return "image address without a host"
    if parts.username is not None or parts.password is not None:
        return "image address with a user name or password (refused)"
    return None


class ImageLoader:
    """Pictures by URL for the article view. ``network=False`` serves the cache only."""

    def __init__(self, store: ImageStore, settings: ImageSettings, *, network: bool = True) -> None:
        self.store = store
        self.settings = settings
        self.network = network
        self.failures: dict[str, str] = {}  # this session's failed URLs: not fetched again

    @classmethod
    def for_paths(cls, paths: Paths, config: Config, *, network: bool = True) -> ImageLoader:
        settings = ImageSettings.from_config(config)
        store = ImageStore.for_paths(paths, settings.cache_cap)
        return cls(store, settings, network=network)

    async def load_many(
        self,
        urls: Sequence[str],
        *,
        article_id: int | None = None,
        pinned: bool = False,
        client: httpx.AsyncClient | None = None,
    ) -> AsyncIterator[LoadedImage]:
        """Each distinct URL of ``urls`` loaded, yielded as it completes. With ``pinned`` the
        pictures are kept in (and read from) the bookmark's pinned folder."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return
        from newstui.sources.fetch import make_client

        gate = asyncio.Semaphore(CONCURRENCY)
        limits = self.settings.fetch_limits()

        async def one(url: str, c: httpx.AsyncClient) -> LoadedImage:
            async with gate:
                return await self.load(c, url, article_id=article_id, pinned=pinned)

        own = client is None
        c = client or make_client(limits, max_connections=CONCURRENCY)
        try:
            for done in asyncio.as_completed([one(u, c) for u in wanted]):
                yield await done
        finally:
            if own:
                await c.aclose()

    async def load(
        self,
        client: httpx.AsyncClient,
        url: str,
        *,
        article_id: int | None = None,
        pinned: bool = False,
    ) -> LoadedImage:
        """One picture: refused, from the store, or fetched and stored. Never raises."""
        reason = refusal(url)
        if reason is not None:
            return LoadedImage(url, error=reason)
        pin_for = article_id if pinned and article_id is not None else None
        data = await asyncio.to_thread(self.store.get, url, pin_for)
        fetched = False
        if data is None:
            if url in self.failures:
                return LoadedImage(url, error=self.failures[url])
            if not self.network:
                return LoadedImage(url, error="not downloaded (offline)")
            data, problem = await self._fetch(client, url)
            if data is None:
                self.failures[url] = problem or "not downloaded"
                return LoadedImage(url, error=self.failures[url])
            fetched = True
        try:
            picture = await asyncio.to_thread(decode, data, max_pixels=self.settings.max_pixels)
        except ImageProblem as exc:
            self.failures[url] = str(exc)
            return LoadedImage(url, error=str(exc), fetched=fetched)
        if fetched:
            await asyncio.to_thread(self.store.put, url, data, pin_for=pin_for)
        elif pin_for is not None:
            await asyncio.to_thread(self.store.pin, pin_for, [url])
        return LoadedImage(url, picture=picture, fetched=fetched)

    async def _fetch(self, client: httpx.AsyncClient, url: str) -> tuple[bytes | None, str | None]:
        from newstui.sources.fetch import fetch

        result = await fetch(client, url, self.settings.fetch_limits())
        if not result.ok:
            return None, result.error or f"HTTP {result.status}"
        ctype = result.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and not ctype.startswith(_IMAGE_TYPES):
            return None, f"not an image ({clean_line(ctype, 80)})"
        return result.body, None
