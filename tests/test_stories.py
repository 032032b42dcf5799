"""One story once: canonical links, copies across and within feeds, shared state, the
``is:duplicate`` query, the collapse switch and ``also_in`` (store, migration and CLI)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Static

from newstui.canonical import canonical_link, story_keys
from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.query import compile_query
from newstui.store import schema
from newstui.store.library import Library
from newstui.tui.widgets.article_list import ArticleList
from test_tui_support import list_ids, make_app, settle

pytest_plugins = ["test_tui_support"]  # the demo library fixtures

T0 = 1_700_000_000.0
STORY = "https://news.example.org/2025/wero-launch"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://News.Example.ORG:443/2025/wero-launch/?utm_source=rss&utm_medium=feed#top", STORY),
        ("https://news.example.org/2025/wero-launch?fbclid=x&gclid=y&mc_cid=1&mc_eid=2", STORY),
        ("https://news.example.org/2025/wero-launch?UTM_Campaign=Spring", STORY),
        ("http://news.example.org:80/a/", "http://news.example.org/a"),
        ("http://news.example.org:8080/a", "http://news.example.org:8080/a"),
        ("https://news.example.org", "https://news.example.org/"),
        ("https://news.example.org/?b=2&a=1&utm_term=x", "https://news.example.org/?a=1&b=2"),
        ("https://user:secret@news.example.org/a", "https://news.example.org/a"),
        ("ftp://news.example.org/a", ""),
        ("javascript:alert(1)", ""),
        ("urn:uuid:1234", ""),
        ("https://news.example.org:99999/a", ""),
        ("", ""),
    ],
)
def test_canonical_link(url: str, canonical: str) -> None:
    assert canonical_link(url) == canonical


def test_story_keys_use_the_link_then_a_guid_that_is_a_url() -> None:
    story, guid_key = story_keys(STORY + "?utm_source=a", "tag:example.org,2025:1")
    assert story is not None and guid_key is None  # a guid that is no URL adds nothing
    assert story_keys(STORY, STORY + "/") == (story, None)  # guid == link: one key
    only_guid = story_keys("", STORY)
    assert only_guid == (story, None)
    assert story_keys("", "") == (None, None)
    # A guid keeps its fragment: feeds tell entries apart by it.
    assert story_keys("", "https://f.example/feed#1") != story_keys("", "https://f.example/feed#2")


# ------------------------------------------------------------------ helpers
def add(lib: Library, feed: str, *items: ArticleIn) -> list[int]:
    src, _ = lib.add_source(f"https://{feed.lower()}.example/feed.xml", title=feed)
    return lib.upsert_articles(src.id, list(items)).new_ids


def item(title: str, link: str, published: float, guid: str = "") -> ArticleIn:
    return ArticleIn(
        title=title, link=link, guid=guid or f"tag:{title}", published=published, summary=f"{title} summary"
    )


def listed(lib: Library, text: str = "", collapse: bool = True) -> list[tuple[str, str]]:
    rows = lib.list_articles(compile_query(text, collapse=collapse), limit=None)
    return [(r.title, r.source) for r in rows]


@pytest.fixture
def three_feeds(lib: Library) -> dict[str, int]:
    """One story in three feeds (the earliest in Alpha), with tracking parameters, plus one
    story of its own in each of Beta and Gamma."""
    (a,) = add(lib, "Alpha", item("Wero launches", STORY + "?utm_source=alpha", T0))
    b, b2 = add(
        lib,
        "Beta",
        item("Wero launches (Beta)", STORY + "/#comments", T0 + 60),
        item("Beta only", "https://beta.example/only", T0 + 30),
    )
    (c,) = add(
        lib,
        "Gamma",
        item("Wero launches (Gamma)", "HTTPS://NEWS.example.org/2025/wero-launch?fbclid=abc", T0 + 120),
    )
    return {"a": a, "b": b, "b2": b2, "c": c}


# ------------------------------------------------------------------- listing
def test_a_story_in_three_feeds_is_listed_once_under_its_earliest_article(
    lib: Library, three_feeds: dict[str, int]
) -> None:
    assert listed(lib) == [("Beta only", "Beta"), ("Wero launches", "Alpha")]
    assert lib.count(compile_query("", collapse=True)) == 2
    assert lib.count(compile_query("", collapse=False)) == 4
    rows = lib.with_also_in(lib.list_articles(compile_query("", collapse=True)))
    assert [r.also_in for r in rows] == [[], ["Beta", "Gamma"]]
    # The article knows too (the article view shows it); a copy names the others.
    assert lib.article(three_feeds["a"]).also_in == ["Beta", "Gamma"]
    assert lib.article(three_feeds["c"]).also_in == ["Alpha", "Beta"]
    assert lib.article(three_feeds["b2"]).also_in == []


def test_is_duplicate_finds_every_copy_and_collapse_off_lists_them(
    lib: Library, three_feeds: dict[str, int]
) -> None:
    every = {("Wero launches", "Alpha"), ("Wero launches (Beta)", "Beta"), ("Wero launches (Gamma)", "Gamma")}
    assert set(listed(lib, "is:duplicate")) == every
    assert set(listed(lib, "is:duplicate", collapse=False)) == every
    assert listed(lib, "-is:duplicate") == [("Beta only", "Beta")]
    assert len(listed(lib, collapse=False)) == 4
    assert lib.count(compile_query("is:duplicate", collapse=True)) == 3


def test_a_filter_that_leaves_the_primary_out_still_shows_its_copy(
    lib: Library, three_feeds: dict[str, int]
) -> None:
    assert listed(lib, "source:Beta") == [("Wero launches (Beta)", "Beta"), ("Beta only", "Beta")]
    assert listed(lib, "launches") == [("Wero launches", "Alpha")]
    assert listed(lib, "gamma") == [("Wero launches (Gamma)", "Gamma")]
    # Ranked search and every sort keep the collapse.
    for sort in ("rank", "source", "title", "date"):
        rows = lib.list_articles(compile_query("launches", collapse=True), sort=sort)
        assert [r.title for r in rows] == ["Wero launches"], sort


@pytest.mark.parametrize(
    "text", ["", "is:unread", "is:read", "source:Beta", "launches", "launches OR only", "-is:duplicate"]
)
def test_the_count_of_a_collapsed_list_is_its_length(
    lib: Library, three_feeds: dict[str, int], text: str
) -> None:
    lib.set_read(three_feeds["b2"], True)
    q = compile_query(text, collapse=True)
    assert lib.count(q) == len(lib.list_articles(q, limit=None))


def test_copies_in_one_feed_are_one_story(lib: Library) -> None:
    add(
        lib,
        "Alpha",
        item("First post", "https://alpha.example/p/1?utm_campaign=x", T0, guid="a-1"),
        item("First post (again)", "https://alpha.example/p/1/", T0 + 5, guid="a-1-bis"),
    )
    assert listed(lib) == [("First post", "Alpha")]
    assert lib.with_also_in(lib.list_articles(compile_query("", collapse=True)))[0].also_in == []
    assert len(listed(lib, "is:duplicate")) == 2


def test_the_same_guid_url_with_different_links_is_one_story(lib: Library) -> None:
    guid = "https://origin.example/2025/story"
    add(lib, "Alpha", item("Story", "https://proxy.example/r/111", T0, guid=guid))
    add(lib, "Beta", item("Story", "https://proxy.example/r/222", T0 + 1, guid=guid + "?utm_source=b"))
    assert listed(lib) == [("Story", "Alpha")]
    # A guid URL also meets another feed's link.
    add(lib, "Gamma", item("Story", guid, T0 + 2, guid="gamma-7"))
    assert listed(lib) == [("Story", "Alpha")]
    assert lib.with_also_in(lib.list_articles(compile_query("", collapse=True)))[0].also_in == [
        "Beta",
        "Gamma",
    ]


def test_an_earlier_copy_arriving_later_becomes_the_primary(lib: Library) -> None:
    add(lib, "Alpha", item("Late", STORY, T0 + 100))
    add(lib, "Beta", item("Early", STORY + "?utm_medium=x", T0))
    assert listed(lib) == [("Early", "Beta")]


def test_removing_the_primary_hands_the_story_to_its_next_copy(
    lib: Library, three_feeds: dict[str, int]
) -> None:
    alpha = lib.source("Alpha")
    lib.remove_source(alpha.id)
    assert listed(lib) == [("Wero launches (Beta)", "Beta"), ("Beta only", "Beta")]
    assert lib.article(three_feeds["b"]).also_in == ["Gamma"]
    lib.remove_source(lib.source("Beta").id)
    assert listed(lib) == [("Wero launches (Gamma)", "Gamma")]
    assert listed(lib, "is:duplicate") == []


def test_an_update_that_changes_the_link_joins_the_story(lib: Library) -> None:
    add(lib, "Alpha", item("A", STORY, T0))
    src, _ = lib.add_source("https://beta.example/f", title="Beta")
    lib.upsert_articles(src.id, [item("B", "https://beta.example/b", T0 + 1, guid="b-1")])
    assert len(listed(lib)) == 2
    lib.upsert_articles(src.id, [item("B", STORY + "?utm_source=beta", T0 + 1, guid="b-1")])
    assert listed(lib) == [("A", "Alpha")]


# --------------------------------------------------------------------- state
def test_reading_one_copy_reads_the_story(lib: Library, three_feeds: dict[str, int]) -> None:
    ids = three_feeds
    changed = lib.set_read(ids["c"], True)
    assert sorted(changed) == sorted([ids["a"], ids["b"], ids["c"]])
    assert all(lib.article(ids[k]).read for k in "abc")
    assert not lib.article(ids["b2"]).read
    assert listed(lib, "is:unread") == [("Beta only", "Beta")]
    assert listed(lib, "source:Beta is:unread") == [("Beta only", "Beta")]
    lib.set_read(ids["a"], False)
    assert not any(lib.article(ids[k]).read for k in "abc")


def test_mark_all_read_reads_the_hidden_copies_too(lib: Library, three_feeds: dict[str, int]) -> None:
    changed = lib.mark_all_read("source:Alpha")
    assert sorted(changed) == sorted([three_feeds[k] for k in "abc"])
    assert lib.stats()["unread"] == 1
    lib.set_read(changed, False)  # undo
    assert lib.stats()["unread"] == 2  # counts as listed: the story once, and Beta's own


def test_a_copy_of_a_read_story_arrives_read(lib: Library) -> None:
    (a,) = add(lib, "Alpha", item("A", STORY, T0))
    lib.set_read(a, True)
    lib.journal_register("sync")
    (b,) = add(lib, "Beta", item("B", STORY, T0 + 10))
    assert lib.article(b).read
    # Sync learns that it was read like any other change of read state.
    reads = [(e.article_id, e.new) for e in lib.journal_pending("sync") if e.kind == "read"]
    assert reads == [(b, "1")]
    assert listed(lib, "source:Beta is:unread") == []


def test_bookmarking_one_copy_bookmarks_the_story(lib: Library, three_feeds: dict[str, int]) -> None:
    ids = three_feeds
    lib.bookmark(ids["b"], note="read later")
    for k in "abc":
        art = lib.article(ids[k])
        assert art.bookmarked and art.note == "read later", k
    rows = lib.list_articles(compile_query("is:bookmarked", collapse=True))
    assert [(r.title, r.bookmarked) for r in rows] == [("Wero launches", True)]
    lib.unbookmark(ids["a"])
    assert not any(lib.article(ids[k]).bookmarked for k in "abc")


# ---------------------------------------------------------------- migration
def test_migration_keys_and_groups_existing_articles(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, upto=schema.MIGRATIONS.index(schema.STORIES))  # the version before
    conn.execute("INSERT INTO sources (url, title, added) VALUES ('https://a.example/f', 'Alpha', 0)")
    conn.execute("INSERT INTO sources (url, title, added) VALUES ('https://b.example/f', 'Beta', 0)")
    rows = [
        (1, "k1", "Old A", STORY + "?utm_source=a", T0, 1),
        (2, "k2", "Old B", STORY + "/", T0 + 5, 0),
        (2, "k3", "Other", "https://b.example/other", T0 + 9, 0),
    ]
    for src, key, title, link, published, read in rows:
        conn.execute(
            "INSERT INTO articles (source_id, key, title, link, published, first_seen, read) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (src, key, title, link, published, published, read),
        )
    conn.close()
    with Library(path) as lib:
        assert schema.version(lib.conn) == schema.LATEST
        assert listed(lib) == [("Other", "Beta"), ("Old A", "Alpha")]
        assert lib.article(2).read  # the story was read in Alpha
        assert lib.article(1).also_in == ["Beta"]
        # New copies join the old story.
        add(lib, "Gamma", item("New C", STORY + "#x", T0 + 20))
        assert listed(lib) == [("Other", "Beta"), ("Old A", "Alpha")]


# ---------------------------------------------------------------------- CLI
RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>{feed}</title><link>https://{host}/</link>
<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{guid}</guid>
<pubDate>{date}</pubDate></item>
</channel></rss>
"""


