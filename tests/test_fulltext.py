"""Full text for bookmarks: extraction from our own article pages, served on loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newstui import render
from newstui.bookmarks.fulltext import (
    MAX_ATTEMPTS,
    complete_pending,
    extract_markdown,
    fetch_fulltext,
    needs_fulltext,
    status_line,
)
from newstui.config import Config
from newstui.models import ArticleIn
from newstui.store.library import Library

PAGES = Path(__file__).parent / "fixtures" / "pages"

# For each page: passages of the article that must be found, and boilerplate (cookie
# banners, navigation, sidebars, ads, newsletter boxes, comments, footers) that must not.
MAIN = {
    "wero-news.html": [
        "Ein Jahr nach dem Start im Onlinehandel",
        "vierzig Millionen registrierte",
        "Gebühren sind nicht das einzige Argument",
        "Trotzdem zögern viele kleinere Shops",
        "sofortige Gutschrift",
        "Keramik aus Freiburg",
        "Werkzeug, um sich im Freundeskreis",
    ],
    "rust-blog.html": [
        "For three years our log shipper",
        "The garbage collector was not the villain",
        "What changed",
        "ring buffer and hands out borrowed",
        "batch.push(line)",
        "factor of four",
        "What it cost",
        "rotates files at random",
        "far easier to hire for",
    ],
    "heat-longform.html": [
        "it called people",
        "phone tree was the cheapest",
        "Shade where people wait",
        "two hundred trees",
        "Trees at stops",
        "Twenty-five new drinking fountains",
        "Nobody should have to buy a coffee",
        "Open school yards",
        "cooling rooms in the town hall",
        "Other cities are watching",
    ],
    "router-short.html": [
        "kritische Lücke in der Weboberfläche",
        "Betroffen sind drei Modellreihen",
    ],
}
BOILERPLATE = {
    "wero-news.html": [
        "Wir verwenden Cookies",
        "Jetzt abonnieren",
        "Anzeige:",
        "Wirtschafts-Newsletter",
        "kassenwart77",
        "Banking-App ziemlich umständlich",
        "Lieblingsshop",
        "Bahnstreik",
        "PayPal senkt",
        "Alle Rechte vorbehalten",
        "Impressum",
        "Teilen auf X",
    ],
    "rust-blog.html": [
        "strong coffee",
        "February 2026",
        "Share this post",
        "Profiling async Rust",
        "boring technology",
        "sync.Pool",
        "io_uring",
        "Six weeks for two engineers seems",
        "Powered by",
    ],
    "heat-longform.html": [
        "Skip to content",
        "Support independent journalism",
        "Climate Weekly",
        "Council approves",
        "dumplings",
        "Your privacy choices",
        "personalised advertising",
        "Independent local news",
        "Terms of use",
    ],
    "router-short.html": [
        "Diese Website nutzt Cookies",
        "Eilmeldung",
        "Top-Deals",
        "Mesh-System",
        "freie Firmware",
        "Techticker Media",
    ],
}


class PageServer:
    """Our pages on 127.0.0.1, plus a few routes that misbehave on purpose."""

    def __init__(self) -> None:
        self.flaky_ok = False  # /flaky answers 500 until this is set
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                if path == "/flaky" and not server.flaky_ok:
                    return self._send(500, b"oops", "text/plain")
                if path == "/flaky":
                    path = "/heat-longform.html"
                if path == "/paper.pdf":
                    return self._send(200, b"%PDF-1.7 ...", "application/pdf")
                if path == "/nav-only.html":
                    return self._send(200, b"<html><body><nav>Home</nav></body></html>")
                if path == "/blank.html":
                    return self._send(200, b"<html><body><div></div></body></html>")
                page = PAGES / path.lstrip("/")
                if path.count("/") != 1 or not page.is_file():
                    return self._send(404, b"not found", "text/plain")
                self._send(200, page.read_bytes())

            def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + "/" + path.lstrip("/")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[PageServer]:
    s = PageServer()
    yield s
    s.close()


def closed_port_url(path: str = "article.html") -> str:
    """A loopback URL nobody listens on: every fetch of it fails at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{path}"


def summary_article(
    lib: Library,
    link: str,
    title: str = "Wero im Onlinehandel",
    summary: str = "Händler warten ab: ein kurzer Anriss.",
) -> int:
    src, _ = lib.add_source("https://feeds.example.org/wirtschaft.rss", title="Wirtschaft")
    res = lib.upsert_articles(
        src.id,
        [
            ArticleIn(
                title=title,
                guid=link,
                link=link,
                summary=summary,
                content_type="text",
                published=1_772_000_000.0,
                categories=["Payment"],
                tags=["wero"],
            )
        ],
    )
    return res.new_ids[0] if res.new_ids else lib.article_ids(f'"{title}"')[0]


