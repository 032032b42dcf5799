"""The article list reads well: two-line rows that give the title the list's width (snapshots
at 160, 100 and 80 columns), and the keys for the next and previous unread article.

Regenerate the snapshots after an intended change with
``pytest tests/test_list_layout.py --snapshot-update`` and look at them before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.screens.main import MainScreen
from newstui.tui.widgets.article_list import INDENT, PAGE, ArticleList
from newstui.tui.widgets.article_view import ArticleView
from test_tui_support import make_app, settle

pytest_plugins = ["test_tui_support"]  # the demo library fixtures

LONG = "A deliberately long headline about payments, feeds and terminals that keeps going on"


async def open_first(pilot) -> None:  # noqa: ANN001
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def just_settle(pilot) -> None:  # noqa: ANN001
    await settle(pilot)


@pytest.mark.parametrize(
    ("size", "step"),
    [((160, 48), open_first), ((100, 30), just_settle), ((80, 24), just_settle)],
    ids=["160-reading", "100", "80"],
)
def test_list_layout(demo_paths: Paths, snap_compare, size, step) -> None:  # noqa: ANN001
    assert snap_compare(make_app(demo_paths), terminal_size=size, run_before=step)


@pytest.fixture
def long_titles(tmp_path: Path) -> Paths:
    paths = Paths.resolve(tmp_path / "data")
    with Library(paths.library) as lib:
        src, _ = lib.add_source("https://long.example/feed.xml", title="A source with a long name")
        lib.upsert_articles(
            src.id,
            [
                ArticleIn(
                    f"{LONG} {i}",
                    guid=f"g{i}",
                    link=f"https://long.example/{i}",
                    published=1_700_000_000.0 + i,
                )
                for i in range(5)
            ],
        )
    return paths


async def test_at_160_columns_with_an_article_open_a_row_shows_60_characters_of_title(
    long_titles: Paths,
) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_first(pilot)
        assert app.screen.query_one(ArticleView).article is not None
        articles = app.screen.query_one(ArticleList)
        assert articles.region.width < 80  # the list shares the screen with the article
        title_line = articles.render_line(0).text
        shown = title_line[INDENT:].rstrip().rstrip("…")
        assert len(shown) >= 60 and LONG.startswith(shown), title_line
        meta_line = articles.render_line(1).text
        assert meta_line.strip().startswith("A source with a long name · 2023-11-14")


@pytest.mark.parametrize("width", [100, 80])
async def test_narrower_lists_keep_title_and_source_apart(long_titles: Paths, width: int) -> None:
    app = make_app(long_titles)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        lines = [articles.render_line(y).text for y in range(4)]
        assert lines[0][INDENT:].startswith(LONG[:40]) and lines[0].rstrip().endswith("…")
        assert lines[1].strip().startswith("A source with a long name")
        assert lines[2][INDENT:].startswith(LONG[:40])


# ------------------------------------------------------------------ next unread
@pytest.fixture
def mostly_read(tmp_path: Path) -> Paths:
    """350 articles, all read but three: rows 1, 2 and 340 (newest first)."""
    paths = Paths.resolve(tmp_path / "data")
    with Library(paths.library) as lib:
        src, _ = lib.add_source("https://many.example/feed.xml", title="Many")
        n = 350
        ids = lib.upsert_articles(
            src.id,
            [
                ArticleIn(
                    f"Article {i}",
                    guid=f"g{i}",
                    link=f"https://many.example/{i}",
                    published=1_700_000_000.0 + i,
                )
                for i in range(n)
            ],
        ).new_ids
        # ids[i] is listed at row n - 1 - i.
        lib.set_read([ids[n - 1 - row] for row in range(n) if row not in (1, 2, 340)], True)
    return paths


def cursor(app) -> int:  # noqa: ANN001
    return app.screen.query_one(ArticleList).cursor


async def test_next_and_previous_unread_move_the_cursor_across_the_list(mostly_read: Paths) -> None:
    app = make_app(mostly_read)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        assert articles.count == 350 and cursor(app) == 0
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert cursor(app) == 1
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert cursor(app) == 2
        # The next one is beyond the rows loaded so far: found by reading the list onwards.
        assert articles.row_at(3 * PAGE + 40) is None
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert cursor(app) == 340
        assert articles.current_row is not None and articles.current_row.title == "Article 9"
        assert not articles.current_row.read
        # No unread further down: the cursor stays and the reader says so.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert cursor(app) == 340
        # And back up, again past rows that are not loaded.
        articles.move_to(300)
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert cursor(app) == 2
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert cursor(app) == 1
        # Moving does not open or mark anything.
        assert app.screen.query_one(ArticleView).article is None
        with Library(mostly_read.library) as lib:
            assert lib.stats()["unread"] == 3


async def test_open_next_unread_from_the_article_view(mostly_read: Paths) -> None:
    app = make_app(mostly_read)
    async with app.run_test(size=(100, 40)) as pilot:  # narrow: the article fills the screen
        await settle(pilot)
        await pilot.press("N")
        await settle(pilot)
        view = app.screen.query_one(ArticleView)
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.reading
        assert view.article is not None and view.article.title == "Article 348" and view.article.read
        # From the article, N and ] open the next unread ones.
        await pilot.press("N")
        await settle(pilot)
        assert view.article.title == "Article 347"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert view.article.title == "Article 9" and cursor(app) == 340
        with Library(mostly_read.library) as lib:
            assert lib.stats()["unread"] == 0
        # [ from the view opens the previous unread one: there is none left.
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert view.article.title == "Article 9"
