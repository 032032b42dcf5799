"""A refresh split between its own event loop and a fetch process, against real loopback
servers on several addresses: the same outcomes as in-process, and nothing lost when the
fetch process dies, cannot start or is cancelled with the refresh."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from feedserver import FeedServer, server_fixture, wait_for  # noqa: F401
from newstui.config import Config
from newstui.sources import fetchpool, workers
from newstui.sources.refresh import RefreshReport, refresh, refresh_async
from newstui.store.library import Library
from no_fd_stderr import without_stderr_fd

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
CFG = Config(connect_timeout=2, read_timeout=5, feed_deadline=8, retention_days=0)
HOSTS = ["127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4"]
NAMES = ["rss2.xml", "atom.xml", "feed.json", "rdf.rdf", "podcast.xml"]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[fetchpool.FetchProcess]:
    """Force the split on for any refresh (one feed on one host is enough) and keep every
    fetch process a refresh starts, to look at afterwards."""
    monkeypatch.setattr(fetchpool, "MIN_FEEDS", 1)
    monkeypatch.setattr(fetchpool, "MIN_HOSTS", 1)
    monkeypatch.setattr(fetchpool, "MIN_CORES", 1)
    seen: list[fetchpool.FetchProcess] = []
    start = fetchpool.FetchProcess.start

    def keep(self: fetchpool.FetchProcess) -> None:
        seen.append(self)
        start(self)

    monkeypatch.setattr(fetchpool.FetchProcess, "start", keep)
    return seen


def serve_fixtures(srv: FeedServer) -> list[str]:
    """Each fixture feed on each address; their URLs."""
    urls = []
    for host in HOSTS:
        for name in NAMES:
            srv.feed(f"/{name}", (FEEDS / name).read_bytes())
            urls.append(srv.url(f"/{name}", host))
    return urls


def serve_all(srv: FeedServer, lib: Library) -> None:
    """Each fixture feed on each address, and on two of them a permanent redirect, a
    server error and a 429 with Retry-After; all subscribed in ``lib``."""
    for url in serve_fixtures(srv):
        lib.add_source(url)
    srv.feed("/moved-here.xml", (FEEDS / "atom.xml").read_bytes())
    srv.redirect("/old.xml", 301, "/moved-here.xml")  # on the same host
    srv.status("/broken.xml", 500)
    srv.status("/busy.xml", 429, {"Retry-After": "120"})
    for host in HOSTS[2:]:
        for path in ("/old.xml", "/broken.xml", "/busy.xml"):
            lib.add_source(srv.url(path, host))


def state(lib: Library) -> dict[str, object]:
    """What a refresh leaves behind, keyed so that two libraries can be compared."""
    srcs = {s.id: s for s in lib.sources()}
    port_free = {
        sid: s.url.split("//", 1)[1].split(":", 1)[0] + s.url.rsplit("/", 1)[1] for sid, s in srcs.items()
    }
    titles: dict[str, list[str]] = {}
    for row in lib.list_articles(None, limit=None):
        art = lib.article(row.id)
        titles.setdefault(port_free[art.source_id], []).append(art.title)
    return {
        "titles": {k: sorted(v) for k, v in titles.items()},
        "errors": {
            port_free[s.id]: (s.last_error, s.failures, s.retry_after is not None) for s in srcs.values()
        },
        "moved": sorted(s.url.rsplit("/", 1)[1] for s in srcs.values()),
    }


def summary(report: RefreshReport) -> tuple[int, ...]:
    return (report.total, report.done, report.new, report.parsed, report.unchanged, report.errors)


def test_split_refresh_gives_what_an_in_process_one_gives(
    tmp_path: Path, started: list[fetchpool.FetchProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FeedServer(HOSTS) as srv:
        split_lib = Library(tmp_path / "split.db")
        serve_all(srv, split_lib)
        first = refresh(split_lib, CFG)
        assert len(started) == 1 and started[0].answered > 0, "the fetch process fetched nothing"
        assert started[0].process is not None and started[0].process.exitcode is not None  # it ended
        second = refresh(split_lib, CFG)
        assert len(started) == 2 and started[1].answered > 0

        monkeypatch.setattr(fetchpool, "MIN_FEEDS", 10**9)  # the same, all in-process
        plain_lib = Library(tmp_path / "plain.db")
        serve_all(srv, plain_lib)
        plain_first = refresh(plain_lib, CFG)
        plain_second = refresh(plain_lib, CFG)
        assert len(started) == 2  # none started for these

    feeds = len(HOSTS) * len(NAMES)
    assert summary(first) == summary(plain_first)
    assert first.parsed == feeds + 2 and first.errors == 4 and first.new > 0  # 2 moved feeds
    assert summary(second) == summary(plain_second)
    assert second.new == 0 and second.parsed == 0 and second.unchanged == feeds + 2  # all 304
    split_state = state(split_lib)
    assert split_state == state(plain_lib)
    assert split_state["moved"].count("moved-here.xml") == 2  # the 301 moved both subscriptions
    errors = split_state["errors"]
    assert errors["127.0.1.3broken.xml"][:2] == ("HTTP 500 Internal Server Error", 2)
    assert errors["127.0.1.4busy.xml"][2]  # Retry-After recorded
    assert not errors["127.0.1.4broken.xml"][2]
    for host in HOSTS:  # the second refresh was conditional everywhere
        for name in NAMES:
            last = [r for r in srv.log if r.host == host and r.path == f"/{name}"][-1]
            assert "if-none-match" in last.headers
    split_lib.close()
    plain_lib.close()


def _lose_fetch_process(
    lib: Library, started: list[fetchpool.FetchProcess], sig: signal.Signals, per_host: int, cfg: Config
) -> RefreshReport:
    """Refresh ``per_host`` feeds on each host; the first requests to arrive wait until the
    fetch process is up, then send it ``sig`` while it has requests out (that request's
    answer never reaches it)."""
    sent = threading.Event()
    with FeedServer(HOSTS) as srv:

        def signal_it_once() -> None:
            if not sent.is_set() and wait_for(lambda: bool(started) and started[0].pid is not None):
                if not sent.is_set():
                    sent.set()
                    os.kill(started[0].pid or 0, sig)

        for host in HOSTS:
            for i in range(per_host):
                srv.feed(f"/f{i}.xml", (FEEDS / NAMES[i]).read_bytes(), before=signal_it_once)
                lib.add_source(srv.url(f"/f{i}.xml", host))
        report = refresh(lib, cfg)
    assert sent.is_set() and started[0].lost
    # Killed by the signal, or (stopped) by the refresh that gave up on it.
    assert started[0].process is not None and started[0].process.exitcode == -signal.SIGKILL
    assert report.ok, [o.error for o in report.failed]
    return report


def test_a_fetch_process_killed_mid_refresh_loses_no_feed(
    lib: Library, started: list[fetchpool.FetchProcess]
) -> None:
    report = _lose_fetch_process(lib, started, signal.SIGKILL, 4, CFG)
    assert report.done == report.total == report.parsed == 16
    assert {s.failures for s in lib.sources()} == {0}


def test_a_fetch_process_that_stops_answering_is_given_up(
    lib: Library, started: list[fetchpool.FetchProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frozen, not dead: its socket stays open and nothing comes back."""
    monkeypatch.setattr(fetchpool, "ANSWER_GRACE", 0.5)
    cfg = Config(connect_timeout=1, read_timeout=1, feed_deadline=1.5, retention_days=0)
    report = _lose_fetch_process(lib, started, signal.SIGSTOP, 3, cfg)
    assert report.done == report.total == report.parsed == 12


