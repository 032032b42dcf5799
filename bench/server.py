"""Loopback feed server: many 127.0.1.x addresses, one port, per-request latency.

Serves the files under ``--root`` at ``/feeds/<name>`` (every host serves every file;
the OPML decides which host a feed is fetched from). Sends ETag and Last-Modified and
answers 304 to a matching If-None-Match / If-Modified-Since. Every request (200 or 304)
first sleeps a uniform random latency in ``[lo, hi]`` seconds.

Run as a process: ``python -m bench.server --root DIR --hosts 100 --latency-ms 100-300``
prints one JSON line ``{"port": P, "hosts": [...]}`` when ready and serves until it gets
SIGTERM/SIGINT (or, with ``--watch-stdin``, until its stdin closes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import signal
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class _Doc:
    body: bytes
    etag: str
    mtime: int
    last_modified: str


@dataclass
class ServerStats:
    requests: int = 0
    ok: int = 0
    not_modified: int = 0
    not_found: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int) -> None:
        with self.lock:
            self.requests += 1
            if status == 200:
                self.ok += 1
            elif status == 304:
                self.not_modified += 1
            else:
                self.not_found += 1

    def as_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "ok": self.ok,
            "not_modified": self.not_modified,
            "other": self.not_found,
        }


class FeedStore:
    """Feed files, loaded once and kept in memory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._docs: dict[str, _Doc] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> _Doc | None:
        if "/" in name or name.startswith("."):
            return None
        with self._lock:
            doc = self._docs.get(name)
        if doc is not None:
            return doc
        path = self.root / name
        if not path.is_file():
            return None
        body = path.read_bytes()
        mtime = int(path.stat().st_mtime)
        doc = _Doc(
            body=body,
            etag='"' + hashlib.sha1(body).hexdigest()[:20] + '"',
            mtime=mtime,
            last_modified=formatdate(mtime, usegmt=True),
        )
        with self._lock:
            self._docs[name] = doc
        return doc


_CONTENT_TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml"}


def make_handler(
    store: FeedStore, latency: tuple[float, float], stats: ServerStats
) -> type[BaseHTTPRequestHandler]:
    lo, hi = latency

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "newstui-bench/1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)
            stats.add(status)

        def do_GET(self) -> None:  # noqa: N802
            if hi > 0:
                time.sleep(random.uniform(lo, hi))
            path = self.path.split("?", 1)[0]
            doc = store.get(path[len("/feeds/") :]) if path.startswith("/feeds/") else None
            if doc is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found\n")
                return
            headers = {"ETag": doc.etag, "Last-Modified": doc.last_modified}
            if self._not_modified(doc):
                self._send(304, headers)
                return
            ext = Path(path).suffix
            headers["Content-Type"] = _CONTENT_TYPES.get(ext, "application/xml")
            self._send(200, headers, doc.body)

        do_HEAD = do_GET

        def _not_modified(self, doc: _Doc) -> bool:
            inm = self.headers.get("If-None-Match")
            if inm is not None:
                tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
                return doc.etag in tags or "*" in tags
            ims = self.headers.get("If-Modified-Since")
            if ims:
                try:
                    return doc.mtime <= int(parsedate_to_datetime(ims).timestamp())
                except (TypeError, ValueError):
                    return False
            return False

    return Handler


def host_address(n: int) -> str:
    """Loopback host ``n`` (from 1): 127.0.1.1 to 127.0.1.254, then on into 127.0.2.x and
    beyond, so P8's 400 hosts fit (a 127.0.1.x address stops at .255)."""
    return f"127.0.{1 + (n - 1) // 254}.{1 + (n - 1) % 254}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer's own asks the resolver for the address's name (socket.getfqdn),
        # about 0.1 s an address here: 36 s to start P8's 400 hosts. Nothing reads it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class FeedServer:
    """One ThreadingHTTPServer per loopback address, all on the same port."""

    def __init__(
        self,
        root: Path,
        hosts: int = 100,
        port: int = 0,
        latency: tuple[float, float] = (0.1, 0.3),
        first_host: int = 1,
    ) -> None:
        self.store = FeedStore(root)
        self.stats = ServerStats()
        self.latency = latency
        self.addresses = [host_address(first_host + i) for i in range(hosts)]
        self.port = port
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> FeedServer:
        handler = make_handler(self.store, self.latency, self.stats)
        attempts = 1 if self.port else 20
        for attempt in range(attempts):
            try:
                self._bind_all(handler, self.port)
                break
            except OSError:
                self._close_servers()
                if attempt == attempts - 1:
                    raise
        for srv in self._servers:
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2})
            t.daemon = True
            t.start()
            self._threads.append(t)
        return self

    def _bind_all(self, handler: type[BaseHTTPRequestHandler], port: int) -> None:
        first = _Server((self.addresses[0], port), handler)
        self._servers.append(first)
        port = first.server_address[1]
        for addr in self.addresses[1:]:
            self._servers.append(_Server((addr, port), handler))
        self.port = port

    def _close_servers(self) -> None:
        for srv in self._servers:
            srv.server_close()
        self._servers.clear()

    def stop(self) -> None:
        # shutdown() waits for its server's next poll (up to poll_interval); one after
        # another, P8's 400 servers took 45 s to stop. Together they take one poll.
        stopping = [threading.Thread(target=srv.shutdown) for srv in self._servers]
        for t in stopping:
            t.start()
        for t in stopping:
            t.join()
        self._close_servers()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def parse_latency(text: str) -> tuple[float, float]:
    """``"100-300"`` -> (0.1, 0.3) seconds; ``"0"`` -> no latency."""
    if "-" in text:
        lo, hi = text.split("-", 1)
        return float(lo) / 1000, float(hi) / 1000
    value = float(text) / 1000
    return value, value


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__)
    p.add_argument("--root", type=Path, required=True, help="folder of feed files")
    p.add_argument("--hosts", type=int, default=100)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency-ms", default="100-300", help="lo-hi in ms, uniform; 0 = none")
    p.add_argument(
        "--watch-stdin",
        action="store_true",
        help="also stop when stdin reaches end of file (for a parent process)",
    )
    args = p.parse_args(argv)
    server = FeedServer(args.root, args.hosts, args.port, parse_latency(args.latency_ms))
    server.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(1):
                time.sleep(0.1)  # data on stdin is ignored (and /dev/zero must not spin)
        except (OSError, ValueError):
            pass
        done.set()

    if args.watch_stdin:
        threading.Thread(target=watch_stdin, daemon=True).start()
    print(json.dumps({"port": server.port, "hosts": server.addresses}), flush=True)
    done.wait()
    server.stop()
    print(json.dumps(server.stats.as_dict()), file=sys.stderr, flush=True)
    return 0


def free_port(host: str = "127.0.1.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
