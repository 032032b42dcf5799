"""Sync rows of the bench table (FS, S1, S2, S3) against a real FreshRSS on loopback.

``python -m bench`` runs them as one step (``scenarios``); ``python -m bench --only S1,S2,S3``
runs just these. They need PHP and the FreshRSS tree (``tests/freshrss.py``); without them
the rows say ``n/a:`` and why.

Setup (not timed): a FreshRSS of its own on a free 127.0.x.y address, subscribed to
``sync_feeds`` feeds of ``sync_items`` items each on a loopback feed server (an OPML import,
then FreshRSS fetches them). Each run then starts with every item unread on the server and a
fresh data dir where ``newstui account add`` has logged in (the session token is cached):

- **FS** (floor): ``python -m bench.sync_bench bare BASE AUTH``, run by the Python of the
  newstui under test: a process that downloads every page of the reading list with httpx
  (``stream/contents``, the sync's page size) with a session token ready, and decodes each
  page's JSON. What any client must at least do.
- **S1**: ``newstui sync --format json``, the first sync. Target: <= 1.5x FS.
- **S2**: the same command again, nothing changed: wall time, and the HTTP requests the
  sync reports. Target: <= 1 s and a handful (<= 6) of requests.
- **S3**: N articles (1,000, or half the items in a smaller run) marked read in the library
  (one journal entry each), then the sync: the requests its push made. Target: <= 3 per
  1,000.

All three are the real ``newstui`` in a fresh process, timed from outside (interpreter
start-up included), as every other row of the table.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench.measure import run_measured
from bench.report import Row
from bench.workload import Newstui, Unavailable

ROOT = Path(__file__).resolve().parents[1]
READING_LIST = "user/-/state/com.google/reading-list"
PAGE = 250  # the sync's page size (newstui.sync.walk.PAGE): the floor asks for the same pages
IDS = ("FS", "S1", "S2", "S3")
S2_REQUESTS = 6


class BenchLike(Protocol):
    """What the sync rows use of ``bench.run.Bench``."""

    s: Any  # bench.run.Sizes
    nt: Newstui
    work: Path

    def row(self, id: str, scenario: str, target: str, unit: str = "s") -> Row: ...

    def log(self, msg: str) -> None: ...


def _freshrss() -> Any:
    """tests/freshrss.py (the FreshRSS the sync tests use), or Unavailable with the reason."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import freshrss  # noqa: PLC0415  (a test helper, found on the path just set)

    why = freshrss.missing()
    if why:
        raise Unavailable(f"no FreshRSS: {why}")
    return freshrss


def setup(feeds: int, items: int, work: Path, log: Any) -> Any:
    """A running FreshRSS holding ``feeds`` x ``items`` items (its feed server stopped)."""
    fr = _freshrss()
    from feedserver import FeedServer  # noqa: PLC0415  (tests/, on the path since _freshrss)

    n = os.getpid()
    host = f"127.0.{180 + n % 60}.{20 + n % 200}"
    feedsrv = FeedServer([host]).start()
    data = fr.fast_dir() or work / "freshrss"
    server = fr.FreshRSS(data, host, fr._free_port(host), feedsrv)
    try:
        server.start()
        server.reset()
        outlines = []
        for f in range(feeds):
            url = server.feeds.feed(
                f"/b{f}.xml",
                fr.rss(
                    f"Bench {f}",
                    [(f"b{f}-{i}", f"Bench item {f}-{i}") for i in range(items)],
                    link=feedsrv.url("/"),
                ),
                validators=False,
            )
            outlines.append(
                f'<outline text="Folder {f % 10}"><outline type="rss" text="Bench {f}" xmlUrl="{url}"/>'
                "</outline>"
            )
        opml = f'<?xml version="1.0"?><opml version="2.0"><body>{"".join(outlines)}</body></opml>'
        server.api.login()
        httpx.post(
            f"{server.base}/reader/api/0/subscription/import",
            content=opml.encode(),
            headers={"Authorization": f"GoogleLogin auth={server.api.auth}"},
            timeout=600,
        ).raise_for_status()
        server.actualize()
        total = len(server.api.all())
    except BaseException:
        server.stop()
        raise
    finally:
        feedsrv.stop()
    log(f"FreshRSS at {server.base} holds {total} items in {feeds} feeds")
    if total != feeds * items:
        server.stop()
        raise Unavailable(f"FreshRSS holds {total} items, expected {feeds * items}")
    return server


