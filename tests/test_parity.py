"""One core, two faces: the CLI (the real entry point in a subprocess) and the reader
(driven with Pilot) go through the same scenario on two fresh libraries, against the same
loopback server, and must leave the same library behind.

The scenario: add a feed; add a page whose announced feed fails on the first fetch (kept,
with its error); import a folder (an auto-tag rule applies); tag and bookmark the
imported article; mark everything read; undo.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from feedserver import FeedServer, server_fixture  # noqa: F401
from newstui.config import Config
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.app import NewstuiApp
from newstui.tui.screens.dialogs import InputDialog
from newstui.tui.widgets.search_bar import SearchBar
from support import settle

CONFIG = '[tag]\nimported = "paritynote"\n'


def rss(n: int) -> bytes:
    items = "".join(
        f"<item><title>Feed item {i}</title><guid>item-{i}</guid><link>https://example.org/{i}</link>"
        f"<pubDate>Mon, 0{i + 1} Jan 2024 10:00:00 GMT</pubDate><description>Item {i}.</description>"
        "<category>news</category></item>"
        for i in range(n)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Parity feed</title>{items}</channel></rss>'
    ).encode()


@pytest.fixture
def site(server: FeedServer, tmp_path: Path) -> dict[str, str]:  # noqa: F811
    good = server.feed("/feed.xml", rss(3))
    server.status("/gone.xml", 404)
    page = server.route(
        "/blog/",
        lambda h: h.reply(
            200,
            b'<html><head><link rel="alternate" type="application/rss+xml" href="/gone.xml">'
            b"</head><body>A blog</body></html>",
            {"Content-Type": "text/html"},
        ),
    )
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "note.md").write_text(
        "---\ntitle: A paritynote to keep\ndate: 2024-02-01\ntags: [mine]\n---\n\nShort text.\n",
        encoding="utf-8",
    )
    return {"good": good, "failing": page, "folder": str(folder)}


def library_state(db: Path) -> dict[str, object]:
    """Everything a user could tell apart, by natural keys (no ids, no timestamps)."""
    with Library(db) as lib:
        sources = sorted(
            (s.url, s.kind, s.title, s.category, s.last_error is not None, s.total) for s in lib.sources()
        )
        articles = []
        for row in lib.list_articles(limit=None):
            a = lib.article(row.id)
            articles.append(
                (
                    a.source,
                    a.key,
                    a.title,
                    a.read,
                    a.bookmarked,
                    a.note,
                    a.fulltext_status,
                    sorted((t.name, t.origin) for t in a.tags),
                )
            )
        return {"sources": sources, "articles": sorted(articles)}


def new_data(tmp_path: Path, name: str) -> Paths:
    data = tmp_path / name
    data.mkdir()
    (data / "config.toml").write_text(CONFIG, encoding="utf-8")
    return Paths.resolve(data)


def run_cli(cli: Callable, paths: Paths, site: dict[str, str]) -> list[dict[str, object]]:
    def ok(*args: str, code: int = 0) -> str:
        r = cli(*args, data=paths.data_dir)
        assert r.returncode == code, (args, r.stdout, r.stderr)
        return r.stdout

    ok("add", site["good"])
    ok("add", site["failing"], code=3)  # found, first fetch failed: kept, partial success
    ok("import", site["folder"])
    [rec] = [json.loads(line) for line in ok("list", "paritynote", "--format", "json").splitlines()]
    ok("tag", str(rec["id"]), "+later")
    ok("bookmark", str(rec["id"]), "--no-fetch")
    ok("mark-read")
    states = [library_state(paths.library)]
    ok("undo")
    states.append(library_state(paths.library))
    return states


async def run_tui(paths: Paths, site: dict[str, str]) -> list[dict[str, object]]:
    app = NewstuiApp(paths, Config.load(paths.config), network=False)
    states = []
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)

        async def dialog(key: str, value: str, *, append: bool = False) -> None:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, InputDialog)
            box = app.screen.query_one(Input)
            box.value = box.value + value if append else value
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, InputDialog), "the dialog stayed open"

        await dialog("a", site["good"])
        await dialog("a", site["failing"])
        await dialog("i", site["folder"])
        await pilot.press("slash")
        app.screen.query_one(SearchBar).value = "paritynote"
        await pilot.press("enter")
        await settle(pilot)
        await dialog("t", "later", append=True)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("escape")  # clear the search: the whole library again
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        states.append(library_state(paths.library))
        await pilot.press("u")
        await settle(pilot)
        states.append(library_state(paths.library))
    return states


async def test_cli_and_reader_leave_the_same_library(
    cli: Callable, site: dict[str, str], tmp_path: Path
) -> None:
    by_cli = run_cli(cli, new_data(tmp_path, "cli"), site)
    by_tui = await run_tui(new_data(tmp_path, "tui"), site)
    assert by_tui == by_cli
    marked, undone = by_cli
    # ...and that state is the scenario's, not two faces agreeing on nothing.
    assert [(s[0], s[4]) for s in marked["sources"]] == sorted(
        [
            (site["good"], False),
            (site["failing"].replace("/blog/", "/gone.xml"), True),
            (site["folder"], False),
        ]
    )
    articles = marked["articles"]
    assert len(articles) == 4 and all(a[3] for a in articles)
    [note] = [a for a in undone["articles"] if "paritynote" in a[2]]
    assert note[4] and note[6] == "none"  # bookmarked; no link, so no full text to fetch
    assert ("imported", "user") in note[7] and ("later", "user") in note[7] and ("mine", "source") in note[7]
    assert not any(a[3] for a in undone["articles"])  # the undo put every one back
