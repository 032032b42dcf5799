"""The floor for P3/P4: a bare fetch-and-parse of the feed list, no database.

One ``httpx.AsyncClient`` per host (6 connections each, a per-host ``asyncio.Semaphore`` of
6 and a 256 global semaphore in front, one TLS context shared by all of them: httpx would
load the CA bundle for every client otherwise, tens of milliseconds of CPU each), feedparser
in a 2-process ``ProcessPoolExecutor``.
A client per host is the faster way to drive httpx: one shared 256-connection pool spends
more CPU rescanning its connections than on the requests (measured on the P3 corpus:
pass 2 took 12-18 s with one shared client, 2.6-3.7 s with a client per host).
``--shared-client`` measures the one-client variant; ``--cold-pass2`` runs pass 2 on new
clients (a second refresh in a new process cannot reuse pass 1's keep-alive connections).
Pass 1 fetches and parses everything and keeps ETag / Last-Modified; pass 2 repeats
with conditional requests (304 -> nothing to parse). Prints one JSON line with the
in-process time of each pass (interpreter start-up and imports are not included;
creating the process pool is part of pass 1). Then, unless ``--no-pass2-process``, pass 2
runs once more as a new process given pass 1's validators (``pass2_process``), timed from
outside as the bench times ``newstui refresh``: start-up, imports and new connections
included, and parser processes started only if something needs parsing. That is the floor
of a second refresh run as its own command; ``pass2`` (same process, pass 1's open
connections) is the one F4 reports.

``python -m bench.floor --opml subs.opml`` or ``--urls urls.txt``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import ssl
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx

TOTAL_CONNECTIONS = 256
PER_HOST = 6
WORKERS = 2


def parse_feed(body: bytes) -> list[dict[str, object]]:
    """Runs in a worker: what an app needs from each entry. The entries are read as plain
    dicts: ``FeedParserDict.get`` maps aliases (and warns) on every call, which costs more
    than the reads themselves."""
    import feedparser  # already imported by a forked worker; a pass with nothing to parse never needs it

    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    out: list[dict[str, object]] = []
    get = dict.get
    for e in parsed.entries:
        content = get(e, "content")
        link = get(e, "link", "")
        out.append(
            {
                "id": get(e, "id") or link,
                "title": get(e, "title", ""),
                "link": link,
                "author": get(e, "author", ""),
                "published": tuple(get(e, "published_parsed") or get(e, "updated_parsed") or ()) or None,
                "categories": [dict.get(t, "term") for t in get(e, "tags", ())],
                "body": dict.get(content[0], "value", "") if content else get(e, "summary", ""),
            }
        )
    return out


@dataclass
class Validators:
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class PassResult:
    seconds: float = 0.0
    ok: int = 0
    not_modified: int = 0
    errors: int = 0
    entries: int = 0
    bytes: int = 0
    error_samples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "seconds": round(self.seconds, 4),
            "ok": self.ok,
            "not_modified": self.not_modified,
            "errors": self.errors,
            "entries": self.entries,
            "bytes": self.bytes,
            "error_samples": self.error_samples[:5],
        }


class Pool:
    """The parser processes, started on first use (a pass with nothing to parse never
    starts them), or at once with ``start()``."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import feedparser  # noqa: F401 - once here, inherited by the forked workers

            self._pool = ProcessPoolExecutor(max_workers=WORKERS)
        return self._pool

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