def all_unread(server: Any) -> None:
    """Every item unread again on the server (S3 of the run before marked some read)."""
    read = sorted(server.api.all() - server.api.unread())
    for i in range(0, len(read), 500):
        server.api.edit(read[i : i + 500], remove="user/-/state/com.google/read")


async def bare_download(base: str, auth: str, page: int = PAGE) -> int:
    """Every page of the reading list, each decoded; returns the number of items."""
    headers = {"Authorization": f"GoogleLogin auth={auth}"}
    count = 0
    cont: str | None = None
    async with httpx.AsyncClient(timeout=120) as client:
        while True:
            params: dict[str, Any] = {"output": "json", "n": page, **({"c": cont} if cont else {})}
            r = await client.get(
                f"{base}/reader/api/0/stream/contents/{READING_LIST}", params=params, headers=headers
            )
            r.raise_for_status()
            data = r.json()
            count += len(data.get("items", []))
            cont = data.get("continuation")
            if not cont:
                return count


def _report(stdout: str) -> dict[str, Any]:
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise Unavailable(f"newstui sync printed no report: {stdout[-200:]!r}")
    doc: dict[str, Any] = json.loads(lines[-1])
    if not doc.get("ok"):
        raise Unavailable(f"newstui sync failed: {doc.get('error')}")
    return doc


def _mark_read(library: Path, n: int) -> int:
    """Mark ``n`` unread articles read in the library, as a reader would (journaled)."""
    sys.path.insert(0, str(ROOT / "src"))
    from newstui.store.library import Library  # noqa: PLC0415  (the build under test)

    lib = Library(library)
    try:
        acc = lib.account("bench")
        ids = [aid for aid, _key, read, _bm in lib.account_articles(acc.id) if not read][:n]
        return len(lib.set_read(ids, True))
    finally:
        lib.close()


def _python_of(nt: Newstui) -> str:
    """The interpreter of the newstui under test (its venv's), so the floor imports httpx
    from the same packages and starts the same way; this one when it cannot be told."""
    beside = Path(nt.argv[0]).parent / "python"
    return str(beside) if nt.argv and beside.exists() else sys.executable


