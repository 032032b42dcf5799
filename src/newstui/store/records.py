"""Articles as JSON lines (``newstui list --format json``), written by SQLite.

The same records as ``ArticleStore.records`` gives as dicts, field for field, but SQLite
builds each line (``json_object``), so listing ten thousand articles costs no Python dict
or ``json.dumps`` per article: at a million articles those were most of the command's time.
Categories and tags are gathered into arrays here, in name order (SQLite 3.40 cannot order
an aggregate), and put between the two objects SQLite makes, which keeps the fields in
the dicts' order.
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
_FLAG = "json(CASE WHEN {} THEN 'true' ELSE 'false' END)"
_ROWS = (
    "SELECT a.id, json_object('id', a.id, 'title', a.title, 'author', a.author, "
    f"'source', COALESCE({SOURCE_NAME}, ''), 'link', a.link, 'published', {_ISO}), "
    f"json_object('read', {_FLAG.format('a.read')}, "
    f"'bookmarked', {_FLAG.format('b.article_id IS NOT NULL')}, "
    f"'title_derived', {_FLAG.format('a.title_derived')}) "
    "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
    "LEFT JOIN bookmarks b ON b.article_id = a.id WHERE a.id IN ({marks})"
)
_CATEGORIES = (
    "SELECT ac.article_id, c.name FROM article_categories ac JOIN categories c "
    "ON c.id = ac.category_id WHERE ac.article_id IN ({marks})"
)
_TAGS = (  # a tag both the source and the user gave comes twice: once in the line
    "SELECT at.article_id, t.name FROM article_tags at JOIN tags t "
    "ON t.id = at.tag_id WHERE at.article_id IN ({marks})"
)


def prepare(conn: sqlite3.Connection) -> None:
    """Register the SQL function the lines need on ``conn`` (once per connection)."""
    conn.create_function("newstui_iso", 1, iso, deterministic=True)


def _names(
    conn: sqlite3.Connection, sql: str, chunk: Sequence[int], quoted: dict[str, str]
) -> dict[int, str]:
    """``{article id: JSON array of its names, each once, in name order}`` for the
    articles of ``chunk`` that have any. ``quoted`` caches each name as JSON: a library
    has few distinct labels, so quoting (and sorting, here) costs little per article."""
    found: dict[int, set[str]] = {}
    for aid, name in conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk):
        found.setdefault(aid, set()).add(name)
    out: dict[int, str] = {}
    for aid, names in found.items():
        parts = []
        for name in sorted(names):  # code point order: SQLite's BINARY order of the UTF-8
            q = quoted.get(name)
            if q is None:
                q = quoted[name] = json.dumps(name, ensure_ascii=False)
            parts.append(q)
        out[aid] = f"[{','.join(parts)}]"
    return out


def record_lines(conn: sqlite3.Connection, ids: Sequence[int]) -> Iterator[str]:
    """One JSON object per line (no newline) for each of ``ids`` that exists, in that
    order; fields and values as ``ArticleStore.records``. ``prepare`` must have run."""
    quoted: dict[str, str] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = list(ids[i : i + CHUNK])
        rows = {
            aid: (head, tail)
            for aid, head, tail in conn.execute(_ROWS.format(marks=",".join("?" * len(chunk))), chunk)
        }
        cats = _names(conn, _CATEGORIES, chunk, quoted)
        tags = _names(conn, _TAGS, chunk, quoted)
        others = also_in(conn, chunk)
        for aid in chunk:
            row = rows.get(aid)
            if row is None:
                continue
            head, tail = row
            also = (
                json.dumps(others[aid], ensure_ascii=False, separators=(",", ":")) if aid in others else "[]"
            )
            yield (
                f'{head[:-1]},"categories":{cats.get(aid, "[]")},"tags":{tags.get(aid, "[]")},'
                f'{tail[1:-1]},"also_in":{also}}}'
            )
