"""Feed discovery for ``add``: a feed URL as is, or the feeds a web page announces.

A page's ``<link rel="alternate">`` of RSS, Atom or JSON Feed type (resolved against the
page URL, or its ``<base href>``) comes first; failing that, the usual paths on the site.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

from newstui.errors import NewstuiError
from newstui.sources.fetch import FetchLimits, FetchResult, fetch, is_http, make_client

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "application/x-rss+xml",
        "application/x-atom+xml",
        "text/xml",
        "application/xml",
    }
)
COMMON_PATHS = ("/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json")
_XML_FEED = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.I)


class DiscoveryError(NewstuiError):
    """No feed at or announced by a URL; the message names what was tried."""


@dataclass
class Discovery:
    url: str  # the page (or feed) asked about
    feeds: list[str] = field(default_factory=list)  # the first is the best guess
    tried: list[str] = field(default_factory=list)  # "URL (why not)" for each miss
    # The feed document when ``url`` itself was a feed, to spare a second fetch.
    first: FetchResult | None = None


def looks_like_feed(body: bytes) -> bool:
    """A cheap sniff: an RSS/Atom/RDF root element, or a JSON Feed version."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return b"jsonfeed.org/version" in body[:4096]
    if _XML_FEED.search(body[:4096]) is None:
        return False
    return not re.match(rb"(<\?xml[^>]*>\s*)?(<!DOCTYPE\s+html|<html)", head, re.I)


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"].strip()
        elif tag == "link" and a.get("href"):
            rels = a.get("rel", "").lower().split()
            kind = a.get("type", "").lower().split(";")[0].strip()
            if "alternate" in rels and kind in FEED_TYPES:
                self.links.append(a["href"].strip())


def announced_feeds(html: bytes | str, page_url: str) -> list[str]:
    """The feeds a page announces, absolute, http(s) only, in page order, no duplicates."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    finder = _LinkFinder()
    try:
        finder.feed(text[:2_000_000])
        finder.close()
    except Exception:  # HTMLParser is lenient; anything it still chokes on ends the scan
        pass
    base = urljoin(page_url, finder.base) if finder.base else page_url
    out: list[str] = []
    for href in finder.links:
        url = urljoin(base, href)
        if is_http(url) and url not in out:
            out.append(url)
    return out


async def discover_async(client: httpx.AsyncClient, url: str, limits: FetchLimits) -> Discovery:
    """Find the feeds at ``url``. Raises DiscoveryError naming what was tried when none."""
    found = Discovery(url)
    page = await fetch(client, url, limits)
    if not page.ok:
        raise DiscoveryError(f"cannot fetch {url}: {page.error}")
    where = page.permanent_url or url
    if looks_like_feed(page.body):
        found.feeds.append(where)
        found.first = page
        return found
    found.tried.append(f"{url} (not a feed)")
    announced = announced_feeds(page.body, page.url)
    if announced:
        found.feeds.extend(announced)
        return found
    found.tried.append(f'{url} (announces no feed with <link rel="alternate">)')
    parts = urlsplit(page.url)
    origin = f"{parts.scheme}://{parts.netloc}"
    candidates = [origin + p for p in COMMON_PATHS]
    results = await asyncio.gather(*(fetch(client, c, limits) for c in candidates))
    for cand, res in zip(candidates, results, strict=True):
        if res.ok and looks_like_feed(res.body):
            found.feeds.append(res.permanent_url or cand)
            if found.first is None:
                found.first = res
        else:
            found.tried.append(f"{cand} ({res.error or 'not a feed'})")
    if not found.feeds:
        raise DiscoveryError(f"no feed found for {url}; tried: " + "; ".join(found.tried))
    return found


def discover(url: str, limits: FetchLimits) -> Discovery:
    """``discover_async`` in a fresh event loop."""

    async def run() -> Discovery:
        async with make_client(limits, max_connections=16) as client:
            return await discover_async(client, url, limits)

    return asyncio.run(run())
