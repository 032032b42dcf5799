"""The HTTP layer against a real loopback server: no mocked transport."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from feedserver import FeedServer, server_fixture  # noqa: F401
from newstui import USER_AGENT
from newstui.sources.fetch import FetchLimits, fetch, fetch_sync, make_client

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RSS = (FEEDS / "rss2.xml").read_bytes()
LIMITS = FetchLimits(connect_timeout=2, read_timeout=2, deadline=5, max_bytes=1024 * 1024)


async def get(url: str, limits: FetchLimits = LIMITS, **kw: str):
    async with make_client(limits) as client:
        return await fetch(client, url, limits, **kw)


async def test_plain_fetch_sends_user_agent_and_returns_body(server: FeedServer) -> None:
    url = server.feed("/rss", RSS)
    res = await get(url)
    assert res.ok and res.status == 200 and res.error is None
    assert res.body == RSS
    assert res.url == url and res.permanent_url is None
    assert res.headers["content-type"] == "application/rss+xml"
    assert "etag" in res.headers and "last-modified" in res.headers
    req = server.requests("/rss")[0]
    assert req.headers["user-agent"] == USER_AGENT
    assert "gzip" in req.headers["accept-encoding"]


async def test_conditional_get_etag_and_last_modified(server: FeedServer) -> None:
    url = server.feed("/rss", RSS)
    first = await get(url)
    by_etag = await get(url, etag=first.headers["etag"])
    assert by_etag.not_modified and by_etag.status == 304 and by_etag.body == b""
    assert by_etag.error is None
    by_date = await get(url, last_modified=first.headers["last-modified"])
    assert by_date.not_modified
    stale = await get(url, etag='"other"')
    assert stale.status == 200 and stale.body == RSS
    assert server.requests("/rss")[1].headers["if-none-match"] == first.headers["etag"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "gzip, gzip"])
async def test_content_encodings_are_decoded(server: FeedServer, encoding: str) -> None:
    url = server.feed("/enc", RSS, encoding=encoding)
    res = await get(url)
    assert res.ok, res.error
    assert res.body == RSS


async def test_gzip_bomb_is_refused_after_decompression(server: FeedServer) -> None:
    url = server.gzip_bomb("/bomb", 64 * 1024 * 1024)
    res = await get(url)
    assert not res.ok and res.body == b""
    assert "larger than 1 MiB" in (res.error or "")


async def test_stacked_encodings_beyond_two_are_refused(server: FeedServer) -> None:
    url = server.gzip_bomb("/stack", 1024 * 1024, layers=3)
    res = await get(url)
    assert not res.ok and "stacked content encodings" in (res.error or "")


@pytest.mark.parametrize("chunked", [False, True])
async def test_oversized_body_is_refused(server: FeedServer, chunked: bool) -> None:
    url = server.oversized("/big", 3 * 1024 * 1024, chunked=chunked)
    res = await get(url)
    assert not res.ok and "larger than" in (res.error or "")


async def test_body_exactly_at_the_cap_is_kept(server: FeedServer) -> None:
    limits = FetchLimits(max_bytes=len(RSS))
    res = await get(server.feed("/rss", RSS, encoding="gzip"), limits)
    assert res.ok and res.body == RSS


async def test_trickling_server_hits_the_overall_deadline(server: FeedServer) -> None:
    limits = FetchLimits(connect_timeout=2, read_timeout=5, deadline=0.8)
    res = await get(server.trickle("/slow", interval=0.1), limits)
    assert not res.ok and res.status == 200
    assert "no complete response within 0.8 s" in (res.error or "")


async def test_permanent_redirects_report_the_new_url(server: FeedServer) -> None:
    final = server.feed("/new", RSS)
    mid = server.redirect("/mid", 308, final)
    start = server.redirect("/old", 301, "/mid")  # relative Location
    res = await get(start)
    assert res.ok and res.url == final and res.permanent_url == final
    assert mid != final


async def test_temporary_redirect_keeps_the_url(server: FeedServer) -> None:
    final = server.feed("/new", RSS)
    res = await get(server.redirect("/tmp", 302, final))
    assert res.ok and res.url == final and res.permanent_url is None
    # A permanent hop after a temporary one does not move the subscription either.
    server.redirect("/moved", 301, final)
    res = await get(server.redirect("/tmp2", 307, "/moved"))
    assert res.ok and res.permanent_url is None
    # A temporary hop after a permanent one: the permanent part still counts.
    server.redirect("/tmp3", 302, final)
    res = await get(server.redirect("/perm", 301, "/tmp3"))
    assert res.permanent_url == server.url("/tmp3")


async def test_redirect_loop_and_too_many_redirects(server: FeedServer) -> None:
    server.redirect("/a", 302, "/b")
    server.redirect("/b", 302, "/a")
    res = await get(server.url("/a"))
    assert not res.ok and "redirect loop" in (res.error or "")
    for i in range(7):
        server.redirect(f"/r{i}", 302, f"/r{i + 1}")
    server.feed("/r7", RSS)
    res = await get(server.url("/r0"))
    assert not res.ok and "more than 5 redirects" in (res.error or "")


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.invalid/x", "data:,x"])
async def test_redirect_to_another_scheme_is_refused(server: FeedServer, target: str) -> None:
    res = await get(server.redirect("/evil", 302, target))
    assert not res.ok and res.body == b""
    assert "non-http(s)" in (res.error or "") or "invalid URL" in (res.error or "")


@pytest.mark.parametrize("code", [404, 410, 429, 500, 503])
async def test_http_errors_are_results_not_exceptions(server: FeedServer, code: int) -> None:
    res = await get(server.status("/err", code, {"Retry-After": "120"}))
    assert not res.ok and res.status == code
    assert (res.error or "").startswith(f"HTTP {code}")
    assert res.headers.get("retry-after") == "120"


async def test_connection_refused_is_an_error_result() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = await get(f"http://127.0.0.1:{port}/feed")
    assert res.status is None and not res.ok and res.error


@pytest.mark.parametrize("url", ["file:///etc/passwd", "/etc/passwd", "javascript:x", ""])
async def test_only_http_urls_are_fetched(url: str) -> None:
    res = await get(url)
    assert not res.ok and "not an http(s) URL" in (res.error or "")


def test_fetch_sync(server: FeedServer) -> None:
    res = fetch_sync(server.feed("/rss", RSS), LIMITS)
    assert res.ok and res.body == RSS


def test_limits_from_config() -> None:
    from newstui.config import Config

    cfg = Config(connect_timeout=1, read_timeout=2, feed_deadline=3, max_body_bytes=4)
    assert FetchLimits.from_config(cfg) == FetchLimits(1, 2, 3, 4, 5)


def test_errors_quoting_the_server_are_cleaned() -> None:
    """A reason phrase or Location header with terminal escapes never reaches an error text."""
    import socket
    import threading

    from newstui.sources.fetch import FetchLimits, fetch_sync

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 500 Oops \x1b[2J\x1b]0;pwned\x07 boom\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        res = fetch_sync(f"http://127.0.0.1:{port}/feed", FetchLimits(deadline=5))
    finally:
        listener.close()
    assert res.error and "Oops" in res.error and "boom" in res.error  # the server was quoted...
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in res.error)  # ...cleaned
