"""Snapshot tests of the main views (pytest-textual-snapshot): a visual change fails here.

Regenerate after an intended change with ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

import pytest

from newstui.paths import Paths
from newstui.tui.widgets.filter_pane import FilterPane
from support import steps
from test_tui_support import make_app, settle

pytest_plugins = ["test_tui_support"]  # library fixtures

WIDE = (160, 46)


@pytest.mark.parametrize("name,size,step", steps(), ids=[name for name, _, _ in steps()])
def test_readme_views(demo_paths: Paths, snap_compare, name, size, step) -> None:  # noqa: ANN001
    """Each picture in the README, exactly as `python tests/make_screenshots.py` takes it."""
    assert snap_compare(make_app(demo_paths), terminal_size=size, run_before=step)


def test_narrow_list(demo_paths: Paths, snap_compare) -> None:  # noqa: ANN001
    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)

    assert snap_compare(make_app(demo_paths), terminal_size=(80, 24), run_before=run_before)


def test_narrow_reading(demo_paths: Paths, snap_compare) -> None:  # noqa: ANN001
    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)

    assert snap_compare(make_app(demo_paths), terminal_size=(80, 24), run_before=run_before)


def test_tiny_without_filters(demo_paths: Paths, snap_compare) -> None:  # noqa: ANN001
    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)

    assert snap_compare(make_app(demo_paths), terminal_size=(70, 20), run_before=run_before)


def test_hostile_titles(hostile_paths: Paths, snap_compare) -> None:  # noqa: ANN001
    async def run_before(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        pane = pilot.app.screen.query_one(FilterPane)
        for group in pane._groups.values():
            group.expand()
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(hostile_paths), terminal_size=WIDE, run_before=run_before)
