"""The library itself: stable ids, idempotent upserts, user state, names, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from newstui.models import ArticleIn
from newstui.store import schema
from newstui.store.library import Library


def test_pragmas(lib: Library) -> None:
    c = lib.conn
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert c.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    assert c.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST


def test_stable_ids_guid_then_link_then_hash(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    items = [
        ArticleIn("A", guid="g-1", link="https://e.example/a", published=1.7e9),
        ArticleIn("B", link="https://e.example/b", published=1.7e9),
        ArticleIn("C", published=1.7e9),
    ]
    first = lib.upsert_articles(src.id, items)
    assert first.new == 3
    keys = {lib.article(i).key for i in first.new_ids}
    assert "g-1" in keys and "https://e.example/b" in keys
    assert any(k.startswith("sha1:") for k in keys)
    again = lib.upsert_articles(src.id, items)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    items[0].title = "A, corrected"
    third = lib.upsert_articles(src.id, items)
    assert (third.new, third.updated) == (0, 1)
    assert lib.stats()["articles"] == 3
    assert lib.list_articles("corrected")[0].title == "A, corrected"
    assert lib.list_articles('"A"')  # the FTS row was replaced, not duplicated
    assert lib.conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0] == 3


def test_refresh_never_resets_user_state_or_user_tags(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    item = ArticleIn("Story", guid="s", content="v1", tags=["feedtag"], categories=["News"])
    aid = lib.upsert_articles(src.id, [item]).new_ids[0]
    lib.set_read(aid)
    lib.bookmark(aid, note="later")
    lib.tag(aid, add=["mine"])
    item.content = "v2"
    item.tags = ["othertag"]
    assert lib.upsert_articles(src.id, [item]).updated == 1
    art = lib.article(aid)
    assert art.read and art.bookmarked and art.note == "later"
    assert {(t.name, t.origin) for t in art.tags} == {("mine", "user"), ("othertag", "source")}
    assert art.content == "v2"


def test_names_case_insensitive_and_never_empty(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    lib.upsert_articles(
        src.id,
        [
            ArticleIn("1", guid="1", categories=["Payment", "", "  "], tags=["Wero", "", " "]),
            ArticleIn("2", guid="2", categories=["payment"], tags=["WERO", "wero"]),
            ArticleIn("3", guid="3", categories=["ÜBER"], tags=[]),
            ArticleIn("4", guid="4", categories=["über"], tags=[]),
        ],
    )
    assert [(n, t) for n, t, _ in lib.category_counts()] == [("Payment", 2), ("ÜBER", 2)]
    assert [(n, t) for n, t, _ in lib.tag_counts()] == [("Wero", 2)]
    assert lib.conn.execute("SELECT COUNT(*) FROM tags WHERE trim(name) = ''").fetchone()[0] == 0


def test_control_characters_never_stored(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    aid = lib.upsert_articles(
        src.id,
        [
            ArticleIn(
                "\x1b]0;owned\x07Title\x9b31m\x1b[2J",
                guid="1",
                author="A\x08B",
                content="body\x1b[31mred",
                categories=["C\x00at"],
                link="javascript:alert(1)",
            ),
        ],
    ).new_ids[0]
    art = lib.article(aid)
    for text in (art.title, art.author, art.content, *art.categories):
        assert not any(ord(ch) < 32 and ch not in "\n\t" or 0x7F <= ord(ch) <= 0x9F for ch in text)
    assert art.title == "Title"
    assert art.link == ""


def test_remove_source_keeps_bookmarks(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed", title="Example")
    ids = lib.upsert_articles(src.id, [ArticleIn("keep", guid="1"), ArticleIn("drop", guid="2")]).new_ids
    lib.bookmark(ids[0])
    assert lib.remove_source(src.id) == 1
    art = lib.article(ids[0])
    assert art.bookmarked and art.source == "Example"
    assert [r.title for r in lib.list_articles("is:bookmarked")] == ["keep"]


def test_mark_all_read_with_undo(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    ids = lib.upsert_articles(src.id, [ArticleIn(str(i), guid=str(i)) for i in range(5)]).new_ids
    lib.set_read(ids[0])
    changed = lib.mark_all_read()
    assert sorted(changed) == sorted(ids[1:])
    assert lib.stats()["unread"] == 0
    lib.set_read(changed, False)
    assert lib.stats()["unread"] == 4


def test_migration_from_first_schema(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, upto=1)
    assert schema.version(conn) == 1
    conn.execute("INSERT INTO sources (url, title, added) VALUES ('https://o.example/f', 'Old', 0)")
    conn.execute(
        "INSERT INTO articles (source_id, key, title, published, first_seen, read) "
        "VALUES (1, 'k', 'Old article', 1.6e9, 1.6e9, 1)"
    )
    conn.execute("INSERT INTO bookmarks (article_id, created, note) VALUES (1, 1.6e9, 'n')")
    conn.execute(
        "INSERT INTO articles_fts (rowid, title, author, summary, body) VALUES (1, 'Old article', '', '', '')"
    )
    conn.close()
    with Library(path) as lib:
        assert schema.version(lib.conn) == schema.LATEST
        art = lib.article(1)
        assert art.title == "Old article" and art.read and art.note == "n"
        assert art.fulltext_status == "none"
        assert lib.source(1).gone is False
        assert lib.list_articles("old")[0].id == 1
        lib.save_search("olds", "old")
        assert lib.saved_searches() == [("olds", "old")]


def test_not_sqlite_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    path.write_bytes(b"this is not a database at all\n" * 10)
    with Library(path) as lib:
        assert lib.notice and "moved it to" in lib.notice
        assert lib.stats()["articles"] == 0
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("library.db.bad-")]
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")


def test_pages_from_the_end_match_the_list(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    lib.upsert_articles(
        src.id,
        [
            ArticleIn(f"Story {i % 7}", guid=str(i), published=1.7e9 + (i % 5) * 3600, categories=["c"])
            for i in range(40)
        ],
    )
    lib.bookmark(lib.list_articles(limit=1)[0].id)
    for sort in ("date", "source", "title", "bookmarked"):
        whole = lib.list_articles(sort=sort, limit=None)
        for offset, limit in ((0, 10), (5, 10), (30, 10), (35, 10)):
            tail = lib.list_articles(sort=sort, limit=limit, offset=offset, from_end=True)
            start = max(0, len(whole) - offset - limit)
            assert tail == whole[start : len(whole) - offset], (sort, offset)
