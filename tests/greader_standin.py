"""A small loopback stand-in for a Google Reader API server, for the faults and paging a
real server will not produce on demand. Routes are set per test (``srv.routes[PATH] = reply``,
PATH being what follows ``/api/0/``); login (password ``right``) and the write token are
built in. Every request is kept in ``srv.seen`` (path, form) and ``srv.headers_seen``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

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
        self.server.headers_seen.append((path, dict(self.headers.items())))
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
        self.headers_seen: list[tuple[str, dict[str, str]]] = []

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
