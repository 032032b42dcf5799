"""Full text for any article: on demand, and for sources set to always fetch it.

On demand is the reader's key, ``newstui fulltext ID...`` and ``newstui show ID --full``
(through ``newstui.core.fulltext``). For a source with ``always_fulltext``, a refresh
queues its new articles (in the same transaction that stores them) and, once every feed
has landed, ``newstui.core.feeds.refresh`` fetches what is queued:
at most ``PER_REFRESH`` pages, ``PER_HOST`` at a time from one site, within ``BUDGET``
seconds. What is left stays queued for the next refresh, so the feeds never wait for pages.

Pages go through the same fetch layer, limits and extractor as bookmark full text
(``newstui.bookmarks.fulltext.page_text``). The text is stored beside the article (a
bookmark's in its bookmark, any other article's in ``fulltexts``), so it reads offline.
A page with less text than the feed gave is refused: the feed's text stays, and the
article's full-text status says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newstui.bookmarks.fulltext import page_text
from newstui.config import Config
from newstui.errors import NewstuiError
from newstui.models import Article
from newstui.store.library import Library

if TYPE_CHECKING:  # the HTTP stack loads on the first fetch, not on the reader's first paint
    import httpx

    from newstui.sources.fetch import FetchLimits

PER_REFRESH = 30  # queued articles fetched at most per refresh
PER_HOST = 2  # pages fetched at once from one site
CONCURRENCY = 4  # pages fetched at once in all
BUDGET = 60.0  # seconds a refresh gives the queue after its feeds are done


@dataclass
class FulltextResult:
    """One article after a full-text fetch: the article as stored now, whether this call
    fetched anything, and the problem when the page did not give a full text."""

    article: Article
    fetched: bool
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.article.fulltext)


async def fetch_article(
    lib: Library, art: Article, client: httpx.AsyncClient, limits: FetchLimits
) -> FulltextResult:
    """Fetch one article's page now and store what it gives (or why it gave nothing).

    A failed refetch of an article that has a full text already keeps that text."""
    if not art.link:
        return FulltextResult(art, False, "the article has no link to fetch its full text from")
    md, problem = await page_text(client, art, limits)
    store = lib.set_fulltext if art.bookmarked else lib.set_article_fulltext
    if problem is None:
        store(art.id, "ok", text=md, error=None, attempted=True)
    elif not art.fulltext:
        store(art.id, "failed", error=problem, attempted=True)
    return FulltextResult(lib.article(art.id), True, problem)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class _Fetcher:
    """Fetches many articles' pages politely: a per-site limit under a global one."""

    def __init__(self, lib: Library, limits: FetchLimits, client: httpx.AsyncClient) -> None:
        self.lib, self.limits, self.client = lib, limits, client
        self.gate = asyncio.Semaphore(CONCURRENCY)
        self.hosts: dict[str, asyncio.Semaphore] = {}

    async def one(self, art: Article) -> FulltextResult:
        host = self.hosts.setdefault(_host(art.link), asyncio.Semaphore(PER_HOST))
        async with host, self.gate:  # the site's turn first: a waiting page holds no global slot
            return await fetch_article(self.lib, art, self.client, self.limits)


async def fetch_articles_async(
    lib: Library, ids: Sequence[int], config: Config, *, force: bool = False
) -> list[FulltextResult]:
    """Full text for the articles ``ids`` (NotFound for an unknown one, before any fetch).
    Those that have a full text already are left alone unless ``force``."""
    from newstui.sources.fetch import FetchLimits, make_client

    arts = [lib.article(i) for i in ids]
    limits = FetchLimits.from_config(config)
    todo = [a for a in arts if force or not a.fulltext]
    results = {a.id: FulltextResult(a, False) for a in arts}
    if todo:
        async with make_client(limits, max_connections=CONCURRENCY) as client:
            fetcher = _Fetcher(lib, limits, client)
            for res in await asyncio.gather(*(fetcher.one(a) for a in todo)):
                results[res.article.id] = res
    return [results[a.id] for a in arts]


def fetch_articles(
    lib: Library, ids: Sequence[int], config: Config, *, force: bool = False
) -> list[FulltextResult]:
    """Blocking form of ``fetch_articles_async`` (the CLI; the TUI runs it in a thread)."""
    return asyncio.run(fetch_articles_async(lib, ids, config, force=force))


async def complete_queue_async(
    lib: Library, config: Config, *, cap: int | None = None, budget: float | None = None
) -> int:
    """Fetch queued articles' full texts: the oldest ``cap`` (``PER_REFRESH``) at most,
    within ``budget`` (``BUDGET``) seconds; the rest stay queued. Returns how many got
    their full text."""
    from newstui.sources.fetch import FetchLimits, make_client

    queue = lib.article_fulltext_queue(PER_REFRESH if cap is None else cap)
    if not queue:
        return 0
    limits = FetchLimits.from_config(config)
    async with make_client(limits, max_connections=CONCURRENCY) as client:
        fetcher = _Fetcher(lib, limits, client)

        async def one(aid: int) -> bool:
            try:
                return (await fetcher.one(lib.article(aid))).ok
            except NewstuiError:  # the article went meanwhile
                return False

        tasks = [asyncio.create_task(one(aid)) for aid, _ in queue]
        done, late = await asyncio.wait(tasks, timeout=BUDGET if budget is None else budget)
        for task in late:  # still queued: the next refresh takes them
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    return sum(1 for t in done if not t.cancelled() and t.exception() is None and t.result())
