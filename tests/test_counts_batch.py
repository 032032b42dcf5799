"""Counts of what a batch writes are added once per batch (``store.counts.add_written``),
not by a trigger per row (schema ``BATCH_COUNTS``). After a refresh of new and changed
articles, an import, read flips, tag changes, retention, a source's removal, and in a
library migrated from the schema before, the kept counts equal a count from scratch."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from feedserver import FeedServer, server_fixture  # noqa: F401
from newstui.config import Config
from newstui.models import ArticleIn
from newstui.sources.importer import import_paths
from newstui.sources.refresh import refresh
from newstui.store import schema
from newstui.store.doctor import search_index_problems
from newstui.store.library import Library
from newstui.store.retention import apply_retention
from test_label_counts import afresh, kept

CFG = Config(connect_timeout=2, read_timeout=2, feed_deadline=3, retention_days=0)


def check(lib: Library) -> None:
    expected = afresh(lib)
    assert expected["all"] and expected["category"]  # not empty: the comparison says something
    assert kept(lib) == expected


def rss(items: list[tuple[str, str, list[str]]]) -> bytes:
    """A feed of (guid, title, categories) items; ``tag:`` categories are not special in
    RSS, so the feed's tags come from a JSON feed below."""
    out = ['<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link>']
    for n, (guid, title, cats) in enumerate(items):
        out.append(
            f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
            f"<link>https://t.example/{escape(guid)}</link>"
            f"<pubDate>Mon, 0{1 + n % 9} Jan 2024 10:00:00 GMT</pubDate>"
            f"<description>Text of {escape(title)} about herring</description>"
            + "".join(f"<category>{escape(c)}</category>" for c in cats)
            + "</item>"
        )
    out.append("</channel></rss>")
    return "".join(out).encode()


def json_feed(items: list[tuple[str, str, list[str]]]) -> bytes:
    import json

    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "J",
            "items": [
                {
                    "id": guid,
                    "url": f"https://j.example/{guid}",
                    "title": title,
                    "content_text": f"Body of {title}",
                    "date_published": "2024-02-01T10:00:00Z",
                    "tags": tags,
                }
                for guid, title, tags in items
            ],
        }
    ).encode()


def serve(server: FeedServer, path: str, body: bytes, content_type: str) -> str:
    """(Re)serve ``path`` with ``body``; each new body gets new validators."""
    return server.feed(path, body, content_type=content_type)


def test_refresh_of_new_and_changed_articles_keeps_counts_exact(lib: Library, server: FeedServer) -> None:
    one = [(f"a{i}", f"Alpha {i}", ["News", "news", "Tech"][: 1 + i % 3]) for i in range(10)]
    two = [(f"b{i}", f"Beta {i}", ["x", "X", f"t{i % 3}"]) for i in range(6)]
    url_a = serve(server, "/a.xml", rss(one), "application/rss+xml")
    url_b = serve(server, "/b.json", json_feed(two), "application/feed+json")
    seeded, _ = lib.add_source(serve(server, "/seed.xml", rss([("s", "Seed", ["news"])]), "text/xml"))
    assert refresh(lib, CFG).new == 1
    assert lib.label_counts("all") == {0: (1, 1)}  # kept from here on
    lib.add_source(url_a)
    lib.add_source(url_b)
    report = refresh(lib, CFG)
    assert report.ok and report.new == 16
    check(lib)
    ids = {a.title: a.id for a in (lib.article(r.id) for r in lib.list_articles(None, limit=None))}
    # Read ones and a user's tag beside the tag the feed gives, before the feeds change.
    lib.set_read([ids["Alpha 1"], ids["Alpha 2"], ids["Beta 0"], ids["Beta 1"]])
    lib.tag(ids["Beta 0"], add=["t0", "mine"])
    lib.tag(ids["Beta 2"], add=["t2"])
    check(lib)
    # Changed articles (new titles, other labels; read and unread ones) and new ones.
    one2 = [
        (g, t + " (changed)" if i < 4 else t, ["Sport"] if i % 2 else c) for i, (g, t, c) in enumerate(one)
    ]
    one2 += [("a10", "Alpha 10", ["Sport", "SPORT", "News"])]
    two2 = [(g, t + "!" if i < 3 else t, ["x", "t0"] if i < 3 else tg) for i, (g, t, tg) in enumerate(two)]
    two2 += [("b6", "Beta 6", ["mine"])]
    serve(server, "/a.xml", rss(one2), "application/rss+xml")
    serve(server, "/b.json", json_feed(two2), "application/feed+json")
    report = refresh(lib, CFG)
    assert report.ok and report.new == 2 and report.updated == 10
    check(lib)
    # The user's tag outlived the feed's; the read state of changed articles stayed.
    assert {t.name for t in lib.article(ids["Beta 0"]).tags} == {"x", "t0", "mine"}
    assert lib.article(ids["Alpha 1"]).read and lib.article(ids["Alpha 1"]).title == "Alpha 1 (changed)"
    assert search_index_problems(lib) == []
    # Read flips, tags, a merge of a feed's tag into a user's, retention, removal.
    lib.mark_all_read("category:sport")
    check(lib)
    lib.set_read([ids["Alpha 1"], ids["Beta 0"]], False)
    check(lib)
    lib.tag(ids["Beta 0"], remove=["x"])
    lib.add_tag_to(list(ids.values()), "later")
    check(lib)
    lib.merge_tags(["t1", "x"], "mine")
    check(lib)
    lib.delete_tag("later")
    check(lib)
    lib.bookmark(ids["Alpha 3"])
    assert apply_retention(lib, 30, now=time.time() + 3650 * 86400) > 0
    check(lib)
    lib.remove_source(seeded.id)
    lib.remove_source(lib.sources()[0].id)
    check(lib)


