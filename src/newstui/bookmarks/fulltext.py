"""Full text for bookmarks whose feed gave only a summary.

The linked page is fetched with the feeds' HTTP layer (same timeouts, size cap and redirect
rules) and its main text is extracted with trafilatura, then converted to Markdown by the
same safe converter every other HTML goes through (``render.html_to_markdown``), so links
are http(s) only and no markup survives. The result is stored beside the original summary.

The states a bookmark's full text goes through, and when one is needed, are the pure rules
in ``newstui.fulltext_status`` (re-exported here).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

__all__ = [
    "MAX_ATTEMPTS",
    "complete_pending",
    "complete_pending_async",
    "extract_markdown",
    "fetch_fulltext",
    "needs_fulltext",
    "status_line",
    "stored_text_length",
]

from newstui.errors import NewstuiError
from newstui.fulltext_status import MAX_ATTEMPTS, needs_fulltext, status_line, stored_text_length
from newstui.models import Article

if TYPE_CHECKING:
    import httpx

    from newstui.config import Config
    from newstui.sources.fetch import FetchLimits
    from newstui.store.library import Library

CONCURRENCY = 4
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
# trafilatura's HTML output wraps a <pre> in a second <pre>; one is enough for Markdown.
_NESTED_PRE_OPEN = re.compile(r"<pre>\s*<pre>", re.I)
_NESTED_PRE_CLOSE = re.compile(r"</pre>\s*</pre>", re.I)


def extract_markdown(page: bytes | str, url: str = "", title: str = "") -> str:
    """The main text of an HTML page as Markdown ("" when none is found).

    trafilatura runs first without its fallback extractors: they rescue pages it cannot
    read but, on short articles, pull the cookie banner and sidebars in with the text. Only
    when that finds nothing does the full run with fallbacks get a turn.
    """
    import trafilatura

    from newstui.render import html_to_markdown

    def run(*, fast: bool) -> str | None:
        return trafilatura.extract(
            page,
            fast=fast,
            url=url or None,
            output_format="html",
            include_comments=False,
            include_tables=True,
            include_links=True,
            include_images=True,
            with_metadata=False,
        )

    extracted = run(fast=True)
    if not extracted:
        extracted = run(fast=False)
    if not extracted:
        return ""
    extracted = _NESTED_PRE_CLOSE.sub("</pre>", _NESTED_PRE_OPEN.sub("<pre>", extracted))
    md = html_to_markdown(extracted, url)
    return _drop_title_heading(md, title)


def extractor_problem() -> str | None:
    """Why full-text extraction cannot run in this install (one line), or None when it can.

    trafilatura and what it imports (jusText, lxml's ``html.clean``) are an optional part:
    a broken install must not look like a broken page."""
    try:
        import trafilatura  # noqa: F401
    except Exception as exc:  # ImportError, or whatever a half-installed package raises
        detail = " ".join(str(exc).split()) or type(exc).__name__
        return f"full-text extraction (trafilatura) is not available: {detail[:300]}"
    return None


def _drop_title_heading(md: str, title: str) -> str:
    """The view prints the title already; a first heading repeating it is left out."""
    first, _, rest = md.partition("\n")
    heading = first.lstrip("#").strip().replace("\\", "")
    if first.startswith("#") and title and heading.casefold() == title.strip().casefold():
        return rest.strip()
    return md


def _decode(body: bytes, headers: dict[str, str]) -> bytes | str:
    """Text when the server named its charset; else the bytes, for trafilatura to sniff."""
    m = _CHARSET.search(headers.get("content-type", ""))
    if m:
        try:
            return body.decode(m.group(1), errors="replace")
        except LookupError:
            pass
    return body


def _page_problem(body: bytes, headers: dict[str, str]) -> str | None:
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and ctype not in _HTML_TYPES:
        return f"the link is not a web page ({ctype[:80]})"
    if not body.strip():
        return "the page was empty"
    return None


def _limits(config: Config) -> FetchLimits:
    from newstui.sources.fetch import FetchLimits

    return FetchLimits.from_config(config)


async def page_text(client: httpx.AsyncClient, art: Article, limits: FetchLimits) -> tuple[str, str | None]:
    """Fetch an article's linked page and extract its text: (Markdown, None), or ("", the
    problem in one line). Less text than the feed gave is a problem too: the feed's text
    is never replaced by less. Any article's full text goes through here."""
    from newstui.sources.fetch import fetch

    result = await fetch(client, art.link, limits)
    problem = result.error if not result.ok else _page_problem(result.body, result.headers)
    md = ""
    if problem is None:
        try:
            md = await asyncio.to_thread(
                extract_markdown, _decode(result.body, result.headers), result.url, art.title
            )
        except ImportError:  # the install, not the page: say which part is missing
            problem = extractor_problem() or "full-text extraction (trafilatura) is not available"
        except Exception as exc:  # a broken page must not take the other fetches down
            problem = f"cannot read the page: {type(exc).__name__}"
        else:
            if not md.strip():
                problem = "no article text found on the page"
            elif len(md) < stored_text_length(art):
                problem = "the page has less text than the feed's summary (paywall or consent page?)"
    return ("", problem) if problem else (md, None)


