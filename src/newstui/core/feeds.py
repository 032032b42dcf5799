"""Feeds: subscribe (with discovery), unsubscribe, refresh, and a source's settings."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from newstui.bookmarks.articletext import complete_queue_async
from newstui.bookmarks.fulltext import complete_pending_async
from newstui.config import Config
from newstui.errors import NewstuiError
from newstui.models import Source
from newstui.sources import refresh as engine
from newstui.sources.discover import discover
from newstui.sources.fetch import FetchLimits, is_http
from newstui.sources.refresh import Progress, RefreshReport, local_path
from newstui.store.library import Library


@dataclass
class Subscribed:
    """What ``subscribe`` did: the source, whether it is new, and its first fetch."""

    source: Source
    created: bool
    report: RefreshReport | None = None  # the first fetch (None when already subscribed)
    others: list[str] = field(default_factory=list)  # more feeds the page announced

    @property
    def first_error(self) -> str | None:
        """Why the first fetch failed (the source is kept, with the error recorded)."""
        if self.report is None or not self.report.failed:
            return None
        return self.report.failed[0].error


def feed_address(url: str, limits: FetchLimits) -> tuple[str, list[str]]:
    """The feed to subscribe to for ``url`` (a feed, a page that announces one, a feed file
    or ``file://`` URL) and the other feeds a page announced. Raises NewstuiError naming
    what was tried when there is none."""
    url = url.strip()
    if is_http(url):
        found = discover(url, limits)
        return found.feeds[0], found.feeds[1:]
    path = local_path(url)
    if path is None:
        raise NewstuiError(f"not a feed URL: {url!r} (want http://, https://, file:// or a path)")
    if not path.exists():
        hint = f" (did you mean https://{url}?)" if "." in url and "/" not in url else ""
        raise NewstuiError(f"no such file: {path}{hint}")
    if not path.is_file():
        raise NewstuiError(f"not a feed file: {path}")
    return str(path.absolute()), []


def subscribe(lib: Library, cfg: Config, url: str, *, category: str = "") -> Subscribed:
    """Subscribe to ``url`` and fetch it once.

    Nothing is added when no feed is found there (discovery raises). When the feed was
    found but its first fetch fails, the source is kept with the error recorded on it (as
    every failed refresh records it): discovery has just shown the address is a feed, so a
    failure now is as likely passing (a busy server, a rate limit) as lasting, the next
    refresh retries it, and `remove` is one step away. Dropping it instead would lose the
    user's subscription to a hiccup.
    """
    feed, others = feed_address(url, FetchLimits.from_config(cfg))
    src, created = lib.add_source(feed, category=category)
    if not created:
        return Subscribed(src, False, None, others)
    report = refresh(lib, cfg, [str(src.id)])
    return Subscribed(lib.source(src.id), True, report, others)


def unsubscribe(lib: Library, ref: int | str) -> tuple[Source, int]:
    """Remove a source (by id, URL or title); its bookmarked articles stay. Returns the
    source and how many articles went."""
    src = lib.source(ref)
    return src, lib.remove_source(src.id)


async def refresh_async(
    lib: Library,
    cfg: Config,
    refs: Sequence[str] = (),
    *,
    force: bool = False,
    on_progress: Progress | None = None,
) -> RefreshReport:
    """Refresh the feeds (all, or those named), then fetch the full text of the bookmarks
    and articles waiting for it. For callers already inside an event loop."""
    report = await engine.refresh_async(lib, cfg, refs, force=force, on_progress=on_progress)
    report.fulltext = await complete_pending_async(lib, cfg)  # bookmarks made offline
    # Always-full-text sources' new articles: only once every feed has landed, capped and
    # on a budget, so pages never delay feeds.
    report.article_fulltext = await complete_queue_async(lib, cfg)
    return report


class RefreshStopped(NewstuiError):
    """``Stopper.stop`` ended the refresh before it was done."""


class Stopper:
    """Stops a refresh running in another thread (``refresh(..., stopper=...)``), as a face
    does when it closes mid-refresh. Feeds still on their way are dropped; a group of feeds
    the writer has begun is committed whole; ``refresh`` then raises ``RefreshStopped``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None
        self.stopped = False

    def stop(self) -> None:
        """From any thread; a refresh not yet started will not start."""
        with self._lock:
            self.stopped = True
            target = self._target
        if target is not None:
            loop, task = target
            with contextlib.suppress(RuntimeError):  # its loop has closed: nothing left to stop
                loop.call_soon_threadsafe(task.cancel)

    def _attach(self) -> bool:
        """Called by the refresh's task in its loop: False when already stopped."""
        task = asyncio.current_task()
        assert task is not None
        with self._lock:
            if self.stopped:
                return False
            self._target = (asyncio.get_running_loop(), task)
            return True


def refresh(
    lib: Library,
    cfg: Config,
    refs: Sequence[str] = (),
    *,
    force: bool = False,
    on_progress: Progress | None = None,
    stopper: Stopper | None = None,
) -> RefreshReport:
    """``refresh_async`` in a fresh event loop (the CLI, and the TUI's refresh worker)."""

    async def run() -> RefreshReport:
        if stopper is not None and not stopper._attach():
            raise RefreshStopped("the refresh was stopped")
        return await refresh_async(lib, cfg, refs, force=force, on_progress=on_progress)

    try:
        return asyncio.run(run())
    except asyncio.CancelledError:
        if stopper is not None and stopper.stopped:
            raise RefreshStopped("the refresh was stopped") from None
        raise


def source_settings(
    lib: Library, ref: int | str, *, title: str | None = None, category: str | None = None
) -> Source:
    """Rename a source and/or move it to a category (folder); "" clears either."""
    src = lib.source(ref)
    fields: dict[str, object] = {}
    if title is not None:
        fields["title"] = title
    if category is not None:
        fields["category"] = category
    if fields:
        lib.update_sources([(src.id, fields)])
    return lib.source(src.id)
