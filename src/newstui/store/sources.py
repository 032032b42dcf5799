"""Sources in the library."""

from __future__ import annotations

import time
from collections.abc import Sequence

from newstui.errors import NewstuiError, NotFound
from newstui.models import Source
from newstui.store.connection import Connection
from newstui.store.journal import Change, record
from newstui.textsafe import clean_line, safe_url


class SourceStore(Connection):
    """Sources: feed URLs and local folders, with their health."""

    # ----------------------------------------------------------------- sources
    def add_source(
        self, url: str, *, kind: str = "feed", title: str = "", category: str = "",
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
                if category and c.execute(
                    "UPDATE sources SET category = ? WHERE id = ? AND category = '' RETURNING id",
                    (category, row[0]),
                ).fetchall():
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
        "last_success, last_error, last_error_at, failures, gone, retry_after, added"
    )

    _UPDATABLE = frozenset(_SOURCE_COLS.replace(" ", "").split(",")) - {"id", "added"}

    def _source_from(self, row: tuple, total: int = 0, unread: int = 0) -> Source:
        s = Source(*row)
        s.gone = bool(s.gone)
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
                rows = self._read(
                    f"SELECT {cols} FROM sources WHERE title = ? COLLATE NOCASE", (ref,)
                )
        if len(rows) != 1:
            raise NotFound(f"no source {ref!r}" if not rows else f"several sources match {ref!r}")
        counts = self._read(
            "SELECT COUNT(*), COALESCE(SUM(read = 0), 0) FROM articles WHERE source_id = ?",
            (rows[0][0],),
        )[0]
        return self._source_from(rows[0], *counts)

    def sources(self) -> list[Source]:
        """Every source with its total and unread counts, sorted by category then title."""
        counts = {
            sid: (total, unread)
            for sid, total, unread in self._read(
                "SELECT source_id, COUNT(*), SUM(read = 0) FROM articles "
                "WHERE source_id IS NOT NULL GROUP BY source_id"
            )
        }
        out = [
            self._source_from(row, *counts.get(row[0], (0, 0)))
            for row in self._read(f"SELECT {self._SOURCE_COLS} FROM sources")
        ]
        out.sort(key=lambda s: (s.category.casefold(), s.label.casefold()))
        return out

    @staticmethod
    def _clean_source_fields(fields: dict[str, object]) -> dict[str, object]:
        """Text a feed or a server supplied (titles, errors, URLs) is cleaned on entry too."""
        limits = {"url": 4000, "title": 2000, "category": 200, "last_error": 1000}
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
                if "url" in fields and c.execute(
                    "SELECT 1 FROM sources WHERE url = ? AND id != ?", (fields["url"], source_id)
                ).fetchone():
                    fields = {k: v for k, v in fields.items() if k != "url"}
                if not fields:
                    continue
                named = [k for k in ("title", "category") if k in fields]
                before = (
                    c.execute(f"SELECT {', '.join(named)} FROM sources WHERE id = ?", (source_id,)).fetchone()
                    if journal and named else None
                )
                sets = ", ".join(f"{k} = ?" for k in fields)
                c.execute(f"UPDATE sources SET {sets} WHERE id = ?", (*fields.values(), source_id))
                if before is not None:
                    record(c, (
                        (f"source_{k}", None, source_id, old, str(fields[k]))
                        for k, old in zip(named, before, strict=True) if old != fields[k]
                    ))

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
            c.executemany("DELETE FROM articles_fts WHERE rowid = ?", ((i,) for i in ids))
            c.execute("DELETE FROM articles WHERE source_id = ?", (source_id,))
            c.execute("DELETE FROM sources WHERE id = ?", (source_id,))
        return len(ids)