CFG = Config(connect_timeout=5, read_timeout=5, feed_deadline=10)


# ----------------------------------------------------------------- extraction
@pytest.mark.parametrize("page", sorted(MAIN))
def test_extraction_keeps_the_article_and_drops_the_boilerplate(page: str) -> None:
    md = extract_markdown((PAGES / page).read_bytes(), "https://news.example.org/a/1")
    missing = [s for s in MAIN[page] if s not in md]
    leaked = [s for s in BOILERPLATE[page] if s in md]
    assert not missing, f"main text not found: {missing}"
    assert not leaked, f"boilerplate kept: {leaked}"


def test_extraction_keeps_structure_as_markdown() -> None:
    md = extract_markdown((PAGES / "heat-longform.html").read_bytes(), "https://x.example/a")
    assert "## Shade where people wait" in md
    assert "| Trees at stops |" in md
    assert '> "Nobody should have to buy a coffee' in md
    blog = extract_markdown(
        (PAGES / "rust-blog.html").read_bytes(),
        "https://x.example/b",
        title="Why we rewrote our log shipper in Rust",
    )
    assert not blog.startswith("#"), "a heading repeating the title is dropped"
    assert "```\nlet line = reader.next_line()?;" in blog


def test_extraction_of_hostile_markup_keeps_no_html_or_unsafe_links() -> None:
    page = (
        "<html><body><article><h1>T</h1>"
        + "<p>Real text of the article, long enough to count as the main content. </p>" * 8
        + '<p><a href="javascript:alert(1)">click me</a> and <img src=x onerror="alert(2)">'
        "<script>alert(3)</script>\x1b[31m red</p></article></body></html>"
    )
    md = extract_markdown(page, "https://x.example/a")
    assert "Real text of the article" in md
    for bad in ("javascript:", "<script", "onerror", "alert(3)", "\x1b"):
        assert bad not in md


def test_short_summary_needs_full_text_but_a_whole_article_does_not(lib: Library) -> None:
    aid = summary_article(lib, "https://news.example.org/a/1")
    assert needs_fulltext(lib.article(aid))
    src, _ = lib.add_source("https://feeds.example.org/full.rss")
    full = lib.upsert_articles(
        src.id,
        [
            ArticleIn(
                title="Full",
                link="https://news.example.org/full",
                content="<p>" + "word " * 800 + "</p>",
                content_type="html",
                published=1_772_000_000.0,
            )
        ],
    ).new_ids[0]
    art = lib.bookmark(full)
    assert art.fulltext_status == "none" and not needs_fulltext(art)
    nolink = lib.upsert_articles(
        src.id, [ArticleIn(title="No link", guid="x", summary="s", published=1.0e9)]
    ).new_ids[0]
    assert not needs_fulltext(lib.article(nolink))


# ------------------------------------------------------------ fetch and store
def test_bookmark_fetches_the_page_and_stores_it_beside_the_summary(lib: Library, server: PageServer) -> None:
    aid = summary_article(lib, server.url("wero-news.html"))
    art = lib.bookmark(aid, note="für die Bahn")
    assert art.fulltext_status == "pending"
    assert "queued" in status_line(art)

    art = fetch_fulltext(lib, aid, CFG)
    assert art.fulltext_status == "ok"
    assert art.fulltext_attempts == 1 and art.fulltext_error is None
    assert "Trotzdem zögern viele kleinere Shops" in art.fulltext
    assert "Wir verwenden Cookies" not in art.fulltext
    assert art.summary == "Händler warten ab: ein kurzer Anriss."  # kept beside it
    shown = render.article_markdown(art)
    assert "Keramik aus Freiburg" in shown and "kassenwart77" not in shown
    assert "saved" in status_line(art)
    assert server.hits["/wero-news.html"] == 1
    # Done once: asking again does not fetch again.
    assert complete_pending(lib, CFG) == 0
    assert server.hits["/wero-news.html"] == 1


def test_failures_are_recorded_and_retried_until_they_work(lib: Library, server: PageServer) -> None:
    aid = summary_article(lib, server.url("flaky"))
    lib.bookmark(aid)
    art = fetch_fulltext(lib, aid, CFG)
    assert art.fulltext_status == "failed"
    assert art.fulltext_error == "HTTP 500 Internal Server Error"
    assert art.fulltext_attempts == 1
    assert "will retry" in status_line(art)
    assert art.bookmarked and "kurzer Anriss" in render.article_markdown(art)

    assert complete_pending(lib, CFG) == 0  # still failing: a second attempt, recorded
    assert lib.article(aid).fulltext_attempts == 2

    server.flaky_ok = True
    assert complete_pending(lib, CFG) == 1
    art = lib.article(aid)
    assert art.fulltext_status == "ok" and art.fulltext_error is None
    assert "Other cities are watching" in art.fulltext
    assert server.hits["/flaky"] == 3


