"""The list header never shows a wrong number: "counting…", a lower bound, or the exact count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.widgets.article_list import PAGE, ArticleList
from newstui.tui.widgets.list_header import ListHeader
from test_tui_support import make_app, settle

pytest_plugins = ["test_tui_support"]

_NUMBER = re.compile(r"— ([0-9,]+)(\+?) articles?")


@pytest.fixture
def big_paths(tmp_path: Path) -> Paths:
    """More matches than one page for "walrus", a few for "pelican", none for "zebu"."""
    paths = Paths.resolve(tmp_path / "data")
    with Library(paths.library) as lib:
        src, _ = lib.add_source("https://e.example/feed")
        items = [
            ArticleIn(f"Walrus report {i}", guid=f"w{i}", published=1.7e9 + i) for i in range(PAGE * 2 + 50)
        ]
        items += [ArticleIn(f"Pelican note {i}", guid=f"p{i}", published=1.6e9 + i) for i in range(30)]
        lib.upsert_articles(src.id, items)
    return paths


def _search_word(description: str) -> str:
    m = re.search(r"“([^”]*)”", description)
    return m.group(1) if m else ""


async def test_header_count_is_never_wrong_while_typing(
    big_paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[str, str]] = []
    original = ListHeader.render

    def recording_render(self: ListHeader):  # noqa: ANN202
        content = original(self)
        shown.append((self.description, str(content)))
        return content

    monkeypatch.setattr(ListHeader, "render", recording_render)
    app = make_app(big_paths)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        for word in ("walrus", "pelican", "zebu", "walrus"):
            app.screen.query_one("#search").value = ""
            await settle(pilot)
            for key in word:
                await pilot.press(key)
                await pilot.pause()
            await settle(pilot)
            header = app.screen.query_one(ListHeader)
            with Library(big_paths.library) as lib:
                truth = lib.count(word)
            assert header.exact and header.count == truth, (word, header.count, truth)
            assert app.screen.query_one(ArticleList).count == truth
    assert shown
    with Library(big_paths.library) as lib:
        for description, text in shown:
            m = _NUMBER.search(text)
            if m is None:
                assert "counting…" in text or "Query" in text, text
                continue
            word = _search_word(description)
            truth = lib.count(word) if word else lib.count(None)
            number = int(m.group(1).replace(",", ""))
            if m.group(2):  # "N+": a lower bound, and it says it is still counting
                assert number <= truth and "counting…" in text, (description, text, truth)
            else:
                assert number == truth, (description, text, truth)


async def test_header_shows_counting_until_the_first_rows_land(big_paths: Paths) -> None:
    app = make_app(big_paths)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(ListHeader)
        assert header.count == PAGE * 2 + 80 and header.exact
        articles = app.screen.query_one(ArticleList)
        header.description = "something else"  # a new filter, before its rows arrive
        assert header.count is None and "counting…" in str(header.render())
        articles.load("pelican")
        await settle(pilot)
        assert header.count == 30 and header.exact
