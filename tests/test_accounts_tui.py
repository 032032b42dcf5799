"""Feed-server accounts in the reader: the filter pane shows each account with its folders and
feeds, filters the list by them, shows the last sync error, and marks a sync in progress.

The accounts are made through the store API (the display needs no server); the sync that
fails here fails before any request (no password), so nothing leaves the machine.
"""

from __future__ import annotations

import pytest

from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.app import NewstuiApp
from newstui.tui.widgets.filter_pane import FilterPane
from test_tui_support import list_ids, make_app, screen_text, settle

pytest_plugins = ["test_tui_support"]  # the demo library fixtures

HOSTILE_ERROR = "[bold red]login refused[/] \x1b[31m"


@pytest.fixture
def account_paths(demo_paths: Paths) -> Paths:
    """The demo library plus an account "home" with a folder Tech (two feeds), a feed in no
    folder, and a last sync error that holds markup."""
    with Library(demo_paths.library) as lib:
        acc = lib.add_account("home", type="greader", url="http://127.0.0.1:9/api", username="me")
        feeds = {}
        for key, title, folder in (
            ("a", "Alpha wire", "Tech"),
            ("b", "Beta wire", "Tech"),
            ("n", "Loose feed", ""),
        ):
            feeds[key] = lib.link_remote_source(
                acc.id,
                f"feed/{key}",
                url=f"https://{key}.example.org/feed",
                title=title,
                category=folder,
                site_url="",
            )
            lib.upsert_articles(
                feeds[key],
                [
                    ArticleIn(
                        f"{title} story {i}",
                        guid=f"{key}{i}",
                        content="From the server.",
                        published=1_700_000_000 + i,
                    )
                    for i in range(2)
                ],
            )
        lib.update_account(acc.id, last_error=HOSTILE_ERROR, last_error_at=1_700_000_000.0)
    return demo_paths


def ids_for(paths: Paths, query: str) -> list[int]:
    with Library(paths.library) as lib:
        return sorted(r.id for r in lib.list_articles(query, limit=None))


def pane_of(app: NewstuiApp) -> FilterPane:
    return app.screen.query_one(FilterPane)


async def choose(pilot, query: str) -> None:  # noqa: ANN001 - a textual Pilot
    """Put the pane's cursor on the node for ``query`` and press enter, as a user would."""
    pane = pane_of(pilot.app)
    pane.focus()
    assert pane.select_query(query), f"no node for {query!r}"
    await pilot.pause()
    node = next(n for n in pane._walk() if n.data is not None and n.data.query == query)
    assert pane.cursor_node is node
    await pilot.press("enter")
    await settle(pilot)


