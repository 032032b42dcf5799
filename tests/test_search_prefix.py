"""Prefix searches: the 3-letter prefix index, its migration, and when a search probes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newstui.models import ArticleIn
from newstui.store import articles, schema
from newstui.store.doctor import diagnose
from newstui.store.library import Library


def _fts_sql(lib: Library) -> str:
    return lib._read("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")[0][0]


def test_the_index_has_a_prefix_index_of_three_letters(lib: Library) -> None:
    assert "prefix = '3'" in _fts_sql(lib)


def test_doctor_rebuild_keeps_the_prefix_index(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    lib.upsert_articles(src.id, [ArticleIn("Badger", guid="b")])
    lib.conn.execute("INSERT INTO articles_fts (rowid, title) VALUES (424242, 'ghost')")
    assert diagnose(lib).index_rebuilt
    assert "prefix = '3'" in _fts_sql(lib)
    assert lib.count("bad") == 1 and lib.count("gho") == 0


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A library made before the prefix index: HTML, plain text, a summary beside a body,
    and one article the old index did not hold (it must stay out)."""
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    schema.migrate(conn, upto=schema.MIGRATIONS.index(schema.V_FTS_PREFIX))
    conn.execute("INSERT INTO sources (id, url, added) VALUES (1, 'https://o.example/', 0)")
    rows = [
        (1, "Walrus colony", "<p>Thermal <b>imaging</b> of the herd</p>", "", "html"),
        (2, "Harbour notes", "Theatre tonight", "Short lead about walruses", "text"),
        (3, "Unindexed walrus", "the end", "", "text"),
        (4, "Gazette", "", "<p>Summary that stands in for the body: thespian</p>", "html"),
    ]
    for aid, title, content, summary, ctype in rows:
        conn.execute(
            "INSERT INTO articles (id, source_id, key, title, content, summary, content_type, "
            "published, first_seen) VALUES (?, 1, ?, ?, ?, ?, ?, ?, 0)",
            (aid, f"k{aid}", title, content, summary, ctype, 1.7e9 + aid),
        )
        if aid != 3:
            summary_text, body = articles.index_texts(summary, content, ctype)
            conn.execute(articles.FTS_INSERT, (aid, title, "", summary_text, body))
    assert (
        "prefix"
        not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
    )
    conn.close()
    return db


def test_migration_rebuilds_the_index_with_the_same_matches(old_db: Path) -> None:
    queries = ["walrus", "wal", "the", "thermal", "imaging", "theatre", "lead", "thespian", '"of the herd"']
    conn = sqlite3.connect(old_db)
    before = {
        q: sorted(
            r[0]
            for r in conn.execute(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                (articles.compile_query(q).params[0],),
            )
        )
        for q in queries
    }
    conn.close()
    assert before["the"] == [1, 2, 4] and before["walrus"] == [1, 2]
    with Library(old_db) as lib:
        assert schema.version(lib.conn) == schema.LATEST
        assert "prefix = '3'" in _fts_sql(lib)
        after = {q: sorted(r.id for r in lib.list_articles(q, limit=None)) for q in queries}
        assert after == before
        assert lib._read("SELECT COUNT(*) FROM articles_fts_docsize")[0][0] == 3
        assert diagnose(lib, repair=False).index_problems == ["1 articles missing from the index"]


@pytest.mark.parametrize(
    ("query", "cheap"),
    [
        ("the", True),  # one prefix posting list
        ("wa", True),  # two letters: an exact word
        ('"walrus"', True),  # quoted: an exact word
        ("walrus", False),  # a prefix of 6 letters: merged on every probe
        ("theo", False),  # 4 letters: merged on every probe
        ("a-b", False),  # the tokenizer sees the prefix "b"
        ("the is:unread", False),  # another filter thins the walk
        ("the -sea", True),
        ("the -walrus", False),
        ("the OR sea", True),
    ],
)
def test_which_searches_may_probe(query: str, cheap: bool) -> None:
    assert articles.ArticleStore._probe_is_cheap(articles.compile_query(query, collapse=True)) is cheap


@pytest.fixture
def copied(lib: Library) -> Library:
    """Stories found in two feeds (copies), among articles found once; a few copies whose
    primary does not match a search while the copy does."""
    a, _ = lib.add_source("https://a.example/feed")
    b, _ = lib.add_source("https://b.example/feed")
    lib.upsert_articles(
        a.id,
        [
            ArticleIn(
                f"Walrus {'colony' if i % 2 else 'herd'} {i}",
                link=f"https://n.example/{i}",
                guid=f"a{i}",
                published=1.7e9 + i * 60,
            )
            for i in range(60)
        ],
    )
    lib.upsert_articles(
        b.id,
        [
            # The same links: copies of the stories above, published later; every third
            # copy speaks of seals only, so its primary matches "wal" and it does not.
            ArticleIn(
                "Seal report" if i % 3 == 0 else f"Walrus again {i}",
                link=f"https://n.example/{i}",
                guid=f"b{i}",
                published=1.7e9 + i * 60 + 30,
            )
            for i in range(0, 60, 2)
        ],
    )
    assert lib._read("SELECT COUNT(*) FROM story_copies")[0][0] == 30
    return lib


