"""Keys remapped in the config's [keys] table: they work, and the footer, the help screen
and the command palette show them."""

from __future__ import annotations

from textual.widgets import Static

from newstui.config import Config
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.commands import commands_for
from newstui.tui.screens.help import HelpScreen
from newstui.tui.screens.main import MainScreen
from newstui.tui.widgets.article_list import ArticleList
from newstui.tui.widgets.key_bar import KeyBar
from support import settle
from test_tui_support import make_app

pytest_plugins = ["test_tui_support"]  # the demo library fixtures


def expected(paths: Paths, query: str) -> list[int]:
    with Library(paths.library) as lib:
        return lib.article_ids(query)


def test_every_binding_has_an_id() -> None:
    from newstui.tui.app import NewstuiApp
    from newstui.tui.screens.dialogs import InputDialog
    from newstui.tui.widgets.article_view import ArticleView
    from newstui.tui.widgets.filter_pane import FilterPane
    from newstui.tui.widgets.search_bar import SearchBar

    ids = []
    for cls in (
        NewstuiApp,
        MainScreen,
        ArticleList,
        ArticleView,
        FilterPane,
        SearchBar,
        HelpScreen,
        InputDialog,
    ):
        for b in cls.BINDINGS:
            assert b.id, (cls.__name__, b.action)  # type: ignore[union-attr]
            ids.append(b.id)  # type: ignore[union-attr]
    assert len(ids) == len(set(ids))


def test_the_keys_table_is_read(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "config.toml"
    path.write_text('[keys]\nbookmark = "x"\ntoggle_read = "M,ctrl+r"\n', encoding="utf-8")
    assert Config.load(path).keys == {"bookmark": "x", "toggle_read": "M,ctrl+r"}


async def test_remapped_keys_work_and_show_everywhere(demo_paths: Paths) -> None:
    app = make_app(demo_paths, keys={"bookmark": "x", "toggle_read": "M"})
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        row = app.screen.query_one(ArticleList).current_row
        assert row is not None
        was_bookmarked = row.id in expected(demo_paths, "is:bookmarked")
        was_read = row.id not in expected(demo_paths, "is:unread")

        await pilot.press("b")  # the old key does nothing now
        await settle(pilot)
        assert (row.id in expected(demo_paths, "is:bookmarked")) == was_bookmarked
        await pilot.press("x")
        await settle(pilot)
        assert (row.id in expected(demo_paths, "is:bookmarked")) != was_bookmarked
        await pilot.press("M")
        await settle(pilot)
        assert (row.id not in expected(demo_paths, "is:unread")) != was_read

        bar = app.screen.query_one(KeyBar)
        shown, _palette = bar.entries()
        footer = {binding.description: binding.key for binding, _enabled, _tip in shown}
        assert footer["Bookmark"] == "x"
        assert footer["Read/unread"] == "M"
        drawn = bar.render().plain
        assert " x Bookmark " in drawn and " M Read/unread " in drawn
        assert " b Bookmark " not in drawn

        commands = {c.title: c.help for c in commands_for(app.screen.palette_sources(), app.keymap)}
        assert commands["Bookmark"].endswith("(x)")
        assert commands["Read/unread"].endswith("(M)")
        assert commands["Tags"].endswith("(t)")  # not remapped: the default

        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query(Static))
        bookmark_line = next(line for line in text.splitlines() if line.rstrip().endswith("Bookmark"))
        assert bookmark_line.split()[0] == "x"
        read_line = next(line for line in text.splitlines() if line.rstrip().endswith("Read/unread"))
        assert read_line.split()[0] == "M"


async def test_clicking_a_key_in_the_footer_runs_it(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        drawn = bar.render().plain
        assert drawn.rstrip().endswith("^p Commands")  # the palette's key, at the right end
        await pilot.click(KeyBar, offset=(drawn.index(" ? Help") + 1, 0))
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
