"""Hostile text from feeds is shown literally: never markup, never terminal control codes."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Markdown, Static

from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.widgets.article_list import ArticleList
from newstui.tui.widgets.article_view import ArticleView
from newstui.tui.widgets.filter_pane import FilterPane
from test_tui_support import list_ids, make_app, screen_text, settle

pytest_plugins = ["test_tui_support"]  # library fixtures


def still_running(app) -> bool:  # noqa: ANN001
    return app.is_running and app.return_code is None


async def test_hostile_titles_show_literally_and_do_nothing(hostile_paths: Paths) -> None:
    app = make_app(hostile_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(FilterPane)
        for group in pane._groups.values():
            group.expand()
        await settle(pilot)
        text = screen_text(app)
        for literal in (
            "[bold]x[/]",
            "[@click=app.quit]y[/]",
            "[$accent]v[/] [B]w [_x]",
            "[/]Evil [@click=app.quit]sr",
            "[@click=app.quit]c[/]",
            "[@click=app.quit]tag[/]",
            "[B]t",
        ):
            assert literal in text, literal
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        assert "red" in text and "pwned" not in text
        # Click every list row and every tree line: nothing acts, nothing crashes.
        articles = app.screen.query_one(ArticleList)
        for y in range(len(list_ids(app))):
            for x in (10, 30, 45, 60):
                await pilot.click(ArticleList, offset=(x, y))
                await settle(pilot)
                assert still_running(app)
        for y in range(pane.last_line + 1):
            for x in (2, 8, 14):
                await pilot.click(FilterPane, offset=(x, y))
                await settle(pilot)
                assert still_running(app)
        # Open each article: the view shows the title, meta and labels literally.
        await pane.run_action("cursor_down")  # keep the pane usable
        articles.focus()
        for i, row_id in enumerate(list_ids(app)):
            articles.move_to(i)
            await pilot.press("enter")
            await settle(pilot)
            view = app.screen.query_one(ArticleView)
            assert view.article is not None and view.article.id == row_id
            title = str(app.screen.query_one("#article-title", Static).render())
            assert title == view.article.title
            for widget_id in ("#article-title", "#article-meta", "#article-labels", "#article-link"):
                await pilot.click(widget_id, offset=(3, 0))
                await pilot.click(widget_id, offset=(12, 0))
                await settle(pilot)
                assert still_running(app)
            meta = str(app.screen.query_one("#article-meta", Static).render())
            assert "[@click=app.quit]author[/]" in meta
            body = app.screen.query_one(Markdown).source
            assert "alert" not in body and "<script" not in body and "iframe" not in body
            assert "javascript" not in body
        # Notifications carry titles literally (bookmarking notifies with the title).
        await pilot.press("b")
        await settle(pilot)
        assert still_running(app)
        assert any("[" in n.message and not n.markup for n in app._notifications)
        text = screen_text(app)
        assert "\x1b" not in text
    assert not (Path("/tmp/x").exists() and Path("/tmp/x").stat().st_mtime > 1e12)


async def test_hostile_link_is_never_opened(hostile_paths: Paths, monkeypatch) -> None:  # noqa: ANN001
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    app = make_app(hostile_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        with Library(hostile_paths.library) as lib:
            first = lib.list_articles("", limit=None)
            js = next(r.id for r in first if r.title == "[bold]x[/]")
        articles.move_to(list_ids(app).index(js))
        await pilot.press("o", "y")
        await settle(pilot)
        assert opened == []
        assert app.clipboard == ""
        assert still_running(app)


async def test_search_box_input_is_not_markup(hostile_paths: Paths) -> None:
    app = make_app(hostile_paths)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'"[@click=app.quit]y"')
        await settle(pilot)
        assert still_running(app)
        text = screen_text(app)
        assert "[@click=app.quit]y" in text
