"""A real loopback HTTP server for the feed tests (standard library only).

One ``ThreadingHTTPServer`` per loopback address (127.0.0.1 by default; any 127.x.y.z
works on Linux without setup). Routes are plain functions of the request handler;
helpers add the usual ones: feeds with ETag/Last-Modified/304, redirects, error statuses,
a slow trickle, an oversized body, a gzip bomb. Every request is logged, and the number
of requests in flight is counted per address (with the maximum seen).

Tests use it through the ``server`` fixture: ``from feedserver import server_fixture``.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Route = Callable[["Handler"], None]


@dataclass
class Request:
    host: str  # the address the request came in on
    path: str
    headers: dict[str, str]  # lower-case names


@dataclass
class _Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[Request] = field(default_factory=list)
    in_flight: Counter[str] = field(default_factory=Counter)
    max_in_flight: Counter[str] = field(default_factory=Counter)
    max_total: int = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        owner = self.server.owner
        host = self.server.server_address[0]
        path = self.path.split("?", 1)[0]
        req = Request(host, self.path, {k.lower(): v for k, v in self.headers.items()})
        stats = owner.stats
        with stats.lock:
            stats.log.append(req)
            stats.in_flight[host] += 1
            stats.max_in_flight[host] = max(stats.max_in_flight[host], stats.in_flight[host])
            stats.max_total = max(stats.max_total, sum(stats.in_flight.values()))
        try:
            route = owner.routes.get(path)
            if route is None:
                self.reply(404, b"not found\n", {"Content-Type": "text/plain"})
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with stats.lock:
                stats.in_flight[host] -= 1

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and status != 304:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    owner: FeedServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up on purpose (caps, deadlines) are not news


class FeedServer:
    def __init__(self, hosts: Iterable[str] = ("127.0.0.1",)) -> None:
        self.hosts = list(hosts)
        self.routes: dict[str, Route] = {}
        self.stats = _Stats()
        self.stopping = threading.Event()
        self._servers: dict[str, _Server] = {}

    # ------------------------------------------------------------- lifecycle
    def start(self) -> FeedServer:
        for host in self.hosts:
            srv = _Server((host, 0), Handler)
            srv.owner = self
            self._servers[host] = srv
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str, host: str | None = None) -> str:
        host = host or self.hosts[0]
        return f"http://{host}:{self._servers[host].server_address[1]}{path}"

    # ------------------------------------------------------------ inspection
    @property
    def log(self) -> list[Request]:
        with self.stats.lock:
            return list(self.stats.log)

    def requests(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    def max_in_flight(self, host: str) -> int:
        with self.stats.lock:
            return self.stats.max_in_flight[host]

    # ---------------------------------------------------------------- routes
    def route(self, path: str, fn: Route) -> str:
        self.routes[path] = fn
        return self.url(path)

    def feed(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "application/rss+xml",
        validators: bool = True,
        encoding: str | None = None,
        before: Callable[[], None] | None = None,
    ) -> str:
        """A document with ETag and Last-Modified (unless ``validators`` is off) that
        answers 304 to a matching If-None-Match / If-Modified-Since. ``encoding`` is a
        Content-Encoding to apply ("gzip", "deflate", "raw-deflate", "gzip, gzip")."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        mtime = 1_700_000_000
        last_modified = formatdate(mtime, usegmt=True)

        def serve(h: Handler) -> None:
            if before is not None:
                before()
            headers = {"Content-Type": content_type}
            if validators:
                headers.update(ETag=etag, **{"Last-Modified": last_modified})
                inm = h.headers.get("If-None-Match")
                ims = h.headers.get("If-Modified-Since")
                if inm is not None and etag in [t.strip() for t in inm.split(",")]:
                    return h.reply(304, headers=headers)
                if inm is None and ims and parsedate_to_datetime(ims).timestamp() >= mtime:
                    return h.reply(304, headers=headers)
            data = body
            if encoding:
                data = encode(body, encoding)
                headers["Content-Encoding"] = encoding.replace("raw-", "")
            h.reply(200, data, headers)

        return self.route(path, serve)

    def status(self, path: str, code: int, headers: dict[str, str] | None = None) -> str:
        return self.route(path, lambda h: h.reply(code, f"{code}\n".encode(), headers))

    def redirect(self, path: str, code: int, location: str) -> str:
        return self.route(path, lambda h: h.reply(code, b"", {"Location": location}))

    def trickle(self, path: str, interval: float = 0.2, size: int = 100_000) -> str:
        """Headers at once, then one byte every ``interval`` seconds."""

        def serve(h: Handler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            h.send_header("Content-Length", str(size))
            h.end_headers()
            for _ in range(size):
                if self.stopping.wait(interval):
                    return
                h.wfile.write(b" ")
                h.wfile.flush()

        return self.route(path, serve)

    def oversized(self, path: str, size: int, chunked: bool = False) -> str:
        """``size`` bytes of feed-looking data, with a Content-Length or chunked."""

        def serve(h: Handler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            if chunked:
                h.send_header("Transfer-Encoding", "chunked")
            else:
                h.send_header("Content-Length", str(size))
            h.end_headers()
            block = b"<!-- padding -->" * 4096
            sent = 0
            while sent < size:
                part = block[: size - sent]
                h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                sent += len(part)
            if chunked:
                h.wfile.write(b"0\r\n\r\n")

        return self.route(path, serve)

    def gzip_bomb(self, path: str, size: int, layers: int = 1) -> str:
        """``size`` zero bytes gzipped ``layers`` times (a small response, a huge body)."""
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b"\0" * (1024 * 1024)
        parts = [comp.compress(chunk) for _ in range(size // len(chunk))]
        data = b"".join(parts) + comp.flush()
        for _ in range(layers - 1):
            data = gzip.compress(data, 9)
        encoding = ", ".join(["gzip"] * layers)
        return self.route(
            path,
            lambda h: h.reply(
                200, data, {"Content-Encoding": encoding, "Content-Type": "application/rss+xml"}
            ),
        )


def encode(body: bytes, encoding: str) -> bytes:
    for coding in [c.strip() for c in encoding.split(",")]:
        if coding == "gzip":
            body = gzip.compress(body)
        elif coding == "deflate":
            body = zlib.compress(body)
        elif coding == "raw-deflate":
            obj = zlib.compressobj(6, zlib.DEFLATED, -15)
            body = obj.compress(body) + obj.flush()
        else:
            raise ValueError(coding)
    return body


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll until ``predicate`` holds (for handlers that wait on other requests)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture(name="server")
def server_fixture():
    with FeedServer() as srv:
        yield srv
