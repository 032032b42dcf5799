"""Full text for any article: on demand (CLI, `show --full`, the reader's key) and for
sources set to always fetch it, against article pages served on loopback."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from feedserver import FeedServer, server_fixture, wait_for  # noqa: F401
from newstui import render
from newstui.bookmarks import articletext
from newstui.config import Config
from newstui.core.feeds import refresh
from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.widgets.article_view import ArticleView
from test_tui_support import make_app, settle

pytest_plugins = ["test_tui_support"]

PAGES = Path(__file__).parent / "fixtures" / "pages"
CFG = Config(connect_timeout=5, read_timeout=5, feed_deadline=10, retention_days=0)
LONG = "heat-longform.html"  # its text has "Shade where people wait"
SHORT = "router-short.html"  # a short news item: "Betroffen sind drei Modellreihen"


def serve_page(server: FeedServer, name: str, path: str | None = None, host: str | None = None) -> str:
    server.feed(path or f"/{name}", (PAGES / name).read_bytes(), content_type="text/html; charset=utf-8")
    return server.url(path or f"/{name}", host)


def add_article(lib: Library, link: str, summary: str = "A short teaser.", title: str = "Story") -> int:
    src, _ = lib.add_source("https://feeds.example.org/news.rss", title="News")
    res = lib.upsert_articles(
        src.id, [ArticleIn(title=title, guid=link, link=link, summary=summary, published=1.7e9)]
    )
    return res.new_ids[0]


def feed_xml(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>Teaser of {t}.</description></item>"
        for t, link in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Pages</title>{entries}</channel></rss>'
    ).encode()


# ------------------------------------------------------------------- library


def test_full_text_for_an_article_that_is_not_bookmarked(lib: Library, server: FeedServer) -> None:
    aid = add_article(lib, serve_page(server, LONG))
    (res,) = articletext.fetch_articles(lib, [aid], CFG)
    assert res.ok and res.fetched and res.problem is None
    art = lib.article(aid)
    assert not art.bookmarked and art.fulltext_status == "ok"
    assert "Shade where people wait" in render.article_body(art)
    assert art.summary == "A short teaser."  # kept beside it
    assert "full text saved" in render.article_text(art)
    # Saved: asking again fetches nothing.
    hits = len(server.requests(f"/{LONG}"))
    (again,) = articletext.fetch_articles(lib, [aid], CFG)
    assert again.ok and not again.fetched and len(server.requests(f"/{LONG}")) == hits
    # Bookmarking it later needs no second fetch: the text is there.
    assert lib.bookmark(aid).fulltext_status == "ok"


def test_less_text_than_the_summary_keeps_the_summary_and_says_so(lib: Library, server: FeedServer) -> None:
    summary = "A long summary from the feed. " * 120
    aid = add_article(lib, serve_page(server, SHORT), summary=summary)
    (res,) = articletext.fetch_articles(lib, [aid], CFG)
    assert not res.ok and "less text than the feed's summary" in (res.problem or "")
    art = lib.article(aid)
    assert art.fulltext is None and art.fulltext_status == "failed"
    assert "A long summary from the feed." in render.article_body(art)
    assert "showing the feed's text" in render.article_text(art)


def test_a_failed_refetch_keeps_the_saved_text(lib: Library, server: FeedServer) -> None:
    url = serve_page(server, LONG, "/moving.html")
    aid = add_article(lib, url)
    assert articletext.fetch_articles(lib, [aid], CFG)[0].ok
    server.status("/moving.html", 404)
    (res,) = articletext.fetch_articles(lib, [aid], CFG, force=True)
    assert res.problem and "404" in res.problem
    art = lib.article(aid)
    assert art.fulltext_status == "ok" and "Shade where people wait" in (art.fulltext or "")


# ---------------------------------------------------------------- per feed


def test_always_full_text_source_gets_its_new_articles_after_the_feeds(
    lib: Library, server: FeedServer
) -> None:
    pages = [serve_page(server, LONG, f"/a{i}.html") for i in range(3)]
    full = lib.add_source(server.feed("/full.xml", feed_xml([(f"A{i}", u) for i, u in enumerate(pages)])))[0]
    plain_pages = [serve_page(server, LONG, f"/b{i}.html") for i in range(2)]
    plain = lib.add_source(
        server.feed("/plain.xml", feed_xml([(f"B{i}", u) for i, u in enumerate(plain_pages)]))
    )[0]
    lib.set_source_settings(full.id, {"always_fulltext": True, "ignore_rule": "A2"})

    report = refresh(lib, CFG)
    assert report.ok and report.new == 4 and report.article_fulltext == 2
    assert "2 full texts" in report.summary()
    for row in lib.list_articles(f"source:{full.id}", limit=None):
        assert lib.article(row.id).fulltext_status == "ok"
    for row in lib.list_articles(f"source:{plain.id}", limit=None):
        assert lib.article(row.id).fulltext is None
    paths = [r.path for r in server.log]
    assert not any(p.startswith("/b") for p in paths)  # only the source that asks for it
    assert "/a2.html" not in paths  # an ignored article is never fetched
    # Every feed was fetched before the first page: pages never hold a feed up.
    first_page = min(i for i, p in enumerate(paths) if p.startswith("/a"))
    assert max(i for i, p in enumerate(paths) if p.endswith(".xml")) < first_page


def test_queue_is_capped_per_refresh_and_polite_per_host(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(articletext, "PER_REFRESH", 5)
    with FeedServer(hosts=("127.0.0.1", "127.0.0.2")) as server:
        release = threading.Event()

        def slow_page(h) -> None:  # noqa: ANN001 - holds the page until the test has seen the overlap
            release.wait(10)
            h.reply(200, (PAGES / LONG).read_bytes(), {"Content-Type": "text/html; charset=utf-8"})

        items = []
        for i in range(8):
            host = "127.0.0.1" if i % 2 else "127.0.0.2"
            server.route(f"/p{i}.html", slow_page)
            items.append((f"P{i}", server.url(f"/p{i}.html", host)))
        src = lib.add_source(server.feed("/f.xml", feed_xml(items)))[0]
        lib.set_source_settings(src.id, {"always_fulltext": True})

        def let_go() -> None:
            # Four pages at once in all (two per host), then let them finish.
            wait_for(lambda: server.stats.max_total >= articletext.CONCURRENCY, timeout=10)
            release.set()

        threading.Thread(target=let_go, daemon=True).start()
        report = refresh(lib, CFG)
        assert report.article_fulltext == 5
        assert server.max_in_flight("127.0.0.1") == articletext.PER_HOST
        assert server.max_in_flight("127.0.0.2") == articletext.PER_HOST
        assert len(lib.article_fulltext_queue()) == 3  # the rest wait for the next refresh
        second = refresh(lib, CFG)  # the feed is unchanged; the queue goes on
        assert second.unchanged == 1 and second.article_fulltext == 3
        assert lib.article_fulltext_queue() == []


# ---------------------------------------------------------------------- CLI


def test_cli_fulltext_and_show_full(cli, data_dir: Path, server: FeedServer) -> None:
    with Library(data_dir / "library.db") as lib:
        long_id = add_article(lib, serve_page(server, LONG), title="Heat")
        short_id = add_article(lib, serve_page(server, SHORT), summary="Teaser. " * 400, title="Router")
        show_id = add_article(lib, serve_page(server, LONG, "/other.html"), title="Other")

    r = cli("fulltext", str(long_id), str(short_id))
    assert r.returncode == 3, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{long_id}: full text saved (") and lines[0].endswith(": Heat")
    assert lines[1].startswith(f"{short_id}: not fetched, the feed's text stays (the page has less text")

    r = cli("show", str(show_id), "--full", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert "Shade where people wait" in json.loads(r.stdout)["body_markdown"]
    server.stop()  # offline from here on: what was fetched is read from the library
    for aid in (long_id, show_id):
        r = cli("show", str(aid), "--full")
        assert r.returncode == 0 and "Shade where people wait" in r.stdout, r.stderr
    r = cli("show", str(short_id))
    assert "showing the feed's text" in r.stdout and "Teaser." in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [(["fulltext", "999"], "newstui: no article 999"), (["fulltext", "1", "x"], "newstui: no article 'x'")],
)
def test_cli_fulltext_errors(cli, data_dir: Path, args: list[str], message: str) -> None:
    with Library(data_dir / "library.db") as lib:
        add_article(lib, "http://127.0.0.1:9/never.html")
    r = cli(*args)
    assert r.returncode == 1 and r.stderr.startswith(message), r.stderr
    assert len(r.stderr.splitlines()) == 1


# ---------------------------------------------------------------------- TUI


async def test_reader_key_fetches_the_full_text(tmp_path: Path, server: FeedServer) -> None:
    paths = Paths.resolve(tmp_path / "data")
    with Library(paths.library) as lib:
        aid = add_article(lib, serve_page(server, LONG), title="Heat")
    app = make_app(paths)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert any(b.key == "F" and b.show for b in screen.BINDINGS if hasattr(b, "key"))
        await pilot.press("enter")  # open the article
        await settle(pilot)
        view = screen.query_one(ArticleView)
        assert view.article is not None and view.article.id == aid
        await pilot.press("F")
        await app.workers.wait_for_complete()
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert view.article is not None and view.article.fulltext_status == "ok"
        assert "Shade where people wait" in (view.article.fulltext or "")
        status = str(screen.query_one("#article-status").render())
        assert "full text saved" in status
    with Library(paths.library) as lib:
        assert lib.article(aid).fulltext_status == "ok"