async def run_pass(
    clients: ClientFor,
    pool: Pool,
    urls: Sequence[str],
    validators: dict[str, Validators],
    total_connections: int,
) -> PassResult:
    loop = asyncio.get_running_loop()
    per_host: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(PER_HOST))
    # httpcore's pool rescans every connection (and, for idle ones, every connection
    # again) on each request start/end; queueing outside the client keeps that bounded.
    total = asyncio.Semaphore(total_connections)
    result = PassResult()

    async def one(url: str) -> None:
        v = validators.setdefault(url, Validators())
        headers = {}
        if v.etag:
            headers["If-None-Match"] = v.etag
        if v.last_modified:
            headers["If-Modified-Since"] = v.last_modified
        try:
            async with per_host[urlsplit(url).netloc], total:
                resp = await clients.get(url).get(url, headers=headers)
            if resp.status_code == 304:
                result.not_modified += 1
                return
            resp.raise_for_status()
            body = resp.content
            v.etag = resp.headers.get("ETag")
            v.last_modified = resp.headers.get("Last-Modified")
            entries = await loop.run_in_executor(pool.start(), parse_feed, body)
            result.ok += 1
            result.entries += len(entries)
            result.bytes += len(body)
        except (httpx.HTTPError, OSError) as exc:
            result.errors += 1
            result.error_samples.append(f"{url}: {type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(u) for u in urls))
    return result


class ClientFor:
    """One client per host (``per_host=True``, the default), or one shared AsyncClient."""

    def __init__(self, total_connections: int, per_host: bool) -> None:
        self.per_host = per_host
        self.total_connections = total_connections
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._tls: ssl.SSLContext | None = None

    def _new(self, max_connections: int) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        if self._tls is None:
            # One TLS context for every client: httpx builds one per client otherwise, and
            # loading the CA bundle costs tens of milliseconds of CPU each time.
            self._tls = httpx.create_ssl_context()
        return httpx.AsyncClient(
            verify=self._tls, limits=limits, timeout=httpx.Timeout(30.0), trust_env=False
        )

    def get(self, url: str) -> httpx.AsyncClient:
        key = urlsplit(url).netloc if self.per_host else ""
        client = self._clients.get(key)
        if client is None:
            size = PER_HOST if self.per_host else self.total_connections
            client = self._clients[key] = self._new(size)
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()


async def run_floor(
    urls: Sequence[str],
    total_connections: int = TOTAL_CONNECTIONS,
    client_per_host: bool = True,
    cold_pass2: bool = False,
) -> dict[str, object]:
    validators: dict[str, Validators] = {}
    clients = ClientFor(total_connections, client_per_host)
    pool = Pool()
    import feedparser  # noqa: F401 - imported before the clock starts, as imports are

    try:
        t0 = time.perf_counter()
        pool.start()
        try:
            first = await run_pass(clients, pool, urls, validators, total_connections)
            first.seconds = time.perf_counter() - t0
            if cold_pass2:  # pass 2 opens its connections afresh, as a second process would
                await clients.aclose()
                clients = ClientFor(total_connections, client_per_host)
            t1 = time.perf_counter()
            second = await run_pass(clients, pool, urls, validators, total_connections)
            second.seconds = time.perf_counter() - t1
        finally:
            pool.shutdown()
    finally:
        await clients.aclose()
    return {
        "feeds": len(urls),
        "total_connections": total_connections,
        "client_per_host": client_per_host,
        "cold_pass2": cold_pass2,
        "pass1": first.as_dict(),
        "pass2": second.as_dict(),
        "validators": {u: [v.etag, v.last_modified] for u, v in validators.items()},
    }


async def run_pass2_only(
    urls: Sequence[str], validators: dict[str, Validators], total_connections: int, client_per_host: bool
) -> dict[str, object]:
    """Pass 2 alone, in a process of its own (``--pass2-only``)."""
    clients = ClientFor(total_connections, client_per_host)
    pool = Pool()
    try:
        t0 = time.perf_counter()
        second = await run_pass(clients, pool, urls, validators, total_connections)
        second.seconds = time.perf_counter() - t0
    finally:
        pool.shutdown()
        await clients.aclose()
    return {"feeds": len(urls), "pass2": second.as_dict()}


def pass2_as_a_process(urls: Sequence[str], validators: object, args: Sequence[str]) -> dict[str, object]:
    """Pass 2 once more as a new process, timed from outside as the bench times
    ``newstui refresh``: interpreter start-up, imports and new connections included (what a
    second run of a bare fetch-and-parse script costs)."""
    with tempfile.TemporaryDirectory(prefix="floor-") as tmp:
        url_file = Path(tmp) / "urls.txt"
        url_file.write_text("\n".join(urls) + "\n")
        state = Path(tmp) / "validators.json"
        state.write_text(json.dumps(validators))
        cmd = [sys.executable, "-m", "bench.floor", "--urls", str(url_file), "--validators", str(state)]
        t0 = time.perf_counter()
        done = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
        wall = time.perf_counter() - t0
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-300:]}
    inner = json.loads(done.stdout.strip().splitlines()[-1])["pass2"]
    return {
        "seconds": round(wall, 4),
        "in_process_seconds": inner["seconds"],
        "not_modified": inner["not_modified"],
        "ok": inner["ok"],
        "errors": inner["errors"],
    }


def urls_from_opml(path: Path) -> list[str]:
    tree = ElementTree.parse(path)
    return [el.attrib["xmlUrl"] for el in tree.iter("outline") if el.attrib.get("xmlUrl")]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--opml", type=Path)
    src.add_argument("--urls", type=Path, help="one URL a line")
    p.add_argument("--total-connections", type=int, default=TOTAL_CONNECTIONS)
    p.add_argument("--client-per-host", action="store_true", help="one AsyncClient per host (the default)")
    p.add_argument("--shared-client", action="store_true", help="variant: one AsyncClient for every host")
    p.add_argument(
        "--cold-pass2",
        action="store_true",
        help="variant: pass 2 on new clients (no keep-alive connections left from pass 1)",
    )
    p.add_argument(
        "--no-pass2-process",
        action="store_true",
        help="skip the third measurement: pass 2 again as a new process, timed from outside",
    )
    p.add_argument("--validators", type=Path, help=argparse.SUPPRESS)  # with it: pass 2 only
    args = p.parse_args(argv)
    if args.opml:
        urls = urls_from_opml(args.opml)
    else:
        urls = [u.strip() for u in args.urls.read_text().splitlines() if u.strip()]
    if args.validators:
        known = {u: Validators(*v) for u, v in json.loads(args.validators.read_text()).items()}
        result = asyncio.run(run_pass2_only(urls, known, args.total_connections, not args.shared_client))
        print(json.dumps(result), flush=True)
        return 0
    result = asyncio.run(run_floor(urls, args.total_connections, not args.shared_client, args.cold_pass2))
    validators = result.pop("validators")
    if not args.no_pass2_process:
        extra = ["--shared-client"] if args.shared_client else []
        result["pass2_process"] = pass2_as_a_process(urls, validators, extra)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