@pytest.fixture
def two_feed_files(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    for feed, host, title, query, date in (
        (
            "Alpha News",
            "alpha.example",
            "Wero launches",
            "?utm_source=alpha",
            "Mon, 03 Nov 2025 08:00:00 GMT",
        ),
        (
            "Beta Daily",
            "beta.example",
            "Wero launches today",
            "?utm_source=beta&fbclid=1",
            "Mon, 03 Nov 2025 09:30:00 GMT",
        ),
    ):
        (folder / f"{host}.xml").write_text(
            RSS.format(
                feed=feed,
                host=host,
                title=title,
                link=STORY + query.replace("&", "&amp;"),
                guid=f"{host}-1",
                date=date,
            )
        )
    return folder


def test_cli_list_json_gives_also_in(cli, two_feed_files: Path) -> None:
    r = cli("import", str(two_feed_files))
    assert r.returncode == 0, r.stderr
    r = cli("list", "--format", "json")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["title"], x["source"], x["also_in"]) for x in recs] == [
        ("Wero launches", "Alpha News", ["Beta Daily"])
    ]
    recs = [json.loads(line) for line in cli("list", "is:duplicate", "--format", "json").stdout.splitlines()]
    assert sorted((x["source"], x["also_in"][0]) for x in recs) == [
        ("Alpha News", "Beta Daily"),
        ("Beta Daily", "Alpha News"),
    ]
    text = cli("list").stdout
    assert "Wero launches  (also in: Beta Daily)" in text


