"""Item pages made ready for the store away from the event loop.

A first sync downloads tens of pages of items. Decoding a page (JSON), turning its items into
articles and preparing the store's rows (``prepare_row``: cleaning, keys, hashes, index text)
is most of the CPU a sync spends; ``PagePool`` does it in a worker process, as a refresh
prepares its rows in its parser processes, so the main process only downloads and runs SQL.
Where no worker process can be started the same work runs on a thread.

The job (``prepare_page``) gets the page's raw body and the backend's parser, a module-level
function, so nothing but bytes travels to the worker and only the rows come back.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from newstui.models import ArticleIn
from newstui.store.articles import PreparedRow, prepare_row
from newstui.sync.backend import Item, Page, SyncError
from newstui.sync.greader import error_reason, long_id

PageParser = Callable[[bytes], Page]


@dataclass
class PreparedPage:
    """A page of items as the store writes them, grouped by the item's feed (stream id)."""

    rows: dict[str, list[PreparedRow]] = field(default_factory=dict)
    count: int = 0  # items on the page
    newest: float = 0.0  # the latest crawl time on the page (0 when none is known)
    oldest: float | None = None  # the earliest crawl time on the page
    continuation: str | None = None


def article_of(item: Item) -> ArticleIn:
    """The article an item becomes (its key is the long form of its id)."""
    return ArticleIn(
        title=item.title,
        guid=long_id(item.id),
        link=item.link,
        author=item.author,
        content=item.content,
        content_type="html",
        published=item.published,
        categories=item.categories or [],
        enclosures=item.enclosures,
    )


def prepare_items(items: Iterable[Item], now: float, continuation: str | None = None) -> PreparedPage:
    """Rows for ``items``, grouped by feed, with the page's crawl-time range."""
    page = PreparedPage(continuation=continuation)
    for item in items:
        page.rows.setdefault(item.feed, []).append(prepare_row(article_of(item), "", now))
        page.count += 1
        if item.crawled is not None:
            page.newest = max(page.newest, item.crawled)
            page.oldest = item.crawled if page.oldest is None else min(page.oldest, item.crawled)
    return page


def prepare_page(parse: PageParser, body: bytes, now: float) -> PreparedPage | str:
    """Parse one page's body and prepare its rows; the one-line reason when it is malformed."""
    try:
        page = parse(body)
    except SyncError as exc:
        return str(exc)
    except Exception as exc:  # a worker must answer, not die: the sync reports this
        return f"cannot read a page of items: {type(exc).__name__}: {error_reason(exc)}"
    return prepare_items(page.items, now, page.continuation)


def _warm_worker() -> None:
    """Pool initializer. Unpickling it imports this module, and with it the store's row code,
    before the first page arrives (a forkserver has it preloaded already)."""


class PagePool:
    """One worker process that prepares pages. ``start`` opens it on a thread, so that it
    warms up while the first requests are on their way; until it is up, and where no
    process can be started or the worker dies, pages are prepared on a thread instead."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: Executor | None = None
        self._starting: threading.Thread | None = None
        self._broken = False

    def start(self) -> None:
        """Open the worker in the background (once); returns at once."""
        if self._starting is None and not self._broken:
            self._starting = threading.Thread(target=self._open, name="newstui-page-pool", daemon=True)
            self._starting.start()

    def _open(self) -> None:
        # Imported here, on the starting thread: a sync with one page or none (the usual
        # one) never pays for multiprocessing or the refresh's machinery.
        from concurrent.futures.process import BrokenProcessPool

        from newstui.sources.workers import process_pool

        try:
            pool = process_pool(self.workers, ["newstui.sync.pages"], initializer=_warm_worker)
            pool.submit(int).result()  # the worker is up once it has answered
        except (OSError, RuntimeError, ValueError, BrokenProcessPool):
            self._broken = True
            return
        self._pool = pool

    async def prepare(self, parse: PageParser, body: bytes, now: float) -> PreparedPage | str:
        """``prepare_page`` in the worker, or on a thread while it is not up (a page or two
        are not worth waiting for a process) or cannot run."""
        pool = self._pool
        if pool is not None and not self._broken:
            from concurrent.futures.process import BrokenProcessPool  # loaded by _open already

            try:
                return await asyncio.get_running_loop().run_in_executor(pool, prepare_page, parse, body, now)
            except BrokenProcessPool:
                self._broken = True
        return await asyncio.to_thread(prepare_page, parse, body, now)

    def close(self) -> None:
        """Stop the worker (a start still under way is waited for, so nothing is left over)."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._pool is not None:
            # Waited for: a pool still shutting down on its own thread while the command
            # exits can leave one of its semaphores unlinked but still registered with
            # multiprocessing's resource tracker, which then warns on the terminal (seen
            # once, on a first sync whose login failed just after the worker came up).
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
