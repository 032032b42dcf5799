"""Retention: the library is a cache with history, trimmed after each refresh.

Only feed articles are trimmed (imported local articles are the user's own files). An
article goes when it is older than the cutoff both by its date and by when it was first
seen, is not bookmarked and carries no user tag. Bookmarked articles are never deleted.
"""

from __future__ import annotations

import time

from newstui.store.articles import unindex
from newstui.store.library import Library

DAY = 86_400.0


def cutoff(days: int, now: float | None = None) -> float | None:
    """The oldest timestamp kept, or None when retention is off (``days`` <= 0)."""
    if days <= 0:
        return None
    return (time.time() if now is None else now) - days * DAY


def apply_retention(lib: Library, days: int, now: float | None = None) -> int:
    """Delete what the retention rule lets go: ``days`` (the config's), or a source's own
    ``retention_days`` where it has one (0 keeps its articles). Returns how many went."""
    now = time.time() if now is None else now
    limit = cutoff(days, now)
    own = [d for (d,) in lib._read("SELECT DISTINCT retention_days FROM sources WHERE retention_days > 0")]
    limits = [x for x in (limit, *(cutoff(d, now) for d in own)) if x is not None]
    if not limits:
        return 0
    # Per article: its source's own cutoff, else the config's (NULL keeps it). Feed
    # sources first, then each one's articles first seen before its cutoff (the
    # (source_id, first_seen) index): what a refresh walks here is what goes, and what is
    # kept for another reason (a bookmark, a user tag, a recent date), not every article
    # that is old by date but was first seen lately.
    keep_from = (
        "CASE WHEN s.retention_days IS NULL THEN ? WHEN s.retention_days > 0 "
        "THEN ? - s.retention_days * 86400.0 END"
    )
    with lib.write() as c:
        ids = [
            (r[0],)
            for r in c.execute(
                "SELECT a.id FROM sources s CROSS JOIN articles a INDEXED BY articles_source_seen "
                f"WHERE s.kind = 'feed' AND a.source_id = s.id AND a.first_seen < {keep_from} "
                f"AND a.published < {keep_from} "
                "AND NOT EXISTS (SELECT 1 FROM bookmarks b WHERE b.article_id = a.id) "
                "AND NOT EXISTS (SELECT 1 FROM article_tags t "
                "WHERE t.article_id = a.id AND t.origin = 'user')",
                (limit, now, limit, now),
            )
        ]
        if not ids:
            return 0
        unindex(lib, c, [i for (i,) in ids])
        c.executemany("DELETE FROM articles WHERE id = ?", ids)
        # Source tags and categories go with their articles (ON DELETE CASCADE); names
        # no article uses any more go too.
        c.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")
        c.execute("DELETE FROM categories WHERE id NOT IN (SELECT category_id FROM article_categories)")
    return len(ids)