def scenarios(b: BenchLike) -> None:
    """Run FS, S1, S2 and S3 (``b.s.runs`` runs) and fill their rows."""
    s = b.s
    items = s.sync_feeds * s.sync_items
    n_push = min(1000, items // 2)
    allowed = 3 * math.ceil(n_push / 1000)
    fs = b.row("FS", f"floor: bare httpx download of the sync's pages ({items:,} items)", "ref")
    s1 = b.row("S1", f"first sync, {items:,} items in {s.sync_feeds} feeds (FreshRSS)", "<= 1.5x FS")
    s2 = b.row("S2", "sync again, nothing changed", f"<= 1 s, <= {S2_REQUESTS} requests")
    s3 = b.row("S3", f"push {n_push:,} queued read changes", f"<= {allowed} requests", unit="requests")
    # An older build (A/B runs) has no `sync --format json`: S1 and S2 are still timed.
    usage = subprocess.run(b.nt.cmd(b.work, "sync", "--help"), env=b.nt.env, capture_output=True, text=True)
    reports_json = "--format" in usage.stdout
    python = _python_of(b.nt)
    work = Path(tempfile.mkdtemp(prefix="sync-", dir=b.work))
    server = setup(s.sync_feeds, s.sync_items, work, b.log)
    env = b.nt.env
    try:
        auth = server.api.auth
        for run in range(s.runs):
            all_unread(server)
            m = run_measured(
                [python, "-m", "bench.sync_bench", "bare", server.base, auth],
                env=env,
                cwd=ROOT,
                timeout=600,
            )
            if not m.ok:
                raise Unavailable(f"bare download {m.reason()}")
            if int(m.stdout.strip() or 0) != items:
                fs.notes.append(f"run {run + 1}: the bare download saw {m.stdout.strip()} items")
            fs.values.append(m.wall)
            fs.rss_mb.append(m.maxrss_kb / 1024)

            data = work / f"run{run}"
            add = subprocess.run(
                b.nt.cmd(data, "account", "add", "bench", "--url", server.base, "--user", "admin"),
                input="newstui-api\n",
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if add.returncode != 0:
                raise Unavailable(f"account add failed: {add.stderr.strip()[-200:]}")
            sync = b.nt.cmd(data, "sync", *(("--format", "json") if reports_json else ("--quiet",)))
            timings = []
            reports = []
            for r in (s1, s2):
                m = run_measured(sync, env=env, timeout=900)
                if not m.ok:
                    raise Unavailable(f"sync {m.reason()}")
                reports.append(_report(m.stdout) if reports_json else {})
                r.values.append(m.wall)
                r.rss_mb.append(m.maxrss_kb / 1024)
                timings.append(m.wall)
            first, again = reports
            if not reports_json:
                b.log(
                    f"sync run {run + 1} (no reports): FS {fs.values[-1]:.2f} s, S1 {timings[0]:.2f} s, "
                    f"S2 {timings[1]:.3f} s; load {os.getloadavg()[0]:.1f}"
                )
                shutil.rmtree(data, ignore_errors=True)
                continue
            if first["new"] != items:
                s1.notes.append(f"run {run + 1}: the first sync stored {first['new']} of {items} items")
            if again["new"] or again["changed"]:
                s2.notes.append(f"run {run + 1}: a sync with nothing changed reported {again}")
            s2.extra.setdefault("requests", []).append(again["requests"])  # type: ignore[union-attr]

            marked = _mark_read(data / "library.db", n_push)
            m = run_measured(sync, env=env, timeout=600)
            if not m.ok:
                raise Unavailable(f"sync after marking read {m.reason()}")
            pushed = _report(m.stdout)
            if pushed["pushed"] != marked:
                s3.notes.append(f"run {run + 1}: {pushed['pushed']} of {marked} read changes pushed")
            s3.values.append(pushed["push_requests"])
            b.log(
                f"sync run {run + 1}: FS {fs.values[-1]:.2f} s, S1 {timings[0]:.2f} s, "
                f"S2 {timings[1]:.3f} s / {again['requests']} requests, "
                f"S3 {pushed['push_requests']} requests for {marked}; load {os.getloadavg()[0]:.1f}"
            )
            shutil.rmtree(data, ignore_errors=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
        if server.data.parent == Path("/dev/shm"):
            shutil.rmtree(server.data, ignore_errors=True)
    if not reports_json:
        s3.fail("this newstui does not report its requests (no `sync --format json`)")
    _judge(fs, s1, s2, s3, allowed)


def _judge(fs: Row, s1: Row, s2: Row, s3: Row, allowed: int) -> None:
    if s1.median is not None and fs.median:
        s1.floor_ratio = s1.median / fs.median
        s1.met = s1.floor_ratio <= 1.5
    requests = s2.extra.get("requests")
    if s2.median is not None and isinstance(requests, list) and requests:
        worst = max(requests)
        s2.notes.append(f"requests per run: {requests}")
        s2.met = s2.median <= 1.0 and worst <= S2_REQUESTS
    elif s2.median is not None:
        s2.notes.append("requests not reported by this newstui")
    if s3.values:
        s3.met = max(s3.values) <= allowed
    s1.notes.append(f"load average {os.getloadavg()[0]:.1f} at the end (2-core host shared)")


def main(argv: list[str]) -> int:
    """``bare BASE AUTH [PAGE]``: the floor's own process; prints the number of items."""
    if len(argv) < 3 or argv[0] != "bare":
        print(
            "usage: python -m bench.sync_bench bare BASE AUTH [PAGE]\n"
            "(the sync rows run with `python -m bench --only S1,S2,S3`)",
            file=sys.stderr,
        )
        return 2
    page = int(argv[3]) if len(argv) > 3 else PAGE
    print(asyncio.run(bare_download(argv[1], argv[2], page)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
