"""The walk through the reading list's pages of new items, the bulk of a first sync.

Each page's body goes to the page pool (``sync/pages.py``) to be decoded and prepared while
the next page is already asked for: its continuation is read from the end of the body
(``Backend.continuation_hint``) and checked against the decoded page. The prepared pages are
written a few at a time (``WRITE_PAGES``), each batch in one transaction on a thread, while
more download. Where a body's continuation cannot be read ahead, or was misread, the rest is
walked one page at a time.

Pages come newest first. The server filters by crawl time in whole seconds (``ot``) and may
store thousands of items in one second, so an incremental walk stops at the first item at
or before the newest one already here rather than at the last page; its first page is small
(``FIRST_PAGE``) and looked at before any other is asked for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newstui.sync.backend import Backend, SyncError
from newstui.sync.pages import PagePool, PreparedPage, prepare_items

PAGE = 250
FIRST_PAGE = 50  # an incremental sync's first page: usually all there is
LOOKAHEAD = 4  # pages downloaded ahead of the one being prepared and written
MAX_PAGES = 100_000
WRITE_PAGES = 8  # pages stored in one transaction while more download


@dataclass
class _Fetched:
    """A downloaded page on its way through the page pool, and the continuation its body
    seemed to end with (what the next page was asked for with)."""

    hint: str | None
    job: asyncio.Future[PreparedPage | str]


class PageWalk:
    """One walk: ``write`` stores prepared pages (called on a worker thread), ``progress``
    is called after each write is started; ``host`` names the server in errors."""

    def __init__(
        self,
        backend: Backend,
        pool: PagePool,
        write: Callable[[Sequence[PreparedPage]], None],
        progress: Callable[[], None],
        *,
        host: str,
        now: float,
    ) -> None:
        self.backend = backend
        self.pool = pool
        self.write = write
        self.progress = progress
        self.host = host
        self.now = now

    async def run(self, since: float, known: float | None) -> float:
        """Walk the pages of items crawled since ``since`` (stopping at ``known``, the newest
        crawl time already here, if any); returns the newest crawl time seen (0 if none)."""
        newest, resume = await self._walk(since, known)
        if resume is not None:
            newest = max(newest, await self._walk_slowly(since, resume, known))
        return newest

    async def _walk(self, since: float, known: float | None) -> tuple[float, str | None]:
        """Walk the pages of new items, reading ahead (see the module docstring).

        Returns the newest crawl time seen and, when a page's continuation was misread, the
        true one (the pages fetched after it are dropped and the rest is walked one by one)."""
        parse = self.backend.page_parser
        queue: asyncio.Queue[_Fetched | Exception | None] = asyncio.Queue(maxsize=LOOKAHEAD)

        def done_walking(page: PreparedPage | str) -> bool:
            return isinstance(page, PreparedPage) and (
                not page.count or (known is not None and page.oldest is not None and page.oldest <= known)
            )

        async def fetch() -> None:
            cont: str | None = None
            count = FIRST_PAGE if known else PAGE
            try:
                for _ in range(MAX_PAGES):
                    body = await self.backend.stream_body(since=since, continuation=cont, count=count)
                    hint = self.backend.continuation_hint(body)
                    job = asyncio.ensure_future(self.pool.prepare(parse, body, self.now))
                    await queue.put(_Fetched(hint, job))
                    if known is not None and cont is None:
                        # An incremental sync's first page is usually all there is: look at it
                        # before asking for more.
                        await asyncio.wait([job])
                        if job.exception() is None and done_walking(job.result()):
                            break
                    if not hint or hint == cont:
                        break
                    cont, count = hint, PAGE
                    self.pool.start()  # more than one page: worth the worker process
            except Exception as exc:  # handed to the writing side, which raises it
                await queue.put(exc)
                return
            await queue.put(None)

        fetcher = asyncio.ensure_future(fetch())
        newest = 0.0
        batch: list[PreparedPage] = []
        writing: asyncio.Future[None] | None = None
        resume: str | None = None
        try:
            while True:
                entry = await queue.get()
                if entry is None:
                    break
                if isinstance(entry, Exception):
                    raise entry
                page = await entry.job
                if isinstance(page, str):
                    raise SyncError(f"{self.host}: {page}")
                newest = max(newest, page.newest)
                batch.append(page)
                if page.continuation != entry.hint and not done_walking(page):
                    resume = page.continuation  # misread: what was fetched after it is dropped
                    break
                if done_walking(page):
                    break
                # Each upsert call costs far more than a row, and a write holds every source
                # of the batch: few large writes, on a thread while the pages download.
                if len(batch) >= WRITE_PAGES and (writing is None or writing.done()):
                    if writing is not None:
                        await writing
                    writing = asyncio.ensure_future(asyncio.to_thread(self.write, batch))
                    batch = []
                    self.progress()
        finally:
            fetcher.cancel()
            while not queue.empty():
                left = queue.get_nowait()
                if isinstance(left, _Fetched):
                    left.job.cancel()
            await asyncio.gather(fetcher, return_exceptions=True)
            if writing is not None:
                await writing
        if batch:
            await asyncio.to_thread(self.write, batch)
        return newest, resume

    async def _walk_slowly(self, since: float, continuation: str, known: float | None) -> float:
        """The rest of the pages from ``continuation``, each decoded before the next is asked
        for (when a body's continuation cannot be read ahead)."""
        newest = 0.0
        for _ in range(MAX_PAGES):
            page = await self.backend.stream(since=since, continuation=continuation, count=PAGE)
            prepared = prepare_items(page.items, self.now, page.continuation)
            await asyncio.to_thread(self.write, [prepared])
            newest = max(newest, prepared.newest)
            self.progress()
            reached = known is not None and prepared.oldest is not None and prepared.oldest <= known
            if reached or not page.items or not page.continuation or page.continuation == continuation:
                break
            continuation = page.continuation
        return newest