@pytest.mark.parametrize("query", ["wal", '"walrus"', "wal -colony", "sea", "wal OR sea", "walrus"])
@pytest.mark.parametrize("probe_cost", [0, 10**9])
def test_the_count_of_a_collapsed_search_is_its_length_with_every_plan(
    copied: Library, monkeypatch: pytest.MonkeyPatch, query: str, probe_cost: int
) -> None:
    q = articles.compile_query(query, collapse=True)
    expected = len(copied.list_articles(q, limit=None))
    monkeypatch.setattr(articles, "PROBE_COST", probe_cost)
    monkeypatch.setattr(articles, "MANY_MATCHES", 5)
    assert copied.count(q) == expected
    assert [r.id for r in copied.list_articles(q, limit=20)] == [
        r.id for r in copied.list_articles(q, limit=None)[:20]
    ]


def test_a_collapsed_count_without_copies_is_the_index_count(lib: Library) -> None:
    src, _ = lib.add_source("https://e.example/feed")
    lib.upsert_articles(src.id, [ArticleIn(f"Otter {i}", guid=str(i)) for i in range(7)])
    assert lib.count(articles.compile_query("ott", collapse=True)) == 7
    assert lib.count(articles.compile_query("", collapse=True)) == 7


@pytest.fixture
def walruses(lib: Library) -> Library:
    src, _ = lib.add_source("https://e.example/feed")
    items = [
        ArticleIn(
            f"{'Walrus' if i % 2 else 'Walruses'} item {i}" if i % 5 else f"Wall item {i}",
            guid=str(i),
            published=1.7e9 + (i // 3) * 60,
        )
        for i in range(300)
    ]
    lib.set_read(lib.upsert_articles(src.id, items).new_ids[::4])
    return lib


@pytest.mark.parametrize("query", ["walr", "walrus", "walruse", "wall", "walr is:unread"])
@pytest.mark.parametrize("many", [5, 10**9])
@pytest.mark.parametrize("collapse", [True, False])
def test_a_merged_word_read_from_the_match_table_gives_the_same_rows_and_count(
    walruses: Library, monkeypatch: pytest.MonkeyPatch, query: str, many: int, collapse: bool
) -> None:
    q = articles.compile_query(query, collapse=collapse)
    with monkeypatch.context() as m:
        m.setattr(articles.ArticleStore, "_merged", lambda self, q: None)
        everything = [r.id for r in walruses.list_articles(q, limit=None)]
        truth = walruses.count(q)
        pages = [[r.id for r in walruses.list_articles(q, limit=7, offset=o)] for o in (0, 13, truth - 3)]
    assert everything and truth == len(everything)
    monkeypatch.setattr(articles, "MANY_MATCHES", many)
    assert (walruses._merged(q) is not None) is (" " not in query)  # one word only
    assert [r.id for r in walruses.list_articles(q, limit=None)] == everything
    assert walruses.count(q) == truth
    assert [[r.id for r in walruses.list_articles(q, limit=7, offset=o)] for o in (0, 13, truth - 3)] == pages
    back = walruses.list_articles(q, limit=7, offset=2, from_end=True)
    assert [r.id for r in back] == everything[::-1][2:9][::-1]


def test_the_match_table_follows_changes_from_either_connection(walruses: Library) -> None:
    q = articles.compile_query("walr", collapse=True)
    before = walruses.count(q)
    src = walruses.sources()[0]
    with Library(walruses.path) as other:
        other.upsert_articles(src.id, [ArticleIn("Walrus late", guid="late", published=2e9)])
    assert walruses.count(q) == before + 1
    assert walruses.list_articles(q, limit=1)[0].title == "Walrus late"
    walruses.upsert_articles(src.id, [ArticleIn("Walrus later", guid="later", published=2.1e9)])
    assert walruses.count(q) == before + 2
    assert walruses.list_articles(q, limit=1)[0].title == "Walrus later"
    # Another search word, then back: each gets its own matches.
    assert walruses.count(articles.compile_query("wall", collapse=True)) == 60
    assert walruses.count(q) == before + 2
