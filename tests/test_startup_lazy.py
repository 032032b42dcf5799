"""What the reader's first paint does without, and that it all still comes: the filter
tree and the hidden search box are mounted right after the first paint, the article
view's widgets when the first article opens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Markdown, Static

from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
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


def test_the_first_paint_imports_no_dialogs_markdown_or_bookmark_fetching(tmp_path: Path) -> None:
    """In a new process: what is imported when the reader has painted its first frame
    (the dialogs, Markdown and the bookmark/full-text fetching come at first use)."""
    data = tmp_path / "data"
    with Library(Paths.resolve(data).library) as lib:
        src, _ = lib.add_source("https://e.example/feed")
        lib.upsert_articles(src.id, [ArticleIn(f"Walrus {i}", guid=f"w{i}") for i in range(5)])
    probe = (
        "import sys\n"
        "from newstui.config import Config\n"
        "from newstui.paths import Paths\n"
        "from newstui.tui.app import NewstuiApp\n"
        "from newstui.tui.screens.main import MainScreen\n"
        "original = MainScreen._mount_rest\n"
        "async def mount_rest(self):\n"
        "    heavy = ('newstui.tui.screens.dialogs', 'textual.widgets._markdown', 'markdown_it',\n"
        "             'newstui.core.bookmarking', 'newstui.core.fulltext', 'newstui.bookmarks.articletext')\n"
        "    print('LOADED', [m for m in heavy if m in sys.modules], flush=True)\n"
        "    await original(self)\n"
        "    self.app.exit()\n"
        "MainScreen._mount_rest = mount_rest\n"
        f"NewstuiApp(Paths.resolve({str(data)!r}), Config(), network=False).run(headless=True)\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "LOADED []" in r.stdout


async def test_each_dialog_still_opens(demo_paths: Paths) -> None:
    """The dialogs are imported at first use: tags, note, add feed and import each open."""
    from newstui.tui.screens.dialogs import InputDialog

    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        for key in ("t", "n", "a", "i"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, InputDialog), key
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, MainScreen), key


async def test_refresh_and_sync_news_before_the_filter_tree_is_mounted(
    demo_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the moment before the filter tree is mounted, a refresh key or a refresh that
    ends at once (marking the syncing account) works without it instead of failing."""

    async def not_yet(self: MainScreen) -> None:
        return None

    monkeypatch.setattr(MainScreen, "_mount_rest", not_yet)
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.filter_pane is None
        actions = screen.library_actions
        actions._syncing("demo", "Syncing demo")
        actions._refresh_done()
        actions.refresh_source(None)
        await settle(pilot)
        assert app.is_running and screen.filter_pane is None
