"""Full text fetched for any article (not only bookmarks), kept beside it for offline reading.

A bookmark keeps its own full text in ``bookmarks`` (store/bookmarks.py); this table holds
it for every other article: asked for on demand, or queued by a refresh for a source set to
always fetch it. ``Library.article`` shows the bookmark's text first, else this one.

Status: ``pending`` (queued), ``ok`` (stored), ``failed`` (``error`` says why; a page with
less text than the summary is a failure: the summary stays).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from newstui.store.connection import Connection
from newstui.textsafe import clean, clean_line

STATUSES = ("pending", "ok", "failed")


class FulltextStore(Connection):
    """The ``fulltexts`` table: queueing, recording and listing what waits."""

    def set_article_fulltext(
        self,
        article_id: int,
        status: str,
        *,
        text: str | None = None,
        error: str | None = None,
        attempted: bool = False,
    ) -> None:
        """Record an article's full-text state; ``text`` replaces the stored text when given."""
        if status not in STATUSES:
            raise ValueError(f"unknown full-text status {status!r}")
        with self.write() as c:
            c.execute(
                "INSERT INTO fulltexts (article_id, status, text, error, attempts, queued) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET "
                "status = excluded.status, text = COALESCE(excluded.text, text), "
                "error = excluded.error, attempts = attempts + excluded.attempts",
                (
                    article_id,
                    status,
                    None if text is None else clean(text),
                    None if error is None else clean_line(error, 500),
                    int(attempted),
                    time.time(),
                ),
            )

    def queue_article_fulltexts(self, article_ids: Iterable[int]) -> int:
        """Queue articles for the full-text fetch (those not queued or fetched before).
        Joins the caller's transaction when there is one. Returns how many were queued."""
        now = time.time()
        with self.write() as c:
            before = c.total_changes
            c.executemany(
                "INSERT OR IGNORE INTO fulltexts (article_id, status, queued) "
                "SELECT id, 'pending', ? FROM articles WHERE id = ? AND link != ''",
                ((now, aid) for aid in article_ids),
            )
            return c.total_changes - before

    def article_fulltext_queue(self, limit: int | None = None) -> list[tuple[int, str]]:
        """(article id, link) of queued articles, oldest queued first."""
        return [
            (r[0], r[1])
            for r in self._read(
                "SELECT f.article_id, a.link FROM fulltexts f JOIN articles a ON a.id = f.article_id "
                "WHERE f.status = 'pending' ORDER BY f.queued, f.article_id LIMIT ?",
                (-1 if limit is None else limit,),
            )
        ]
