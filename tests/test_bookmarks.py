"""Bookmarks are durable copies: retention, source removal and refreshes leave them whole."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from newstui import render
from newstui.config import Config
from newstui.models import ArticleIn
from newstui.store.library import Library

DAY = 86_400.0
OLD = 1_000_000_000.0  # 2001: far past any retention cutoff


def feed_articles(
    lib: Library, n: int = 3, url: str = "https://feeds.example.org/a.rss", title: str = "Example Feed"
) -> list[int]:
    src, _ = lib.add_source(url, title=title)
    items = [
        ArticleIn(
            title=f"Story {i}",
            guid=f"{url}#{i}",
            link=f"https://news.example.org/{i}",
            summary=f"Summary {i}.",
            content=f"<p>Body of story {i}, with details.</p>",
            content_type="html",
            published=OLD + i,
            categories=["World"],
            tags=[f"t{i}"],
        )
        for i in range(n)
    ]
    return lib.upsert_articles(src.id, items).new_ids


def test_bookmark_with_note_and_listing_order(lib: Library) -> None:
    a, b, c = feed_articles(lib)
    lib.bookmark(b, note="first", created=100.0)
    lib.bookmark(a, note="second", created=200.0)
    art = lib.article(a)
    assert art.bookmarked and art.note == "second" and art.bookmarked_at == 200.0
    rows = lib.list_articles("is:bookmarked", sort="bookmarked")
    assert [r.id for r in rows] == [a, b]
    assert [r.id for r in lib.list_articles("note:second")] == [a]
    # Bookmarking again keeps the time; a None note keeps the note; a new note replaces it.
    lib.bookmark(a)
    assert lib.article(a).note == "second" and lib.article(a).bookmarked_at == 200.0
    lib.bookmark(a, note="")
    assert lib.article(a).note == ""
    lib.unbookmark(b)
    assert not lib.article(b).bookmarked
    assert not lib.article(c).bookmarked


def test_bookmark_survives_retention(lib: Library) -> None:
    from newstui.store.retention import apply_retention

    a, b, c = feed_articles(lib)
    lib.bookmark(a, note="keep")
    later = time.time() + 400 * DAY  # everything is past the cutoff, by date and first seen
    assert apply_retention(lib, 30, now=later) == 2
    art = lib.article(a)
    assert art.bookmarked and art.note == "keep"
    assert art.categories == ["World"] and art.tag_names == ["t0"]
    assert "Body of story 0" in render.article_markdown(art)
    assert lib.count() == 1


def test_bookmark_survives_source_removal(lib: Library) -> None:
    a, b, _ = feed_articles(lib)
    lib.bookmark(b, note="detached")
    src = lib.article(b).source_id
    assert src is not None
    assert lib.remove_source(src) == 2
    art = lib.article(b)
    assert art.source_id is None and art.source == "Example Feed"
    assert art.bookmarked and art.note == "detached"
    assert "Body of story 1" in render.article_markdown(art)
    assert [r.id for r in lib.list_articles("is:bookmarked")] == [b]
    # Re-subscribing to the same feed does not duplicate or disturb the detached bookmark.
    feed_articles(lib)
    assert lib.article(b).bookmarked and lib.count("is:bookmarked") == 1


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback News</title><link>https://news.example.org/</link>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://news.example.org/{n}</link>
<guid>https://news.example.org/{n}</guid><pubDate>Mon, 01 Jan 2001 10:00:00 GMT</pubDate>
<category>World</category><description>{text}</description></item>"""


def test_bookmark_survives_a_refresh_that_drops_the_entry(lib: Library, tmp_path: Path) -> None:
    from newstui.sources.refresh import refresh

    feed = tmp_path / "feed.rss"
    items = [ITEM.format(title=f"Entry {n}", n=n, text=f"Text of entry {n}.") for n in range(3)]
    feed.write_text(RSS.format(items="\n".join(items)), encoding="utf-8")
    src, _ = lib.add_source(str(feed), title="Loopback News")
    cfg = Config(retention_days=30)
    refresh(lib, cfg)
    kept = lib.article_ids('"Entry 1"')[0]
    lib.bookmark(kept, note="read later")
    lib.tag(kept, add=["mine"])

    # The feed drops the entry (and changes another); a refresh must not lose the bookmark.
    items = [ITEM.format(title="Entry 0 (updated)", n=0, text="New text."), items[2]]
    feed.write_text(RSS.format(items="\n".join(items)), encoding="utf-8")
    refresh(lib, cfg, force=True)
    art = lib.article(kept)
    assert art.bookmarked and art.note == "read later" and art.title == "Entry 1"
    assert "Text of entry 1." in render.article_markdown(art)
    assert "mine" in art.tag_names

    # And once retention trims the old entries, the bookmark is still all there.
    from newstui.store.retention import apply_retention

    apply_retention(lib, 30, now=time.time() + 400 * DAY)
    assert lib.article_ids() == [kept]
    assert lib.article(kept).categories == ["World"]


def test_bookmark_keeps_a_snapshot(lib: Library) -> None:
    (a,) = feed_articles(lib, 1)
    lib.bookmark(a, note="n")
    snap = json.loads(lib._read("SELECT snapshot FROM bookmarks WHERE article_id = ?", (a,))[0][0])
    assert snap["title"] == "Story 0" and snap["categories"] == ["World"]
    assert snap["tags"] == [["t0", "source"]]


def test_unknown_articles_are_refused(lib: Library) -> None:
    from newstui.errors import NotFound

    with pytest.raises(NotFound):
        lib.bookmark(999)
    with pytest.raises(NotFound):
        lib.unbookmark(999)


# ------------------------------------------------------------------------ CLI
def test_cli_bookmark_note_list_unbookmark(lib: Library, cli) -> None:
    a, b, _ = feed_articles(lib)
    done = cli("bookmark", str(a), "--note", "zug", "--no-fetch")
    assert done.returncode == 0, done.stderr
    assert f"bookmarked {a}: Story 0" in done.stdout
    done = cli("note", str(b), "später lesen")
    assert done.returncode == 0, done.stderr
    assert "bookmarked and noted" in done.stdout

    listed = cli("bookmarks")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert "Story 1" in lines[0] and "note: später lesen" in lines[1] and "Story 0" in lines[2]

    listed = cli("bookmarks", "--format", "json")
    recs = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["id"] for r in recs] == [b, a]
    assert recs[1]["note"] == "zug" and recs[1]["bookmarked"] is True
    assert recs[1]["categories"] == ["World"]

    assert cli("list", "is:bookmarked", "note:zug").stdout.count("Story") == 1

    done = cli("unbookmark", str(a))
    assert done.returncode == 0, done.stderr
    again = cli("unbookmark", str(a))
    assert again.returncode == 1 and "not bookmarked" in again.stderr
    assert not lib.article(a).bookmarked


def test_cli_errors_are_one_line(cli) -> None:
    for args in (("bookmark", "42"), ("bookmark", "abc"), ("note", "7", "x")):
        done = cli(*args)
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("newstui: no article")
