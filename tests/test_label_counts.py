"""The counts the filter pane shows, kept by triggers (``store/counts.py``): after every
kind of change they equal a full count of the library, and per category and tag they
equal the length of the (collapsed) list that label opens."""

from __future__ import annotations

import time

import pytest

from newstui.models import ArticleIn
from newstui.query import compile_query
from newstui.store.library import Library
from newstui.store.retention import apply_retention

Counts = dict[str, dict[int, tuple[int, int]]]


def afresh(lib: Library) -> Counts:
    """Every count, counted from the articles themselves (the queries the table replaced)."""
    c = lib.conn
    queries = {
        "all": "SELECT 0, COUNT(*), COALESCE(SUM(read = 0), 0) FROM articles",
        "source": "SELECT source_id, COUNT(*), SUM(read = 0) FROM articles "
        "WHERE source_id IS NOT NULL GROUP BY source_id",
        "category": "SELECT l.category_id, COUNT(*), SUM(a.read = 0) FROM article_categories l "
        "JOIN articles a ON a.id = l.article_id GROUP BY l.category_id",
        "tag": "SELECT l.tag_id, COUNT(DISTINCT l.article_id), "
        "COUNT(DISTINCT CASE WHEN a.read = 0 THEN a.id END) FROM article_tags l "
        "JOIN articles a ON a.id = l.article_id GROUP BY l.tag_id",
    }
    return {
        kind: {lid: (total, unread) for lid, total, unread in c.execute(sql) if total > 0}
        for kind, sql in queries.items()
    }


def kept(lib: Library) -> Counts:
    return {kind: lib.label_counts(kind) for kind in ("all", "source", "category", "tag")}


def check(lib: Library) -> None:
    expected = afresh(lib)
    assert kept(lib) == expected
    assert expected["all"]  # the library is not empty: the comparison says something


def item(n: int, **kw: object) -> ArticleIn:
    fields: dict[str, object] = {
        "title": f"Article {n}",
        "published": 1.7e9 + n,
        "guid": f"g{n}",
        "link": f"https://e.example/{n}",
    }
    fields.update(kw)
    return ArticleIn(**fields)  # type: ignore[arg-type]


@pytest.fixture
def two_feeds(lib: Library) -> dict[str, list[int]]:
    a, _ = lib.add_source("https://a.example/feed", title="Alpha")
    b, _ = lib.add_source("https://b.example/feed", title="Beta")
    ids_a = lib.upsert_articles(
        a.id,
        [
            item(i, categories=["News", "Tech"][: 1 + i % 2], tags=["feed"] if i % 3 == 0 else [])
            for i in range(12)
        ],
    ).new_ids
    ids_b = lib.upsert_articles(
        b.id, [item(100 + i, categories=["news"], tags=["x"]) for i in range(8)]
    ).new_ids
    return {"a": ids_a, "b": ids_b, "sources": [a.id, b.id]}


def test_counts_follow_every_kind_of_change(lib: Library, two_feeds: dict[str, list[int]]) -> None:
    ids_a, ids_b = two_feeds["a"], two_feeds["b"]
    check(lib)
    lib.set_read(ids_a[:5])
    check(lib)
    lib.set_read(ids_a[:2], False)
    check(lib)
    lib.mark_all_read("category:tech")
    check(lib)
    # A changed article: its categories and source tags are replaced.
    src_a = two_feeds["sources"][0]
    lib.upsert_articles(src_a, [item(0, title="Changed", categories=["Sport"], tags=["other"])])
    check(lib)
    # User tags: beside a source tag of the same name (one article, counted once), removed,
    # renamed, merged, given to many, deleted.
    lib.tag(ids_b[0], add=["x", "mine"])
    check(lib)
    lib.tag(ids_b[0], remove=["x"])
    check(lib)
    lib.add_tag_to(ids_a, "later")
    check(lib)
    lib.rename_tag("later", "Soon")
    check(lib)
    lib.merge_tags(["soon", "mine"], "feed")
    check(lib)
    lib.delete_tag("other")
    check(lib)
    # Deletions: an ignore rule, retention, removing a source (its bookmarked article stays).
    lib.drop_articles(compile_query("category:sport"), ids_a)
    check(lib)
    lib.bookmark(ids_b[1])
    lib.tag(ids_b[2], add=["keep"])
    assert apply_retention(lib, 30, now=time.time() + 3650 * 86400) > 0
    check(lib)
    lib.remove_source(two_feeds["sources"][1])
    check(lib)
    assert lib.stats()["articles"] == lib.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


