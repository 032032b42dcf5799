"""Faults a real server will not produce on demand, from a small loopback stand-in for a
Google Reader API server: 5xx, 429 with Retry-After, malformed and huge answers, a
connection reset halfway through a body, and one item refused among many."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from newstui.sources.fetch import FetchLimits
from newstui.sync.backend import AuthError, Rejected, SyncError
from newstui.sync.greader import GReader

Reply = Callable[["Handler", dict[str, list[str]]], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandIn

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _form(self) -> dict[str, list[str]]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        return parse_qs(urlsplit(self.path).query) | parse_qs(body)

    def _handle(self) -> None:
        path = urlsplit(self.path).path
        form = self._form()
        self.server.seen.append((path, form))
        if path.endswith("/accounts/ClientLogin"):
            ok = form.get("Passwd") == ["right"]
            return self.send(
                200 if ok else 401, b"SID=x\nAuth=sess\n" if ok else b"Error=BadAuthentication\n"
            )
        if path.endswith("/reader/api/0/token"):
            return self.send(200, b"tok\n")
        route = self.server.routes.get(path.split("/api/0/", 1)[-1])
        if route is None:
            return self.send(404, b"no\n")
        route(self, form)

    do_GET = do_POST = _handle  # noqa: N815

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the reset test breaks its own connection on purpose

    def __init__(self) -> None:
        super().__init__(("127.0.9.17", 0), Handler)
        self.routes: dict[str, Reply] = {}
        self.seen: list[tuple[str, dict[str, list[str]]]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.9.17:{self.server_address[1]}/api/greader.php"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    srv = StandIn()
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def client(srv: StandIn, password: str = "right", **kw: object) -> GReader:
    return GReader(srv.base, "me", lambda: password, **kw)  # type: ignore[arg-type]


def call(g: GReader, coro_fn: Callable[[GReader], object]) -> object:
    async def go() -> object:
        try:
            return await coro_fn(g)  # type: ignore[misc]
        finally:
            await g.close()

    return asyncio.run(go())


def subs_json(h: Handler, form: dict[str, list[str]]) -> None:
    h.send(
        200, json.dumps({"subscriptions": [{"id": "feed/1", "title": "One", "url": "http://x/1"}]}).encode()
    )


def test_server_error_is_one_line(standin: StandIn) -> None:
    standin.routes["subscription/list"] = lambda h, f: h.send(502, b"<html>\n<b>Bad gateway</b>\n</html>")
    with pytest.raises(SyncError) as err:
        call(client(standin), lambda g: g.subscriptions())
    assert "HTTP 502" in str(err.value) and "\n" not in str(err.value)


def test_429_retry_after_is_waited_out(standin: StandIn) -> None:
    calls = []

    def limited(h: Handler, form: dict[str, list[str]]) -> None:
        calls.append(1)
        if len(calls) == 1:
            return h.send(429, b"slow down", {"Retry-After": "1"})
        subs_json(h, form)

    standin.routes["subscription/list"] = limited
    subs = call(client(standin), lambda g: g.subscriptions())
    assert [s.title for s in subs] == ["One"] and len(calls) == 2  # type: ignore[attr-defined]


def test_a_long_retry_after_fails_with_the_wait(standin: StandIn) -> None:
    standin.routes["subscription/list"] = lambda h, f: h.send(429, b"", {"Retry-After": "3600"})
    with pytest.raises(SyncError) as err:
        call(client(standin), lambda g: g.subscriptions())
    assert "rate-limited" in str(err.value) and "3600" in str(err.value)


def test_malformed_answer(standin: StandIn) -> None:
    standin.routes["subscription/list"] = lambda h, f: h.send(200, b"{not json")
    with pytest.raises(SyncError, match="malformed"):
        call(client(standin), lambda g: g.subscriptions())
    standin.routes["stream/contents/user/-/state/com.google/reading-list"] = lambda h, f: h.send(
        200,
        json.dumps(
            {
                "items": [
                    {"id": "garbage"},
                    7,
                    {
                        "id": "tag:google.com,2005:reader/item/00000000000000ff",
                        "title": ["x"],
                        "origin": "no",
                    },
                ]
            }
        ).encode(),
    )
    page = call(client(standin), lambda g: g.stream(since=None, continuation=None, count=5))
    assert [i.id for i in page.items] == [255]  # type: ignore[attr-defined]


def test_huge_answer_is_refused(standin: StandIn) -> None:
    standin.routes["subscription/list"] = lambda h, f: h.send(200, b"[" + b" " * 3_000_000 + b"]")
    g = client(standin, limits=FetchLimits(max_bytes=1_000_000))
    with pytest.raises(SyncError, match="larger than"):
        call(g, lambda g: g.subscriptions())


def test_connection_reset_mid_body(standin: StandIn) -> None:
    def reset(h: Handler, form: dict[str, list[str]]) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        h.wfile.write(b'{"subscriptions": [')
        h.wfile.flush()
        # Linger 0 and a real close of the descriptor: the peer gets a TCP reset.
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(h.connection.detach())

    standin.routes["subscription/list"] = reset
    with pytest.raises(SyncError) as err:
        call(client(standin), lambda g: g.subscriptions())
    assert "broken response" in str(err.value) and "\n" not in str(err.value)


def test_wrong_password(standin: StandIn) -> None:
    with pytest.raises(AuthError, match="wrong user or password"):
        call(client(standin, password="wrong"), lambda g: g.subscriptions())


def test_one_refused_item_is_found_and_the_others_land(standin: StandIn) -> None:
    """The engine splits a refused batch; here the protocol level: a batch with the bad id
    is refused as a whole (HTTP 400), the same batch without it passes."""
    bad = "tag:google.com,2005:reader/item/0000000000000bad"
    landed: list[str] = []

    def edit(h: Handler, form: dict[str, list[str]]) -> None:
        ids = form.get("i", [])
        if bad in ids:
            return h.send(400, b"bad item")
        landed.extend(ids)
        h.send(200, b"OK")

    standin.routes["edit-tag"] = edit
    with pytest.raises(Rejected):
        call(client(standin), lambda g: g.set_read([1, 0xBAD, 3], True))
    call(client(standin), lambda g: g.set_read([1, 3], True))
    assert len(landed) == 2
    assert all(f.get("T") == ["tok"] for p, f in standin.seen if p.endswith("edit-tag"))


def test_writes_are_batched(standin: StandIn) -> None:
    standin.routes["edit-tag"] = lambda h, f: h.send(200, b"OK")
    call(client(standin), lambda g: g.set_read(range(1, 1001), True))
    edits = [f for p, f in standin.seen if p.endswith("edit-tag")]
    assert len(edits) == 2 and sum(len(f["i"]) for f in edits) == 1000
