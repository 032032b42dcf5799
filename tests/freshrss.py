"""A real FreshRSS for the sync tests (a pytest plugin: conftest lists it in pytest_plugins).

One FreshRSS per test session (per xdist worker), started by ``../shared/servers/freshrss-up``
on its own 127.0.x.y address with its data in a temporary folder, next to a loopback feed
server (``feedserver.py``) that FreshRSS subscribes to like any site. Each test gets the
server emptied (no feeds, entries, labels or extra folders) through FreshRSS's own SQLite
file. ``FreshRSS.api`` is a small synchronous Google Reader API client the tests use to see
and change the server's state the way another device would.

Where the tree or PHP is missing the tests skip with one line, except in CI (``CI`` set),
where they fail: sync must be tested there.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from feedserver import FeedServer

SERVERS = Path(os.environ.get("NEWSTUI_SERVERS", Path(__file__).resolve().parents[2] / "shared" / "servers"))
UP = SERVERS / "freshrss-up"
TREE = SERVERS / "freshrss"
USER = "admin"
PASSWORD = "newstui-api"
READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"


def missing() -> str | None:
    """Why FreshRSS cannot run here, or None."""
    if shutil.which("php") is None:
        return "php is not installed (apt-get install php-cli php-sqlite3 php-curl php-xml " + (
            "php-mbstring php-intl php-zip php-gmp)"
        )
    if not UP.exists() or not (TREE / "p" / "api" / "greader.php").exists():
        return f"no FreshRSS tree at {TREE} (set NEWSTUI_SERVERS)"
    return None


SHM = Path("/dev/shm")


def fast_dir() -> Path | None:
    """A folder in memory for FreshRSS's data when the system has one: FreshRSS commits
    every entry on its own, which costs seconds per feed on a disk that syncs for real."""
    if SHM.is_dir() and os.access(SHM, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="newstui-freshrss-", dir=SHM))
    return None


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def rss(title: str, items: list[tuple[str, str]], *, link: str = "http://example.invalid/") -> bytes:
    """An RSS 2.0 document: ``items`` are (guid, title); dates descend from 2026-01-01."""
    parts = [f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>{link}</link>']
    for n, (guid, item_title) in enumerate(items):
        day = 1 + n % 28
        parts.append(
            f"<item><guid>{guid}</guid><title>{item_title}</title><link>{link}{guid}</link>"
            f"<category>cat-{n % 3}</category>"
            f"<description>&lt;p&gt;Body of {item_title}&lt;/p&gt;</description>"
            f"<pubDate>Thu, {day:02d} Jan 2026 10:00:00 +0000</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


class Api:
    """What another device sees and does: a plain Google Reader API client."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.client = httpx.Client(timeout=60)
        self.auth = ""
        self.token = ""

    def login(self) -> None:
        r = self.client.post(f"{self.base}/accounts/ClientLogin", data={"Email": USER, "Passwd": PASSWORD})
        r.raise_for_status()
        self.auth = next(line[5:] for line in r.text.splitlines() if line.startswith("Auth="))
        self.token = self.get("reader/api/0/token", raw=True).strip()

    def _headers(self) -> dict[str, str]:
        if not self.auth:
            self.login()
        return {"Authorization": f"GoogleLogin auth={self.auth}"}

    def get(self, path: str, raw: bool = False, **params: Any) -> Any:
        r = self.client.get(
            f"{self.base}/{path}", params={"output": "json", **params}, headers=self._headers()
        )
        r.raise_for_status()
        return r.text if raw else r.json()

    def post(self, path: str, data: dict[str, Any]) -> str:
        headers = self._headers()
        r = self.client.post(f"{self.base}/{path}", data={**data, "T": self.token}, headers=headers)
        r.raise_for_status()
        return r.text

    # Conveniences for assertions.
    def subscriptions(self) -> list[dict[str, Any]]:
        return self.get("reader/api/0/subscription/list")["subscriptions"]

    def subscribe(self, url: str, folder: str = "") -> None:
        data = {"ac": "subscribe", "s": f"feed/{url}"}
        if folder:
            data["a"] = f"user/-/label/{folder}"
        self.post("reader/api/0/subscription/edit", data)

    def ids(self, stream: str, exclude: str = "") -> set[int]:
        params = {"s": stream, "n": 100000}
        if exclude:
            params["xt"] = exclude
        return {int(r["id"]) for r in self.get("reader/api/0/stream/items/ids", **params)["itemRefs"]}

    def unread(self) -> set[int]:
        return self.ids(READING_LIST, READ)

    def starred(self) -> set[int]:
        return self.ids(STARRED)

    def all(self) -> set[int]:
        return self.ids(READING_LIST)

    def label(self, name: str) -> set[int]:
        return self.ids(f"user/-/label/{name}")

    def items(self) -> list[dict[str, Any]]:
        return self.get(f"reader/api/0/stream/contents/{READING_LIST}", n=10000)["items"]

    def edit(self, ids: set[int] | list[int], add: str = "", remove: str = "") -> None:
        data: dict[str, Any] = {"i": [str(i) for i in ids]}
        if add:
            data["a"] = add
        if remove:
            data["r"] = remove
        self.post("reader/api/0/edit-tag", data)


