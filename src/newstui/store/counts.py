"""Article counts per source, category and tag, and for the whole library, as the filter
pane and ``newstui sources``/``stats`` show them.

The counts live in ``label_counts``, kept in the same transaction as every change of
articles, their labels or their read state: by triggers (schema ``LABEL_COUNTS``) for
deletes, moves, read flips and user tags, and by ``add_written`` for the articles and feed
labels a batch writes (one aggregated upsert per batch, schema ``BATCH_COUNTS``), so
reading them costs a row per label instead of a pass over every article. The table is
filled once, the first time counts are asked for (``CountStore.label_counts``): a library
made by an older newstui opens without waiting for it. Filling reads no article row:
whether an article is unread comes from the ``articles_unread`` index, gathered once into
a set of ids (the smaller of the unread and the read ones).
"""

from __future__ import annotations

import sqlite3

from newstui.store.connection import Connection, library_error

KINDS = ("all", "source", "category", "tag")

_READY = "SELECT 1 FROM label_counts WHERE kind = 'all' AND id = 0"
# The library's (articles, unread) as kept; no row while the counts were never filled
# (reading it never fills them: a first paint must not wait for that).
KEPT_TOTAL = "SELECT total, unread FROM label_counts WHERE kind = 'all' AND id = 0"

# The copies of a story (``store.stories``) that carry a label their primary carries too:
# a story found more than once counts once under that label, as the lists show it. CROSS
# JOIN starts from the copies (few, and often none, so the planner has no statistics).
_CATEGORY_COPIES = (
    "SELECT ac.category_id, COUNT(*), COALESCE(SUM(a.read = 0), 0) FROM story_copies s "
    "CROSS JOIN article_categories ac ON ac.article_id = s.article_id "
    "CROSS JOIN articles a ON a.id = s.article_id "
    "WHERE EXISTS (SELECT 1 FROM article_categories p "
    "WHERE p.article_id = s.primary_id AND p.category_id = ac.category_id) "
    "GROUP BY ac.category_id"
)
_TAG_COPIES = (
    "SELECT x.tag_id, COUNT(*), COALESCE(SUM(a.read = 0), 0) FROM story_copies s "
    "JOIN (SELECT DISTINCT tag_id, article_id FROM article_tags "
    "WHERE article_id IN (SELECT article_id FROM story_copies)) x ON x.article_id = s.article_id "
    "CROSS JOIN articles a ON a.id = s.article_id "
    "WHERE EXISTS (SELECT 1 FROM article_tags p WHERE p.article_id = s.primary_id AND p.tag_id = x.tag_id) "
    "GROUP BY x.tag_id"
)


def fill(c: sqlite3.Connection) -> None:
    """Count everything afresh into ``label_counts``, inside the caller's write
    transaction (the triggers keep it from then on)."""
    total: int = c.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    unread: int = c.execute("SELECT COUNT(*) FROM articles WHERE read = 0").fetchone()[0]
    if unread <= total - unread:
        unread_of = "COALESCE(SUM({} IN (SELECT id FROM articles WHERE read = 0)), 0)"
    else:  # read is 0 or 1
        unread_of = "COUNT(*) - COALESCE(SUM({} IN (SELECT id FROM articles WHERE read > 0)), 0)"
    c.execute("DELETE FROM label_counts")
    c.execute("INSERT INTO label_counts (kind, id, total, unread) VALUES ('all', 0, ?, ?)", (total, unread))
    c.execute(
        "INSERT INTO label_counts (kind, id, total, unread) "
        f"SELECT 'source', source_id, COUNT(*), {unread_of.format('id')} FROM articles "
        "WHERE source_id IS NOT NULL GROUP BY source_id"
    )
    c.execute(
        "INSERT INTO label_counts (kind, id, total, unread) "
        f"SELECT 'category', category_id, COUNT(*), {unread_of.format('article_id')} "
        "FROM article_categories GROUP BY category_id"
    )
    c.execute(
        "INSERT INTO label_counts (kind, id, total, unread) "
        f"SELECT 'tag', tag_id, COUNT(*), {unread_of.format('article_id')} "
        "FROM (SELECT DISTINCT tag_id, article_id FROM article_tags) GROUP BY tag_id"
    )