def test_cli_collapse_duplicates_can_be_turned_off(cli, data_dir: Path, two_feed_files: Path) -> None:
    assert cli("import", str(two_feed_files)).returncode == 0
    (data_dir / "config.toml").write_text("[ui]\ncollapse_duplicates = false\n")
    r = cli("list", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 2
    # Reading one reads the story, whichever way it is listed.
    first = json.loads(r.stdout.splitlines()[0])
    assert cli("read", str(first["id"])).returncode == 0
    recs = [json.loads(line) for line in cli("list", "--format", "json").stdout.splitlines()]
    assert [x["read"] for x in recs] == [True, True]


# ---------------------------------------------------------------------- TUI
async def test_the_reader_lists_the_demo_story_once_with_also_in(demo_paths: Paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        first = articles.current_row
        assert first is not None and first.also_in == ["Tech Digest"]
        assert "also in: Tech Digest" in articles.render_line(1).text
        assert len(list_ids(app)) == articles.count == 56
        await pilot.press("enter")
        await settle(pilot)
        also = app.screen.query_one("#article-also", Static)
        assert str(also.render()) == "also in: Tech Digest"
        # Opening it read the copy in Tech Digest too.
        with Library(demo_paths.library) as lib:
            copy = lib.list_articles(compile_query("source:Digest python is:duplicate"))
            assert [(r.title, r.read) for r in copy] == [("Python 3.15 alpha: startup gets faster", True)]


async def test_the_reader_lists_every_copy_when_collapse_is_off(demo_paths: Paths) -> None:
    app = make_app(demo_paths, collapse_duplicates=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        assert articles.count == 58
        titles = [articles.row_at(i).title for i in range(3)]  # type: ignore[union-attr]
        assert titles[:2] == [
            "Python 3.15 alpha: startup gets faster",
            "Python 3.15 alpha brings a faster startup",
        ]
        # Reading one reads its copy too.
        first, second = articles.row_at(0), articles.row_at(1)
        await pilot.press("enter")
        await settle(pilot)
        with Library(demo_paths.library) as lib:
            assert lib.article(first.id).read and lib.article(second.id).read  # type: ignore[union-attr]
