"""``newstui list --format json`` lines, built by SQLite (``store/records.py``): the same
records as ``Library.records`` gives as dicts, field for field and in list order."""

from __future__ import annotations

import json

from newstui.models import ArticleIn
from newstui.query import compile_query
from newstui.store.library import Library


def _varied(lib: Library) -> dict[str, int]:
    alpha, _ = lib.add_source("https://a.example/feed", title="Alpha")
    beta, _ = lib.add_source("https://b.example/feed", title='Beta "quoted" ünïcode')
    gone, _ = lib.add_source("https://g.example/feed", title="Gone")
    ids = lib.upsert_articles(
        alpha.id,
        [
            ArticleIn(
                'Plain "title" with \\ and ü',
                guid="p",
                link="https://a.example/p",
                author="Ann",
                published=1.7e9,
                categories=["Zeta", "alpha", "Mid"],
                tags=["x", "feedtag"],
            ),
            ArticleIn("Fraction", guid="f", published=1_700_000_000.25, tags=["x"]),
            ArticleIn("", guid="d", content="Opening words of an untitled entry", published=1.6e9),
            ArticleIn("Shared", guid="s1", link="https://news.example/story", published=1.5e9),
        ],
    ).new_ids
    copy = lib.upsert_articles(
        beta.id, [ArticleIn("Shared", guid="s2", link="https://news.example/story", published=1.5e9 + 60)]
    ).new_ids[0]
    kept = lib.upsert_articles(gone.id, [ArticleIn("Kept", guid="k", published=1.4e9)]).new_ids[0]
    lib.bookmark(kept)
    lib.remove_source(gone.id)  # the bookmarked article stays, detached
    lib.tag(ids[0], add=["x", "mine"])  # x by the source and the user: listed once
    lib.bookmark(ids[1])
    lib.set_read(ids[2])
    return {
        "plain": ids[0],
        "fraction": ids[1],
        "derived": ids[2],
        "shared": ids[3],
        "copy": copy,
        "kept": kept,
    }


def _lines(lib: Library, query: str = "", **kw: object) -> list[dict[str, object]]:
    return [json.loads(line) for line in lib.record_lines(query, **kw)]  # type: ignore[arg-type]


def test_lines_are_the_records(lib: Library) -> None:
    ids = _varied(lib)
    lines = _lines(lib)
    assert lines == lib.records("")
    assert [list(d) for d in lines] == [list(d) for d in lib.records("")]  # fields in one order
    by_id = {d["id"]: d for d in lines}
    assert set(by_id) == set(ids.values())
    plain = by_id[ids["plain"]]
    assert plain["categories"] == ["Mid", "Zeta", "alpha"]
    assert plain["tags"] == ["feedtag", "mine", "x"]
    assert plain["title"] == 'Plain "title" with \\ and ü' and plain["published"] == "2023-11-14T22:13:20Z"
    assert by_id[ids["fraction"]]["published"] == "2023-11-14T22:13:20.250000Z"
    assert by_id[ids["fraction"]]["bookmarked"] is True
    assert by_id[ids["derived"]]["title_derived"] is True and by_id[ids["derived"]]["read"] is True
    assert by_id[ids["shared"]]["also_in"] == ['Beta "quoted" ünïcode']
    assert by_id[ids["kept"]]["source"] == "Gone"


def test_lines_follow_the_query_sort_and_limit(lib: Library) -> None:
    ids = _varied(lib)
    for query, sort, limit in (
        ("tag:x is:unread", "date", None),
        ("", "title", 3),
        ("is:bookmarked", "bookmarked", None),
        ("title", "rank", None),
    ):
        assert _lines(lib, query, sort=sort, limit=limit) == lib.records(query, sort=sort, limit=limit)
    collapsed = compile_query("", collapse=True)
    assert ids["copy"] not in [d["id"] for d in _lines(lib, collapsed)]  # type: ignore[arg-type]
    assert [d["id"] for d in _lines(lib, "tag:x is:unread")] == [ids["fraction"], ids["plain"]]


def test_many_lines_come_in_list_order(lib: Library) -> None:
    """More articles than one chunk of the query: the order is the list's across chunks."""
    src, _ = lib.add_source("https://m.example/feed")
    items = [
        ArticleIn(f"Item {i}", guid=f"i{i}", published=1.6e9 + (i * 7919) % 1200, categories=[f"c{i % 3}"])
        for i in range(1200)
    ]
    lib.upsert_articles(src.id, items)
    lines = _lines(lib, "", sort="date")
    assert len(lines) == 1200
    assert lines == lib.records("", sort="date")
    # A search word FTS5 merges (a prefix longer than the prefix index) is read from the
    # match table while the lines come a chunk at a time.
    for limit in (None, 700):
        searched = _lines(lib, "item*", sort="date", limit=limit)
        assert len(searched) == (limit or 1200)
        assert searched == lib.records("item*", sort="date", limit=limit)