def test_retries_stop_after_the_last_attempt(lib: Library) -> None:
    aid = summary_article(lib, closed_port_url())
    lib.bookmark(aid)
    for _ in range(MAX_ATTEMPTS):
        complete_pending(lib, CFG)
    art = lib.article(aid)
    assert art.fulltext_status == "failed" and art.fulltext_attempts == MAX_ATTEMPTS
    assert "gave up" in status_line(art)
    assert lib.fulltext_queue(MAX_ATTEMPTS) == []
    # An explicit fetch (the CLI's) still tries.
    assert fetch_fulltext(lib, aid, CFG).fulltext_attempts == MAX_ATTEMPTS + 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("paper.pdf", "not a web page (application/pdf)"),
        ("missing.html", "HTTP 404"),
        ("blank.html", "no article text found"),
        ("nav-only.html", "less text than the feed's summary"),
    ],
)
def test_pages_that_are_not_articles_fail_with_a_reason(
    lib: Library, server: PageServer, path: str, reason: str
) -> None:
    aid = summary_article(lib, server.url(path))
    lib.bookmark(aid)
    art = fetch_fulltext(lib, aid, CFG)
    assert art.fulltext_status == "failed"
    assert reason in (art.fulltext_error or "")
    assert art.fulltext is None


def test_offline_bookmark_is_queued_and_completed_on_the_next_refresh(
    lib: Library, server: PageServer
) -> None:
    # Offline: the bookmark is made without fetching; it stays pending.
    ids = [summary_article(lib, server.url(p), title=p) for p in ("rust-blog.html", "router-short.html")]
    for aid in ids:
        assert lib.bookmark(aid).fulltext_status == "pending"
    assert server.hits == {}
    assert lib.fulltext_queue(MAX_ATTEMPTS) == ids
    # Back online: the refresh (of no feeds at all) completes the queue.
    from newstui.core.feeds import refresh

    report = refresh(lib, CFG)
    assert report.fulltext == 2
    assert all(lib.article(a).fulltext_status == "ok" for a in ids)
    assert "factor of four" in (lib.article(ids[0]).fulltext or "")
    assert complete_pending(lib, CFG) == 0  # nothing left in the queue


def test_unbookmarked_articles_are_not_fetched(lib: Library, server: PageServer) -> None:
    aid = summary_article(lib, server.url("wero-news.html"))
    with pytest.raises(Exception, match="not bookmarked"):
        fetch_fulltext(lib, aid, CFG)
    lib.bookmark(aid)
    lib.unbookmark(aid)
    assert complete_pending(lib, CFG) == 0
    assert server.hits == {}


# ------------------------------------------------------------------ offline view
def test_bookmark_opens_in_full_with_every_fetch_failing(
    lib: Library, server: PageServer, cli, data_dir: Path
) -> None:
    # Full text fetched while online...
    aid = summary_article(lib, server.url("heat-longform.html"))
    lib.bookmark(aid, note="read on the train")
    assert fetch_fulltext(lib, aid, CFG).fulltext_status == "ok"
    server.close()
    # ...then offline: a new bookmark whose page cannot be reached, via the real CLI.
    other = summary_article(lib, closed_port_url(), title="Unreachable", summary="Nur der Anriss ist da.")
    done = cli("bookmark", str(other), "--note", "offline")
    assert done.returncode == 0, done.stderr
    assert "bookmarked" in done.stdout and "cannot connect" in done.stdout

    art = lib.article(aid)
    assert art.bookmarked and art.note == "read on the train"
    md = render.article_markdown(art)
    assert "Twenty-five new drinking fountains" in md and "Your privacy choices" not in md

    shown = cli("show", str(aid))
    assert shown.returncode == 0, shown.stderr
    assert "Twenty-five new drinking fountains" in shown.stdout
    assert "read on the train" in shown.stdout

    shown = cli("show", str(other), "--format", "markdown")
    assert shown.returncode == 0, shown.stderr
    assert "Nur der Anriss ist da." in shown.stdout
    failed = lib.article(other)
    assert failed.bookmarked and failed.fulltext_status == "failed"
    assert failed.fulltext_error and "cannot connect" in failed.fulltext_error


def test_cli_no_fetch_leaves_the_bookmark_pending(lib: Library, server: PageServer, cli) -> None:
    aid = summary_article(lib, server.url("wero-news.html"))
    done = cli("bookmark", str(aid), "--no-fetch")
    assert done.returncode == 0, done.stderr
    assert "queued" in done.stdout
    assert lib.article(aid).fulltext_status == "pending"
    assert server.hits == {}
    done = cli("bookmark", str(aid))  # bookmarking again fetches what is still missing
    assert done.returncode == 0, done.stderr
    assert lib.article(aid).fulltext_status == "ok"
