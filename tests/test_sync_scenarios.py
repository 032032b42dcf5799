"""Sync scenarios end to end: the real `newstui` against a real FreshRSS (tests/freshrss.py).

What the server holds is checked through its Google Reader API (``freshrss.api``), as another
device would see it; what newstui holds is read from its library file.
"""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import newstui_command
from freshrss import PASSWORD, STARRED, USER, FreshRSS
from newstui.store.library import Library
from newstui.sync.greader import ITEM_PREFIX, item_number

Cli = Callable[..., subprocess.CompletedProcess[str]]


def add_account(cli: Cli, server: FreshRSS, *extra: str, name: str = "home") -> None:
    r = cli("account", "add", name, "--url", server.base, "--user", USER, *extra, input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr


def sync(cli: Cli, *names: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    r = cli("sync", *names)
    if ok:
        assert r.returncode == 0, r.stderr + r.stdout
    return r


def feeds(server: FreshRSS, n: int = 3, items: int = 4) -> list[str]:
    urls = []
    for f in range(n):
        url = server.feed(f"/f{f}.xml", f"Feed {f}", [(f"g{f}-{i}", f"Item {f}-{i}") for i in range(items)])
        server.api.subscribe(url, folder="Tech" if f == 0 else "")
        urls.append(url)
    return urls


class Local:
    """What the library holds, by server item id."""

    def __init__(self, data_dir: Path) -> None:
        self.lib = Library(data_dir / "library.db")

    def close(self) -> None:
        self.lib.close()

    def ids(self) -> dict[int, int]:
        """server item id -> article id"""
        return {
            item_number(key): aid
            for acc in self.lib.accounts()
            for aid, key, _r, _b in self.lib.account_articles(acc.id)
            if key.startswith(ITEM_PREFIX)
        }

    def unread(self) -> set[int]:
        return {
            item_number(k)
            for acc in self.lib.accounts()
            for _a, k, read, _b in self.lib.account_articles(acc.id)
            if not read
        }

    def starred(self) -> set[int]:
        return {
            item_number(k)
            for acc in self.lib.accounts()
            for _a, k, _r, bm in self.lib.account_articles(acc.id)
            if bm
        }


@pytest.fixture
def local(data_dir: Path):  # noqa: ANN201
    views: list[Local] = []

    def open_() -> Local:
        v = Local(data_dir)
        views.append(v)
        return v

    yield open_
    for v in views:
        v.close()


def test_first_sync(freshrss: FreshRSS, cli: Cli, local: Callable[[], Local]) -> None:
    feeds(freshrss)
    api = freshrss.api
    ids = sorted(api.all())
    api.edit(ids[:5], add="user/-/state/com.google/read")
    api.edit(ids[2:3], add=STARRED)
    api.edit(ids[6:8], add="user/-/label/later")
    add_account(cli, freshrss)
    r = sync(cli)
    assert "home: 12 new" in r.stdout
    view = local()
    assert set(view.ids()) == set(ids)
    assert view.unread() == set(ids[5:])
    assert view.starred() == {ids[2]}
    srcs = {s.title: s for s in view.lib.sources()}
    assert set(srcs) == {"Feed 0", "Feed 1", "Feed 2"}
    assert srcs["Feed 0"].category == "Tech" and srcs["Feed 0"].kind == "remote"
    art = view.lib.article(view.ids()[ids[6]])
    assert "later" in art.tag_names and art.categories  # labels -> tags, item categories kept
    bm = view.lib.article(view.ids()[ids[2]])
    assert bm.bookmarked  # a star elsewhere is a full bookmark here
    listed = cli("accounts", "--format", "json")
    assert '"articles": 12' in listed.stdout and '"last_error": null' in listed.stdout


def test_first_sync_takes_the_window_plus_every_unread_and_starred(
    freshrss: FreshRSS, cli: Cli, local: Callable[[], Local]
) -> None:
    feeds(freshrss, 2, 5)
    api = freshrss.api
    ids = sorted(api.all())
    api.edit(ids[:8], add="user/-/state/com.google/read")
    api.edit(ids[0:1], add=STARRED)
    add_account(cli, freshrss, "--initial-days", "0")  # a window that holds nothing
    # The server filters by crawl time in whole seconds: a window starting in the second the
    # items were crawled in would hold them. Start it in a later second.
    time.sleep(1.05)
    sync(cli)
    view = local()
    assert set(view.ids()) == {ids[0], *ids[8:]}


def test_incremental_sync(freshrss: FreshRSS, cli: Cli, local: Callable[[], Local]) -> None:
    feeds(freshrss, 2, 3)
    add_account(cli, freshrss)
    sync(cli)
    freshrss.feed("/f1.xml", "Feed 1", [(f"g1-{i}", f"Item 1-{i}") for i in range(5)])
    freshrss.actualize()
    r = sync(cli)
    assert "home: 2 new" in r.stdout
    assert set(local().ids()) == freshrss.api.all()
    r = sync(cli)
    assert "home: 0 new, 0 changed here, 0 pushed" in r.stdout


def test_read_and_star_on_the_server_seen_locally(
    freshrss: FreshRSS, cli: Cli, local: Callable[[], Local]
) -> None:
    feeds(freshrss, 1, 6)
    add_account(cli, freshrss)
    sync(cli)
    api = freshrss.api
    ids = sorted(api.all())
    api.edit(ids[:2], add="user/-/state/com.google/read")
    api.edit(ids[3:5], add=STARRED)
    api.edit(ids[5:], add="user/-/label/keep")
    sync(cli)
    view = local()
    assert view.unread() == set(ids[2:])
    assert view.starred() == set(ids[3:5])
    assert "keep" in view.lib.article(view.ids()[ids[5]]).tag_names
    view.close()
    api.edit(ids[:1], remove="user/-/state/com.google/read", add="user/-/state/com.google/kept-unread")
    api.edit(ids[3:4], remove=STARRED)
    api.edit(ids[5:], remove="user/-/label/keep")
    sync(cli)
    view = local()
    assert view.unread() == {ids[0], *ids[2:]}
    assert view.starred() == {ids[4]}
    assert "keep" not in view.lib.article(view.ids()[ids[5]]).tag_names


def test_read_star_and_tag_here_seen_on_the_server(
    freshrss: FreshRSS, cli: Cli, local: Callable[[], Local]
) -> None:
    feeds(freshrss, 2, 4)
    add_account(cli, freshrss)
    sync(cli)
    view = local()
    ids = sorted(view.ids())
    aid = view.ids()
    view.close()
    assert cli("read", str(aid[ids[0]]), str(aid[ids[1]])).returncode == 0
    assert cli("bookmark", str(aid[ids[2]])).returncode == 0
    assert cli("tag", str(aid[ids[3]]), "+later").returncode == 0
    r = sync(cli)
    assert "4 pushed" in r.stdout
    api = freshrss.api
    assert api.unread() == set(ids[2:])
    assert api.starred() == {ids[2]}
    assert api.label("later") == {ids[3]}
    assert cli("unread", str(aid[ids[0]])).returncode == 0
    assert cli("unbookmark", str(aid[ids[2]])).returncode == 0
    assert cli("tag", str(aid[ids[3]]), "-later").returncode == 0
    sync(cli)
    assert api.unread() == {ids[0], *ids[2:]}
    assert api.starred() == set()
    assert api.label("later") == set()


def test_subscribe_unsubscribe_rename_move_here_seen_on_the_server(
    freshrss: FreshRSS, cli: Cli, local: Callable[[], Local], data_dir: Path
) -> None:
    urls = feeds(freshrss, 2, 2)
    add_account(cli, freshrss)
    sync(cli)
    new = freshrss.feed("/new.xml", "New", [("n1", "Fresh one")])
    r = cli("add", new, "--account", "home", "--category", "Later")
    assert r.returncode == 0, r.stderr
    subs = {s["url"]: s for s in freshrss.api.subscriptions()}
    assert subs[new]["categories"][0]["label"] == "Later"
    view = local()
    assert any(t.startswith("Fresh one") for t in (a.title for a in view.lib.list_articles()))
    src0 = view.lib.source(urls[0])
    src1 = view.lib.source(urls[1])
    view.lib.update_source(src0.id, title="Renamed here")
    view.lib.update_source(src1.id, category="Moved")
    view.close()
    assert cli("remove", new).returncode == 0
    sync(cli)
    subs = {s["url"]: s for s in freshrss.api.subscriptions()}
    assert set(subs) == set(urls)
    assert subs[urls[0]]["title"] == "Renamed here"
    assert subs[urls[1]]["categories"][0]["label"] == "Moved"
    view = local()
    assert view.lib.source(urls[0]).title == "Renamed here"
    assert view.lib.source(urls[1]).category == "Moved"


def test_changes_made_offline_are_pushed_when_the_server_returns(
    freshrss: FreshRSS, cli: Cli, local: Callable[[], Local]
) -> None:
    feeds(freshrss, 1, 4)
    add_account(cli, freshrss)
    sync(cli)
    view = local()
    ids = sorted(view.ids())
    aid = view.ids()
    view.close()
    freshrss.stop()
    assert cli("read", str(aid[ids[0]])).returncode == 0
    assert cli("bookmark", str(aid[ids[1]])).returncode == 0
    r = sync(cli, ok=False)
    assert r.returncode == 3
    assert "home: failed: " in r.stderr and "cannot connect" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert cli("tag", str(aid[ids[2]]), "+offline").returncode == 0
    listed = cli("accounts")
    assert "last error: " in listed.stdout
    freshrss.start()
    sync(cli)
    api = freshrss.api
    assert api.unread() == set(ids[1:])
    assert api.starred() == {ids[1]}
    assert api.label("offline") == {ids[2]}
    assert "last error" not in cli("accounts").stdout


def test_sigkill_at_random_points_then_convergence(
    freshrss: FreshRSS, cli: Cli, local: Callable[[], Local], data_dir: Path
) -> None:
    feeds(freshrss, 4, 25)
    add_account(cli, freshrss)
    sync(cli)
    view = local()
    ids = sorted(view.ids())
    aid = view.ids()
    view.close()
    rng = random.Random(17)
    want_read: dict[int, bool] = {}
    want_star: dict[int, bool] = {}
    env = {**os.environ, "NO_COLOR": "1"}
    # Kill points are drawn from the time a whole sync takes here, learnt as it goes: a
    # sync that finishes before its kill point shortens the span the next one is drawn from.
    kills = rounds = 0
    span = 1.2
    while kills < 10 and rounds < 60:
        rounds += 1
        lib = Library(data_dir / "library.db")
        try:
            for iid in rng.sample(ids, 15):
                flag = rng.random() < 0.6
                lib.set_read(aid[iid], flag)
                want_read[iid] = flag
            for iid in rng.sample(ids, 3):
                if want_star.get(iid):
                    lib.unbookmark(aid[iid])
                    want_star[iid] = False
                else:
                    lib.bookmark(aid[iid])
                    want_star[iid] = True
        finally:
            lib.close()
        proc = subprocess.Popen(
            [*newstui_command(), "--data-dir", str(data_dir), "sync"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        started = time.monotonic()
        time.sleep(rng.uniform(0.0, span))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        else:
            span = max(0.05, time.monotonic() - started)
        proc.wait()
    assert kills >= 10
    sync(cli)
    api = freshrss.api
    server_unread = api.unread()
    server_starred = api.starred()
    for iid, flag in want_read.items():
        assert (iid not in server_unread) == flag
    for iid, flag in want_star.items():
        assert (iid in server_starred) == flag
    view = local()
    assert view.unread() == server_unread
    assert view.starred() == server_starred
    assert set(view.ids()) == api.all()
    assert cli("doctor").returncode == 0


def test_wrong_password_is_one_clear_line(freshrss: FreshRSS, cli: Cli, data_dir: Path) -> None:
    r = cli("account", "add", "home", "--url", freshrss.base, "--user", USER, input="nope\n")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "wrong user or password" in r.stderr
    assert "nope" not in r.stderr
    assert "no accounts" in cli("accounts").stdout
    add_account(cli, freshrss, "--password-command", f"printf %s {PASSWORD}")
    # Later the server's password changes: the cached session and the login both fail.
    (data_dir / "accounts" / "home.token").write_text("admin/bogus\n")
    lib = Library(data_dir / "library.db")
    try:
        lib.update_account(lib.account("home").id, password_command="printf %s changed")
    finally:
        lib.close()
    r = sync(cli, ok=False)
    assert r.returncode == 3
    assert r.stderr.count("\n") == 1 and "wrong user or password" in r.stderr and "changed" not in r.stderr
    assert "Traceback" not in r.stderr


def test_expired_token_means_a_silent_relogin(freshrss: FreshRSS, cli: Cli, data_dir: Path) -> None:
    feeds(freshrss, 1, 2)
    add_account(cli, freshrss)
    token = data_dir / "accounts" / "home.token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "accounts").stat().st_mode) == 0o700
    assert PASSWORD not in (data_dir / "library.db").read_bytes().decode("latin-1")
    token.write_text("admin/0000000000000000000000000000000000000000\n")
    os.chmod(token, 0o600)
    r = sync(cli)
    assert r.stderr == ""
    assert token.read_text().strip() != "admin/0000000000000000000000000000000000000000"
    os.chmod(token, 0o644)
    r = sync(cli, ok=False)
    assert r.returncode == 3 and "others can read it" in r.stderr


def test_account_remove_keeps_or_drops_articles(freshrss: FreshRSS, cli: Cli, data_dir: Path) -> None:
    feeds(freshrss, 1, 3)
    add_account(cli, freshrss)
    sync(cli)
    r = cli("account", "remove", "home", "--keep-articles")
    assert r.returncode == 0
    assert not (data_dir / "accounts" / "home.token").exists()
    lib = Library(data_dir / "library.db")
    try:
        assert [s.kind for s in lib.sources()] == ["feed"] and lib.count() == 3
    finally:
        lib.close()


def test_a_refused_push_is_recorded_and_does_not_block_the_others(
    freshrss: FreshRSS, cli: Cli, local: Callable[[], Local]
) -> None:
    feeds(freshrss, 1, 3)
    add_account(cli, freshrss)
    sync(cli)
    view = local()
    ids = sorted(view.ids())
    aid = view.ids()
    view.close()
    assert cli("read", str(aid[ids[0]])).returncode == 0
    missing = freshrss.feeds.url("/no-such-feed.xml")  # FreshRSS cannot fetch it: HTTP 400
    r = cli("add", missing, "--account", "home")
    assert r.returncode == 0, r.stderr
    assert "1 refused by the server" in r.stdout
    assert freshrss.api.unread() == set(ids[1:])  # the read change landed all the same
    listed = cli("accounts", "--format", "json")
    assert '"refused": 1' in listed.stdout
    view = local()
    rejects = view.lib.rejects(view.lib.account("home").id)
    assert [(kind, value) for _at, kind, _a, _s, value, _why in rejects] == [("subscribe", missing)]
    assert "HTTP 400" in rejects[0][5]
    assert all(s.url != missing for s in view.lib.sources())
