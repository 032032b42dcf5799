"""Faults a real server will not produce on demand, from a small loopback stand-in for a
Google Reader API server: 5xx, 429 with Retry-After, malformed and huge answers, a
connection reset halfway through a body, and one item refused among many."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
from collections.abc import Callable

import pytest

from greader_standin import Handler, StandIn, client
from newstui.sources.fetch import FetchLimits
from newstui.sync.backend import AuthError, Rejected, SyncError
from newstui.sync.greader import GReader


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
