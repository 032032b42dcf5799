"""Articles as JSON lines (``newstui list --format json``), written mostly by SQLite.

The same records as ``ArticleStore.records`` gives as dicts, field for field, but SQLite
writes each line's text (``json_object``) and Python only puts the pieces together, so
listing ten thousand articles costs no Python dict or ``json.dumps`` per article: at a
million articles those were most of the command's time.

Categories and tags: SQLite gives each article's label ids as a key (``3,7,12``), and
each distinct key is turned into its JSON array of names once (sorted in Python, in the
code point order ``ArticleStore.records`` uses). A library has far fewer distinct sets of
labels than articles, so this costs little per article, and it needs no order from an
aggregate, which SQLite 3.40 cannot promise (``ORDER BY`` inside an aggregate came in
3.44). ``also_in`` (the other sources of a story found more than once) is asked for only
for the articles that belong to such a story.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from newstui.render import iso
from newstui.store.connection import ROW_SELECT, SOURCE_NAME
from newstui.store.stories import also_in

CHUNK = 500
# The years ``strftime`` and Python's ``datetime`` agree on; an instant outside them, or
# with a fraction of a second, is formatted by ``render.iso`` itself.
_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z
# (``datetime`` is ``strftime`` with this format less the T and the Z, and cheaper.)
_ISO = (
    "CASE WHEN a.published = CAST(a.published AS INTEGER) "
    f"AND a.published BETWEEN 0 AND {_LAST_SECOND} "
    "THEN replace(datetime(a.published, 'unixepoch'), ' ', 'T') || 'Z' "
    "ELSE newstui_iso(a.published) END"
)
# Only an article that is a copy, or a primary with copies, has other sources to name; in
# a library with no copies at all (asked once per chunk) no article is asked.
_IN_STORY = (
    "(EXISTS (SELECT 1 FROM story_copies WHERE article_id = a.id) "
    "OR EXISTS (SELECT 1 FROM story_copies WHERE primary_id = a.id))"
)
_ANY_COPIES = "SELECT EXISTS (SELECT 1 FROM story_copies)"
# The flags as one small number (SQLite builds no text for them; Python picks the text).
_READ, _BOOKMARKED, _DERIVED, _IN_A_STORY = 1, 2, 4, 8
_BITS = (
    f"(a.read != 0) * {_READ} + (b.article_id IS NOT NULL) * {_BOOKMARKED} "
    f"+ (a.title_derived != 0) * {_DERIVED} + {_IN_STORY} * {_IN_A_STORY}"
)
_FLAGS = tuple(
    f'"read":{str(bool(bits & _READ)).lower()},"bookmarked":{str(bool(bits & _BOOKMARKED)).lower()},'
    f'"title_derived":{str(bool(bits & _DERIVED)).lower()}'
    for bits in range(_IN_A_STORY)
)
# Per article: the fields up to "published" as one object without its closing brace
# (SQLite quotes the text; the last value is a string or null, so rtrim takes only the
# brace), the category and tag id keys (NULL: none; a tag the source and the user both
# gave comes twice), the flags and the id.
_COLUMNS = (
    "SELECT rtrim(json_object('id', a.id, 'title', a.title, 'author', a.author, "
    f"'source', COALESCE({SOURCE_NAME}, ''), 'link', a.link, 'published', {_ISO}), '}}'), "
    "(SELECT group_concat(category_id) FROM article_categories WHERE article_id = a.id), "
    "(SELECT group_concat(tag_id) FROM article_tags WHERE article_id = a.id), "
    f"{_BITS}, a.id "
)
_NAMES = {
    "categories": "SELECT id, name FROM categories WHERE id IN ({marks})",
    "tags": "SELECT id, name FROM tags WHERE id IN ({marks})",
}


def prepare(conn: sqlite3.Connection) -> None:
    """Register the SQL function the lines need on ``conn`` (once per connection)."""
    conn.create_function("newstui_iso", 1, iso, deterministic=True)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _arrays(
    conn: sqlite3.Connection, table: str, keys: set[str | None], known: dict[str | None, str]
) -> None:
    """Add to ``known`` the JSON array of names (each once, sorted) of every key of
    ``keys`` it lacks; a key is the ids of ``table`` SQLite's group_concat gave."""
    missing = [key for key in keys if key not in known]
    ids = sorted({i for key in missing if key for i in key.split(",")})
    labels: dict[str, tuple[str, str]] = {}  # id as in the key: (name, name as JSON)
    for n in range(0, len(ids), CHUNK):
        part = ids[n : n + CHUNK]
        sql = _NAMES[table].format(marks=",".join("?" * len(part)))
        labels.update((str(i), (name, _dumps(name))) for i, name in conn.execute(sql, part))
    for key in missing:
        if not key:
            known[key] = "[]"
            continue
        # (name, JSON) pairs sort by name: code point order, SQLite's BINARY order too. A
        # label removed by another process between the two queries is left out.
        named = sorted(labels[i] for i in set(key.split(",")) if i in labels)
        known[key] = f"[{','.join(quoted for _, quoted in named)}]"


class Names:
    """The JSON arrays of names made so far, by key (a row's label ids): kept across the
    chunks of one listing, as most of its rows share a few sets of labels. (A plain
    class: a dataclass would import ``dataclasses`` on the listing's path.)"""

    __slots__ = ("categories", "tags")

    def __init__(self) -> None:
        self.categories: dict[str | None, str] = {}
        self.tags: dict[str | None, str] = {}


def select(conn: sqlite3.Connection) -> str:
    """The lines' columns over the list's tables (``ROW_SELECT``'s joins): the list's own
    query selects them, and ``lines`` turns its rows into lines. (Sorting only the ids
    and handing them back to SQLite for the lines cost more: a second pass over the
    articles, at a million articles about a fifth of the listing's time.)"""
    columns = _COLUMNS if conn.execute(_ANY_COPIES).fetchone()[0] else _COLUMNS.replace(_IN_STORY, "0")
    return columns + ROW_SELECT[ROW_SELECT.index("FROM ") :]


def lines(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]], names: Names) -> Iterator[str]:
    """One JSON object per line (no newline) for each row of ``select``'s query, in the
    rows' order; fields and values as ``ArticleStore.records``. ``prepare`` must have run."""
    categories, tags = names.categories, names.tags
    _arrays(conn, "categories", {row[1] for row in rows}, categories)
    _arrays(conn, "tags", {row[2] for row in rows}, tags)
    others = also_in(conn, [row[4] for row in rows if row[3] & _IN_A_STORY])
    for head, cats, tagged, bits, aid in rows:
        found = others.get(aid)
        also = "[]" if found is None else _dumps(found)
        flags = _FLAGS[bits & ~_IN_A_STORY]
        yield f'{head},"categories":{categories[cats]},"tags":{tags[tagged]},{flags},"also_in":{also}}}'
