"""Helpers shared by the TUI tests and the README screenshot script (not shipped).

``fixed_demo`` builds the bundled demo library with fixed dates, ``use_utc`` pins the time
zone, ``settle`` waits for the app's workers, and ``steps`` are the README's pictures: the
snapshot tests and ``tests/make_screenshots.py`` run the same steps, so every picture is also
a regression test.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import newstui.demo as demo
from newstui.tui.widgets.filter_pane import FilterPane

SIZE = (160, 46)


def fixed_demo(folder: Path) -> Path:
    """Build the demo library under ``folder`` (its file dates are fixed by ``build_demo``).
    Returns the data directory (use ``Paths.resolve`` on it)."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    demo.build_demo(data / "library.db")
    return data


def use_utc() -> None:
    """Dates in the list are local time; pictures and snapshots use UTC."""
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()


async def settle(pilot) -> None:  # noqa: ANN001 - a textual Pilot
    """Wait until the workers (queries, counts, article loads) have all landed."""
    app = pilot.app
    for _ in range(50):
        await pilot.pause()
        busy = [w for w in app.workers if not w.is_finished]
        if not busy:
            await pilot.pause()
            if not [w for w in app.workers if not w.is_finished]:
                return
        await app.workers.wait_for_complete()
    await pilot.pause()


Step = Callable[[object], Awaitable[None]]


def steps() -> list[tuple[str, tuple[int, int], Step]]:
    """The README's pictures: (name, terminal size, what to do before the shot). The
    snapshot tests run the same steps, so every picture is also a regression test."""

    async def main_view(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("j", "j", "enter")
        await settle(pilot)

    async def tag_filter(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        pane = pilot.app.screen.query_one(FilterPane)
        pane.select_query("tag:linux", announce=True)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    async def search(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("slash", *"wero", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    async def bookmarks(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        pilot.app.screen.query_one(FilterPane).select_query("is:bookmarked", announce=True)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    async def help_screen(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    async def also_in(pilot) -> None:  # noqa: ANN001
        # The newest story is in two demo feeds: listed once, with "also in".
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    async def narrow(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)

    async def picture(pilot) -> None:  # noqa: ANN001
        """The demo article with a picture (drawn by the demo, read from the image cache)."""
        from newstui.demo.pictures import seed_pictures

        seed_pictures(pilot.app.ctx.paths)
        await settle(pilot)
        # The article "Quantum Sensors…", wherever the demo lists it.
        articles = pilot.app.screen.query_one("#articles")
        rows = [articles.row_at(i) for i in range(articles.count)]
        articles.move_to(next(i for i, r in enumerate(rows) if r and r.title.startswith("Quantum")))
        await pilot.press("enter")
        await settle(pilot)

    return [
        ("main", SIZE, main_view),
        ("tag-filter", SIZE, tag_filter),
        ("search", SIZE, search),
        ("bookmarks", SIZE, bookmarks),
        ("help", SIZE, help_screen),
        ("also-in", SIZE, also_in),
        ("narrow", (78, 30), narrow),
        ("picture", SIZE, picture),
    ]
