"""The matches of one search word, kept in a temporary table while the library is unchanged.

A prefix longer than the search index's own (``"ther"*``, where the index keeps 3 letters)
has no posting list of its own: FTS5 merges the lists of every word that starts with it
before it yields a row, and does so again in every query that names it. While one types,
the first rows of the list, the capped count that picks their plan, the exact count and
each later page are such queries of one search; kept here, they share one merge.
"""

from __future__ import annotations

import sqlite3

# The condition a search word becomes once its matches are in the table.
MATCHED = "a.id IN temp.newstui_matches"


class MatchTable:
    """One connection's table of the matches of the last merged search word it ran."""

    def __init__(self) -> None:
        self._key: tuple[str, int, int] | None = None
        self.count = 0

    def fill(self, conn: sqlite3.Connection, phrase: str) -> int:
        """Make ``temp.newstui_matches`` hold the ids of the articles matching ``phrase``
        (an FTS5 expression), unless it holds them already for the library as it is now
        (no commit by another connection, no change by this one); returns how many.

        Call it holding the connection's lock. An error (an interrupt) leaves the table
        marked stale, so the next call fills it again."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if self._key == (phrase, version, conn.total_changes):
            return self.count
        self._key = None
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS newstui_matches (id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.newstui_matches")
        self.count = conn.execute(
            "INSERT INTO temp.newstui_matches SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
            (phrase,),
        ).rowcount
        # total_changes counts the rows just written to the temporary table too.
        self._key = (phrase, version, conn.total_changes)
        return self.count
