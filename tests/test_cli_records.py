"""`newstui list --format json` through the real entry point: every line is byte for byte
what the library's own dict records give (``Library.records``, built in Python), names in
code point order whatever order the labels were created in, rows in list order across
more than one chunk of the query (``store/records.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from newstui.models import ArticleIn
from newstui.query import compile_query
from newstui.store import records
from newstui.store.library import Library

# Created in this order, so the labels' ids run against their names' order (a library
# keeps one label per case-folded name, so no two differ only in case).
CATEGORIES = ["zulu", "Économie", "Alpha", "émoji 🎉", "10", "2", "Mid"]
TAGS = ["ändern", "Zebra", "x", "Apfel"]


def _fill(data_dir: Path) -> dict[str, int]:
    lib = Library(data_dir / "library.db")
    try:
        one, _ = lib.add_source("https://one.example/feed", title="One")
        two, _ = lib.add_source("https://two.example/feed", title='Two "ü"')
        many = [
            ArticleIn(
                f'Item {i} "q" \\ ü',
                guid=f"i{i}",
                link=f"https://one.example/{i}",
                author="Ann" if i % 2 else None,
                published=1.6e9 + (i * 7919) % 5000 + (0.5 if i % 97 == 0 else 0),
                categories=CATEGORIES[i % 3 :: 2],
                tags=[*TAGS[i % 2 :: 2], "x"],
            )
            for i in range(records.CHUNK + 150)
        ]
        ids = lib.upsert_articles(one.id, many).new_ids
        full = lib.upsert_articles(
            one.id,
            [
                ArticleIn(
                    "Every label",
                    guid="all",
                    link="https://news.example/story",
                    published=1.7e9,
                    categories=CATEGORIES,
                    tags=TAGS,
                )
            ],
        ).new_ids[0]
        copy = lib.upsert_articles(
            two.id,
            [ArticleIn("Every label", guid="c", link="https://news.example/story", published=1.7e9 + 5)],
        ).new_ids[0]
        lib.tag(full, add=["x", "mine"])  # "x" from the source and from the user: once
        lib.bookmark(ids[3])
        lib.set_read(ids[:40])
        return {"full": full, "copy": copy}
    finally:
        lib.close()


def _expected(data_dir: Path, query: str, **kw: object) -> list[str]:
    lib = Library(data_dir / "library.db")
    try:
        return [
            json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
            # collapsed, as the CLI's list is by default (a story's copies are hidden)
            for rec in lib.records(compile_query(query, collapse=True), **kw)  # type: ignore[arg-type]
        ]
    finally:
        lib.close()


def test_json_lines_are_the_records_byte_for_byte(cli, data_dir: Path) -> None:
    ids = _fill(data_dir)
    for args, query, kw in (
        (["tag:x is:unread"], "tag:x is:unread", {}),
        ([], "", {}),
        (["--sort", "title", "--limit", "300"], "", {"sort": "title", "limit": 300}),
        (["is:bookmarked"], "is:bookmarked", {}),
    ):
        r = cli("list", *args, "--format", "json")
        assert r.returncode == 0, r.stderr
        got = r.stdout.splitlines()
        assert got == _expected(data_dir, query, **kw), args
    listed = cli("list", "tag:x", "--format", "json").stdout.splitlines()
    assert len(listed) == records.CHUNK + 151  # more than one chunk, none lost or repeated
    full = next(json.loads(line) for line in listed if json.loads(line)["id"] == ids["full"])
    assert full["categories"] == ["10", "2", "Alpha", "Mid", "zulu", "Économie", "émoji 🎉"]
    assert full["tags"] == ["Apfel", "Zebra", "mine", "x", "ändern"]
    assert full["also_in"] == ['Two "ü"']


def test_lines_come_in_list_order_across_chunks(cli, data_dir: Path) -> None:
    _fill(data_dir)
    lib = Library(data_dir / "library.db")
    try:
        unread = compile_query("is:unread", collapse=True)
        order = [row.id for row in lib.list_articles(unread, limit=None)]
    finally:
        lib.close()
    r = cli("list", "is:unread", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == order
    assert len(order) > records.CHUNK
