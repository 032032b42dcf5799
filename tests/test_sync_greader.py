"""The Google Reader API client against a real FreshRSS (see tests/freshrss.py)."""

from __future__ import annotations

import asyncio

import pytest

from freshrss import PASSWORD, USER, FreshRSS
from newstui.sync.backend import AuthError
from newstui.sync.greader import GReader, item_number, long_id


def test_item_ids_long_short_and_signed_forms_are_one_number() -> None:
    assert item_number("tag:google.com,2005:reader/item/0006617b4f273569") == 0x0006617B4F273569
    assert item_number(str(0x0006617B4F273569)) == 0x0006617B4F273569
    assert item_number("0006617b4f273569") == 0x0006617B4F273569
    assert item_number("-1") == (1 << 64) - 1  # Google's signed decimal form
    assert long_id(0x0006617B4F273569) == "tag:google.com,2005:reader/item/0006617b4f273569"
    with pytest.raises(ValueError):
        item_number("feed/12")


def _client(server: FreshRSS, password: str = PASSWORD, **kw: object) -> GReader:
    return GReader(server.base, USER, lambda: password, **kw)  # type: ignore[arg-type]


def _feeds(server: FreshRSS, feeds: int, items: int) -> list[str]:
    urls = []
    for f in range(feeds):
        url = server.feed(f"/f{f}.xml", f"Feed {f}", [(f"g{f}-{i}", f"Item {f}-{i}") for i in range(items)])
        server.api.subscribe(url, folder="Tech" if f % 2 == 0 else "")
        urls.append(url)
    return urls


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.run(coro)


def test_read_calls_and_continuation(freshrss: FreshRSS) -> None:
    _feeds(freshrss, 2, 7)

    async def go() -> None:
        g = _client(freshrss)
        try:
            subs = await g.subscriptions()
            assert sorted(s.title for s in subs) == ["Feed 0", "Feed 1"]
            assert {s.title: s.folder for s in subs}["Feed 0"] == "Tech"
            seen: list[int] = []
            cont = None
            pages = 0
            while True:
                page = await g.stream(since=None, continuation=cont, count=5)
                seen.extend(i.id for i in page.items)
                pages += 1
                cont = page.continuation
                if not cont:
                    break
            assert pages >= 3 and len(seen) == len(set(seen)) == 14
            short = await g.unread_ids()  # the short decimal form
            assert short == set(seen)  # the same numbers as the long hex form
            items = await g.items(seen[:3])
            assert {i.id for i in items} == set(seen[:3])
            assert all(i.title.startswith("Item ") and i.feed.startswith("feed/") for i in items)
            assert any(i.categories for i in items)
        finally:
            await g.close()

    run(go())


def test_writes_are_seen_by_another_client(freshrss: FreshRSS) -> None:
    _feeds(freshrss, 1, 4)
    ids = sorted(freshrss.api.all())

    async def go() -> None:
        g = _client(freshrss)
        try:
            await g.set_read(ids[:2], True)
            await g.set_starred(ids[1:3], True)
            await g.set_label(ids[:3], "later", True)
            await g.set_label(ids[:1], "later", False)
            assert "later" in await g.labels()
            await g.set_read(ids[:1], False)
        finally:
            await g.close()

    run(go())
    assert freshrss.api.unread() == set(ids) - {ids[1]}
    assert freshrss.api.starred() == {ids[1], ids[2]}
    assert freshrss.api.label("later") == {ids[1], ids[2]}


def test_subscription_edits(freshrss: FreshRSS) -> None:
    url = freshrss.feed("/new.xml", "New feed", [("n1", "One")])

    async def go() -> None:
        g = _client(freshrss)
        try:
            await g.subscribe(url, folder="News")
            subs = await g.subscriptions()
            assert [(s.url, s.folder) for s in subs] == [(url, "News")]
            await g.rename(subs[0].id, "Renamed")
            await g.move(subs[0].id, "Other", "News")
            subs = await g.subscriptions()
            assert [(s.title, s.folder) for s in subs] == [("Renamed", "Other")]
            await g.unsubscribe(subs[0].id)
            assert await g.subscriptions() == []
        finally:
            await g.close()

    run(go())


def test_wrong_password_is_one_clear_line(freshrss: FreshRSS) -> None:
    async def go() -> None:
        g = _client(freshrss, password="wrong")
        try:
            await g.subscriptions()
        finally:
            await g.close()

    with pytest.raises(AuthError) as err:
        run(go())
    assert "wrong user or password" in str(err.value) and "\n" not in str(err.value)


def test_a_stale_session_logs_in_again_once(freshrss: FreshRSS) -> None:
    told: list[str | None] = []

    async def go() -> None:
        g = _client(freshrss, auth=f"{USER}/0000000000000000000000000000000000000000", on_auth=told.append)
        try:
            assert await g.subscriptions() == []
            g.token = "stale-token"  # a refused write token is fetched again
            await g.set_read([1], True)
        finally:
            await g.close()

    run(go())
    assert len(told) == 1 and told[0] and told[0].startswith(f"{USER}/")
