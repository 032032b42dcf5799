"""The article list draws its lines as segments directly: the same segments a Rich
``Text`` of the same pieces, truncated with "…", gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.pilot import Pilot

from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.widgets.article_list import LINES, PAGE, ArticleList, _truncated
from newstui.tui.widgets.search_bar import SearchBar
from test_tui_support import make_app, settle

pytest_plugins = ["test_tui_support"]

BASE = Style(color="white", bgcolor="black")
MARK = BASE + Style(color="blue")
TITLE = BASE + Style(bold=True)
META = BASE + Style(dim=True)

TITLES = ["Plain title", "", "漢字のタイトルがここにあります", "a" * 90, "mixed 漢x漢y 🎉 party", "x"]


def _rich(pieces: list[tuple[str, Style | None]], width: int) -> list[Segment]:
    text = Text(style=BASE, no_wrap=True, end="")
    for piece, style in pieces:
        text.append(piece, style)
    text.truncate(width, overflow="ellipsis")
    return list(text.render(Console()))


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("width", [0, 1, 2, 3, 4, 5, 6, 9, 14, 20, 40, 120])
def test_a_title_line_is_what_rich_would_draw(title: str, width: int) -> None:
    pieces: list[tuple[str, Style | None]] = [
        (" ", None),
        ("●", MARK),
        (" ", MARK),
        (" ", None),
        (title, TITLE),
    ]
    assert _truncated(pieces, BASE, width) == _rich(pieces, width)


@pytest.mark.parametrize("meta", ["", "Source · 2 Jan", "長いソース名" * 4])
@pytest.mark.parametrize("also", ["", "Other feed, 漢字"])
@pytest.mark.parametrize("width", [0, 3, 4, 5, 8, 17, 30, 200])
def test_a_meta_line_is_what_rich_would_draw(meta: str, also: str, width: int) -> None:
    pieces: list[tuple[str, Style | None]] = [("    ", None), (meta, META)]
    if also:
        pieces += [(" · also in: ", META), (also, MARK)]
    assert _truncated(pieces, BASE, width) == _rich(pieces, width)


@pytest.fixture
def long_paths(tmp_path: Path) -> Paths:
    """Many matches for "walrus" (several screens), a few for "pelican" (less than one)."""
    paths = Paths.resolve(tmp_path / "data")
    with Library(paths.library) as lib:
        src, _ = lib.add_source("https://e.example/feed")
        items = [ArticleIn(f"Walrus report {i}", guid=f"w{i}", published=1.7e9 + i) for i in range(PAGE * 3)]
        items += [ArticleIn(f"Walrus note {i}", guid=f"n{i}", published=1.6e9 + i) for i in range(40)]
        items += [ArticleIn(f"Pelican note {i}", guid=f"p{i}", published=1.5e9 + i) for i in range(5)]
        lib.upsert_articles(src.id, items)
    return paths


async def _open_search(pilot: Pilot[None]) -> tuple[ArticleList, SearchBar]:
    """The started reader with its search box open (after "/"): its list and its box."""
    await settle(pilot)
    await pilot.press("slash")
    await settle(pilot)
    screen = pilot.app.screen
    return screen.query_one(ArticleList), screen.query_one(SearchBar)


async def test_the_scrollbar_follows_the_count_as_searches_change(long_paths: Paths) -> None:
    app = make_app(long_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        for query, expected in (
            ("walrus", PAGE * 3 + 40),
            ("report", PAGE * 3),
            ("pelican", 5),
            ("", PAGE * 3 + 45),
        ):
            articles.load(query)
            await settle(pilot)
            assert articles.count == expected
            assert articles.virtual_size.height == expected * LINES
            scrolls = expected * LINES > articles.container_size.height
            assert articles.show_vertical_scrollbar is scrolls
            if scrolls:
                assert articles.vertical_scrollbar.window_virtual_size == expected * LINES
                articles.action_bottom()
                await settle(pilot)
                assert articles.scroll_offset.y == articles.max_scroll_y > 0
                assert articles.row_at(expected - 1) is not None


async def test_typing_a_search_lays_the_screen_out_only_when_the_scrollbar_comes_or_goes(
    long_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keystroke repaints the search box, the list and its header, not every pane: a
    new layout of the whole screen cost more than the keystroke's query. Here the list
    keeps scrolling while the box goes from a short query to one wider than itself."""
    app = make_app(long_paths)
    async with app.run_test(size=(100, 30)) as pilot:
        articles, search = await _open_search(pilot)
        screen = app.screen
        search.value = "walr"
        await settle(pilot)
        layouts: list[object] = []
        original = type(screen)._refresh_layout

        def counted(self: object, *args: object, **kwargs: object) -> None:
            layouts.append(self)
            original(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(type(screen), "_refresh_layout", counted)
        for key in ("u", "s", *["space"] * 90):  # the same search, ever wider text
            await pilot.press(key)
        await settle(pilot)
        assert articles.count == PAGE * 3 + 40 and articles.show_vertical_scrollbar
        assert search.scroll_offset.x > 0  # the cursor at the end of a long query is shown
        assert layouts == []
        await pilot.press(*"zzz")  # no rows: the scrollbar goes, and that is a layout
        await settle(pilot)
        assert articles.count == 0 and not articles.show_vertical_scrollbar
        assert layouts


async def test_keys_typed_right_after_slash_reach_the_search_box(long_paths: Paths) -> None:
    """The keys after "/" may already be waiting when "/" is handled (a busy host): they
    are typed into the search box, not lost on the list."""
    app = make_app(long_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        search = app.screen.query_one(SearchBar)
        # Queued together, as a fast typist's keys are on a busy host; "g" and "j" are also
        # keys of the list (top, down), "down" one of the search box.
        for text in ("pel", "gj"):
            for key, char in (("slash", "/"), *((c, c) for c in text)):
                app.post_message(events.Key(key, char))
            await settle(pilot)
            assert search.value == text and search.has_focus
            await settle(pilot)
            assert app.screen.query_one(ArticleList).count == (5 if text == "pel" else 0)
            app.post_message(events.Key("escape", None))
            await settle(pilot)
            assert not search.value
        # In the box, "/" is a character of the query.
        await pilot.press("slash", "p", "slash", "e")
        await settle(pilot)
        assert search.value == "p/e" and search.has_focus


async def test_the_started_reader_is_frozen_out_of_full_collections(
    long_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once started, what the reader holds is out of the cyclic collector's full passes
    (each walked all of it, a pause that landed on a keystroke); the list still works."""
    import gc

    from newstui.tui import app as app_module

    monkeypatch.setattr(app_module, "SETTLED", 0.05)
    gc.unfreeze()
    app = make_app(long_paths)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.pause(0.2)
            assert gc.get_freeze_count() > 10_000  # Textual's and the reader's objects
            await pilot.press("slash", *"pelican")
            await settle(pilot)
            assert app.screen.query_one(ArticleList).count == 5
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual


async def test_a_slash_typed_over_a_selection_in_the_search_box_replaces_it(long_paths: Paths) -> None:
    """The search key "/" typed in the search box is like any character there,
    so it replaces selected text rather than being inserted beside it."""
    app = make_app(long_paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"walrus")
        await settle(pilot)
        search = app.screen.query_one(SearchBar)
        search.select_all()
        await pilot.press("slash")
        await settle(pilot)
        assert search.value == "/"
        await pilot.press("x", "slash")  # nothing selected: typed at the cursor
        assert search.value == "/x/"


async def test_a_keystroke_and_its_rows_show_in_one_frame(
    long_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search box's new letter is not drawn before the rows of its search: the list
    holds the screen's paint until they land, so both go out in one frame (the rows
    would otherwise wait for Textual's next frame slot after the letter's)."""
    import newstui.tui.widgets.article_list as article_list

    monkeypatch.setattr(article_list, "HOLD", 30.0)  # only the rows let the paint go here
    app = make_app(long_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        articles, search = await _open_search(pilot)
        frames: list[tuple[str, str | None]] = []
        original = type(app)._display

        def display(self: object, shown: object, update: object) -> None:
            query = articles.list_query.text if articles.list_query else None
            frames.append((search.value, query))
            original(self, shown, update)  # type: ignore[arg-type]

        monkeypatch.setattr(type(app), "_display", display)
        for key in "pelican":
            await pilot.press(key)
            await settle(pilot)
        assert articles.count == 5 and search.value == "pelican"
        assert ("pelican", "pelican") in frames
        # Every frame that shows a letter shows that search's rows with it.
        assert [f for f in frames if f[0] and f[0] != f[1]] == []


async def test_a_new_search_repaints_only_the_rows_that_change(
    long_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search whose rows differ from the last one's in a few places draws those rows
    again, not every line of the list (Textual keeps the lines it drew)."""
    app = make_app(long_paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        articles.load("pelican")
        await settle(pilot)
        assert articles.count == 5
        drawn: list[int] = []
        original = ArticleList.render_line

        def render_line(self: ArticleList, y: int) -> object:
            drawn.append(y)
            return original(self, y)

        monkeypatch.setattr(ArticleList, "render_line", render_line)
        articles.action_cursor_down()  # the cursor moves: its old and new row only
        await settle(pilot)
        assert sorted(set(drawn)) == [0, 1, 2, 3]
        articles.action_cursor_up()
        await settle(pilot)
        drawn.clear()
        articles.load("pelican 4")  # the newest pelican alone: rows 1-4 become blank
        await settle(pilot)
        assert articles.count == 1
        height = articles.scrollable_content_region.height
        # Rows 1-4 change and row 0 holds the cursor; the lines below stay as drawn.
        assert drawn and set(range(LINES, 5 * LINES)) <= set(drawn)
        assert max(drawn) < 5 * LINES < height