async def test_accounts_folders_and_feeds_filter_the_list(account_paths: Paths) -> None:
    app = make_app(account_paths)
    async with app.run_test(size=(160, 46)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        group = pane._groups["accounts"]
        assert [str(n.label) for n in group.children] == ["home ! 6/6"]
        sources = {str(n.label).split(" ")[0] for n in pane._groups["sources"].children}
        assert "Alpha" not in sources and sources  # the Sources group keeps the local ones

        await choose(pilot, "account:home")
        assert sorted(list_ids(app)) == ids_for(account_paths, "account:home")
        assert len(list_ids(app)) == 6
        await choose(pilot, "account:home category:Tech")
        tech = ids_for(account_paths, "source:Alpha OR source:Beta")
        assert sorted(list_ids(app)) == tech and len(tech) == 4
        loose = next(n for n in pane._walk() if n.data and n.data.label == "source Loose feed")
        await choose(pilot, loose.data.query)
        assert sorted(list_ids(app)) == ids_for(account_paths, "source:Loose")
        assert len(list_ids(app)) == 2
        assert "source Loose feed" in screen_text(app)  # the list header names the filter

        # The account's subtree: its error (as plain text), its folder, its loose feed.
        account = group.children[0]
        labels = [str(n.label) for n in account.children]
        assert labels[0] == "sync failed: [bold red]login refused[/]"  # no markup, no ESC
        assert labels[1:] == ["Tech 4/4", "Loose feed 2/2"]
        assert [str(n.label) for n in account.children[1].children] == [
            "Alpha wire 2/2",
            "Beta wire 2/2",
        ]
        assert "sync failed: [bold" in screen_text(app)  # as much as the pane's width allows
        await pilot.press("k", "k", "k", "k")  # up to the error line; enter tells it whole
        assert pane.cursor_node is account.children[0]
        await pilot.press("enter")
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        assert "home: the last sync failed: [bold red]login refused[/]" in notes


async def test_a_sync_is_marked_while_it_runs(account_paths: Paths) -> None:
    app = make_app(account_paths)
    async with app.run_test(size=(160, 46)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        pane._groups["accounts"].expand()
        pane.syncing = "home"
        await pilot.pause()
        assert str(pane._groups["accounts"].children[0].label) == "home ⟳ syncing ! 6/6"
        assert "home ⟳ syncing ! 6/6" in screen_text(app)
        pane.syncing = ""
        await pilot.pause()
        assert str(pane._groups["accounts"].children[0].label) == "home ! 6/6"


async def test_r_shows_a_failed_sync_and_its_error(
    account_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`r` syncs in a worker; the failure is told in a notification and stays beside the
    account in the pane; the counts and list stay usable meanwhile."""
    import newstui.core.feeds as feeds_mod

    class Report:  # the demo's local feeds are not what this test is about
        done = total = new = 0
        failed: list[object] = []

        def summary(self) -> str:
            return "refreshed 0 feeds"

    monkeypatch.setattr(feeds_mod, "refresh", lambda *a, **kw: Report())
    with Library(account_paths.library) as lib:
        lib.update_account(lib.account("home").id, last_error=None, last_error_at=None)
    app = make_app(account_paths)
    async with app.run_test(size=(160, 46)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        assert str(pane._groups["accounts"].children[0].label) == "home 6/6"  # no error yet
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        assert any("home: failed: no password stored for account 'home'" in m for m in notes), notes
        account = pane._groups["accounts"].children[0]
        assert str(account.label) == "home ! 6/6"
        assert str(account.children[0].label).startswith("sync failed: no password stored for account 'home'")
        assert pane.syncing == ""  # the mark is gone once the sync is over
        with Library(account_paths.library) as lib:
            assert lib.account("home").last_error


async def test_no_accounts_no_accounts_group(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(160, 46)) as pilot:
        await settle(pilot)
        assert "accounts" not in pane_of(app)._groups
        assert "Accounts" not in screen_text(app)


def test_accounts_snapshot(account_paths: Paths, snap_compare) -> None:  # noqa: ANN001
    """The filter pane with an account open on its folder Tech, the list filtered by it."""

    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await choose(pilot, "account:home category:Tech")

    assert snap_compare(make_app(account_paths), terminal_size=(160, 30), run_before=run_before)


async def test_the_pane_follows_reads_renames_and_moves(account_paths: Paths) -> None:
    from newstui.core.feeds import source_settings

    app = make_app(account_paths)
    async with app.run_test(size=(160, 46)) as pilot:
        await settle(pilot)
        pane = pane_of(app)
        account = pane._groups["accounts"].children[0]
        with Library(account_paths.library) as lib:
            lib.set_read([r.id for r in lib.list_articles("source:Alpha", limit=None)][:1])
        pane.reload()
        await settle(pilot)
        assert pane._groups["accounts"].children[0] is account  # only counts changed: same nodes
        assert str(account.label) == "home ! 5/6"
        assert [str(n.label) for n in account.children[1:]] == ["Tech 3/4", "Loose feed 2/2"]
        assert str(account.children[1].children[0].label) == "Alpha wire 1/2"

        with Library(account_paths.library) as lib:
            source_settings(lib, "Loose feed", title="Renamed", category="Arts")
        pane.reload()
        await settle(pilot)
        account = pane._groups["accounts"].children[0]
        assert [str(n.label) for n in account.children[1:]] == ["Arts 2/2", "Tech 3/4"]
        renamed = account.children[1].children[0]
        assert str(renamed.label) == "Renamed 2/2"
        assert renamed.data is not None and renamed.data.label == "source Renamed"