def test_a_story_found_again_reads_it_everywhere_and_counts_stay_exact(
    lib: Library, two_feeds: dict[str, list[int]]
) -> None:
    lib.set_read(two_feeds["a"][3])
    c, _ = lib.add_source("https://c.example/feed", title="Gamma")
    # The same link as a read article of Alpha: the story's copies are read with it.
    lib.upsert_articles(c.id, [item(3, guid="other", title="Again", categories=["Tech"])])
    check(lib)
    lib.set_read(two_feeds["a"][3], False)  # one story is unread as a whole
    check(lib)


def test_counts_are_filled_on_first_use_and_survive_changes_made_before(
    lib: Library, two_feeds: dict[str, list[int]]
) -> None:
    """A library made before the table (or never counted) starts with it empty: changes
    made meanwhile are thrown away and the first use counts everything afresh."""
    with lib.write() as c:
        c.execute("DELETE FROM label_counts")
    lib.set_read(two_feeds["b"][:3])
    lib.tag(two_feeds["a"][1], add=["new"])
    lib.remove_source(two_feeds["sources"][1])
    # The list's count of everything does not fill them (a first paint must not wait).
    unread = lib.conn.execute("SELECT COUNT(*) FROM articles WHERE read = 0").fetchone()[0]
    assert (lib.count(""), lib.count("is:unread")) == (12, unread)
    assert lib.conn.execute("SELECT COUNT(*) FROM label_counts WHERE kind = 'all'").fetchone()[0] == 0
    check(lib)
    assert (lib.count(""), lib.count("is:unread")) == (12, unread)  # now from the kept counts
    lib.set_read(two_feeds["a"][:4])
    assert (lib.count(""), lib.count("is:unread")) == (12, unread - 4)
    # Mostly read (the fill then gathers the read ids instead of the unread ones).
    lib.mark_all_read("")
    lib.set_read(two_feeds["a"][0], False)
    with lib.write() as c:
        c.execute("DELETE FROM label_counts")
    check(lib)


def test_label_counts_are_the_lengths_of_the_lists_they_open(lib: Library) -> None:
    """Per category and tag, (total, unread) as the pane shows it equals the count of the
    collapsed list it opens: a story found twice under one label counts once, a copy
    whose primary lacks the label counts where it is."""
    a, _ = lib.add_source("https://a.example/feed", title="Alpha")
    b, _ = lib.add_source("https://b.example/feed", title="Beta")
    lib.upsert_articles(
        a.id,
        [
            item(1, categories=["World"], tags=["x"]),
            item(2, categories=["World", "Local"], tags=["x", "y"]),
            item(3, categories=["Local"]),
        ],
    )
    lib.upsert_articles(
        b.id,
        [
            item(1, guid="b1", categories=["World"], tags=["x"]),  # a copy under the same labels
            item(2, guid="b2", categories=["Sport"], tags=["y", "z"]),  # a copy under others too
            item(4, categories=["Sport"]),
        ],
    )
    first = lib.list_articles("", limit=None)[-1].id
    lib.set_read(first)
    assert lib.conn.execute("SELECT COUNT(*) FROM story_copies").fetchone()[0] == 2

    def listed(query: str) -> int:
        return lib.count(compile_query(query, collapse=True))

    for name, total, unread in lib.category_counts():
        assert (total, unread) == (listed(f'category:"{name}"'), listed(f'category:"{name}" is:unread'))
    for name, total, unread in lib.tag_counts():
        assert (total, unread) == (listed(f'tag:"{name}"'), listed(f'tag:"{name}" is:unread'))
    assert {n: t for n, t, _ in lib.category_counts()} == {"Local": 2, "Sport": 2, "World": 2}
    assert {n: t for n, t, _ in lib.tag_counts()} == {"x": 2, "y": 1, "z": 1}
    stats = lib.stats()
    assert (stats["articles"], stats["unread"]) == (listed(""), listed("is:unread"))


def test_sources_and_stats_read_the_kept_counts(lib: Library, two_feeds: dict[str, list[int]]) -> None:
    lib.set_read(two_feeds["b"][:3])
    by_id = {s.id: (s.total, s.unread) for s in lib.sources()}
    assert by_id == {two_feeds["sources"][0]: (12, 12), two_feeds["sources"][1]: (8, 5)}
    assert lib.source(two_feeds["sources"][1]).unread == 5
    assert (lib.stats()["articles"], lib.stats()["unread"]) == (20, 17)
    empty, _ = lib.add_source("https://empty.example/feed")
    assert {s.id: (s.total, s.unread) for s in lib.sources()}[empty.id] == (0, 0)
