"""Feed discovery against a real loopback server."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedserver import FeedServer, server_fixture  # noqa: F401
from newstui.sources.discover import DiscoveryError, announced_feeds, discover, looks_like_feed
from newstui.sources.fetch import FetchLimits

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
LIMITS = FetchLimits(connect_timeout=2, read_timeout=2, deadline=5)


def page(head: str) -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>hello</body></html>".encode()


def test_announced_feeds_are_resolved_against_the_page() -> None:
    html = page(
        '<link rel="stylesheet" href="/s.css">'
        '<link rel="alternate" type="application/rss+xml" href="/feed.rss" title="RSS">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml">'
        '<link rel="alternate" type="application/feed+json" href="//cdn.example/f.json">'
        '<link rel="alternate" type="text/html" href="/other-language">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        '<link rel="alternate" type="application/rss+xml" href="/feed.rss">'
    )
    assert announced_feeds(html, "https://site.example/blog/post") == [
        "https://site.example/feed.rss",
        "https://site.example/blog/atom.xml",
        "https://cdn.example/f.json",
    ]


def test_base_href_is_honoured() -> None:
    html = page(
        '<base href="https://other.example/x/"><link rel="alternate" type="application/atom+xml" href="feed">'
    )
    assert announced_feeds(html, "https://site.example/") == ["https://other.example/x/feed"]


def test_sniffing() -> None:
    for name in ("rss2.xml", "atom.xml", "rdf.rdf", "feed.json"):
        assert looks_like_feed((FEEDS / name).read_bytes()), name
    assert not looks_like_feed(page(""))
    assert not looks_like_feed(b'{"not": "a feed"}')


def test_feed_url_is_taken_as_is(server: FeedServer) -> None:
    url = server.feed("/feed.xml", (FEEDS / "rss2.xml").read_bytes())
    found = discover(url, LIMITS)
    assert found.feeds == [url] and found.first is not None and found.first.ok


def test_page_with_several_feeds(server: FeedServer) -> None:
    server.feed("/a.xml", (FEEDS / "rss2.xml").read_bytes())
    html = page(
        '<link rel="alternate" type="application/rss+xml" href="/a.xml">'
        '<link rel="alternate" type="application/atom+xml" href="/b.atom">'
    )
    url = server.feed("/", html, content_type="text/html")
    found = discover(url, LIMITS)
    assert found.feeds == [server.url("/a.xml"), server.url("/b.atom")]


def test_common_paths_are_tried_when_nothing_is_announced(server: FeedServer) -> None:
    url = server.feed("/blog/", page("<title>no feeds</title>"), content_type="text/html")
    server.feed("/atom.xml", (FEEDS / "atom.xml").read_bytes())
    found = discover(url, LIMITS)
    assert found.feeds == [server.url("/atom.xml")]
    assert {r.path for r in server.log} >= {"/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json"}


def test_no_feed_names_what_was_tried(server: FeedServer) -> None:
    url = server.feed("/", page(""), content_type="text/html")
    with pytest.raises(DiscoveryError) as err:
        discover(url, LIMITS)
    msg = str(err.value)
    for path in ("/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json"):
        assert server.url(path) in msg
    assert "HTTP 404" in msg and "announces no feed" in msg


def test_unreachable_page_is_a_clear_error(server: FeedServer) -> None:
    with pytest.raises(DiscoveryError, match="cannot fetch .*HTTP 500"):
        discover(server.status("/down", 500), LIMITS)
