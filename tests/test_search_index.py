"""The search index keeps no copy of the texts: updates, deletes, migration and doctor."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newstui.models import ArticleIn
from newstui.store import articles, schema
from newstui.store.articles import unindex
from newstui.store.doctor import diagnose, search_index_problems
from newstui.store.library import Library
from newstui.store.retention import apply_retention


def _fts_sql(lib: Library) -> str:
    return lib._read("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")[0][0]


def test_index_is_contentless(lib: Library) -> None:
    assert "content = ''" in _fts_sql(lib) or "content=''" in _fts_sql(lib)
    names = {r[0] for r in lib._read("SELECT name FROM sqlite_master")}
    assert "articles_fts_content" not in names


def test_changed_article_no_longer_matches_its_old_words(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    item = ArticleIn(
        "Harbour report", guid="g", content="<p>walrus sighting</p>", content_type="html", published=1.7e9
    )
    lib.upsert_articles(src.id, [item])
    assert lib.count("walrus") == 1
    item.content = "<p>pelican sighting</p>"
    assert lib.upsert_articles(src.id, [item]).updated == 1
    assert lib.count("walrus") == 0
    assert lib.count("pelican") == 1
    assert lib.count("sighting") == 1
    assert search_index_problems(lib) == []


def test_removed_source_leaves_nothing_in_the_index(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    keep, _ = lib.add_source("https://k.example/feed")
    lib.upsert_articles(src.id, [ArticleIn(f"Gone {i} marmot", guid=str(i)) for i in range(3)])
    lib.upsert_articles(keep.id, [ArticleIn("Kept marmot", guid="k")])
    assert lib.count("marmot") == 4
    assert lib.remove_source(src.id) == 3
    assert lib.count("marmot") == 1
    assert lib._read("SELECT COUNT(*) FROM articles_fts_docsize")[0][0] == 1
    assert search_index_problems(lib) == []


def test_articles_written_and_removed_in_one_bulk_write_leave_nothing_in_the_index(
    lib: Library,
) -> None:
    """A bulk write holds the index's inserts back to its end; taking articles out of the
    index inside it puts them in first, so what goes is not added after it went."""
    src, _ = lib.add_source("https://e.example/feed")
    keep, _ = lib.add_source("https://k.example/feed")
    old = lib.upsert_articles(src.id, [ArticleIn("Old gannet", guid="o", published=1_000_000.0)])
    lib.conn.execute("UPDATE articles SET first_seen = 1000000.0 WHERE id = ?", (old.new_ids[0],))
    with lib.bulk_write():
        lib.upsert_articles(src.id, [ArticleIn(f"Gone {i} gannet", guid=str(i)) for i in range(3)])
        lib.upsert_articles(keep.id, [ArticleIn("Kept gannet", guid="k", published=2e9)])
        assert lib.remove_source(src.id) == 4
    assert lib.count("gannet") == 1
    assert lib._read("SELECT COUNT(*) FROM articles_fts_docsize")[0][0] == 1
    assert search_index_problems(lib) == []
    with lib.bulk_write():
        lib.upsert_articles(keep.id, [ArticleIn("Ancient gannet", guid="a", published=1_000_000.0)])
        lib.conn.execute("UPDATE articles SET first_seen = 1000000.0 WHERE key = 'a'")
        assert apply_retention(lib, 30, now=1.9e9) == 1
    assert lib.count("gannet") == 1
    assert lib._read("SELECT COUNT(*) FROM articles_fts_docsize")[0][0] == 1
    assert search_index_problems(lib) == []


def test_retention_unindexes_what_it_deletes(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    lib.upsert_articles(src.id, [ArticleIn("Old otter", guid="o", published=1_000_000.0)])
    lib.upsert_articles(src.id, [ArticleIn("New otter", guid="n", published=2e9)])
    lib.conn.execute("UPDATE articles SET first_seen = 1000000.0 WHERE key = 'o'")
    assert apply_retention(lib, 30, now=1.9e9) == 1
    assert lib.count("otter") == 1
    assert search_index_problems(lib) == []


def test_migration_moves_an_old_index_over(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    schema.migrate(conn, upto=2)
    conn.execute("INSERT INTO sources (id, url, added) VALUES (1, 'https://o.example/', 0)")
    conn.execute(
        "INSERT INTO articles (id, source_id, key, title, published, first_seen) "
        "VALUES (7, 1, 'k', 'Quokka news', 1.7e9, 1.7e9)"
    )
    conn.execute(
        "INSERT INTO articles_fts (rowid, title, author, summary, body) VALUES (7, 'Quokka news', '', '', '')"
    )
    conn.close()
    with Library(db) as lib:
        assert "articles_fts_content" not in {r[0] for r in lib._read("SELECT name FROM sqlite_master")}
        assert [r.id for r in lib.list_articles("quokka")] == [7]
        assert diagnose(lib).index_problems == []


def test_doctor_rebuild_keeps_the_index_contentless(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    lib.upsert_articles(src.id, [ArticleIn("Badger", guid="b")])
    lib.conn.execute("INSERT INTO articles_fts (rowid, title) VALUES (424242, 'ghost')")
    report = diagnose(lib)
    assert report.index_rebuilt and report.indexed == 1
    assert lib.count("ghost") == 0 and lib.count("badger") == 1
    assert "content" in _fts_sql(lib) and "articles_fts_content" not in {
        r[0] for r in lib._read("SELECT name FROM sqlite_master")
    }


@pytest.fixture
def crowded(lib: Library) -> Library:
    """Many matches for 'walrus', with equal dates, read ones and another word mixed in."""
    src, _ = lib.add_source("https://e.example/feed")
    items = [
        ArticleIn(
            f"Walrus {'pelican ' if i % 3 == 0 else ''}item {i}", guid=str(i), published=1.7e9 + (i // 4) * 60
        )
        for i in range(400)
    ]
    items += [ArticleIn(f"Quiet item {i}", guid=f"q{i}", published=1.7e9 + i * 7) for i in range(400)]
    ids = lib.upsert_articles(src.id, items).new_ids
    lib.set_read(ids[::5])
    return lib


# Searches made of exact words and 3-letter prefixes only may probe (see _probe_is_cheap).
_PROBED = ["wal", '"walrus"', "wal -pel", '"walrus" "pelican"', "ite wal"]


@pytest.mark.parametrize(
    "query",
    [
        "walrus",
        "walrus is:unread",
        "walrus -pelican",
        "walrus pelican",
        "item walrus",
        *_PROBED,
        "wal is:unread",
    ],
)
@pytest.mark.parametrize(("many", "probe_cost"), [(10, 10**9), (10, 0), (10**9, 0)])
def test_every_plan_of_a_date_sorted_search_finds_the_same_pages(
    crowded: Library, monkeypatch: pytest.MonkeyPatch, query: str, many: int, probe_cost: int
) -> None:
    everything = [r.id for r in crowded.list_articles(query, limit=None)]
    assert everything
    monkeypatch.setattr(articles, "MANY_MATCHES", many)
    monkeypatch.setattr(articles, "PROBE_COST", probe_cost)
    q = crowded.compiled(query)
    assert crowded._many_matches(q) is (many == 10)
    probed = many == 10 and probe_cost == 0 and query in _PROBED
    assert (crowded._search_member(q, 100) == articles._FTS_PROBE) is probed
    for offset, limit in ((0, 10), (0, 100), (37, 20), (len(everything) - 5, 10)):
        page = [r.id for r in crowded.list_articles(query, limit=limit, offset=offset)]
        assert page == everything[offset : offset + limit], (query, offset, limit)
        back = crowded.list_articles(query, limit=limit, offset=offset, from_end=True)
        assert [r.id for r in back] == everything[::-1][offset : offset + limit][::-1]


def test_count_of_one_word_comes_from_the_index(crowded: Library) -> None:
    assert crowded.count("walrus") == 400
    assert crowded.count("walrus is:unread") == 320
    assert crowded.count("pelican") == len(range(0, 400, 3))


def test_a_summary_equal_to_the_content_is_kept_once(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    body = "<p>Narwhal tusks explained</p>"
    item = ArticleIn("Tusks", guid="t", summary=body, content=body, content_type="html")
    aid = lib.upsert_articles(src.id, [item]).new_ids[0]
    art = lib.article(aid)
    assert art.content == body and art.summary == ""
    assert lib.count("narwhal") == 1
    # The same entry again is unchanged, not rewritten.
    assert lib.upsert_articles(src.id, [item]).unchanged == 1
    other = ArticleIn("Lead", guid="l", summary="<p>Short lead</p>", content=body, content_type="html")
    kept = lib.article(lib.upsert_articles(src.id, [other]).new_ids[0])
    assert kept.summary == "<p>Short lead</p>"


def test_doctor_finds_index_entries_that_lost_their_text(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    aid = lib.upsert_articles(src.id, [ArticleIn("Capybara", guid="c")]).new_ids[0]
    with lib.write() as c:
        unindex(lib, c, [aid])
        c.execute("INSERT INTO articles_fts (rowid, title) VALUES (?, NULL)", (aid,))
    assert lib.count("capybara") == 0
    assert search_index_problems(lib) == ["1 index entries without text"]
    assert diagnose(lib).index_rebuilt
    assert lib.count("capybara") == 1
