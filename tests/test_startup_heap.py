"""The reader's start-up runs without the cyclic collector, which resumes (for young
objects only) once the reader has settled: ``newstui/tui/heap.py``."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui import heap
from newstui.tui.widgets.article_list import ArticleList
from test_tui_support import make_app, settle

pytest_plugins = ["test_tui_support"]


@pytest.fixture
def collector() -> Iterator[None]:
    """Each test starts with the collector running and nothing frozen, and leaves it so."""
    gc.enable()
    gc.unfreeze()
    heap.release()
    yield
    heap.release()
    gc.enable()
    gc.unfreeze()


def _library(tmp_path: Path) -> Paths:
    paths = Paths.resolve(tmp_path / "data")
    with Library(paths.library) as lib:
        src, _ = lib.add_source("https://e.example/feed")
        lib.upsert_articles(
            src.id, [ArticleIn(f"Walrus {i}", guid=f"w{i}", published=1.7e9 + i) for i in range(30)]
        )
    return paths


def test_holding_pauses_collection_until_the_heap_settles(collector: None) -> None:
    heap.hold_collector()
    assert not gc.isenabled() and heap.held()
    heap.settle()
    assert gc.isenabled() and not heap.held()
    assert gc.get_freeze_count() > 0


def test_a_collector_turned_off_by_the_caller_stays_off(collector: None) -> None:
    gc.disable()
    heap.hold_collector()
    assert not heap.held()
    heap.settle()
    assert not gc.isenabled()
    heap.release()
    assert not gc.isenabled()


def test_release_resumes_a_held_collector_without_freezing(collector: None) -> None:
    heap.hold_collector()
    heap.release()
    assert gc.isenabled() and gc.get_freeze_count() == 0


async def test_the_reader_resumes_a_held_collector_once_settled(
    tmp_path: Path, collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newstui.tui import app as app_module

    monkeypatch.setattr(app_module, "SETTLED", 0.05)
    paths = _library(tmp_path)
    heap.hold_collector()
    app = make_app(paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        assert gc.isenabled() and not heap.held()
        assert gc.get_freeze_count() > 10_000  # Textual's and the reader's objects
        await pilot.press("slash", *"walrus")
        await settle(pilot)
        assert app.screen.query_one(ArticleList).count == 30


def test_the_reader_command_holds_the_collector_and_others_do_not(tmp_path: Path) -> None:
    """Through the CLI's own main (in a new process): the reader's start holds the
    collector; `list` does not. (The app itself is replaced by a probe: no terminal.)"""
    _library(tmp_path)
    probe = (
        "import gc, sys\n"
        "import newstui.tui.app as app\n"
        "def run_app(paths, config=None):\n"
        "    print('RUN_APP collector on:', gc.isenabled())\n"
        "    return 0\n"
        "app.run_app = run_app\n"
        "from newstui.cli import main\n"
        f"rc = main(['--data-dir', {str(tmp_path / 'data')!r}] + sys.argv[1:])\n"
        "print('AFTER collector on:', gc.isenabled())\n"
        "sys.exit(rc)\n"
    )
    reader = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert reader.returncode == 0, reader.stderr
    assert "RUN_APP collector on: False" in reader.stdout
    listing = subprocess.run(
        [sys.executable, "-c", probe, "list", "walrus"], capture_output=True, text=True, timeout=120
    )
    assert listing.returncode == 0, listing.stderr
    assert "Walrus 29" in listing.stdout
    assert "AFTER collector on: True" in listing.stdout


def test_a_reader_that_fails_before_it_starts_gives_the_collector_back(
    tmp_path: Path, collector: None
) -> None:
    """`tui --help` and a bad config end the reader's command before the app settles the
    heap: the collector runs again afterwards (for a caller in the same process)."""
    from newstui.cli import main

    data = tmp_path / "data"
    with pytest.raises(SystemExit):
        main(["--data-dir", str(data), "tui", "--help"])
    assert gc.isenabled() and not heap.held()
    data.mkdir()
    (data / "config.toml").write_text("[feeds]\nper_host = 'many'\n", encoding="utf-8")
    assert main(["--data-dir", str(data), "tui"]) != 0
    assert gc.isenabled() and not heap.held()
