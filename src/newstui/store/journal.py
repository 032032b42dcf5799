"""The change journal: every change of user state, for the consumers that push it elsewhere.

A sync account registers itself as a consumer, reads the entries it has not seen
(``journal_pending``), pushes them, and acknowledges them (``journal_ack``). Entries every
consumer has acknowledged are deleted, and none are written while no consumer is
registered, so the journal stays as small as the slowest consumer's backlog.

Each entry is written by ``record`` inside the transaction of the change it describes: the
change and its entry land together or not at all. Store methods that change user state take
``journal: bool = True``; state that came from a server is applied with ``journal=False``
so it is not pushed back.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from newstui.errors import NewstuiError, NotFound
from newstui.store.connection import Connection
from newstui.textsafe import clean_line

if TYPE_CHECKING:
    from newstui.models import JournalEntry

KINDS = frozenset(
    ("read", "bookmark", "note", "tag", "subscribe", "unsubscribe", "source_title", "source_category")
)

# (kind, article_id, source_id, old, new)
Change = tuple[str, int | None, int | None, str | None, str | None]


def journaling(c: sqlite3.Connection) -> bool:
    """True when some consumer is registered (only then are entries kept)."""
    return bool(c.execute("SELECT EXISTS (SELECT 1 FROM journal_consumers)").fetchone()[0])


def record(c: sqlite3.Connection, changes: Iterable[Change], *, enabled: bool = True) -> int:
    """Append ``changes`` to the journal on ``c``, inside the caller's write transaction.

    Nothing is written when ``enabled`` is false (state applied from a server) or when no
    consumer is registered. Returns how many entries were written."""
    if not enabled:
        return 0
    rows = list(changes)
    if not rows or not journaling(c):
        return 0
    for kind, *_ in rows:
        if kind not in KINDS:
            raise ValueError(f"unknown journal kind {kind!r}")
    now = time.time()
    c.executemany(
        "INSERT INTO journal (at, kind, article_id, source_id, old, new) VALUES (?, ?, ?, ?, ?, ?)",
        ((now, *row) for row in rows),
    )
    return len(rows)


class JournalStore(Connection):
    """The journal's consumers: registering, reading what is pending, acknowledging."""

    def journal_register(self, name: str) -> None:
        """Register a consumer (idempotent). A new consumer starts after the entries that
        already exist: it has not missed them, it was not there."""
        name = clean_line(name, 200)
        if not name:
            raise NewstuiError("a journal consumer needs a name")
        with self.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO journal_consumers (name, last_id) "
                "VALUES (?, (SELECT COALESCE(MAX(id), 0) FROM journal))",
                (name,),
            )

    def journal_unregister(self, name: str) -> None:
        """Forget a consumer; entries no remaining consumer needs are deleted."""
        with self.write() as c:
            c.execute("DELETE FROM journal_consumers WHERE name = ?", (name,))
            self._compact(c)

    def journal_consumers(self) -> list[tuple[str, int]]:
        """(name, last acknowledged id) of every registered consumer, by name."""
        return [(n, i) for n, i in self._read("SELECT name, last_id FROM journal_consumers ORDER BY name")]

    def journal_pending(self, name: str, limit: int | None = None) -> list[JournalEntry]:
        """The entries ``name`` has not acknowledged yet, oldest first (at most ``limit``)."""
        with self._lock:
            last = self._last_id(self.conn, name)
            sql = "SELECT id, at, kind, article_id, source_id, old, new FROM journal WHERE id > ? ORDER BY id"
            params: list[object] = [last]
            if limit is not None:
                sql += " LIMIT ?"
                params.append(limit)
            from newstui.models import JournalEntry  # (the models are imported when first made)

            return [JournalEntry(*row) for row in self._read(sql, params)]

    def journal_ack(self, name: str, upto_id: int) -> None:
        """``name`` has taken every entry up to ``upto_id``: move its cursor there (never
        back) and delete the entries every consumer has now passed."""
        with self.write() as c:
            self._last_id(c, name)
            c.execute(
                "UPDATE journal_consumers SET last_id = MAX(last_id, ?) WHERE name = ?",
                (int(upto_id), name),
            )
            self._compact(c)

    def _last_id(self, c: sqlite3.Connection, name: str) -> int:
        row = c.execute("SELECT last_id FROM journal_consumers WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no journal consumer {name!r}")
        return int(row[0])

    @staticmethod
    def _compact(c: sqlite3.Connection) -> None:
        # With no consumer MIN() is NULL and COALESCE deletes everything.
        c.execute(
            "DELETE FROM journal WHERE id <= "
            "COALESCE((SELECT MIN(last_id) FROM journal_consumers), (SELECT MAX(id) FROM journal))"
        )