_ADD = (
    "INSERT INTO label_counts (kind, id, total, unread) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (kind, id) DO UPDATE SET total = total + excluded.total, unread = unread + excluded.unread"
)


def kept(c: sqlite3.Connection) -> bool:
    """Whether the counts are kept yet (filled once; until then nothing needs adding)."""
    return c.execute(_READY).fetchone() is not None


def add_written(
    c: sqlite3.Connection,
    source_id: int,
    new: int,
    categories: dict[int, list[int]],
    tags: dict[int, list[int]],
) -> None:
    """Count what one batch wrote, inside its transaction: ``new`` articles (all unread)
    of ``source_id``, and the label rows it added, ``{label id: [articles, unread]}`` per
    category and per tag (a tag counted only where the article had it from neither origin
    before). Call it before anything changes the read state of those articles (the
    read trigger adjusts only counts already there). The counts not yet kept: nothing."""
    if not kept(c):
        return
    if new:
        c.execute(
            "UPDATE label_counts SET total = total + ?, unread = unread + ? WHERE kind = 'all' AND id = 0",
            (new, new),
        )
        c.execute(_ADD, ("source", source_id, new, new))
    for kind, counts in (("category", categories), ("tag", tags)):
        if counts:
            c.executemany(_ADD, [(kind, lid, n, unread) for lid, (n, unread) in counts.items()])


def recount_tag(c: sqlite3.Connection, tag_id: int) -> None:
    """Count one tag afresh (after rows of it were copied in bulk, as a merge does)."""
    if not kept(c):
        return
    c.execute(
        "INSERT OR REPLACE INTO label_counts (kind, id, total, unread) "
        "SELECT 'tag', ?, COUNT(*), COALESCE(SUM(a.read = 0), 0) FROM articles a "
        "WHERE a.id IN (SELECT article_id FROM article_tags WHERE tag_id = ?)",
        (tag_id, tag_id),
    )


def copies(c: sqlite3.Connection, kind: str) -> dict[int, tuple[int, int]]:
    """``{label id: (copies, unread copies)}`` to take off a category's or tag's counts."""
    sql = {"category": _CATEGORY_COPIES, "tag": _TAG_COPIES}.get(kind)
    if sql is None:
        return {}
    return {lid: (n, unread) for lid, n, unread in c.execute(sql)}


class CountStore(Connection):
    """Reading the kept counts (filling them first when they never were)."""

    def label_counts(self, kind: str) -> dict[int, tuple[int, int]]:
        """``{id: (articles, unread)}`` of every source, category or tag (``kind``) that
        has articles; for ``"all"``, ``{0: (articles, unread)}`` of the whole library.
        Every copy of a story is counted here (``copies`` gives what to take off)."""
        if kind not in KINDS:
            raise ValueError(f"no counts of {kind!r}")
        with self._lock:
            try:
                if self.conn.execute(_READY).fetchone() is None:
                    self._fill()
                return {
                    lid: (total, unread)
                    for lid, total, unread in self.conn.execute(
                        "SELECT id, total, unread FROM label_counts WHERE kind = ? AND total > 0", (kind,)
                    )
                }
            except sqlite3.Error as exc:
                raise library_error(exc) from exc

    def _fill(self) -> None:
        """Fill the counts, with a small page cache: the pass reads every page of several
        indexes once, and a million articles would otherwise leave this connection holding
        its whole cache (tens of MB) for good."""
        with self.write() as c:
            if c.execute(_READY).fetchone() is not None:  # another connection did it
                return
            with self.lean_cache(c):
                fill(c)

    def story_copies(self, kind: str) -> dict[int, tuple[int, int]]:
        """See ``copies``."""
        with self._lock:
            try:
                return copies(self.conn, kind)
            except sqlite3.Error as exc:
                raise library_error(exc) from exc
