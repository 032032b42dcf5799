"""The reader's flows, driven with Pilot on a copy of the demo library."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Markdown, Static

from newstui.paths import Paths
from newstui.query import compile_query
from newstui.store.library import Library
from newstui.tui.app import NewstuiApp
from newstui.tui.screens.dialogs import InputDialog, TagSuggester
from newstui.tui.screens.help import HelpScreen
from newstui.tui.widgets.article_list import ArticleList
from newstui.tui.widgets.article_view import ArticleView
from newstui.tui.widgets.filter_pane import FilterPane
from newstui.tui.widgets.list_header import ListHeader
from test_tui_support import list_ids, make_app, screen_text, settle

pytest_plugins = ["test_tui_support"]  # the demo library fixtures


def expected(paths: Paths, query: str, sort: str = "date") -> list[int]:
    with Library(paths.library) as lib:
        listed = compile_query(query, collapse=True)  # as the reader lists it (one story once)
        return [r.id for r in lib.list_articles(listed, sort=sort, limit=None)]


async def choose(pilot, query: str) -> None:  # noqa: ANN001
    pane = pilot.app.screen.query_one(FilterPane)
    assert pane.select_query(query, announce=True), f"no filter node for {query!r}"
    await settle(pilot)


async def test_opens_on_all_articles_newest_first(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        assert list_ids(app) == expected(demo_paths, "")
        header = app.screen.query_one(ListHeader)
        assert header.count == len(expected(demo_paths, "")) and header.exact
        assert "articles" in app.screen.sub_title
        assert app.screen.query_one(ArticleList).has_focus


async def test_filter_by_category_with_the_keyboard(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(FilterPane)
        await pilot.press("shift+tab")  # list -> filter pane
        assert pane.has_focus
        # All, Unread, Bookmarks, Categories: open the group and take its first entry.
        await pilot.press("down", "down", "down", "enter", "down", "enter")
        await settle(pilot)
        chosen = pane.cursor_node.data
        assert chosen is not None and chosen.query.startswith("category:")
        ids = list_ids(app)
        assert ids and ids == expected(demo_paths, chosen.query)


async def test_filter_by_category_tag_and_source(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(FilterPane)
        for query in ("category:Payment", "tag:linux"):
            await choose(pilot, query)
            ids = list_ids(app)
            assert ids and ids == expected(demo_paths, query), query
        source = next(s for s in pane.counts.sources if s.total)
        await choose(pilot, f"source:{source.id}")
        assert list_ids(app) == expected(demo_paths, f"source:{source.id}")
        assert len(list_ids(app)) == source.total
        await choose(pilot, "is:bookmarked")
        assert list_ids(app) == expected(demo_paths, "is:bookmarked")


async def test_search_as_you_type(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.screen.query_one("#search", Input).has_focus
        await pilot.press("w", "e")
        await settle(pilot)
        assert list_ids(app) == expected(demo_paths, "we")
        await pilot.press("r", "o")
        await settle(pilot)
        wero = expected(demo_paths, "wero")
        assert wero and list_ids(app) == wero
        assert "wero" in app.screen.query_one(ListHeader).description
        # Search combines with the filter pane.
        await choose(pilot, "is:unread")
        assert list_ids(app) == expected(demo_paths, "(is:unread) wero")
        # A malformed query says why and keeps the last results.
        await pilot.press("slash")
        app.screen.query_one("#search", Input).value = "wero tag:"
        await settle(pilot)
        assert "needs a value" in app.screen.query_one(ListHeader).error
        assert list_ids(app) == expected(demo_paths, "(is:unread) wero")
        # Escape clears the search.
        await pilot.press("escape")
        await settle(pilot)
        assert list_ids(app) == expected(demo_paths, "is:unread")
        assert app.screen.query_one(ArticleList).has_focus


async def test_open_article_shows_body_and_marks_read(demo_paths: Paths) -> None:
    unread = expected(demo_paths, "is:unread")
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await choose(pilot, "is:unread")
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen.query_one(ArticleView)
        assert view.article is not None and view.article.id == unread[0]
        with Library(demo_paths.library) as lib:
            art = lib.article(unread[0])
            assert art.read
        title = app.screen.query_one("#article-title", Static)
        assert str(title.render()) == art.title
        body = app.screen.query_one(Markdown)
        assert len(body.source) > 40
        assert art.title in screen_text(app)
        # The list row and the Unread count follow.
        assert app.screen.query_one(ArticleList).current_row.read
        label = app.screen.query_one(FilterPane)._fixed["unread"].label.plain
        assert label == f"Unread {len(unread) - 1}"


async def test_mark_read_on_open_can_be_turned_off(demo_paths: Paths) -> None:
    first = expected(demo_paths, "is:unread")[0]
    app = make_app(demo_paths, mark_read_on_open=False)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await choose(pilot, "is:unread")
        await pilot.press("enter")
        await settle(pilot)
    with Library(demo_paths.library) as lib:
        assert not lib.article(first).read


async def test_toggle_read_updates_counts(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        row = app.screen.query_one(ArticleList).current_row
        was_read = row.read
        before = len(expected(demo_paths, "is:unread"))
        await pilot.press("m")
        await settle(pilot)
        with Library(demo_paths.library) as lib:
            now_read = lib.article(row.id).read
        assert now_read != was_read and row.read == now_read
        after = len(expected(demo_paths, "is:unread"))
        assert abs(after - before) == 1
        label = app.screen.query_one(FilterPane)._fixed["unread"].label.plain
        assert label == f"Unread {after}"
        await pilot.press("m")
        await settle(pilot)
        assert len(expected(demo_paths, "is:unread")) == before


async def test_mark_all_read_and_undo(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await choose(pilot, "category:Payment")
        unread_here = expected(demo_paths, "category:Payment is:unread")
        assert unread_here
        await pilot.press("A")
        await settle(pilot)
        assert expected(demo_paths, "category:Payment is:unread") == []
        rows = [app.screen.query_one(ArticleList).row_at(i) for i in range(len(list_ids(app)))]
        assert all(r.read for r in rows)
        await pilot.press("u")
        await settle(pilot)
        assert expected(demo_paths, "category:Payment is:unread") == unread_here


async def test_bookmark_and_find_it_under_bookmarks(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        marked = expected(demo_paths, "is:bookmarked")
        not_bookmarked = [i for i in expected(demo_paths, "") if i not in marked]
        target = not_bookmarked[0]
        articles = app.screen.query_one(ArticleList)
        articles.move_to(list_ids(app).index(target))
        await pilot.press("enter", "b")
        await settle(pilot)
        assert target in expected(demo_paths, "is:bookmarked")
        assert "Bookmarked" in screen_text(app)
        await choose(pilot, "is:bookmarked")
        assert target in list_ids(app)
        assert (
            app.screen.query_one(FilterPane)
            ._fixed["bookmarks"]
            .label.plain.endswith(str(len(expected(demo_paths, "is:bookmarked"))))
        )
        # b again removes it.
        app.screen.query_one(ArticleList).move_to(list_ids(app).index(target))
        await pilot.press("b")
        await settle(pilot)
        assert target not in expected(demo_paths, "is:bookmarked")
        assert target not in list_ids(app)


async def test_edit_tags_with_suggestions(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        target = list_ids(app)[0]
        await pilot.press("t")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, InputDialog)
        box = dialog.query_one(Input)
        before = box.value
        # The suggester completes the last name from the library's tags.
        await pilot.press(*"linu")
        await settle(pilot)
        assert box._suggestion.endswith("linux")
        await pilot.press("right")  # accept the suggestion
        assert box.value == before + "linux"
        await pilot.press(*", my own tag", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, InputDialog)
        with Library(demo_paths.library) as lib:
            art = lib.article(target)
        names = {t.name for t in art.tags}
        assert {"linux", "my own tag"} <= names
        assert any(t.name == "my own tag" and t.origin == "user" for t in art.tags)
        await choose(pilot, 'tag:"my own tag"')
        assert list_ids(app) == [target]
        # Removing a name from the dialog removes the tag.
        await pilot.press("t")
        await settle(pilot)
        box = app.screen.query_one(Input)
        box.value = ", ".join(n for n in names if n != "my own tag")
        await pilot.press("enter")
        await settle(pilot)
        with Library(demo_paths.library) as lib:
            assert "my own tag" not in lib.article(target).tag_names


async def test_tag_suggester_completes_the_last_name() -> None:
    s = TagSuggester(["Linux", "later", "payments"])
    assert await s.get_suggestion("news, li") == "news, linux"
    assert await s.get_suggestion("pay") == "payments"
    assert await s.get_suggestion("news, ") is None
    assert await s.get_suggestion("zzz") is None


async def test_escape_closes_dialog_without_change(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        target = list_ids(app)[0]
        with Library(demo_paths.library) as lib:
            tags = lib.article(target).tag_names
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"zzz", "escape")
        await settle(pilot)
        assert not isinstance(app.screen, InputDialog)
        with Library(demo_paths.library) as lib:
            assert lib.article(target).tag_names == tags


async def test_note_bookmarks_with_a_note(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        target = list_ids(app)[0]
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one(Input).value = "read this [b]soon[/b]"
        await pilot.press("enter")
        await settle(pilot)
        with Library(demo_paths.library) as lib:
            art = lib.article(target)
        assert art.bookmarked and art.note == "read this [b]soon[/b]"


async def test_add_feed_dialog_rejects_bad_urls(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        with Library(demo_paths.library) as lib:
            before = len(lib.sources())
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, InputDialog)
        error = dialog.query_one("#dialog-error", Static)
        for bad, words in (
            ("javascript:alert(1)", "Only http:// and https://"),
            ("ftp://example.org/feed", "Only http:// and https://"),
            ("https://", "no host name"),
            ("", "Enter the address"),
        ):
            dialog.query_one(Input).value = bad
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is dialog, bad
            assert words in str(error.render()), (bad, str(error.render()))
            assert error.display and error.size.height > 0, "the error must be on screen"
        await pilot.press("escape")
        await settle(pilot)
        with Library(demo_paths.library) as lib:
            assert len(lib.sources()) == before


async def test_add_feed_fetches_at_once(demo_paths: Paths, monkeypatch) -> None:  # noqa: ANN001
    import newstui.core.feeds as feeds_mod

    class Found:
        feeds = ["https://feeds.example.org/new.xml"]

    calls: list[list[str]] = []

    class Report:
        new = 3
        failed: list = []
        fulltext = 0

    def fake_refresh(lib, cfg, refs=(), **kw):  # noqa: ANN001, ANN003, ANN202
        calls.append(list(refs))
        return Report()

    monkeypatch.setattr(feeds_mod, "discover", lambda url, limits: Found())
    monkeypatch.setattr(feeds_mod, "refresh", fake_refresh)
    app = make_app(demo_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one(Input).value = "https://example.org/"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, InputDialog)
    with Library(demo_paths.library) as lib:
        src = lib.source("https://feeds.example.org/new.xml")
    assert calls == [[str(src.id)]]


def select_first_linked(app: NewstuiApp, paths: Paths) -> str:
    """Move the list cursor to the newest article that has a link; return the link."""
    with Library(paths.library) as lib:
        linked = [i for i in expected(paths, "") if lib.article(i).link]
        link = lib.article(linked[0]).link
    app.screen.query_one(ArticleList).move_to(list_ids(app).index(linked[0]))
    return link


async def test_open_link_goes_to_the_browser_http_only(demo_paths: Paths, monkeypatch) -> None:  # noqa: ANN001
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        link = select_first_linked(app, demo_paths)
        await pilot.press("o")
        await settle(pilot)
        assert opened == [link]
        # Anything but http(s) is refused, wherever it comes from.
        for bad in (
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "file:///etc/passwd",
            "-oProxyCommand=evil",
            "data:text/html,x",
            " javascript:x",
        ):
            app.open_url(bad)
        # A link clicked inside an article body goes through the same check.
        await pilot.press("enter")
        await settle(pilot)
        body = app.screen.query_one(Markdown)
        body.post_message(Markdown.LinkClicked(body, "javascript:alert(1)"))
        body.post_message(Markdown.LinkClicked(body, "https://example.org/ok"))
        await settle(pilot)
        assert opened == [link, "https://example.org/ok"]


async def test_copy_link(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        link = select_first_linked(app, demo_paths)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == link


async def test_sort_toggle(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert list_ids(app) == expected(demo_paths, "", "source")
        await pilot.press("s")
        await settle(pilot)
        assert list_ids(app) == expected(demo_paths, "", "title")
        assert app.screen.query_one(ListHeader).sort == "title"
        await pilot.press("s")
        await settle(pilot)
        assert list_ids(app) == expected(demo_paths, "")


async def test_movement_keys(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(120, 20)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        await pilot.press("j", "j", "down")
        assert articles.cursor == 3
        await pilot.press("k")
        assert articles.cursor == 2
        await pilot.press("G")
        await settle(pilot)
        assert articles.cursor == articles.count - 1
        assert articles.scroll_offset.y > 0
        assert articles.current_row is not None
        await pilot.press("g")
        assert articles.cursor == 0 and articles.scroll_offset.y == 0


async def test_click_a_row_opens_it(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        await pilot.click(ArticleList, offset=(20, 4))  # two lines per row: the third row
        await settle(pilot)
        assert articles.cursor == 2
        view = app.screen.query_one(ArticleView)
        assert view.article is not None and view.article.id == list_ids(app)[2]


async def test_tab_cycles_panes(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("tab")
            seen.append(type(app.focused).__name__)
        assert seen == ["ArticleView", "FilterPane", "ArticleList"]
        await pilot.press("shift+tab")
        assert type(app.focused).__name__ == "FilterPane"


async def test_wide_layout_shows_three_panes(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        for pane in ("#filters", "#list-pane", "#view"):
            widget = app.screen.query_one(pane)
            assert widget.display and widget.region.width > 20, pane
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#list-pane").region.width > 20


async def test_narrow_layout_80x24(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#filters").region.width > 0  # 80 is not below 80
        assert screen.query_one("#view").region.width == 0  # < 120: list only
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#list-pane").region.width == 0
        assert screen.query_one("#view").region.width == 80
        assert screen.query_one(ArticleView).has_focus
        await pilot.press("j")  # scrolls the article, not the list
        await pilot.press("escape")
        await settle(pilot)
        assert screen.query_one("#view").region.width == 0
        assert screen.query_one(ArticleList).has_focus


async def test_tiny_layout_hides_filters_with_a_toggle(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(70, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#filters").region.width == 0
        assert screen.query_one("#list-pane").region.width == 70
        await pilot.press("f")
        assert screen.query_one("#filters").region.width > 0
        assert screen.query_one(FilterPane).has_focus
        await pilot.press("f")
        assert screen.query_one("#filters").region.width == 0
        await pilot.resize_terminal(200, 50)
        await settle(pilot)
        assert screen.query_one("#filters").region.width > 0
        assert screen.query_one("#view").region.width > 0


async def test_help_lists_keys_and_query_language(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(s.render()) for s in app.screen.query(Static))
        for words in (
            "Bookmark",
            "Tags",
            "All read",
            "Undo",
            "Open link",
            "Copy link",
            "Refresh",
            "Add feed",
            "Import",
            "Search",
            "Quit",
            "tag:x",
            "is:unread",
            "OR",
        ):
            assert words in text, words
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_every_action_is_in_the_command_palette(demo_paths: Paths) -> None:
    from newstui.tui.commands import commands_for
    from newstui.tui.screens.main import MainScreen

    app = make_app(demo_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        commands = commands_for(app.screen.palette_sources(), app.keymap)
        titles = {c.title for c in commands}
        for binding in [*MainScreen.BINDINGS, *NewstuiApp.BINDINGS]:
            if binding.action != "command_palette":
                assert binding.description in titles, binding.action
        assert {"Open", "Top", "Bottom"} <= titles
        assert "Bookmark or unbookmark the article (b)" in {c.help for c in commands}
        # Running one from the palette works like the key.
        before = app.screen.query_one(ArticleList).current_row
        was = before.bookmarked
        cmd = next(c for c in commands if c.title == "Bookmark")
        app.call_later(cmd.run)  # as the palette runs it
        await settle(pilot)
        assert (before.id in expected(demo_paths, "is:bookmarked")) != was


async def test_remembers_filter_selection_and_theme(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await choose(pilot, "category:Payment")
        await pilot.press("j", "j")
        await settle(pilot)
        chosen = app.screen.query_one(ArticleList).current_row.id
        app.theme = "nord"
        await pilot.press("s")
        await settle(pilot)
        chosen = app.screen.query_one(ArticleList).current_row.id
        await pilot.press("q")
    assert demo_paths.state.exists()
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
        assert app.screen.query_one(ListHeader).sort == "source"
        assert list_ids(app) == expected(demo_paths, "category:Payment", "source")
        assert app.screen.query_one(ArticleList).current_row.id == chosen
        pane = app.screen.query_one(FilterPane)
        assert pane.cursor_node.data.query == "category:Payment"


async def test_broken_state_file_is_ignored(demo_paths: Paths) -> None:
    demo_paths.state.write_text("{not json", encoding="utf-8")
    app = make_app(demo_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert list_ids(app) == expected(demo_paths, "")


async def test_refresh_runs_in_a_worker_and_reloads(demo_paths: Paths, monkeypatch) -> None:  # noqa: ANN001
    import newstui.core.feeds as refresh_mod
    from newstui.models import ArticleIn

    seen: list[list[str]] = []

    class Report:
        done = total = 1
        new = 1
        failed: list = []

        def summary(self) -> str:
            return "refreshed 1 feed, 1 new"

    def fake_refresh(lib, cfg, refs=(), *, on_progress=None, **kw):  # noqa: ANN001, ANN003, ANN202
        seen.append(list(refs))
        src, _ = lib.add_source("https://example.org/fresh.xml", title="Fresh")
        lib.upsert_articles(src.id, [ArticleIn("Brand new article", guid="n1", published=4_000_000_000.0)])
        if on_progress:
            on_progress(Report())
        return Report()

    monkeypatch.setattr(refresh_mod, "refresh", fake_refresh)
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        total = len(list_ids(app))
        await pilot.press("r")
        await settle(pilot)
        assert seen == [[]]
        assert len(list_ids(app)) == total + 1
        assert "Brand new article" in screen_text(app)
        # R refreshes the selected article's source only.
        with Library(demo_paths.library) as lib:
            sid = lib.article(list_ids(app)[1]).source_id
        app.screen.query_one(ArticleList).move_to(1)
        await pilot.press("R")
        await settle(pilot)
        assert seen[-1] == [str(sid)]


async def test_quitting_during_a_refresh_stops_it(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """The reader quits while its refresh waits on feeds that do not answer: the refresh
    stops then (not when they answer), without a word to a screen that is gone, and what it
    had written stays whole."""
    import threading

    import newstui.core.feeds as feeds_mod
    from feedserver import FeedServer

    feeds = Path(__file__).parent / "fixtures" / "feeds"
    ended = threading.Event()
    outcomes: list[BaseException] = []
    real = feeds_mod.refresh

    def watched(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the real refresh, timed out
        try:
            return real(*args, **kwargs)
        except BaseException as exc:
            outcomes.append(exc)
            raise
        finally:
            ended.set()

    monkeypatch.setattr(feeds_mod, "refresh", watched)
    release = threading.Event()
    paths = Paths.resolve(tmp_path / "data")
    with FeedServer() as srv:
        with Library(paths.library) as lib:
            lib.add_source(srv.feed("/quick.xml", (feeds / "rss2.xml").read_bytes()))
            atom = (feeds / "atom.xml").read_bytes()
            for i in range(3):
                lib.add_source(srv.feed(f"/held{i}.xml", atom, before=lambda: release.wait(60)))
        app = make_app(paths)
        try:
            async with app.run_test(size=(160, 40)) as pilot:
                await settle(pilot)
                await pilot.press("r")
                for _ in range(600):  # until every held feed has been asked for
                    if all(srv.requests(f"/held{i}.xml") for i in range(3)):
                        break
                    await pilot.pause(0.05)
                await pilot.press("q")
            stopped = ended.wait(30)  # the held feeds would keep an unstopped refresh 60 s
            held_still = not release.is_set()
        finally:
            release.set()
    assert stopped and held_still
    assert len(outcomes) == 1 and type(outcomes[0]).__name__ == "RefreshStopped"
    with Library(paths.library) as lib:
        assert lib.stats()["articles"] in (0, 3)  # the quick feed whole, or not at all


async def test_quitting_during_an_import_stops_it_after_its_group(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """The reader quits while an import it started is still writing: the import ends after
    the group it is writing (not at the end of the folder) and says it stopped."""
    import threading

    import newstui.core.importing as importing_mod
    from newstui.sources import importer

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(60):
        (folder / f"a{i:03}.txt").write_text(f"Article {i}\n\nSome words.\n", encoding="utf-8")
    monkeypatch.setattr(importer, "GROUP_ARTICLES", 5)
    monkeypatch.setattr(importer, "GROUP_SECONDS", 1e9)
    first_group = threading.Event()
    go_on = threading.Event()
    real_flush = importer.Importer.flush

    def flush(self: importer.Importer) -> None:
        real_flush(self)
        first_group.set()
        go_on.wait(30)  # the import waits here, inside its first group, until the reader quits

    monkeypatch.setattr(importer.Importer, "flush", flush)
    ended = threading.Event()
    reports: list[object] = []
    real = importing_mod.import_files

    def watched(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the real import, watched
        try:
            done = real(*args, **kwargs)
            reports.append(done.report)
            return done
        finally:
            ended.set()

    monkeypatch.setattr(importing_mod, "import_files", watched)
    app = make_app(Paths.resolve(tmp_path / "data"))
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)
            app.screen.query_one(Input).value = str(folder)
            await pilot.press("enter")
            for _ in range(600):
                if first_group.is_set():
                    break
                await pilot.pause(0.05)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("q")
    finally:
        go_on.set()
    assert ended.wait(30)
    assert len(reports) == 1
    report = reports[0]
    assert report.stopped and 0 < report.imported < 60  # type: ignore[attr-defined]


async def test_refresh_without_engine_says_so(demo_paths: Paths, monkeypatch) -> None:  # noqa: ANN001
    import sys

    monkeypatch.setitem(sys.modules, "newstui.sources.refresh", None)
    monkeypatch.setitem(sys.modules, "newstui.core.feeds", None)
    import newstui.core

    monkeypatch.delattr(newstui.core, "feeds", raising=False)
    app = make_app(demo_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("not available" in m for m in messages)


async def test_import_dialog(demo_paths: Paths, tmp_path: Path) -> None:
    folder = tmp_path / "new-articles"
    folder.mkdir()
    (folder / "note.md").write_text(
        "---\ntitle: Imported from the dialog\ndate: 2025-01-02\n---\n\nHello.\n", encoding="utf-8"
    )
    app = make_app(demo_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one(Input).value = str(tmp_path / "missing")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert "No such file" in str(dialog.query_one("#dialog-error", Static).render())
        dialog.query_one(Input).value = str(folder)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is not dialog
        await settle(pilot)
        with Library(demo_paths.library) as lib:
            assert lib.count("Imported") == 1
        assert "Imported from the dialog" in screen_text(app) or any(r for r in list_ids(app))


async def test_podcast_enclosures_are_shown_as_links(demo_paths: Paths) -> None:
    with Library(demo_paths.library) as lib:
        episode = lib.list_articles("folge", limit=1)[0].id
        url = lib.article(episode).enclosures[0]["url"]
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"folge", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(ArticleView).article.id == episode
        source = app.screen.query_one(Markdown).source
        assert f"]({url})" in source and "audio/mpeg" in source


async def test_bottom_of_a_long_list_is_read_from_its_end(tmp_path: Path) -> None:
    from newstui.models import ArticleIn

    data = tmp_path / "long"
    with Library(data / "library.db") as lib:
        src, _ = lib.add_source("https://long.example/feed", title="Long")
        lib.upsert_articles(
            src.id, [ArticleIn(f"Story {i:04d}", guid=str(i), published=1.7e9 + i * 60) for i in range(450)]
        )
        whole = [r.id for r in lib.list_articles(limit=None)]
    app = make_app(Paths.resolve(data))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        articles.focus()
        await pilot.press("G")
        await settle(pilot)
        assert articles.cursor == len(whole) - 1
        assert articles.current_row is not None and articles.current_row.id == whole[-1]
        visible = [articles.row_at(i) for i in range(len(whole) - 20, len(whole))]
        assert [r.id for r in visible if r] == whole[-20:]


async def test_double_click_on_the_list_does_not_crash(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        await pilot.click(ArticleList, offset=(10, 2), times=2)
        await settle(pilot)
        assert app.is_running and articles.list_query is not None
        assert articles.query("*") is not None  # Textual's own DOM query still works


async def test_copies_listed_apart_change_together_on_screen(demo_paths: Paths) -> None:
    """With duplicates not collapsed, marking one copy of a story marks every copy's row
    (the library does it as one story; the rows follow without a reload)."""
    import sqlite3

    with sqlite3.connect(demo_paths.library) as c:
        copy, primary = c.execute("SELECT article_id, primary_id FROM story_copies ORDER BY 1").fetchone()
    app = make_app(demo_paths, collapse_duplicates=False)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        lst = app.screen.query_one(ArticleList)
        rows = {lst.row_at(i).id: lst.row_at(i) for i in range(lst.count)}
        assert copy in rows and primary in rows  # both listed
        lst.move_to(list(rows).index(copy))
        await settle(pilot)
        was_read = rows[copy].read
        assert rows[primary].read == was_read  # one story, one state
        await pilot.press("m")
        await settle(pilot)
        assert rows[copy].read != was_read and rows[primary].read != was_read


async def test_first_rows_read_at_once_when_quick_else_by_the_worker(demo_paths: Paths) -> None:
    unread = expected(demo_paths, "is:unread")
    app = make_app(demo_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        lst = app.screen.query_one(ArticleList)
        lst.load_now("is:unread", budget=5.0)
        assert lst.list_query is not None and lst.list_query.text == "is:unread"  # drawn at once
        assert lst.count == len(unread)
        before = lst.list_query
        lst.load_now("is:bookmarked", budget=0.0)  # no query fits in no time
        assert lst.list_query is before  # nothing read on the UI thread
        await settle(pilot)
        assert lst.list_query.text == "is:bookmarked"  # the worker brought it
        assert lst.count == len(expected(demo_paths, "is:bookmarked"))
