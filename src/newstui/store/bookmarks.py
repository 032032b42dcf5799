"""Bookmarks, stats and saved searches in the library."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import TYPE_CHECKING

from newstui.errors import NewstuiError, NotFound
from newstui.fulltext_status import needs_fulltext
from newstui.query import compile_query
from newstui.store.articles import prepare_row
from newstui.store.counts import CountStore
from newstui.store.journal import Change, record
from newstui.store.stories import story_members
from newstui.textsafe import clean, clean_line

if TYPE_CHECKING:
    from newstui.models import Article, ArticleIn


class BookmarkStore(CountStore):
    """Bookmarks (durable copies), stats and saved searches."""

    if TYPE_CHECKING:
        # Provided by ArticleStore, the sibling this part is assembled with in Library.
        def article(self, article_id: int | str) -> Article: ...
        def _require(self, c: sqlite3.Connection, aid: int) -> None: ...

    # --------------------------------------------------------------- bookmarks
    def bookmark(
        self,
        article_id: int,
        note: str | None = None,
        *,
        created: float | None = None,
        journal: bool = True,
    ) -> Article:
        """Bookmark an article (or update its note). The bookmark keeps a full copy.

        ``created`` restores an earlier bookmark time (import). A bookmark whose text is only
        a summary is queued ('pending') for the full-text fetch (newstui.bookmarks.fulltext).
        The bookmark, its copy, its queue state and the journal entries (``bookmark`` when it
        is new, ``note`` when the note changed) are one transaction. The other articles of
        its story are bookmarked with it (one story, one state).
        """
        with self.write() as c:
            self._require(c, article_id)
            for other in story_members(c, [article_id])[1:]:
                self._bookmark_one(other, note, created, journal)
            return self._bookmark_one(article_id, note, created, journal)

    def _bookmark_one(
        self, article_id: int, note: str | None, created: float | None, journal: bool
    ) -> Article:
        new_note = None if note is None else clean(note, 10_000)
        with self.write() as c:
            row = c.execute("SELECT note FROM bookmarks WHERE article_id = ?", (article_id,)).fetchone()
            old_note = None if row is None else row[0]
            c.execute(
                "INSERT INTO bookmarks (article_id, created, note) VALUES (?, ?, ?) "
                "ON CONFLICT (article_id) DO UPDATE SET note = COALESCE(?, note)",
                (article_id, time.time() if created is None else created, new_note or "", new_note),
            )
            changes: list[Change] = []
            if row is None:
                changes.append(("bookmark", article_id, None, "0", "1"))
            if new_note is not None and new_note != (old_note or ""):
                changes.append(("note", article_id, None, old_note or "", new_note))
            record(c, changes, enabled=journal)
            art = self.article(article_id)
            self._snapshot(c, art)
            if art.fulltext_status == "none" and needs_fulltext(art):
                self.set_fulltext(article_id, "pending")
                art.fulltext_status = "pending"
        return art

    def set_fulltext(
        self,
        article_id: int,
        status: str,
        *,
        text: str | None = None,
        error: str | None = None,
        attempted: bool = False,
    ) -> None:
        """Record the full-text state of a bookmark ('none', 'pending', 'ok', 'failed')."""
        if status not in ("none", "pending", "ok", "failed"):
            raise ValueError(f"unknown full-text status {status!r}")
        with self.write() as c:
            c.execute(
                "UPDATE bookmarks SET fulltext_status = ?, "
                "fulltext = CASE WHEN ? THEN ? ELSE fulltext END, fulltext_error = ?, "
                "fulltext_attempts = fulltext_attempts + ? WHERE article_id = ?",
                (
                    status,
                    text is not None,
                    None if text is None else clean(text),
                    None if error is None else clean_line(error, 500),
                    int(attempted),
                    article_id,
                ),
            )

    def fulltext_queue(self, max_attempts: int) -> list[int]:
        """Bookmarks waiting for their full text (pending, or failed and still to retry)."""
        return [
            r[0]
            for r in self._read(
                "SELECT article_id FROM bookmarks WHERE fulltext_status = 'pending' OR "
                "(fulltext_status = 'failed' AND fulltext_attempts < ?) ORDER BY created",
                (max_attempts,),
            )
        ]

    def article_id_for(self, source_id: int, item: ArticleIn, source_url: str = "") -> int | None:
        """The stored id of an article a source produced, if any (keyed as ``upsert`` keys it)."""
        key = prepare_row(item, source_url, 0.0).key
        rows = self._read("SELECT id FROM articles WHERE source_id = ? AND key = ?", (source_id, key))
        return rows[0][0] if rows else None

    def set_source_title(self, article_id: int, name: str) -> None:
        """Name the source an article first came from (an imported export), shown before the
        folder it was imported from."""
        with self.write() as c:
            c.execute(
                "UPDATE articles SET source_title = ? WHERE id = ?",
                (clean_line(name, 500), article_id),
            )

    def _snapshot(self, c: sqlite3.Connection, art: Article) -> None:
        snap = json.dumps(
            {
                "title": art.title,
                "link": art.link,
                "author": art.author,
                "source": art.source,
                "published": art.published,
                "summary": art.summary,
                "content": art.content,
                "content_type": art.content_type,
                "categories": art.categories,
                "tags": [[t.name, t.origin] for t in art.tags],
            },
            ensure_ascii=False,
        )
        c.execute("UPDATE bookmarks SET snapshot = ? WHERE article_id = ?", (snap, art.id))

    def unbookmark(self, article_id: int, *, journal: bool = True) -> None:
        """Remove a bookmark (its note and copy go with it) and those of the other articles
        of its story; journaled for each that had one."""
        with self.write() as c:
            self._require(c, article_id)
            for aid in story_members(c, [article_id]):
                if c.execute(
                    "DELETE FROM bookmarks WHERE article_id = ? RETURNING article_id", (aid,)
                ).fetchall():
                    record(c, [("bookmark", aid, None, "1", "0")], enabled=journal)

    # ------------------------------------------------------------------- stats
    def stats(self) -> dict[str, int]:
        """Counts as the lists show them: a story found more than once counts once."""
        total, unread = self.label_counts("all").get(0, (0, 0))  # kept by triggers (store/counts.py)
        copies, unread_copies = self._read(
            "SELECT COUNT(*), COALESCE(SUM(a.read = 0), 0) FROM story_copies c "
            "CROSS JOIN articles a ON a.id = c.article_id"  # from the (few) copies
        )[0]
        total, unread = total - copies, unread - unread_copies
        bookmarks = self._read(
            "SELECT COUNT(*) FROM bookmarks WHERE article_id NOT IN (SELECT article_id FROM story_copies)"
        )[0][0]
        sources = self._read("SELECT COUNT(*) FROM sources")[0][0]
        return {"articles": total, "unread": unread, "bookmarks": bookmarks, "sources": sources}

    # ---------------------------------------------------------- saved searches
    def saved_searches(self) -> list[tuple[str, str]]:
        return [(n, q) for n, q in self._read("SELECT name, query FROM saved_searches ORDER BY name")]

    def save_search(self, name: str, query: str) -> None:
        compile_query(query)  # refuse a malformed query now, not when it is used
        name = clean_line(name, 200)
        if not name:
            raise NewstuiError("a saved search needs a name")
        with self.write() as c:
            c.execute(
                "INSERT INTO saved_searches (name, query) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET query = excluded.query",
                (name, clean_line(query, 2000)),
            )

    def delete_search(self, name: str) -> None:
        with self.write() as c:
            if not c.execute("DELETE FROM saved_searches WHERE name = ? RETURNING id", (name,)).fetchall():
                raise NotFound(f"no saved search {name!r}")
