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
    """Delete what the retention rule lets go. Returns how many articles were deleted."""
    limit = cutoff(days, now)
    if limit is None:
        return 0
    with lib.write() as c:
        ids = [
            (r[0],)
            for r in c.execute(
                "SELECT a.id FROM articles a WHERE a.published < ? AND a.first_seen < ? "
                "AND a.source_id IN (SELECT id FROM sources WHERE kind = 'feed') "
                "AND NOT EXISTS (SELECT 1 FROM bookmarks b WHERE b.article_id = a.id) "
                "AND NOT EXISTS (SELECT 1 FROM article_tags t "
                "WHERE t.article_id = a.id AND t.origin = 'user')",
                (limit, limit),
            )
        ]
        if not ids:
            return 0
        unindex(c, [i for (i,) in ids])
        c.executemany("DELETE FROM articles WHERE id = ?", ids)
        # Source tags and categories go with their articles (ON DELETE CASCADE); names
        # no article uses any more go too.
        c.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")
        c.execute(
            "DELETE FROM categories WHERE id NOT IN (SELECT category_id FROM article_categories)"
        )
    return len(ids)
