"""Sources in the library."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from newstui.errors import NewstuiError, NotFound
from newstui.query import Compiled
from newstui.store.articles import unindex
from newstui.store.counts import CountStore
from newstui.store.journal import Change, record
from newstui.textsafe import clean_line, safe_url

if TYPE_CHECKING:
    from newstui.models import Source


class SourceStore(CountStore):
    """Sources: feed URLs and local folders, with their health."""

    # ----------------------------------------------------------------- sources
    def add_source(
        self,
        url: str,
        *,
        kind: str = "feed",
        title: str = "",
        category: str = "",
        journal: bool = True,
    ) -> tuple[Source, bool]:
        """Add a source (or find the one with this URL). Returns (source, created).

        A new source is journaled as ``subscribe`` (then ``source_title`` and
        ``source_category`` when it has them); a category given to a source that had none
        as ``source_category``."""
        url = clean_line(url, 4000)
        if not url:
            raise NewstuiError("a source needs a URL or a path")
        title, category = clean_line(title), clean_line(category, 200)
        changes: list[Change] = []
        with self.write() as c:
            row = c.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
            if row:
                if (
                    category
                    and c.execute(
                        "UPDATE sources SET category = ? WHERE id = ? AND category = '' RETURNING id",
                        (category, row[0]),
                    ).fetchall()
                ):
                    changes.append(("source_category", None, row[0], "", category))
                created = False
                sid = row[0]
            else:
                sid = c.execute(
                    "INSERT INTO sources (url, kind, title, category, added) VALUES (?, ?, ?, ?, ?)",
                    (url, kind, title, category, time.time()),
                ).lastrowid
                created = True
                changes.append(("subscribe", None, sid, None, url))
                if title:
                    changes.append(("source_title", None, sid, "", title))
                if category:
                    changes.append(("source_category", None, sid, "", category))
            record(c, changes, enabled=journal)
        return self.source(sid), created

    _SOURCE_COLS = (
        "id, url, kind, title, category, site_url, etag, last_modified, body_hash, last_fetched, "
        "last_success, last_error, last_error_at, failures, gone, retry_after, added, "
        "feed_title, refresh_interval, retention_days, always_fulltext, ignore_rule, paused"
    )

    _UPDATABLE = frozenset(_SOURCE_COLS.replace(" ", "").split(",")) - {"id", "added"}

    def _source_from(self, row: tuple[Any, ...], total: int = 0, unread: int = 0) -> Source:
        from newstui.models import Source  # (the models are imported when first made)

        s = Source(*row)
        s.gone = bool(s.gone)
        s.always_fulltext, s.paused = bool(s.always_fulltext), bool(s.paused)
        s.total, s.unread = total, unread
        return s

    def source(self, ref: int | str) -> Source:
        """A source by id, URL, or (unique) title."""
        cols = self._SOURCE_COLS
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            rows = self._read(f"SELECT {cols} FROM sources WHERE id = ?", (int(ref),))
        else:
            rows = self._read(f"SELECT {cols} FROM sources WHERE url = ?", (ref,))
            if not rows:
                rows = self._read(f"SELECT {cols} FROM sources WHERE title = ? COLLATE NOCASE", (ref,))
        if len(rows) != 1:
            raise NotFound(f"no source {ref!r}" if not rows else f"several sources match {ref!r}")
        counts = self._read(
            "SELECT COUNT(*), COALESCE(SUM(read = 0), 0) FROM articles WHERE source_id = ?",
            (rows[0][0],),
        )[0]
        return self._source_from(rows[0], *counts)

    def sources(self) -> list[Source]:
        """Every source with its total and unread counts, sorted by category then title."""
        counts = self.label_counts("source")
        out = [
            self._source_from(row, *counts.get(row[0], (0, 0)))
            for row in self._read(f"SELECT {self._SOURCE_COLS} FROM sources")
        ]
        out.sort(key=lambda s: (s.category.casefold(), s.label.casefold()))
        return out

    @staticmethod
    def _clean_source_fields(fields: dict[str, object]) -> dict[str, object]:
        """Text a feed or a server supplied (titles, errors, URLs) is cleaned on entry too."""
        limits = {
            "url": 4000,
            "title": 2000,
            "feed_title": 2000,
            "category": 200,
            "last_error": 1000,
            "ignore_rule": 1000,
        }
        out = dict(fields)
        for key, limit in limits.items():
            if isinstance(out.get(key), str):
                out[key] = clean_line(out[key], limit)  # type: ignore[arg-type]
        if isinstance(out.get("site_url"), str):
            out["site_url"] = safe_url(out["site_url"])  # type: ignore[arg-type]
        return out

    def update_source(self, source_id: int, *, journal: bool = True, **fields: object) -> None:
        self.update_sources([(source_id, fields)], journal=journal)

    def update_sources(
        self, updates: Sequence[tuple[int, dict[str, object]]], *, journal: bool = True
    ) -> None:
        """Many ``update_source`` calls in one transaction (a refresh's timestamps).

        An update whose new URL another source already has keeps its old URL. A changed
        title or category is journaled (``source_title``/``source_category``) unless
        ``journal`` is false: the refresh passes false, a title a feed gives itself is not
        the user's.
        """
        for _, fields in updates:
            if set(fields) - self._UPDATABLE:
                raise ValueError(f"unknown source fields {set(fields) - self._UPDATABLE}")
        with self.write() as c:
            for source_id, fields in updates:
                fields = self._clean_source_fields(fields)
                if (
                    "url" in fields
                    and c.execute(
                        "SELECT 1 FROM sources WHERE url = ? AND id != ?", (fields["url"], source_id)
                    ).fetchone()
                ):
                    fields = {k: v for k, v in fields.items() if k != "url"}
                if not fields:
                    continue
                named = [k for k in ("title", "category") if k in fields]
                before = (
                    c.execute(f"SELECT {', '.join(named)} FROM sources WHERE id = ?", (source_id,)).fetchone()
                    if journal and named
                    else None
                )
                sets = ", ".join(f"{k} = ?" for k in fields)
                c.execute(f"UPDATE sources SET {sets} WHERE id = ?", (*fields.values(), source_id))
                if before is not None:
                    record(
                        c,
                        (
                            (f"source_{k}", None, source_id, old, str(fields[k]))
                            for k, old in zip(named, before, strict=True)
                            if old != fields[k]
                        ),
                    )

    # ---------------------------------------------------------------- settings
    SETTING_COLUMNS = frozenset(
        (
            "title",
            "category",
            "refresh_interval",
            "retention_days",
            "always_fulltext",
            "ignore_rule",
            "paused",
        )
    )

    def set_source_settings(
        self, source_id: int, changes: dict[str, object], *, journal: bool = True
    ) -> Source:
        """Change a source's settings (columns as ``newstui.source_settings`` names them,
        values already parsed) in one transaction; returns the source as it now is.

        An empty title gives the source back the title its feed gives. A changed title or
        category is journaled like any other (``update_sources``)."""
        unknown = set(changes) - self.SETTING_COLUMNS
        if unknown:
            raise ValueError(f"not source settings: {sorted(unknown)}")
        fields = dict(changes)
        for flag in ("always_fulltext", "paused"):
            if flag in fields:
                fields[flag] = int(bool(fields[flag]))
        with self.write() as c:
            row = c.execute("SELECT feed_title FROM sources WHERE id = ?", (source_id,)).fetchone()
            if row is None:
                raise NotFound(f"no source {source_id}")
            if isinstance(fields.get("title"), str) and not clean_line(str(fields["title"])):
                fields["title"] = row[0]
            if fields:
                self.update_sources([(source_id, fields)], journal=journal)
        return self.source(source_id)

    def drop_articles(self, query: Compiled, within: Sequence[int]) -> list[int]:
        """Delete the articles among ``within`` that ``query`` matches and are neither
        bookmarked nor tagged by the user (a source's ignore rule on its new articles).
        Joins the caller's transaction when there is one. Returns the deleted ids."""
        wanted = list(within)
        ids: list[int] = []
        with self.write() as c:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                ids.extend(
                    r[0]
                    for r in c.execute(
                        f"SELECT a.id FROM articles a WHERE ({query.where}) "
                        f"AND a.id IN ({','.join('?' * len(chunk))}) "
                        "AND NOT EXISTS (SELECT 1 FROM bookmarks b WHERE b.article_id = a.id) "
                        "AND NOT EXISTS (SELECT 1 FROM article_tags t "
                        "WHERE t.article_id = a.id AND t.origin = 'user')",
                        [*query.params, *chunk],
                    )
                )
            unindex(self, c, ids)
            c.executemany("DELETE FROM articles WHERE id = ?", ((i,) for i in ids))
        return ids

    def remove_source(self, source_id: int, *, journal: bool = True) -> int:
        """Remove a source. Its bookmarked articles stay (detached); the rest go. Returns removed.

        Journaled as ``unsubscribe`` with the source's URL."""
        src = self.source(source_id)
        with self.write() as c:
            record(c, [("unsubscribe", None, source_id, src.url, None)], enabled=journal)
            c.execute(
                "UPDATE articles SET source_title = ?, source_id = NULL WHERE source_id = ? "
                "AND id IN (SELECT article_id FROM bookmarks)",
                (src.label, source_id),
            )
            ids = [r[0] for r in c.execute("SELECT id FROM articles WHERE source_id = ?", (source_id,))]
            unindex(self, c, ids)
            c.execute("DELETE FROM articles WHERE source_id = ?", (source_id,))
            c.execute("DELETE FROM sources WHERE id = ?", (source_id,))
        return len(ids)
