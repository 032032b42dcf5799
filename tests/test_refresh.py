"""The refresh engine and the feed commands, against real loopback servers."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from pathlib import Path

import pytest

from feedserver import FeedServer, server_fixture, wait_for  # noqa: F401
from newstui.config import Config
from newstui.models import ArticleIn
from newstui.sources.refresh import RefreshReport, refresh, refresh_async, retry_after
from newstui.store.library import Library
from newstui.store.retention import DAY, apply_retention

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
CFG = Config(connect_timeout=2, read_timeout=2, feed_deadline=3, retention_days=0)


def fixture(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def subscribe(lib: Library, server: FeedServer, name: str, **kw: object) -> int:
    url = server.feed(f"/{name}", fixture(name), **kw)  # type: ignore[arg-type]
    return lib.add_source(url)[0].id


def articles(lib: Library, sid: int) -> dict[str, object]:
    out = {}
    for row in lib.list_articles(None, limit=None):
        art = lib.article(row.id)
        if art.source_id == sid:
            out[art.title] = art
    return out


# ------------------------------------------------------------------- parsing


def test_fixture_feeds_fill_the_library(lib: Library, server: FeedServer) -> None:
    names = [
        "rss2.xml",
        "atom.xml",
        "rdf.rdf",
        "feed.json",
        "podcast.xml",
        "relative.xml",
        "entities.xml",
        "latin1.xml",
        "cp1251.xml",
    ]
    ids = {n: subscribe(lib, server, n) for n in names}
    report = refresh(lib, CFG)
    assert report.ok, [o.error for o in report.failed]
    assert report.parsed == len(names) and report.done == report.total == len(names)

    rss = articles(lib, ids["rss2.xml"])
    ferry = rss["Ferry timetable changes in spring"]
    assert ferry.author == "Mira Lindqvist"
    assert set(ferry.categories) == {"Transport", "Local"}
    assert "longer" in ferry.content and ferry.published == 1717395300.0
    undated = rss["Undated notice"]
    assert undated.link == "" and undated.date_estimated  # javascript: link dropped
    assert lib.source(ids["rss2.xml"]).title == "Harbour Gazette"

    atom = articles(lib, ids["atom.xml"])
    assert set(atom["Release notes: v2.0"].categories) == {"Releases", "rust"}
    assert atom["Release notes: v2.0"].author == "Ada Example"

    assert articles(lib, ids["rdf.rdf"])["Gletscher schmelzen schneller"].author == "Lena Huber"
    notes = articles(lib, ids["feed.json"])
    assert notes["Plain note"].link == server.url("/notes/2")
    assert {t.name for t in notes["Summer meetup"].tags} == {"events", "meetup"}

    episode = articles(lib, ids["podcast.xml"])["Episode 12: Pagers"]
    assert episode.enclosures == [
        {"url": "https://cdn.talk.example/ep12.mp3", "type": "audio/mpeg", "length": 31415926}
    ]
    rel = articles(lib, ids["relative.xml"])
    assert rel["Relative article"].link == server.url("/posts/relative-article")
    assert rel["Sibling article"].link == server.url("/sibling.html")

    cafe = articles(lib, ids["entities.xml"])
    assert "Fish & Chips – “the best” in town" in cafe
    assert "mushy peas" in cafe["Fish & Chips – “the best” in town"].content
    assert lib.source(ids["entities.xml"]).title == "Café & Bar News"
    assert "Straßenbahn fährt wieder über die Brücke" in articles(lib, ids["latin1.xml"])
    assert "Привет, мир" in articles(lib, ids["cp1251.xml"])


def test_refresh_twice_second_is_conditional_and_parses_nothing(lib: Library, server: FeedServer) -> None:
    for name in ("rss2.xml", "atom.xml", "feed.json"):
        subscribe(lib, server, name)
    first = refresh(lib, CFG)
    assert first.new == 7 and first.parsed == 3
    before = lib.stats()
    second = refresh(lib, CFG)
    assert second.ok and second.parsed == 0 and second.new == 0 and second.updated == 0
    assert second.unchanged == 3
    assert lib.stats() == before
    for name in ("/rss2.xml", "/atom.xml", "/feed.json"):
        last = server.requests(name)[-1]
        assert "if-none-match" in last.headers and "if-modified-since" in last.headers
    assert all(s.last_success and s.failures == 0 for s in lib.sources())


def test_all_not_modified_opens_no_process_pool(
    lib: Library, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe(lib, server, "rss2.xml")
    refresh(lib, CFG)

    def no_pool(*a: object, **k: object) -> None:
        raise AssertionError("a process pool was opened with nothing to parse")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    report = refresh(lib, CFG)
    assert report.ok and report.unchanged == 1


def test_same_body_without_validators_is_not_parsed(lib: Library, server: FeedServer) -> None:
    subscribe(lib, server, "atom.xml", validators=False)
    assert refresh(lib, CFG).parsed == 1
    again = refresh(lib, CFG)
    assert again.parsed == 0 and again.unchanged == 1 and again.new == 0


def test_changed_feed_keeps_read_state_bookmarks_and_tags(lib: Library, server: FeedServer) -> None:
    body = fixture("rss2.xml")
    url = server.feed("/f", body)
    sid = lib.add_source(url)[0].id
    refresh(lib, CFG)
    ferry = articles(lib, sid)["Ferry timetable changes in spring"]
    lib.set_read(ferry.id)
    lib.bookmark(ferry.id)
    lib.tag(ferry.id, add=["later"])
    changed = body.replace(b"The <b>longer</b> full text", b"The <b>corrected</b> full text")
    changed = changed.replace(b"<title>Fish market reopens", b"<title>Harbour festival")
    changed = changed.replace(b"<guid>https://gazette.example/2024/fish-market", b"<guid>fest")
    server.feed("/f", changed)
    report = refresh(lib, CFG)
    assert report.updated == 1 and report.new == 1
    art = lib.article(ferry.id)
    assert "corrected" in art.content
    assert art.read and art.bookmarked and "later" in art.tag_names
    assert "Fish market reopens" in articles(lib, sid)  # vanished entries stay


# ------------------------------------------------------------------- faults


def test_every_fault_is_recorded_and_the_others_go_on(lib: Library, server: FeedServer) -> None:
    good = subscribe(lib, server, "rss2.xml")
    ids = {
        "404": lib.add_source(server.status("/404", 404))[0].id,
        "500": lib.add_source(server.status("/500", 500))[0].id,
        "malformed": lib.add_source(server.feed("/bad", b"<rss><channel><title>x</ti"))[0].id,
        "html": lib.add_source(
            server.feed("/html", b"<html><body>hi</body></html>", content_type="text/html")
        )[0].id,
        "slow": lib.add_source(server.trickle("/slow", interval=0.2))[0].id,
        "bomb": lib.add_source(server.gzip_bomb("/bomb", 32 * 1024 * 1024))[0].id,
        "refused": lib.add_source("http://127.0.0.1:9/feed")[0].id,
        "entities": lib.add_source(
            server.feed("/dtd", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>')
        )[0].id,
    }
    cfg = Config(
        connect_timeout=2, read_timeout=2, feed_deadline=1.0, max_body_bytes=4 * 1024 * 1024, retention_days=0
    )
    report = refresh(lib, cfg)
    assert not report.ok and report.errors == len(ids) and report.parsed == 1
    assert lib.source(good).last_error is None and lib.source(good).total == 3
    for name, sid in ids.items():
        src = lib.source(sid)
        assert src.last_error and src.failures == 1 and src.last_error_at, name
    assert lib.source(ids["404"]).last_error.startswith("HTTP 404")
    assert "within 1 s" in lib.source(ids["slow"]).last_error
    assert "larger than 4 MiB" in lib.source(ids["bomb"]).last_error
    assert "entit" in lib.source(ids["entities"]).last_error
    # Consecutive failures count up; a success resets them.
    refresh(lib, cfg, [str(ids["404"])])
    assert lib.source(ids["404"]).failures == 2
    server.feed("/404", fixture("atom.xml"))
    assert refresh(lib, cfg, [str(ids["404"])]).ok
    src = lib.source(ids["404"])
    assert src.failures == 0 and src.last_error is None and src.total == 2


def test_malformed_feed_with_entries_is_kept_with_its_problem(lib: Library, server: FeedServer) -> None:
    body = fixture("rss2.xml").replace(b"</channel>", b"<broken></channel>")
    sid = lib.add_source(server.feed("/bozo", body))[0].id
    report = refresh(lib, CFG)
    assert report.ok and report.new == 3
    src = lib.source(sid)
    assert src.last_error and "malformed" in src.last_error and src.failures == 0


def test_gone_feed_is_marked_and_skipped_until_asked(lib: Library, server: FeedServer) -> None:
    sid = lib.add_source(server.status("/gone", 410))[0].id
    refresh(lib, CFG)
    assert lib.source(sid).gone
    report = refresh(lib, CFG)
    assert report.skipped == 1 and report.errors == 0 and len(server.requests("/gone")) == 1
    refresh(lib, CFG, [str(sid)])  # asked by name: fetched again
    assert len(server.requests("/gone")) == 2


def test_retry_after_makes_that_feed_wait(lib: Library, server: FeedServer) -> None:
    busy = lib.add_source(server.status("/busy", 429, {"Retry-After": "3600"}))[0].id
    other = subscribe(lib, server, "atom.xml")
    before = time.time()
    refresh(lib, CFG)
    src = lib.source(busy)
    assert src.retry_after and before + 3500 < src.retry_after < time.time() + 3700
    assert lib.source(other).total == 2
    report = refresh(lib, CFG)
    assert report.skipped == 1 and len(server.requests("/busy")) == 1
    assert len(server.requests("/atom.xml")) == 2
    refresh(lib, CFG, force=True)
    assert len(server.requests("/busy")) == 2


def test_retry_after_forms() -> None:
    assert retry_after("120", 1000.0) == 1120.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412400.0) == 1445412480.0
    assert retry_after("soon", 0.0) is None and retry_after(None, 0.0) is None
    assert retry_after("99999999", 0.0) == 7 * DAY


def test_permanent_redirect_moves_the_subscription(lib: Library, server: FeedServer) -> None:
    final = server.feed("/new.xml", fixture("atom.xml"))
    moved = lib.add_source(server.redirect("/old.xml", 301, "/new.xml"))[0].id
    temp = lib.add_source(server.redirect("/tmp.xml", 302, final + "?t"))[0].id
    server.routes["/new.xml?t"] = server.routes["/new.xml"]
    report = refresh(lib, CFG)
    assert report.ok, [o.error for o in report.failed]
    assert lib.source(moved).url == final
    assert lib.source(temp).url == server.url("/tmp.xml")


def test_redirect_to_a_file_url_is_refused(lib: Library, server: FeedServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(fixture("rss2.xml"))
    sid = lib.add_source(server.redirect("/evil", 302, secret.as_uri()))[0].id
    refresh(lib, CFG)
    src = lib.source(sid)
    assert src.total == 0 and "non-http(s)" in (src.last_error or "")


def test_parse_timeout_abandons_the_document(lib: Library, server: FeedServer) -> None:
    sid = subscribe(lib, server, "rss2.xml")
    report = asyncio.run(refresh_async(lib, CFG, parse_timeout=0.001))
    assert report.errors == 1
    assert "parsing took longer" in (lib.source(sid).last_error or "")


# ------------------------------------------------------------- local feeds


def test_local_feed_files_by_path_and_file_url(lib: Library, tmp_path: Path) -> None:
    a = tmp_path / "a.atom"
    a.write_bytes(fixture("atom.xml"))
    b = tmp_path / "b feed.xml"
    b.write_bytes(fixture("podcast.xml"))
    sa = lib.add_source(str(a))[0].id
    sb = lib.add_source(b.as_uri())[0].id
    missing = lib.add_source(str(tmp_path / "missing.xml"))[0].id
    report = refresh(lib, CFG)
    assert report.new == 4 and report.errors == 1
    assert lib.source(sa).total == 2 and lib.source(sb).total == 2
    assert "no such file" in (lib.source(missing).last_error or "")
    assert refresh(lib, CFG, [str(sa)]).unchanged == 1


# ------------------------------------------------------------- concurrency


def test_per_host_limit_holds_while_other_hosts_go_on(lib: Library) -> None:
    hosts = ["127.0.1.1", "127.0.1.2", "127.0.1.3"]
    body = fixture("atom.xml")
    with FeedServer(hosts) as srv:
        released = threading.Event()

        def hold_busy_host() -> None:
            # Requests to the busy host wait until the other hosts have been served:
            # proof that its queue does not hold the others up.
            released.wait(10)

        for i in range(8):
            srv.feed(f"/busy{i}", body, before=hold_busy_host)
            lib.add_source(srv.url(f"/busy{i}", hosts[0]))
        for host in hosts[1:]:
            for i in range(3):
                srv.feed(f"/f{host[-1]}{i}", body)
                lib.add_source(srv.url(f"/f{host[-1]}{i}", host))

        def release_when_others_done() -> None:
            others = sum(1 for r in srv.log if r.host != hosts[0])
            if wait_for(lambda: sum(1 for r in srv.log if r.host != hosts[0]) >= 6):
                released.set()
            del others

        watcher = threading.Thread(target=release_when_others_done)
        watcher.start()
        cfg = Config(
            per_host=2,
            max_in_flight=64,
            connect_timeout=2,
            read_timeout=12,
            feed_deadline=15,
            retention_days=0,
        )
        report = refresh(lib, cfg)
        watcher.join()
        assert released.is_set()
        assert report.ok and report.done == 14
        assert srv.max_in_flight(hosts[0]) == 2
        assert all(srv.max_in_flight(h) <= 2 for h in hosts)


def test_progress_callback_counts_up(lib: Library, server: FeedServer) -> None:
    for name in ("rss2.xml", "atom.xml"):
        subscribe(lib, server, name)
    lib.add_source(server.status("/err", 500))
    seen: list[tuple[int, int, int, int]] = []

    def progress(r: RefreshReport) -> None:
        seen.append((r.done, r.total, r.new, r.errors))

    report = refresh(lib, CFG, on_progress=progress)
    assert seen[0] == (0, 3, 0, 0)
    assert seen[-1] == (3, 3, 5, 1)
    assert [d for d, *_ in seen] == [0, 1, 2, 3]
    assert "2 feeds" not in report.summary() and "1 failed" in report.summary()


def held_feeds(lib: Library, server: FeedServer, count: int, release: threading.Event) -> None:
    """``count`` feeds whose server holds each request until ``release`` (10 s at most)."""
    for i in range(count):
        url = server.feed(f"/held{i}.xml", fixture("atom.xml"), before=lambda: release.wait(10))
        lib.add_source(url)


def test_a_failing_progress_callback_stops_every_feed_with_it(lib: Library, server: FeedServer) -> None:
    """The progress callback raises (a face that has gone): the refresh raises it, and
    the feeds still on their way are cancelled and waited for rather than left running
    in the loop behind it."""
    first = subscribe(lib, server, "rss2.xml")
    release = threading.Event()
    held_feeds(lib, server, 4, release)

    def progress(r: RefreshReport) -> None:
        if r.done:
            raise RuntimeError("the face is gone")

    async def run() -> list[asyncio.Task[object]]:
        with pytest.raises(RuntimeError, match="face is gone"):
            await refresh_async(lib, CFG, on_progress=progress)
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    try:
        left = asyncio.run(run())
    finally:
        release.set()
    assert left == []
    rows = lib.list_articles(None, limit=None)
    assert all(lib.article(r.id).source_id == first for r in rows)  # no held feed landed
    assert len(rows) in (0, 3)  # the finished feed whole, or nothing


def test_a_stopped_refresh_ends_at_once_and_the_next_one_completes(lib: Library, server: FeedServer) -> None:
    from newstui.core.feeds import RefreshStopped, Stopper
    from newstui.core.feeds import refresh as core_refresh

    first = subscribe(lib, server, "rss2.xml")
    release = threading.Event()
    held_feeds(lib, server, 4, release)
    stopper = Stopper()
    landed = threading.Event()
    outcome: list[BaseException] = []

    def progress(r: RefreshReport) -> None:
        if r.done:
            landed.set()

    def run() -> None:
        with Library(lib.path) as own:
            try:
                core_refresh(own, CFG, on_progress=progress, stopper=stopper)
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert landed.wait(30)
        stopper.stop()
        worker.join(30)  # the held feeds would keep it for 10 s: the stop ends it first
        stopped_while_held = not release.is_set()
    finally:
        release.set()
        worker.join(30)
    assert stopped_while_held and not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], RefreshStopped)
    assert len(articles(lib, first)) == lib.stats()["articles"] == 3  # the one feed, whole
    held = [s for s in lib.sources() if "/held" in s.url]
    assert all(s.etag is None for s in held)  # not marked as fetched: the next refresh goes
    report = core_refresh(lib, CFG)
    assert report.ok and report.parsed == 4 and report.new == 4 * 2  # the held feeds, now

    already = Stopper()
    already.stop()
    with pytest.raises(RefreshStopped):
        core_refresh(lib, CFG, stopper=already)  # stopped before it started: nothing runs


def test_ctrl_c_stops_the_refresh_command_cleanly(data_dir: Path, server: FeedServer) -> None:
    """Ctrl+C on ``newstui refresh`` while feeds do not answer: one line, the usual exit
    status for it, and a library with whole feeds only."""
    import os
    import signal
    import subprocess

    from conftest import newstui_command

    with Library(data_dir / "library.db") as lib:
        subscribe(lib, server, "rss2.xml")
        release = threading.Event()
        held_feeds(lib, server, 3, release)
    env = {**os.environ, "NO_COLOR": "1"}
    cmd = [*newstui_command(), "--data-dir", str(data_dir), "refresh", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert wait_for(lambda: all(server.requests(f"/held{i}.xml") for i in range(3)), 30)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)  # the held feeds would keep it 10 s more
        held_still = not release.is_set()
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert held_still
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.strip().splitlines() == ["newstui: interrupted"]
    with Library(data_dir / "library.db") as lib:
        assert lib.stats()["articles"] in (0, 3)  # the quick feed whole, or not at all
        assert lib._read("PRAGMA integrity_check") == [("ok",)]


# --------------------------------------------------------------- retention


def test_retention_keeps_bookmarked_tagged_and_recent(lib: Library, tmp_path: Path) -> None:
    feed = lib.add_source("http://127.0.0.1:9/feed")[0].id
    folder = lib.add_source(str(tmp_path), kind="folder")[0].id
    old = time.time() - 200 * DAY
    items = [ArticleIn(title=t, guid=t, published=old) for t in ("plain", "marked", "tagged")]
    items.append(ArticleIn(title="recent", guid="recent", published=time.time()))
    lib.upsert_articles(feed, items)
    lib.upsert_articles(folder, [ArticleIn(title="local", guid="local", published=old)])
    lib.conn.execute("UPDATE articles SET first_seen = ? WHERE title != 'recent'", (old,))
    by_title = {lib.article(r.id).title: r.id for r in lib.list_articles(None, limit=None)}
    lib.bookmark(by_title["marked"])
    lib.tag(by_title["tagged"], add=["keep"])
    assert apply_retention(lib, 0) == 0
    assert apply_retention(lib, 90) == 1
    left = {lib.article(r.id).title for r in lib.list_articles(None, limit=None)}
    assert left == {"marked", "tagged", "recent", "local"}
    assert lib.list_articles("plain", limit=None) == []


def _retention_steps(tmp_path: Path, kept: int) -> int:
    """SQLite's virtual machine steps (counted by a progress handler, so not a timing) of
    one retention pass over a library of ``kept`` feed articles that are old by date but
    were first seen today, and one that goes."""
    with Library(tmp_path / f"r{kept}.db") as lib:
        feed = lib.add_source("http://127.0.0.1:9/feed")[0].id
        old = time.time() - 400 * DAY
        items = [ArticleIn(title=f"t{i}", guid=f"g{i}", published=old) for i in range(kept + 1)]
        lib.upsert_articles(feed, items)
        lib.conn.execute("UPDATE articles SET first_seen = ? WHERE title = 't0'", (old,))
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        lib.conn.set_progress_handler(count, 100)
        assert apply_retention(lib, 90) == 1  # only the one first seen long ago goes
        lib.conn.set_progress_handler(None, 0)
        assert len(lib.list_articles(None, limit=None)) == kept
        return steps[0]


def test_retention_does_not_walk_what_was_first_seen_lately(tmp_path: Path) -> None:
    """A feed's archive, just subscribed or imported, is old by date but first seen today:
    retention keeps it, and its pass does not grow with it (it used to walk every such
    article on every refresh: seconds at a million)."""
    few, many = _retention_steps(tmp_path, 100), _retention_steps(tmp_path, 3000)
    assert many < 2 * few, (few, many)


def test_retention_does_not_bring_old_entries_back(lib: Library, server: FeedServer) -> None:
    sid = subscribe(lib, server, "rss2.xml")
    cfg = Config(connect_timeout=2, read_timeout=2, feed_deadline=3, retention_days=30)
    first = refresh(lib, cfg)  # first fetch: everything, kept for 30 days by first_seen
    assert first.new == 3
    lib.conn.execute("UPDATE articles SET first_seen = first_seen - 90 * 86400")
    server.feed("/rss2.xml", fixture("rss2.xml").replace(b"Short summary", b"Changed"))
    second = refresh(lib, cfg)
    assert second.deleted == 2 and second.new == 0
    assert set(articles(lib, sid)) == {"Undated notice"}


# --------------------------------------------------------------------- CLI


def write_config(data_dir: Path) -> None:
    (data_dir / "config.toml").write_text(
        "[feeds]\nconnect_timeout = 2\nread_timeout = 2\nfeed_deadline = 2\n"
    )


def test_cli_add_discovers_and_lists_the_others(cli, data_dir: Path, server: FeedServer) -> None:
    write_config(data_dir)
    server.feed("/a.xml", fixture("rss2.xml"))
    server.feed("/b.atom", fixture("atom.xml"))
    html = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/a.xml">'
        b'<link rel="alternate" type="application/atom+xml" href="/b.atom"></head></html>'
    )
    page = server.feed("/", html, content_type="text/html")
    r = cli("add", page, "--category", "News")
    assert r.returncode == 0, r.stderr
    assert "added: 1 Harbour Gazette (3 articles)" in r.stdout
    assert f"also found: {server.url('/b.atom')}" in r.stdout
    again = cli("add", server.url("/a.xml"))
    assert again.returncode == 0 and "already subscribed" in again.stdout
    listing = cli("sources", "--format", "json").stdout
    assert '"category": "News"' in listing and listing.count('"id"') == 1


def test_cli_add_errors(cli, data_dir: Path, server: FeedServer) -> None:
    write_config(data_dir)
    page = server.feed("/", b"<html><head></head></html>", content_type="text/html")
    r = cli("add", page)
    assert r.returncode == 1 and "no feed found" in r.stderr and "/rss.xml" in r.stderr
    r = cli("add", "example.com")
    assert r.returncode == 1 and "https://example.com" in r.stderr
    r = cli("add", "ftp://example.com/feed")
    assert r.returncode == 1 and "not a feed URL" in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_add_local_file(cli, data_dir: Path, tmp_path: Path) -> None:
    feed = tmp_path / "cast.xml"
    feed.write_bytes(fixture("podcast.xml"))
    r = cli("add", str(feed))
    assert r.returncode == 0 and "Terminal Talk (2 articles)" in r.stdout


def test_cli_refresh_exit_status_and_summary(cli, data_dir: Path, server: FeedServer) -> None:
    write_config(data_dir)
    cli("add", server.feed("/a.xml", fixture("rss2.xml")))
    r = cli("refresh")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "refreshed 1 feed, 0 new, 0 updated, 1 unchanged, 0 failed"
    lib = Library(data_dir / "library.db")
    lib.add_source(server.status("/broken", 500))
    lib.close()
    r = cli("refresh", "--quiet")
    assert r.returncode == 3
    assert len(r.stdout.strip().splitlines()) == 1 and "1 failed" in r.stdout
    r = cli("refresh", "1")  # only the good one
    assert r.returncode == 0 and "refreshed 1 feed" in r.stdout
    r = cli("refresh", "nonesuch")
    assert r.returncode == 1 and "no source" in r.stderr
    shown = cli("sources").stdout
    assert "FAIL" in shown and "HTTP 500" in shown


def test_cli_remove_keeps_bookmarks(cli, data_dir: Path, server: FeedServer) -> None:
    write_config(data_dir)
    cli("add", server.feed("/a.xml", fixture("rss2.xml")))
    lib = Library(data_dir / "library.db")
    first = lib.list_articles(None, limit=1)[0].id
    lib.bookmark(first)
    lib.close()
    r = cli("remove", "Harbour Gazette")
    assert r.returncode == 0 and "removed: 1 Harbour Gazette" in r.stdout
    lib = Library(data_dir / "library.db")
    assert lib.stats()["sources"] == 0 and lib.stats()["articles"] == 1
    lib.close()


def test_refresh_works_where_stderr_has_no_file_descriptor(tmp_path: Path) -> None:
    """Inside the Textual app stderr is a capture object (fileno -1): the parser pool must
    still start (multiprocessing's resource tracker is handed stderr's descriptor)."""
    import subprocess
    import sys

    from no_fd_stderr import without_stderr_fd

    feed = tmp_path / "local.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
        "<item><title>One</title><guid>1</guid></item></channel></rss>"
    )
    script = without_stderr_fd(f"""
            from newstui.config import Config
            from newstui.sources.refresh import refresh
            from newstui.store.library import Library
            lib = Library({str(tmp_path / "library.db")!r})
            lib.add_source({str(feed)!r})
            report = refresh(lib, Config())
            print(report.new, [o.error for o in report.failed])
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert out.stdout.split("\n")[0] == "1 []", out.stdout + out.stderr