def test_a_fetch_process_that_cannot_start_changes_nothing(
    lib: Library, server: FeedServer, started: list[fetchpool.FetchProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_processes() -> object:
        raise OSError("no processes here")

    monkeypatch.setattr(workers, "fetch_context", no_processes)
    for name in NAMES:
        lib.add_source(server.feed(f"/{name}", (FEEDS / name).read_bytes()))
    report = refresh(lib, CFG)
    assert len(started) == 1 and started[0].lost and started[0].answered == 0
    assert report.ok and report.parsed == len(NAMES) and report.new > 0


def test_a_cancelled_refresh_stops_its_fetch_process(
    lib: Library, started: list[fetchpool.FetchProcess]
) -> None:
    release = threading.Event()
    with FeedServer(HOSTS) as srv:
        for host in HOSTS:
            for name in NAMES[:2]:
                srv.feed(f"/{name}", (FEEDS / name).read_bytes(), before=lambda: release.wait(10))
                lib.add_source(srv.url(f"/{name}", host))

        async def run() -> None:
            task = asyncio.create_task(refresh_async(lib, CFG))
            # Cancelled once every request is waiting in the server, some of them sent
            # by the fetch process.
            while len(srv.log) < 8 or not started or started[0].pid is None:
                await asyncio.sleep(0.02)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(run())
        release.set()
    process = started[0].process
    assert process is not None and process.exitcode is not None  # ended, not orphaned
    assert started[0].answered == 0


def test_small_refreshes_stay_in_process(
    lib: Library, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[object] = []
    start = fetchpool.FetchProcess.start
    monkeypatch.setattr(fetchpool.FetchProcess, "start", lambda self: made.append(self) or start(self))
    for name in NAMES:
        lib.add_source(server.feed(f"/{name}", (FEEDS / name).read_bytes()))
    assert refresh(lib, CFG).parsed == len(NAMES)
    assert made == []

    many_hosts = [f"http://127.0.2.{i % 8}:80/{i}" for i in range(40)]
    monkeypatch.setattr(fetchpool, "cores", lambda: 2)
    assert fetchpool.processes_for(many_hosts[:31]) == 0  # too few feeds
    assert fetchpool.processes_for([f"http://127.0.3.1/{i}" for i in range(40)]) == 0  # 1 host
    assert fetchpool.processes_for(many_hosts) == 1
    monkeypatch.setattr(fetchpool, "cores", lambda: 1)
    assert fetchpool.processes_for(many_hosts) == 0  # one core: nothing to gain


def _split_refresh(db: Path, urls: list[str]) -> str:
    """Script lines (12 spaces deep, as the callers' blocks) that open a library at ``db``
    with ``urls`` and make any refresh split, keeping each fetch process in ``seen``."""
    return f"""
            from newstui.config import Config
            from newstui.sources import fetchpool
            from newstui.sources.refresh import refresh
            from newstui.store.library import Library
            fetchpool.MIN_FEEDS = fetchpool.MIN_HOSTS = fetchpool.MIN_CORES = 1
            seen = []
            start = fetchpool.FetchProcess.start
            def keep(self):
                seen.append(self)
                start(self)
            fetchpool.FetchProcess.start = keep
            lib = Library({str(db)!r})
            for url in {urls!r}:
                lib.add_source(url)
        """


def test_the_cli_refresh_forks_its_fetch_process_and_logs_no_password(tmp_path: Path) -> None:
    """A process with no other thread (the CLI) forks the fetch process straight away
    rather than going through the forkserver; it fetches, and ends with the refresh. A
    failing feed's address is logged without its password."""
    with FeedServer(HOSTS) as srv:
        urls = serve_fixtures(srv)
        srv.status("/private.xml", 401)
        urls.append(srv.url("/private.xml", HOSTS[3]).replace("http://", "http://reader:hunter2@"))
        body = """
            handler = logging.StreamHandler(sys.stdout)  # as the CLI's log file
            logging.getLogger("newstui").addHandler(handler)
            logging.getLogger("newstui").setLevel(logging.DEBUG)
        """
        body += _split_refresh(tmp_path / "library.db", urls)
        body += """
            report = refresh(lib, Config(retention_days=0))
            proc = seen[0].process
            print("RESULT", report.parsed, report.errors, seen[0].answered > 0,
                  type(proc).__name__, proc.exitcode)
        """
        script = 'import logging, sys\nif __name__ == "__main__":\n' + textwrap.indent(
            textwrap.dedent(body), "    "
        )
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
    result = [line for line in out.stdout.splitlines() if line.startswith("RESULT")]
    assert result == [f"RESULT {len(urls) - 1} 1 True ForkProcess 0"], out.stdout[-3000:] + out.stderr
    assert "hunter2" not in out.stdout + out.stderr
    assert "http://***@127.0.1." in out.stdout and "reader:" not in out.stdout  # logged, masked


def test_log_lines_of_a_split_refresh_hold_no_password(
    lib: Library, started: list[fetchpool.FetchProcess], caplog: pytest.LogCaptureFixture
) -> None:
    with FeedServer(HOSTS[:2]) as srv:
        # The first host stays in-process, the second goes to the fetch process.
        lib.add_source(srv.feed("/rss2.xml", (FEEDS / "rss2.xml").read_bytes()))
        srv.status("/private.xml", 403)
        lib.add_source(srv.url("/private.xml", HOSTS[1]).replace("http://", "http://reader:hunter2@"))
        with caplog.at_level(logging.DEBUG, logger="newstui"):
            report = refresh(lib, CFG)
    assert report.errors == 1 and report.parsed == 1 and started[0].answered == 1
    assert "hunter2" not in caplog.text and "http://***@127.0.1.2" in caplog.text


def test_a_refresh_on_a_worker_thread_starts_it_from_the_forkserver(tmp_path: Path) -> None:
    """As in the TUI: the refresh runs on a worker thread of a process whose stderr is a
    capture object without a file descriptor. The fetch process comes from the
    forkserver (never a fork of a threaded process), fetches, and ends."""
    with FeedServer(HOSTS) as srv:
        urls = serve_fixtures(srv)
        script = without_stderr_fd(
            _split_refresh(tmp_path / "library.db", urls)
            + """
            out = []
            worker = threading.Thread(target=lambda: out.append(refresh(lib, Config(retention_days=0))))
            worker.start()
            worker.join()
            proc = seen[0].process
            print("RESULT", out[0].parsed, out[0].errors, seen[0].answered > 0,
                  type(proc).__name__, proc.exitcode)
        """
        )
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
    result = [line for line in out.stdout.splitlines() if line.startswith("RESULT")]
    assert result == [f"RESULT {len(urls)} 0 True ForkServerProcess 0"], out.stdout[-3000:] + out.stderr


@pytest.mark.parametrize("split", [True, False], ids=["split", "in-process"])
def test_a_malformed_feed_url_fails_alone(
    lib: Library, started: list[fetchpool.FetchProcess], monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    """URLs urllib cannot split (an OPML written by hand can hold them) fail as feeds of
    their own: the refresh's host keys and its masked log line must not raise on them."""
    if not split:
        monkeypatch.setattr(fetchpool, "MIN_FEEDS", 10**9)
    bad = ["http://[oops/feed.xml", "http://127.0.1.1:99999/feed.xml", "http://u:p@127.0.1.2:80x/feed.xml"]
    with FeedServer(HOSTS) as srv:
        for host in HOSTS:
            srv.feed("/rss2.xml", (FEEDS / "rss2.xml").read_bytes())
            lib.add_source(srv.url("/rss2.xml", host))
        for url in bad:
            lib.add_source(url)
        report = refresh(lib, CFG)
    assert bool(started) == split
    assert report.done == report.total == len(HOSTS) + len(bad)
    assert report.parsed == len(HOSTS) and report.errors == len(bad)
    failed = {s.url: s.last_error for s in lib.sources() if s.failures}
    assert sorted(failed) == sorted(bad) and all(failed.values())
    assert not any(":p@" in (error or "") for error in failed.values())


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        ("https://example.org/feed", "https://example.org/feed"),
        ("https://reader:hunter2@example.org/f", "https://***@example.org/f"),
        ("https://TOKEN123@example.org/f", "https://***@example.org/f"),  # a token as the user
        ("http://u:p/ss@h.example/f", "http://***@h.example/f"),  # / in the password
        ("http://u:pa?ss@h.example/f", "http://***@h.example/f"),
        ("http://u:pa#ss@h.example/f", "http://***@h.example/f"),
        ("https://medium.com/@someone/feed", "https://medium.com/@someone/feed"),  # @ in the path
        ("http://h.example:8080/@x", "http://h.example:8080/@x"),
        ("http://[::1]:80/x@y", "http://[::1]:80/x@y"),
        ("https://h.example/f?token=abc&x=1", "https://h.example/f?token=***&x=1"),
        ("https://h.example/f?x=1&api_key=abc#top", "https://h.example/f?x=1&api_key=***#top"),
        ("https://h.example/f?page=2", "https://h.example/f?page=2"),
        (
            "redirect loop at http://a:b@h.example/x (from https://c:d@g.example/)",
            "redirect loop at http://***@h.example/x (from https://***@g.example/)",
        ),
        ("http://[oops/feed.xml", "http://[oops/feed.xml"),
        ("no address here", "no address here"),
    ],
)
def test_urls_are_logged_without_their_secrets(text: str, logged: str) -> None:
    from newstui.sources.fetch import without_secret

    assert without_secret(text) == logged


def test_resource_tracker_started_from_two_threads_leaves_stderr_alone(tmp_path: Path) -> None:
    """The parsers' warm-up and the fetch process's start both start the resource tracker
    (which swaps ``sys.stderr`` for a moment) on threads of their own, at once: the
    capture object a Textual app puts there must be what is left. Run in new processes,
    where the tracker's start is slow enough for the two calls to overlap."""
    script = textwrap.dedent("""
        import sys, threading
        from newstui.sources import workers
        class Capture:
            def write(self, text): return len(text)
            def flush(self): pass
            def fileno(self): return -1
        capture = sys.stderr = Capture()
        both = threading.Barrier(2)
        def fetch_side(): both.wait(); workers.fetch_context()
        def parser_side(): both.wait(); workers.process_pool(1, workers.REFRESH_PRELOAD).shutdown()
        threads = [threading.Thread(target=fetch_side), threading.Thread(target=parser_side)]
        for t in threads: t.start()
        for t in threads: t.join()
        print("kept" if sys.stderr is capture else "replaced")
    """)
    results = [
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
        ).stdout.strip()
        for _ in range(4)
    ]
    assert results == ["kept"] * 4
