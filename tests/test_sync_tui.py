"""`r` in the reader syncs feed-server accounts too, in its worker, against a real FreshRSS."""

from __future__ import annotations

import subprocess

import pytest

from conftest import newstui_command
from freshrss import PASSWORD, USER, FreshRSS
from newstui.paths import Paths
from newstui.store.library import Library
from test_tui_support import list_ids, make_app, settle

pytest_plugins = ["test_tui_support"]  # the demo library fixtures


async def test_r_refreshes_and_syncs(
    freshrss: FreshRSS, demo_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newstui.core.feeds as feeds_mod

    class Report:  # the demo's local feeds are not what this test is about
        done = total = 0
        new = 0
        failed: list[object] = []

        def summary(self) -> str:
            return "refreshed 0 feeds"

    monkeypatch.setattr(feeds_mod, "refresh", lambda *a, **kw: Report())
    url = freshrss.feed("/tui.xml", "Server feed", [("t1", "Synced through the reader")])
    freshrss.api.subscribe(url)
    r = subprocess.run(
        [
            *newstui_command(),
            "--data-dir",
            str(demo_paths.data_dir),
            "account",
            "add",
            "home",
            "--url",
            freshrss.base,
            "--user",
            USER,
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await settle(pilot)  # the refresh's end reloads the list in a worker of its own
        await app.workers.wait_for_complete()
        await settle(pilot)
        with Library(demo_paths.library) as lib:
            assert lib.account("home").last_sync is not None
            synced = [r.id for r in lib.list_articles("Synced through the reader")]
        assert len(synced) == 1 and synced[0] in list_ids(app)  # the list shows it
