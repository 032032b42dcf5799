"""Stories: one article found more than once (in several feeds, or twice in one).

Articles carry the keys of their canonical link and of a guid that is a URL
(``newstui.canonical``). Articles sharing a key are one story. Its earliest article is the
*primary*; every other one is a *copy*, listed in ``story_copies`` beside its primary. Only
copies have a row there, so a library without duplicates pays nothing, and the article list
hides copies with ``a.id NOT IN (…story_copies…)``, which its indexes answer without
reading article rows (see ``newstui.query``).

The groups are kept on write: ``join_stories`` after an upsert, and a trigger (schema
``STORIES``) hands a deleted primary's story to its next copy. Read state is the story's:
``story_members`` gives every article of the stories of some articles.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from newstui.store.connection import SOURCE_NAME, Connection, library_error
from newstui.store.journal import record

if TYPE_CHECKING:
    from newstui.models import ArticleRow

CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _groups(c: sqlite3.Connection, ids: Sequence[int]) -> dict[int, int]:
    """``{article id: primary id}`` for every article in the stories of ``ids`` that has
    copies (a primary maps to itself); articles that are alone are left out."""
    roots: set[int] = set()
    for chunk in _chunks(list(ids)):
        m = _marks(chunk)
        roots.update(
            r[0]
            for r in c.execute(
                f"SELECT primary_id FROM story_copies WHERE article_id IN ({m}) "
                f"UNION SELECT primary_id FROM story_copies WHERE primary_id IN ({m})",
                [*chunk, *chunk],
            )
        )
    out: dict[int, int] = {}
    for chunk in _chunks(sorted(roots)):
        out.update((r, r) for r in chunk)
        out.update(
            c.execute(
                f"SELECT article_id, primary_id FROM story_copies WHERE primary_id IN ({_marks(chunk)})",
                chunk,
            ).fetchall()
        )
    return out


def story_members(c: sqlite3.Connection, ids: Iterable[int]) -> list[int]:
    """``ids`` followed by every other article of their stories (each id once)."""
    wanted = list(dict.fromkeys(ids))
    seen = set(wanted)
    extra = [aid for aid in _groups(c, wanted) if aid not in seen]
    return wanted + sorted(extra)


def join_stories(c: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Put the articles ``ids`` (just written, inside the caller's transaction) into the
    stories they belong to: each story's earliest article becomes its primary, the others
    its copies. When a story gains a read article, all of it is read."""
    for chunk in _chunks(list(ids)):
        _join_chunk(c, chunk)


def _join_chunk(c: sqlite3.Connection, chunk: list[int]) -> None:
    keys: set[int] = set()
    for story, guid_key in c.execute(
        f"SELECT story, guid_key FROM articles WHERE id IN ({_marks(chunk)}) AND story IS NOT NULL",
        chunk,
    ):
        keys.add(story)
        if guid_key is not None:
            keys.add(guid_key)
    if not keys:
        return
    key_list = list(keys)
    rows: dict[int, tuple[float, int | None, int | None]] = {}
    for kc in _chunks(key_list):
        m = _marks(kc)
        for aid, published, story, guid_key in c.execute(
            f"SELECT id, published, story, guid_key FROM articles WHERE story IN ({m}) "
            f"UNION SELECT id, published, story, guid_key FROM articles WHERE guid_key IN ({m})",
            [*kc, *kc],
        ):
            rows[aid] = (published, story, guid_key)
    # Union-find over the matched articles: a shared key joins two of them.
    parent = {aid: aid for aid in rows}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_key: dict[int, int] = {}
    for aid, (_, story, guid_key) in rows.items():
        for k in (story, guid_key):
            if k is None:
                continue
            other = by_key.setdefault(k, aid)
            if other != aid:
                parent[find(aid)] = find(other)
    components: dict[int, set[int]] = {}
    for aid in rows:
        components.setdefault(find(aid), set()).add(aid)
    for members in components.values():
        if len(members) > 1:
            _merge(c, members)


def _merge(c: sqlite3.Connection, members: set[int]) -> None:
    """Make ``members`` (and the stories they are already in) one story."""
    group = set(members) | set(_groups(c, list(members)))
    ordered = sorted(
        c.execute(
            f"SELECT published, id, read FROM articles WHERE id IN ({_marks(list(group))})",
            list(group),
        ).fetchall()
    )
    root = ordered[0][1]
    c.execute("DELETE FROM story_copies WHERE article_id = ?", (root,))
    c.executemany(
        "INSERT INTO story_copies (article_id, primary_id) VALUES (?, ?) "
        "ON CONFLICT (article_id) DO UPDATE SET primary_id = excluded.primary_id",
        [(aid, root) for _, aid, _ in ordered[1:]],
    )
    if any(read for _, _, read in ordered):
        unread = [(aid,) for _, aid, read in ordered if not read]
        now = time.time()
        c.executemany(
            "UPDATE articles SET read = 1, read_at = ? WHERE id = ?", [(now, aid) for (aid,) in unread]
        )
        record(c, [("read", aid, None, "0", "1") for (aid,) in unread])


def also_in(c: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    """``{article id: names of the other sources its story was found in}`` for the articles
    of ``ids`` whose story was found more than once (each name once, never the article's
    own source name)."""
    groups = _groups(c, list(ids))
    if not groups:
        return {}
    names: dict[int, str] = {}
    members = list(groups)
    for chunk in _chunks(members):
        names.update(
            c.execute(
                f"SELECT a.id, {SOURCE_NAME} FROM articles a "
                f"LEFT JOIN sources s ON s.id = a.source_id WHERE a.id IN ({_marks(chunk)})",
                chunk,
            ).fetchall()
        )
    by_root: dict[int, list[int]] = {}
    for aid in sorted(members, key=lambda a: (groups[a] != a, a)):  # the primary first
        by_root.setdefault(groups[aid], []).append(aid)
    out: dict[int, list[str]] = {}
    for aid in ids:
        if aid not in groups:
            continue
        own = names.get(aid) or ""
        others: list[str] = []
        for other in by_root[groups[aid]]:
            name = names.get(other) or ""
            if other != aid and name and name != own and name not in others:
                others.append(name)
        if others:
            out[aid] = others
    return out


class StoryStore(Connection):
    """The stories of the library, as the faces ask for them."""

    def also_in(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """See ``also_in``: the other sources of each article's story."""
        with self._lock:
            try:
                return also_in(self.conn, ids)
            except sqlite3.Error as exc:
                raise library_error(exc) from exc

    def with_also_in(self, rows: list[ArticleRow]) -> list[ArticleRow]:
        """``rows`` with ``also_in`` filled in (one small query per call)."""
        found = self.also_in([r.id for r in rows])
        for row in rows:
            row.also_in = found.get(row.id, [])
        return rows
