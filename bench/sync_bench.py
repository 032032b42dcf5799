"""Sync benchmarks S1-S3 against a real FreshRSS on loopback (needs PHP; see tests/freshrss.py).

    python -m bench.sync_bench [--feeds 200] [--items 50] [--runs 3] [--out bench/sync_results.json]

- **S1**: first sync of FEEDS x ITEMS items (10,000 by default) into an empty library, against
  a bare httpx download of the same ``stream/contents`` pages (login, then every page of the
  reading list, 250 items a page) in the same run. Target: S1 <= 1.5x the bare download.
- **S2**: a sync right after, with nothing changed: wall time and HTTP requests.
  Target: <= 1 s and a handful of requests.
- **S3**: 1,000 articles marked read here (one journal entry each), then a sync: the
  requests of its push phase. Target: <= 3 per 1,000.

The engine runs in this process (``sync_account``), so the times leave out interpreter
start-up; the bare download pays the same login and page requests. Medians over ``--runs``
(each run starts from an empty library; S3 marks 1,000 other articles each run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from feedserver import FeedServer  # noqa: E402
from freshrss import PASSWORD, USER, FreshRSS, fast_dir, missing, rss  # noqa: E402
from newstui.store.library import Library  # noqa: E402
from newstui.sync.engine import Sync, consumer, credentials, open_backend, sync_account  # noqa: E402

READING_LIST = "user/-/state/com.google/reading-list"


def setup(feeds: int, items: int, work: Path) -> FreshRSS:
    host = "127.0.99.7"
    fs = FeedServer([host]).start()
    # FreshRSS's data in memory (its per-entry commits are slow on a real disk: setup only);
    # newstui's library stays on disk under ``work``.
    server = FreshRSS(fast_dir() or work / "freshrss", host, 18765, fs)
    server.start()
    server.reset()
    outlines = []
    for f in range(feeds):
        url = server.feeds.feed(
            f"/b{f}.xml",
            rss(f"Bench {f}", [(f"b{f}-{i}", f"Bench item {f}-{i}") for i in range(items)], link=fs.url("/")),
            validators=False,
        )
        folder = f"Folder {f % 10}"
        outlines.append(
            f'<outline text="{folder}"><outline type="rss" text="Bench {f}" xmlUrl="{url}"/></outline>'
        )
    opml = f'<?xml version="1.0"?><opml version="2.0"><body>{"".join(outlines)}</body></opml>'
    api = server.api
    api.login()
    httpx.post(
        f"{server.base}/reader/api/0/subscription/import",
        content=opml.encode(),
        headers={"Authorization": f"GoogleLogin auth={api.auth}"},
        timeout=300,
    ).raise_for_status()
    server.actualize()
    total = len(api.all())
    print(f"FreshRSS holds {total} items in {len(api.subscriptions())} feeds", file=sys.stderr)
    return server


async def bare_download(base: str) -> tuple[float, int]:
    """Login, then every reading-list page: what any client must at least download."""
    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=120) as client:
        r = await client.post(f"{base}/accounts/ClientLogin", data={"Email": USER, "Passwd": PASSWORD})
        auth = next(line[5:] for line in r.text.splitlines() if line.startswith("Auth="))
        headers = {"Authorization": f"GoogleLogin auth={auth}"}
        cont = None
        count = 0
        while True:
            params = {"output": "json", "n": 250, **({"c": cont} if cont else {})}
            r = await client.get(
                f"{base}/reader/api/0/stream/contents/{READING_LIST}", params=params, headers=headers
            )
            data = r.json()
            count += len(data.get("items", []))
            cont = data.get("continuation")
            if not cont:
                break
    return time.perf_counter() - start, count


def new_account(lib: Library, server: FreshRSS, state: Path) -> None:
    acc = lib.add_account("bench", type="greader", url=server.base, username=USER)
    credentials(state, "bench").save_password(PASSWORD)
    lib.journal_register(consumer(acc))


async def timed_sync(lib: Library, state: Path) -> tuple[float, int, int]:
    acc = lib.account("bench")
    start = time.perf_counter()
    report = await sync_account(lib, acc, credentials(state, "bench"))
    if report.error:
        raise SystemExit(f"sync failed: {report.error}")
    return time.perf_counter() - start, report.requests, report.new


async def push_requests(lib: Library, state: Path, n: int, offset: int) -> int:
    acc = lib.account("bench")
    ids = [aid for aid, _k, read, _b in lib.account_articles(acc.id) if not read][offset : offset + n]
    lib.set_read(ids, True)
    backend = open_backend(acc, credentials(state, "bench"))
    job = Sync(lib, acc, backend)
    try:
        job.subs = await backend.subscriptions()
        before = backend.requests
        await job.push()
        return backend.requests - before
    finally:
        await backend.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "sync_results.json"))
    args = ap.parse_args()
    why = missing()
    if why:
        raise SystemExit(f"cannot run the sync bench: {why}")
    work = Path(tempfile.mkdtemp(prefix="newstui-sync-bench-"))
    server = setup(args.feeds, args.items, work)
    rows: dict[str, list[float]] = {"bare": [], "s1": [], "s2": [], "s2_requests": [], "s3_requests": []}
    try:
        for run in range(args.runs):
            bare, n = asyncio.run(bare_download(server.base))
            rows["bare"].append(bare)
            data = work / f"run{run}"
            lib = Library(data / "library.db")
            try:
                new_account(lib, server, data)
                s1, _req, new = asyncio.run(timed_sync(lib, data))
                assert new == n, f"first sync stored {new} of {n} items"
                rows["s1"].append(s1)
                s2, req2, _ = asyncio.run(timed_sync(lib, data))
                rows["s2"].append(s2)
                rows["s2_requests"].append(req2)
                rows["s3_requests"].append(asyncio.run(push_requests(lib, data, 1000, 1000 * run)))
            finally:
                lib.close()
            print(
                f"run {run + 1}: bare {bare:.2f} s, S1 {s1:.2f} s, S2 {s2:.3f} s / {req2} requests, "
                f"S3 {rows['s3_requests'][-1]} requests",
                file=sys.stderr,
            )
    finally:
        server.stop()
        server.feeds.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(server.data, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in rows.items()}
    result = {
        "items": args.feeds * args.items,
        "feeds": args.feeds,
        "runs": args.runs,
        "bare_download_s": round(med["bare"], 3),
        "S1_first_sync_s": round(med["s1"], 3),
        "S1_ratio": round(med["s1"] / med["bare"], 2),
        "S2_nochange_s": round(med["s2"], 3),
        "S2_requests": med["s2_requests"],
        "S3_requests_per_1000": med["s3_requests"],
        "raw": rows,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"| S1 | first sync, {result['items']:,} items in {args.feeds} feeds | <= 1.5x bare download "
        f"({result['bare_download_s']} s) | {result['S1_first_sync_s']} s ({result['S1_ratio']}x) |"
    )
    print(
        f"| S2 | sync, nothing changed | <= 1 s, a handful of requests | {result['S2_nochange_s']} s, "
        f"{result['S2_requests']:g} requests |"
    )
    print(f"| S3 | push 1,000 read changes | <= 3 requests | {result['S3_requests_per_1000']:g} requests |")


if __name__ == "__main__":
    main()