def test_jobs_under_a_pool_another_feed_killed_are_parsed_again() -> None:
    """One feed's parse timeout shuts the pool down with other feeds' jobs waiting in it:
    those are parsed again on a new pool, never surfacing as a cancelled refresh."""
    from newstui.sources.refresh import _ParsePool

    items = "".join(f"<item><title>Item {i}</title><guid>g{i}</guid></item>" for i in range(3000))
    big = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'

    async def run() -> list[object]:
        # One worker busy with a big document; more jobs handed over than its call queue
        # holds, so some are still waiting (cancellable) when the pool is shut down.
        parser = _ParsePool(1, 120.0, slots=6)
        try:
            bodies = [big.encode()] + [fixture("rss2.xml")] * 5
            jobs = [
                asyncio.create_task(parser.parse(b, f"https://e.example/{i}")) for i, b in enumerate(bodies)
            ]
            while True:
                pool = parser._pool
                if pool is not None and len(getattr(pool, "_pending_work_items", {})) == len(jobs):
                    break
                await asyncio.sleep(0.01)
            parser._kill(pool)
            return list(await asyncio.gather(*jobs, return_exceptions=True))
        finally:
            parser.close()

    results = asyncio.run(run())
    assert all(not isinstance(r, BaseException | str) for r in results), results
    assert [len(r.rows or []) for r in results][0] == 3000  # type: ignore[union-attr]