def test_an_ignore_rule_and_a_story_found_twice_keep_counts_exact(lib: Library, server: FeedServer) -> None:
    lib.label_counts("all")  # kept from the start
    url_a = serve(
        server, "/a.xml", rss([("a1", "Herring news", ["Fish"]), ("a2", "Cod", ["Fish"])]), "text/xml"
    )
    # The same links again in another feed: one story, read as a whole.
    body = rss([("a1", "Herring again", ["Fish", "More"]), ("c2", "Other", ["More"])])
    url_c = serve(server, "/c.xml", body, "text/xml")
    a, _ = lib.add_source(url_a)
    lib.add_source(url_c)
    lib.update_source(a.id, ignore_rule="cod")
    report = refresh(lib, CFG)
    assert report.ok and report.new == 3
    check(lib)
    herring = [r.id for r in lib.list_articles("herring", limit=None)]
    lib.set_read(herring[:1])
    check(lib)


def test_a_first_refresh_of_a_new_library_counts_exactly(lib: Library, server: FeedServer) -> None:
    lib.add_source(
        serve(server, "/a.xml", rss([(f"a{i}", f"A{i}", ["One", "Two"]) for i in range(5)]), "text/xml")
    )
    assert refresh(lib, CFG).new == 5
    check(lib)


def test_import_into_kept_counts_keeps_them_exact(tmp_path: Path, lib: Library) -> None:
    feed, _ = lib.add_source("https://a.example/feed", title="A")
    lib.upsert_articles(feed.id, [ArticleIn(title="Old", guid="o1", published=1.7e9, categories=["k1"])])
    lib.label_counts("all")
    root = tmp_path / "texts"
    root.mkdir()
    for i in range(40):
        (root / f"t{i:03d}.txt").write_text(
            f"Article {i}\n\nBody {i}.\n\nKategorien: K{i % 4}, k{i % 4}\nSchlagworte: x, X\n",
            encoding="utf-8",
        )
    assert import_paths(lib, [root]).imported == 40
    check(lib)
    (root / "t000.txt").write_text(
        "Article 0\n\nA new body.\n\nKategorien: K9\nSchlagworte: y\n", encoding="utf-8"
    )
    lib.set_read(lib.article_ids("category:k9 OR category:k0"))
    import_paths(lib, [root])
    check(lib)


def _old_library(path: Path) -> None:
    """A library at the schema before this one, with counts its triggers kept."""
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, upto=schema.MIGRATIONS.index(schema.BATCH_COUNTS))  # the version before
    conn.execute("BEGIN")
    conn.execute("INSERT INTO sources (id, url, added) VALUES (1, 'https://o.example/feed', 0)")
    conn.execute("INSERT INTO categories (id, name, fold) VALUES (1, 'Old', 'old'), (2, 'Two', 'two')")
    conn.execute("INSERT INTO tags (id, name, fold) VALUES (1, 'tagged', 'tagged')")
    from newstui.store.counts import fill

    fill(conn)  # kept from before the articles: the old triggers count them
    for i in range(1, 9):
        conn.execute(
            "INSERT INTO articles (id, source_id, key, title, published, first_seen, read) "
            "VALUES (?, 1, ?, ?, ?, 0, ?)",
            (i, f"k{i}", f"Old {i}", 1.7e9 + i, i % 3 == 0),
        )
        conn.execute("INSERT INTO article_categories VALUES (?, ?)", (1 + i % 2, i))
        conn.execute("INSERT INTO article_tags VALUES (1, ?, ?)", (i, "user" if i % 2 else "source"))
    conn.execute("COMMIT")
    conn.close()


def test_a_library_of_the_schema_before_keeps_its_counts(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    _old_library(path)
    with Library(path) as lib:
        assert schema.version(lib.conn) == schema.LATEST
        assert lib.conn.execute("SELECT COUNT(*) FROM label_counts").fetchone()[0] > 0  # not refilled
        check(lib)
        # Writing into it: new articles, a changed one with a user tag, a tag merge.
        lib.upsert_articles(
            1,
            [
                ArticleIn(
                    title="New", guid="n1", published=1.8e9, categories=["old", "Three"], tags=["tagged"]
                ),
                ArticleIn(
                    title="Changed", guid="k1", published=1.7e9, categories=["two"], tags=["tagged", "z"]
                ),
            ],
        )
        check(lib)
        lib.merge_tags(["z"], "tagged")
        lib.set_read(lib.article_ids(""))
        check(lib)


@pytest.mark.parametrize("kept_first", [True, False])
def test_feeds_giving_a_label_in_two_spellings_keep_counts_exact(
    lib: Library, server: FeedServer, kept_first: bool
) -> None:
    if kept_first:
        lib.label_counts("all")
    urls = [
        serve(
            server,
            f"/f{n}.xml",
            rss([(f"g{n}-{i}", f"F{n} {i}", ["Dup", "dup", f"c{n}"]) for i in range(4)]),
            "text/xml",
        )
        for n in range(5)
    ]
    for url in urls:
        lib.add_source(url)
    report = refresh(lib, CFG)
    assert report.ok and report.new == 20
    check(lib)