@dataclass
class FreshRSS:
    data: Path
    host: str
    port: int
    feeds: FeedServer
    api_client: Api | None = None
    proc_pgid: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base(self) -> str:
        """The Google Reader API base, as a user would give it to ``newstui account add``."""
        return f"{self.url}/api/greader.php"

    @property
    def api(self) -> Api:
        if self.api_client is None:
            self.api_client = Api(self.base)
        return self.api_client

    def start(self) -> None:
        env = {**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}
        out = subprocess.run(
            [str(UP), str(self.data), f"{self.host}:{self.port}"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        if out.returncode != 0:
            raise RuntimeError(f"freshrss-up failed: {out.stderr.strip()[-500:]}")
        self.proc_pgid = int((self.data / "server.pid").read_text().strip())
        for _ in range(100):
            try:
                if httpx.get(f"{self.base}/accounts/ClientLogin", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc_pgid is not None:
            try:
                os.killpg(self.proc_pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            for _ in range(100):
                try:
                    with socket.create_connection((self.host, self.port), timeout=0.2):
                        pass
                except OSError:
                    break
                time.sleep(0.05)
            self.proc_pgid = None
        if self.api_client is not None:
            self.api_client.client.close()
            self.api_client = None

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.data / "users" / USER / "db.sqlite", timeout=30)

    def reset(self) -> None:
        """Empty the server: no feeds, entries, labels or folders but the default one."""
        with self.db() as c:
            c.executescript(
                "DELETE FROM entrytag; DELETE FROM tag; DELETE FROM entry; DELETE FROM entrytmp; "
                "DELETE FROM feed; DELETE FROM category WHERE id > 1;"
            )
        self.feeds.routes.clear()
        self._clear_cache()  # FreshRSS would serve an earlier test's copy of a feed URL

    def _clear_cache(self) -> None:
        shutil.rmtree(self.data / "cache", ignore_errors=True)
        (self.data / "cache").mkdir(exist_ok=True)

    def actualize(self) -> None:
        """Make FreshRSS fetch every feed again now (as its cron would)."""
        with self.db() as c:
            c.execute("UPDATE feed SET lastUpdate = 0, ttl = 0")
        self._clear_cache()
        subprocess.run(
            ["php", str(TREE / "cli" / "actualize-user.php"), "--user", USER],
            env={**os.environ, "DATA_PATH": str(self.data)},
            capture_output=True,
            timeout=300,
            check=True,
        )

    def feed(self, path: str, title: str, items: list[tuple[str, str]]) -> str:
        """Serve (or replace) a feed on the loopback feed server; returns its URL."""
        # Links point back at the loopback server: a bookmark's full-text fetch stays here.
        return self.feeds.feed(path, rss(title, items, link=self.feeds.url("/")), validators=False)


@pytest.fixture(scope="session")
def freshrss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshRSS]:
    why = missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"FreshRSS sync tests cannot run in CI: {why}")
        pytest.skip(f"no FreshRSS: {why}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    n = int(worker) if worker.isdigit() else 0
    host = f"127.0.{70 + n}.{(os.getpid() % 200) + 20}"
    feeds = FeedServer([host]).start()
    data = fast_dir() or tmp_path_factory.mktemp("freshrss")
    server = FreshRSS(data, host, _free_port(host), feeds)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        feeds.stop()
        if data.parent == SHM:
            shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def freshrss(freshrss_server: FreshRSS) -> Iterator[FreshRSS]:
    """The session's FreshRSS, emptied for this test and running."""
    if freshrss_server.proc_pgid is None:
        freshrss_server.start()
    freshrss_server.reset()
    yield freshrss_server
    if freshrss_server.proc_pgid is None:
        freshrss_server.start()
