"""Articles as JSON lines (``newstui list --format json``), written by SQLite.

The same records as ``ArticleStore.records`` gives as dicts, field for field, but SQLite
builds each whole line (``json_object``), category and tag arrays included, so listing ten
thousand articles costs no Python dict, set, sort or ``json.dumps`` per article: at a
million articles those were most of the command's time. Only ``also_in`` (the other
sources of a story found more than once) is filled in here, for the few articles that
belong to such a story.

Names in an array are in name order (SQLite's BINARY order of the UTF-8, which is the code
point order ``ArticleStore.records`` sorts by). SQLite 3.40 cannot order inside an
aggregate (``json_group_array(x ORDER BY x)`` came in 3.44), so each array is aggregated
from a subquery that is ordered first. SQLite keeps that order: it drops a subquery's
ORDER BY only when the outer query is not an aggregate (or uses only count, min or max), is
ordered itself or joins the subquery to other tables, and none of that holds here; nor is
such a subquery flattened into an aggregate. ``tests/test_cli_records.py`` checks the order
on labels whose ids run against their names.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence

from newstui.render import iso
from newstui.store.connection import SOURCE_NAME
from newstui.store.stories import also_in

CHUNK = 500
# The years ``strftime`` and Python's ``datetime`` agree on; an instant outside them, or
# with a fraction of a second, is formatted by ``render.iso`` itself.
_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z
_ISO = (
    "CASE WHEN a.published = CAST(a.published AS INTEGER) "
    f"AND a.published BETWEEN 0 AND {_LAST_SECOND} "
    "THEN strftime('%Y-%m-%dT%H:%M:%SZ', a.published, 'unixepoch') "
    "ELSE newstui_iso(a.published) END"
)
_FLAG = "CASE WHEN {} THEN 'true' ELSE 'false' END"
_CATEGORIES = (
    "(SELECT json_group_array(name) FROM (SELECT c.name FROM article_categories ac "
    "JOIN categories c ON c.id = ac.category_id WHERE ac.article_id = a.id ORDER BY c.name))"
)
_TAGS = (  # DISTINCT: a tag both the source and the user gave has two rows
    "(SELECT json_group_array(name) FROM (SELECT DISTINCT t.name FROM article_tags at "
    "JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id ORDER BY t.name))"
)
# Only an article that is a copy, or a primary with copies, has other sources to name.
_IN_STORY = (
    "(EXISTS (SELECT 1 FROM story_copies WHERE article_id = a.id) "
    "OR EXISTS (SELECT 1 FROM story_copies WHERE primary_id = a.id))"
)
_NO_OTHERS = "[]}"  # how every line SQLite writes ends: "also_in":[]}
# The fields up to "published" are one json_object (SQLite quotes the text); the rest are
# arrays and flags SQLite wrote already, appended as they are rather than parsed again by
# json(). rtrim drops only that object's closing brace: its last value is a string or null.
_ROWS = (
    "SELECT rtrim(json_object('id', a.id, 'title', a.title, 'author', a.author, "
    f"'source', COALESCE({SOURCE_NAME}, ''), 'link', a.link, 'published', {_ISO}), '}}') "
    f"|| ',\"categories\":' || {_CATEGORIES} || ',\"tags\":' || {_TAGS} "
    f"|| ',\"read\":' || {_FLAG.format('a.read')} "
    f"|| ',\"bookmarked\":' || {_FLAG.format('b.article_id IS NOT NULL')} "
    f"|| ',\"title_derived\":' || {_FLAG.format('a.title_derived')} "
    f"|| ',\"also_in\":{_NO_OTHERS}', a.id, {_IN_STORY} "
    "FROM json_each(?) j JOIN articles a ON a.id = j.value "
    "LEFT JOIN sources s ON s.id = a.source_id "
    "LEFT JOIN bookmarks b ON b.article_id = a.id ORDER BY j.key"
)


def prepare(conn: sqlite3.Connection) -> None:
    """Register the SQL function the lines need on ``conn`` (once per connection)."""
    conn.create_function("newstui_iso", 1, iso, deterministic=True)


def record_lines(conn: sqlite3.Connection, ids: Sequence[int]) -> Iterator[str]:
    """One JSON object per line (no newline) for each of ``ids`` that exists, in that
    order; fields and values as ``ArticleStore.records``. ``prepare`` must have run."""
    for i in range(0, len(ids), CHUNK):
        # The ids go in as one JSON array, and its positions (j.key) give the order back.
        rows = conn.execute(_ROWS, (json.dumps(list(ids[i : i + CHUNK])),)).fetchall()
        others = also_in(conn, [aid for _, aid, in_story in rows if in_story])
        for line, aid, _ in rows:
            found = others.get(aid)
            if found is None:
                yield line
            else:
                also = json.dumps(found, ensure_ascii=False, separators=(",", ":"))
                yield f"{line[: -len(_NO_OTHERS)]}{also}}}"
