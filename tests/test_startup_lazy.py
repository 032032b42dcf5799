"""What the reader's first paint does without, and that it all still comes: the filter
tree and the hidden search box are mounted right after the first paint, the article
view's widgets when the first article opens."""

from __future__ import annotations

import pytest
from textual.widgets import Markdown, Static

from newstui.paths import Paths
from newstui.tui.screens.main import MainScreen
from newstui.tui.state import UIState
from newstui.tui.widgets.article_view import ArticleView
from newstui.tui.widgets.filter_pane import FilterPane
from newstui.tui.widgets.search_bar import SearchBar
from test_tui_support import list_ids, make_app, screen_text, settle

pytest_plugins = ["test_tui_support"]


@pytest.fixture
def first_paint(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """What the screen held when it went on to mount the rest (after the first paint)."""
    seen: list[dict[str, object]] = []
    original = MainScreen._mount_rest

    async def record(self: MainScreen) -> None:
        seen.append(
            {
                "filter panes": len(self.query(FilterPane)),
                "search boxes": len(self.query(SearchBar)),
                "filters width": self.query_one("#filters").region.width,
                "view children": len(self.query_one(ArticleView).children),
            }
        )
        await original(self)

    monkeypatch.setattr(MainScreen, "_mount_rest", record)
    return seen


async def test_the_filter_tree_comes_after_the_first_paint_in_its_place(
    demo_paths: Paths, first_paint: list[dict[str, object]]
) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        first = first_paint[0]
        assert first["filter panes"] == 0 and first["search boxes"] == 0
        assert first["view children"] == 1  # the empty view's words only
        # The pane's place had its width from the start: nothing moves when the tree comes.
        assert first["filters width"] == app.screen.query_one("#filters").region.width == 30
        pane = app.screen.query_one(FilterPane)
        stats = pane.counts.stats
        assert stats["articles"] == 56
        wanted = [
            f"All {stats['articles']}",
            f"Unread {stats['unread']}",
            f"Bookmarks {stats['bookmarks']}",
            "Categories 26",
            "Tags 67",
            f"Sources {stats['sources']}",
            "Saved searches 2",
        ]
        assert [node.label.plain for node in pane.root.children] == wanted
        text = screen_text(app)
        for line in wanted:
            assert line in text
        # Every source is there with its counts once its group is opened.
        sources = pane._groups["sources"]
        assert len(sources.children) == 16
        sources.expand()
        await settle(pilot)
        text = screen_text(app)
        for source in pane.counts.sources:
            assert f"{source.label} {source.unread:,}/{source.total:,}"[:27] in text


async def test_a_saved_search_shows_its_box_in_the_first_paint(
    demo_paths: Paths, first_paint: list[dict[str, object]]
) -> None:
    state = UIState()
    state.search = "python"
    state.save(demo_paths.state)
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        assert first_paint[0]["search boxes"] == 1
        search = app.screen.query_one(SearchBar)
        assert search.value == "python" and search.has_class("-open")
        assert len(app.screen.query(SearchBar)) == 1


async def test_the_search_box_mounted_later_takes_the_slash_and_the_query(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        assert len(app.screen.query(SearchBar)) == 1
        await pilot.press("slash", *"python")
        await settle(pilot)
        search = app.screen.query_one(SearchBar)
        assert search.has_focus and search.value == "python"
        assert 0 < len(list_ids(app)) < 56


async def test_the_article_view_mounts_its_widgets_at_the_first_open(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        view = app.screen.query_one(ArticleView)
        assert [w.id for w in view.children] == ["article-empty"]
        await pilot.press("enter")
        await settle(pilot)
        assert [w.id for w in view.children] == [
            "article-empty",
            "article-title",
            "article-meta",
            "article-also",
            "article-labels",
            "article-status",
            "article-body",
            "article-more",
            "article-link",
        ]
        assert view.article is not None
        title = app.screen.query_one("#article-title", Static)
        assert str(title.render()) == view.article.title
        body = app.screen.query_one("#article-body", Markdown)
        assert body.display and "faster startup" in screen_text(app)
        # A second article reuses them.
        await pilot.press("escape", "j", "enter")
        await settle(pilot)
        assert len(view.children) == 9
