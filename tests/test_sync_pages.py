"""A first sync's pages: read ahead by their continuation, prepared in a worker process and
written in batches. Against the loopback stand-in (tests/greader_standin.py), which can put
the continuation where a real server does not, lie about it, or break a page; the real
FreshRSS runs are in test_sync_scenarios.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from greader_standin import Handler, StandIn, client
from newstui.canonical import canonical_link
from newstui.models import Account
from newstui.store.library import Library
from newstui.sync.engine import SyncReport, credentials, sync_account
from newstui.sync.greader import ITEM_PREFIX, continuation_hint, parse_page
from newstui.sync.pages import PagePool, prepare_page

STREAM = "stream/contents/user/-/state/com.google/reading-list"
FEEDS = 3
PAGE_ITEMS = 250  # the engine's page size


def _item(n: int) -> dict[str, Any]:
    return {
        "id": f"{ITEM_PREFIX}{n:016x}",
        "title": f"Item {n}",
        "timestampUsec": str(1_700_000_000_000_000 - n * 1000),
        "published": 1_700_000_000 - n,
        "canonical": [{"href": f"http://127.0.9.17/item/{n}"}],
        "categories": ["user/-/state/com.google/reading-list", "user/-/label/Folder", f"cat-{n % 2}"],
        "origin": {"streamId": f"feed/{n % FEEDS}"},
        "summary": {"content": f"<p>Body of item {n}</p>"},
    }


def serve(srv: StandIn, total: int, *, where: str = "last", broken_page: int | None = None) -> None:
    """A reading list of ``total`` items in pages of ``n``; ``where`` the continuation sits in
    the object: "last" (as FreshRSS and Inoreader put it) or "first"."""

    def stream(h: Handler, form: dict[str, list[str]]) -> None:
        start = int(form.get("c", ["0"])[0])
        count = int(form.get("n", ["20"])[0])
        if broken_page is not None and start == broken_page * count:
            return h.send(200, b'{"items": [')
        items = [_item(n) for n in range(start, min(total, start + count))]
        doc: dict[str, Any] = {"items": items}
        if start + count < total:
            doc = (
                {"continuation": str(start + count), **doc}
                if where == "first"
                else {**doc, "continuation": str(start + count)}
            )
        h.send(200, json.dumps(doc).encode())

    srv.routes[STREAM] = stream
    srv.routes["subscription/list"] = lambda h, f: h.send(
        200,
        json.dumps(
            {
                "subscriptions": [
                    {"id": f"feed/{i}", "title": f"Feed {i}", "url": f"http://127.0.9.17/f{i}.xml"}
                    for i in range(FEEDS)
                ]
            }
        ).encode(),
    )
    ids = json.dumps({"itemRefs": [{"id": str(n)} for n in range(total)]}).encode()
    srv.routes["stream/items/ids"] = lambda h, f: h.send(
        200, ids if f.get("s") == ["user/-/state/com.google/reading-list"] else b'{"itemRefs": []}'
    )
    srv.routes["tag/list"] = lambda h, f: h.send(200, b'{"tags": []}')


def sync(lib: Library, srv: StandIn) -> SyncReport:
    acc: Account = lib.account("here")
    state = lib.path.parent / "state"
    return asyncio.run(sync_account(lib, acc, credentials(state, acc.name), backend=client(srv)))


@pytest.fixture
def lib(tmp_path: Path, standin: StandIn) -> Library:
    library = Library(tmp_path / "library.db")
    library.add_account("here", type="greader", url=standin.base, username="me")
    return library


def keys(lib: Library) -> set[str]:
    return {key for _aid, key, _read, _bm in lib.account_articles(lib.account("here").id)}


def stream_requests(srv: StandIn) -> list[dict[str, list[str]]]:
    return [form for path, form in srv.seen if path.endswith(STREAM)]


@pytest.mark.parametrize("where", ["last", "first"])
def test_first_sync_stores_every_page_wherever_the_continuation_sits(
    lib: Library, standin: StandIn, where: str
) -> None:
    total = 5 * PAGE_ITEMS + 17
    serve(standin, total, where=where)
    report = sync(lib, standin)
    assert report.ok, report.error
    assert report.new == total
    assert keys(lib) == {f"{ITEM_PREFIX}{n:016x}" for n in range(total)}
    # Each page asked for once, in order, whether read ahead ("last") or one by one ("first").
    starts = [int(f.get("c", ["0"])[0]) for f in stream_requests(standin)]
    assert starts == [k * PAGE_ITEMS for k in range(6)]
    # Categories and the sources' folders came through the worker like the rest.
    acc = lib.account("here")
    assert acc.cursor == pytest.approx((1_700_000_000_000_000) / 1_000_000)
    assert {s.title for s in lib.sources()} == {f"Feed {i}" for i in range(FEEDS)}
    assert lib.count("category:cat-1") == total // 2


def test_a_broken_page_fails_the_sync_and_keeps_the_cursor(lib: Library, standin: StandIn) -> None:
    serve(standin, 4 * PAGE_ITEMS, broken_page=2)
    report = sync(lib, standin)
    assert not report.ok and "malformed" in (report.error or "")
    assert "\n" not in (report.error or "")
    assert lib.account("here").cursor is None  # the next sync starts over; nothing is lost
    # Whatever was written is whole pages (the writes are transactions of whole pages).
    assert len(keys(lib)) % PAGE_ITEMS == 0


def test_an_incremental_sync_asks_for_one_small_page(lib: Library, standin: StandIn) -> None:
    serve(standin, 3 * PAGE_ITEMS)
    assert sync(lib, standin).ok
    standin.seen.clear()
    again = sync(lib, standin)
    assert again.ok and again.new == 0
    pages = stream_requests(standin)
    assert len(pages) == 1 and pages[0]["n"] == ["50"]
    # A new session here (the stand-in's token is not cached): a login, then the subscriptions,
    # one page, and three calls asked for together (unread, starred; labels from tag/list: none).
    paths = [p.split("/api/0/")[-1].removeprefix("/api/greader.php/") for p, _f in standin.seen]
    assert paths[:3] == ["accounts/ClientLogin", "subscription/list", STREAM]
    assert sorted(paths[3:]) == ["stream/items/ids", "stream/items/ids", "tag/list"]
    assert again.requests == len(standin.seen)


def test_continuation_hint_reads_only_the_last_member() -> None:
    assert continuation_hint(b'{"items": [], "continuation": "abc"}') == "abc"
    assert continuation_hint(b'{"items": [], "continuation": 123 }\n') == "123"
    assert continuation_hint(b'{"continuation": "abc", "items": []}') is None
    assert continuation_hint(b'{"items": [{"continuation": "x"}]}') is None
    assert continuation_hint(b'{"x": {"continuation": "x"}}') is None
    assert continuation_hint(b'{"items": [], "continuation": null}') is None
    assert continuation_hint(b'{"items": [], "t": "\\"continuation\\":\\"no\\"}') is None
    assert continuation_hint(b"not json") is None


def test_the_worker_prepares_the_same_rows_as_this_process() -> None:
    body = json.dumps({"items": [_item(n) for n in range(40)], "continuation": "40"}).encode()
    here = prepare_page(parse_page, body, 1000.0)

    async def there() -> object:
        pool = PagePool()
        pool.start()
        try:
            while pool._pool is None:  # wait until the worker answers (it starts on a thread)
                assert not pool._broken
                await asyncio.sleep(0.05)
            return await pool.prepare(parse_page, body, 1000.0)
        finally:
            pool.close()

    assert asyncio.run(there()) == here
    assert not isinstance(here, str) and here.count == 40 and here.continuation == "40"
    assert prepare_page(parse_page, b"{broken", 0.0) == "malformed response to stream/contents (not JSON)"


def test_app_id_and_key_go_with_every_request_and_nowhere_else(
    standin: StandIn, cli: Any, data_dir: Path
) -> None:
    """Inoreader wants AppId/AppKey headers on every request, login included."""
    serve(standin, 30)
    key = "k3y-s3cr3t-0123456789"
    r = cli(
        "account",
        "add",
        "ino",
        "--url",
        standin.base,
        "--user",
        "me",
        "--app-id",
        "1000001",
        "--app-key",
        key,
        input="right\n",
    )
    assert r.returncode == 0, r.stderr
    r = cli("sync", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[-1])["new"] == 30
    # The login of `account add`, then a whole sync with its cached session.
    assert sorted(p.rsplit("/", 1)[-1] for p, _h in standin.headers_seen) == [
        "ClientLogin",
        "ids",
        "ids",
        "list",
        "list",
        "reading-list",
    ]
    for path, headers in standin.headers_seen:
        assert headers.get("AppId") == "1000001" and headers.get("AppKey") == key, path
    # Kept like the password: in the 0600 secrets folder only, never the library, a log or output.
    r = cli("accounts", "--format", "json")
    assert key not in r.stdout + r.stderr
    holders = [p for p in data_dir.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert [p.name for p in holders] == ["ino.app"]
    assert holders[0].stat().st_mode & 0o077 == 0


def test_app_id_without_a_key_is_one_clear_line(standin: StandIn, cli: Any) -> None:
    r = cli("account", "add", "ino", "--url", standin.base, "--user", "me", "--app-id", "1", input="right\n")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == ["newstui: --app-id and --app-key go together"]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("tag:google.com,2005:reader/item/0006617b4f273569", ""),  # every synced item's guid
        ("urn:uuid:1", ""),
        ("HTTP://Example.org/a/", "http://example.org/a"),
        ("  HTTPS://h:443/ ", "https://h/"),
        ("ht\ttp://host/a", "http://host/a"),  # urlsplit drops tabs and newlines inside
        ("\x01http://h/", "http://h/"),  # and leading control characters
        ("http:/x", ""),
        ("//host/x", ""),
    ],
)
def test_canonical_link_skips_parsing_what_cannot_be_http(url: str, canonical: str) -> None:
    """The guid of every synced item is a tag: URI; canonical_link answers "" for it without
    parsing, and still sees the http(s) URLs that urlsplit would clean up first."""
    assert canonical_link(url) == canonical