async def _fetch_one(
    lib: Library, article_id: int, client: httpx.AsyncClient, limits: FetchLimits
) -> Article:
    art = lib.article(article_id)
    if not art.bookmarked:
        raise NewstuiError(f"article {article_id} is not bookmarked")
    if not art.link:
        lib.set_fulltext(article_id, "none")
        return lib.article(article_id)
    md, problem = await page_text(client, art, limits)
    if problem is None:
        lib.set_fulltext(article_id, "ok", text=md, error=None, attempted=True)
    else:
        lib.set_fulltext(article_id, "failed", error=problem, attempted=True)
    return lib.article(article_id)


def fetch_fulltext(lib: Library, article_id: int, config: Config, *, force: bool = False) -> Article:
    """Fetch one bookmark's full text now (the CLI's foreground fetch).

    Network and extraction failures are recorded on the bookmark ('failed' with the reason),
    never raised. Without ``force`` a bookmark that needs no full text is left alone.
    """
    art = lib.article(article_id)
    if not art.bookmarked:
        raise NewstuiError(f"article {art.id} is not bookmarked")
    if not force and art.fulltext_status == "none" and not needs_fulltext(art):
        return art
    limits = _limits(config)

    async def run() -> Article:
        from newstui.sources.fetch import make_client

        async with make_client(limits, max_connections=2) as client:
            return await _fetch_one(lib, art.id, client, limits)

    return asyncio.run(run())


async def complete_pending_async(lib: Library, config: Config) -> int:
    """Fetch the full text of every queued bookmark (and retry failed ones). Returns how
    many now have it. For callers already inside an event loop (the refresh)."""
    ids = lib.fulltext_queue(MAX_ATTEMPTS)
    if not ids:
        return 0
    limits = _limits(config)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(aid: int, c: httpx.AsyncClient) -> bool:
        async with gate:
            try:
                return (await _fetch_one(lib, aid, c, limits)).fulltext_status == "ok"
            except NewstuiError:  # unbookmarked meanwhile
                return False

    from newstui.sources.fetch import make_client

    async with make_client(limits, max_connections=CONCURRENCY) as client:
        results = await asyncio.gather(*(one(aid, client) for aid in ids))
    return sum(results)


def complete_pending(lib: Library, config: Config) -> int:
    """Blocking form of ``complete_pending_async`` (the TUI runs it in a thread worker)."""
    if not lib.fulltext_queue(MAX_ATTEMPTS):
        return 0  # nothing queued: no event loop, no client
    return asyncio.run(complete_pending_async(lib, config))
