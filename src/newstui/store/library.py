"""The library: one SQLite file holding sources, articles, labels, read state and bookmarks.

Every read and write of the library goes through this class; the faces (CLI, TUI) get plain
records back and never write SQL. Writes for one batch happen in one transaction.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from newstui.errors import NewstuiError, NotFound
from newstui.models import Article, ArticleIn, ArticleRow, Source, Tag, UpsertResult
from newstui.query import Compiled, compile_query
from newstui.store import schema
from newstui.textsafe import clean, clean_line, clean_names, safe_url

SQLITE_MAGIC = b"SQLite format 3\x00"
SORTS = ("date", "source", "title", "rank", "bookmarked")

_ROW_SELECT = (
    "SELECT a.id, a.title, COALESCE(NULLIF(a.source_title, ''), NULLIF(s.title, ''), s.url), "
    "a.published, "
    "a.read, b.article_id IS NOT NULL "
    "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
    "LEFT JOIN bookmarks b ON b.article_id = a.id"
)
_SCRIPTS = re.compile(r"<(script|style|iframe|noscript|template)\b.*?</\1\s*>", re.I | re.S)
_TAGS = re.compile(r"<[^>]*>")
_BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|tr|blockquote|pre)\b[^>]*>", re.I)


def plain_text(content: str, content_type: str, limit: int = 200_000) -> str:
    """Text for the search index: HTML tags dropped and entities decoded (cheap, no parser)."""
    if not content:
        return ""
    content = content[: limit * 2]
    if content_type == "html":
        content = _SCRIPTS.sub(" ", content)
        content = _BLOCK.sub("\n", content)
        content = html.unescape(_TAGS.sub("", content))
    return clean(content, limit)


def _fold(name: str) -> str:
    return name.casefold()


class Library:
    """An open library file. Safe to share between threads (calls are serialised)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.notice: str | None = None  # set when a bad file was moved aside
        self._lock = threading.RLock()
        self._depth = 0  # nesting of write() on the thread that holds the lock
        self.conn = self._connect(busy_timeout)

    # ----------------------------------------------------------------- opening
    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise NewstuiError(f"cannot create data folder {self.path.parent}: {exc.strerror}") from None
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open("rb") as f:
                magic = f.read(len(SQLITE_MAGIC))
            if magic != SQLITE_MAGIC:
                self._move_aside("is not a newstui library (not SQLite)")
        try:
            conn = self._open(busy_timeout)
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                self._move_aside(f"is damaged ({exc})")
                conn = self._open(busy_timeout)
            else:
                raise NewstuiError(f"cannot open library {self.path}: {exc}") from None
        return conn

    def _open(self, busy_timeout: float) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise NewstuiError(f"cannot use write-ahead logging on {self.path}")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA cache_size = -32000")
            schema.migrate(conn)
            return conn
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            if "readonly" in msg or "unable to open" in msg or "disk I/O" in msg:
                raise NewstuiError(f"cannot write the library {self.path}: {msg}") from None
            if "full" in msg:
                raise NewstuiError(f"the disk holding {self.path} is full") from None
            raise

    def _move_aside(self, why: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        n = 1
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.bad-{stamp}-{n}")
            n += 1
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(target.with_name(target.name + suffix))
        self.path.rename(target)
        self.notice = f"library {self.path} {why}; moved it to {target.name} and started a new one"

    def close(self) -> None:
        with self._lock:
            try:
                self.conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands or none of it does.

        Nested calls (on the thread holding the transaction) join the outer transaction, so
        several whole units of work can be committed together (a refresh's group commit)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                yield from self._transaction()
            finally:
                self._depth = 0

    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise NewstuiError(f"the library is busy or unwritable: {exc}") from None
        try:
            yield self.conn
        except sqlite3.OperationalError as exc:
            # SQLite may already have rolled back (e.g. on a full disk): do not mask the cause.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if "full" in str(exc):
                raise NewstuiError("the disk is full; nothing was changed") from None
            raise
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if "full" in str(exc):
                raise NewstuiError("the disk is full; nothing was changed") from None
            raise NewstuiError(f"cannot save to the library: {exc}") from None

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    # ----------------------------------------------------------------- sources
    def add_source(
        self, url: str, *, kind: str = "feed", title: str = "", category: str = ""
    ) -> tuple[Source, bool]:
        """Add a source (or find the one with this URL). Returns (source, created)."""
        url = clean_line(url, 4000)
        if not url:
            raise NewstuiError("a source needs a URL or a path")
        with self.write() as c:
            row = c.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
            if row:
                if category:
                    c.execute(
                        "UPDATE sources SET category = ? WHERE id = ? AND category = ''",
                        (clean_line(category, 200), row[0]),
                    )
                created = False
                sid = row[0]
            else:
                sid = c.execute(
                    "INSERT INTO sources (url, kind, title, category, added) VALUES (?, ?, ?, ?, ?)",
                    (url, kind, clean_line(title), clean_line(category, 200), time.time()),
                ).lastrowid
                created = True
        return self.source(sid), created

    _SOURCE_COLS = (
        "id, url, kind, title, category, site_url, etag, last_modified, body_hash, last_fetched, "
        "last_success, last_error, last_error_at, failures, gone, retry_after, added"
    )

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

    def update_source(self, source_id: int, **fields: object) -> None:
        allowed = set(self._SOURCE_COLS.replace(" ", "").split(",")) - {"id", "added"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown source fields {bad}")
        if not fields:
            return
        fields = self._clean_source_fields(fields)
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.write() as c:
            c.execute(f"UPDATE sources SET {sets} WHERE id = ?", (*fields.values(), source_id))

    def update_sources(self, updates: Sequence[tuple[int, dict[str, object]]]) -> None:
        """Many ``update_source`` calls in one transaction (a refresh's timestamps).

        An update whose new URL another source already has keeps its old URL.
        """
        allowed = set(self._SOURCE_COLS.replace(" ", "").split(",")) - {"id", "added"}
        for _, fields in updates:
            if set(fields) - allowed:
                raise ValueError(f"unknown source fields {set(fields) - allowed}")
        with self.write() as c:
            for source_id, fields in updates:
                fields = self._clean_source_fields(fields)
                if "url" in fields and c.execute(
                    "SELECT 1 FROM sources WHERE url = ? AND id != ?", (fields["url"], source_id)
                ).fetchone():
                    fields = {k: v for k, v in fields.items() if k != "url"}
                if fields:
                    sets = ", ".join(f"{k} = ?" for k in fields)
                    c.execute(
                        f"UPDATE sources SET {sets} WHERE id = ?", (*fields.values(), source_id)
                    )

    def remove_source(self, source_id: int) -> int:
        """Remove a source. Its bookmarked articles stay (detached); the rest go. Returns removed."""
        src = self.source(source_id)
        with self.write() as c:
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

    # ---------------------------------------------------------------- articles
    def upsert_articles(
        self, source_id: int, items: Iterable[ArticleIn], *, source_url: str = ""
    ) -> UpsertResult:
        """Insert new articles and update changed ones, in one transaction.

        Read state, bookmarks and user tags are never touched; source tags and categories
        of a changed article are replaced by the new ones.
        """
        now = time.time()
        prepared: dict[str, tuple] = {}
        for item in items:
            row = self._prepare(item, source_url, now)
            prepared.setdefault(row[0], row)  # the first of two entries with one id wins
        result = UpsertResult()
        if not prepared:
            return result
        with self.write() as c:
            existing = {
                key: (aid, h)
                for key, aid, h in c.execute(
                    "SELECT key, id, hash FROM articles WHERE source_id = ?", (source_id,)
                )
            }
            labels: list[tuple[int, list[str], list[str]]] = []
            fts: list[tuple] = []
            changed_ids: list[tuple[int]] = []
            updates: list[tuple] = []
            for key, row in prepared.items():
                (_, h, title, link, author, summary, content, ctype, published, estimated,
                 updated, enclosures, cats, tags, body) = row
                old = existing.get(key)
                if old is None:
                    aid = c.execute(
                        "INSERT INTO articles (source_id, key, hash, title, link, author, summary, "
                        "content, content_type, published, date_estimated, updated, first_seen, "
                        "enclosures) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                        (source_id, key, h, title, link, author, summary, content, ctype,
                         published, estimated, updated, now, enclosures),
                    ).fetchone()[0]
                    result.new += 1
                    result.new_ids.append(aid)
                elif old[1] == h:
                    result.unchanged += 1
                    continue
                else:
                    aid = old[0]
                    updates.append((h, title, link, author, summary, content, ctype, published,
                                    estimated, updated, enclosures, aid))
                    changed_ids.append((aid,))
                    result.updated += 1
                labels.append((aid, cats, tags))
                fts.append((aid, title, author, plain_text(summary, ctype, 20_000), body))
            if updates:
                # An estimated date (the source gave none) keeps the first one seen.
                c.executemany(
                    "UPDATE articles SET hash=?, title=?, link=?, author=?, summary=?, content=?, "
                    "content_type=?, published = CASE WHEN ? THEN published ELSE ? END, "
                    "date_estimated = CASE WHEN ? THEN date_estimated ELSE 0 END, updated=?, "
                    "enclosures=? WHERE id=?",
                    [(*u[:7], u[8], u[7], u[8], u[9], u[10], u[11]) for u in updates],
                )
                c.executemany("DELETE FROM articles_fts WHERE rowid = ?", changed_ids)
                c.executemany("DELETE FROM article_categories WHERE article_id = ?", changed_ids)
                c.executemany(
                    "DELETE FROM article_tags WHERE article_id = ? AND origin = 'source'",
                    changed_ids,
                )
            c.executemany(
                "INSERT INTO articles_fts (rowid, title, author, summary, body) VALUES (?,?,?,?,?)",
                fts,
            )
            self._write_labels(c, labels)
        return result

    def _prepare(self, item: ArticleIn, source_url: str, now: float) -> tuple:
        title = clean_line(item.title) or "(untitled)"
        link = safe_url(item.link)
        author = clean_line(item.author, 300)
        ctype = item.content_type if item.content_type in ("html", "text", "markdown") else "text"
        summary = clean(item.summary, 200_000)
        content = clean(item.content)
        estimated = item.published is None or item.date_estimated
        published = item.published if item.published is not None else now
        cats = clean_names(item.categories)
        tags = clean_names(item.tags)
        enclosures = json.dumps(
            [
                {"url": safe_url(str(e.get("url", ""))), "type": clean_line(str(e.get("type", "")), 100),
                 "length": int(e["length"]) if str(e.get("length", "")).isdigit() else None}
                for e in item.enclosures
                if safe_url(str(e.get("url", "")))
            ]
        ) if item.enclosures else ""
        guid = clean_line(item.guid, 2000)
        key = guid or link
        if not key:
            basis = f"{source_url}\x00{title}\x00{'' if estimated else published}"
            key = "sha1:" + hashlib.sha1(basis.encode("utf-8", "replace")).hexdigest()
        body = plain_text(content or summary, ctype)
        # Fields joined by a separator that clean() keeps out of every one of them (0x1f).
        digest = hashlib.sha1(
            "\x1f".join(
                (title, link, author, summary, content, ctype,
                 "" if estimated else repr(published), repr(item.updated), enclosures,
                 "\x1e".join(cats), "\x1e".join(tags))
            ).encode("utf-8", "surrogatepass")
        ).hexdigest()
        return (key, digest, title, link, author, summary, content, ctype, published,
                int(estimated), item.updated, enclosures, cats, tags, body)

    def _name_ids(self, c: sqlite3.Connection, table: str, names: Iterable[str]) -> dict[str, int]:
        folds: dict[str, str] = {}
        for n in names:
            folds.setdefault(_fold(n), n)  # the first spelling seen names the label
        if not folds:
            return {}
        ids: dict[str, int] = {}
        wanted = list(folds)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            ids.update(c.execute(f"SELECT fold, id FROM {table} WHERE fold IN ({marks})", chunk))
        missing = [f for f in folds if f not in ids]
        for f in missing:
            ids[f] = c.execute(
                f"INSERT INTO {table} (name, fold) VALUES (?, ?) RETURNING id", (folds[f], f)
            ).fetchone()[0]
        return ids

    def _write_labels(
        self, c: sqlite3.Connection, labels: list[tuple[int, list[str], list[str]]]
    ) -> None:
        cat_ids = self._name_ids(c, "categories", (n for _, cats, _ in labels for n in cats))
        tag_ids = self._name_ids(c, "tags", (n for _, _, tags in labels for n in tags))
        c.executemany(
            "INSERT OR IGNORE INTO article_categories (category_id, article_id) VALUES (?, ?)",
            ((cat_ids[_fold(n)], aid) for aid, cats, _ in labels for n in cats),
        )
        c.executemany(
            "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) VALUES (?, ?, 'source')",
            ((tag_ids[_fold(n)], aid) for aid, _, tags in labels for n in tags),
        )

    # ----------------------------------------------------------------- queries
    @staticmethod
    def compiled(query: str | Compiled | None) -> Compiled:
        return query if isinstance(query, Compiled) else compile_query(query)

    def list_articles(
        self,
        query: str | Compiled | None = None,
        *,
        sort: str = "date",
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[ArticleRow]:
        """Articles matching ``query``, newest first (or by source, title, rank, bookmarking)."""
        q = self.compiled(query)
        params: list[object] = []
        sql = _ROW_SELECT
        if sort == "rank" and q.rank_match:
            sql += (
                " LEFT JOIN (SELECT rowid AS rid, rank FROM articles_fts WHERE articles_fts MATCH ?)"
                " r ON r.rid = a.id"
            )
            params.append(q.rank_match)
        sql += f" WHERE {q.where}"
        params.extend(q.params)
        if sort == "rank" and q.rank_match:
            order = "r.rank, a.published DESC, a.id DESC"
        elif sort == "source":
            order = (
                "COALESCE(NULLIF(a.source_title, ''), NULLIF(s.title, ''), s.url) COLLATE NOCASE, "
                "a.published DESC, a.id DESC"
            )
        elif sort == "title":
            order = "a.title COLLATE NOCASE, a.id"
        elif sort == "bookmarked":
            order = "b.created DESC, a.id DESC"
        else:
            order = "a.published DESC, a.id DESC"
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        rows = self._read(sql, params)
        return [ArticleRow(r[0], r[1], r[2] or "", r[3], bool(r[4]), bool(r[5])) for r in rows]

    def records(
        self,
        query: str | Compiled | None = None,
        *,
        sort: str = "date",
        limit: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[dict[str, object]]:
        """Articles as plain dicts (the CLI's JSON lines): id, title, author, source, link,
        published (ISO 8601), categories, tags, read, bookmarked."""
        from newstui.sources.dates import iso

        if ids is not None:
            rows = [r for i in ids for r in self._read(f"{_ROW_SELECT} WHERE a.id = ?", (i,))]
            order = [r[0] for r in rows]
        else:
            order = [r.id for r in self.list_articles(query, sort=sort, limit=limit)]
        out: list[dict[str, object]] = []
        for i in range(0, len(order), 500):
            chunk = order[i : i + 500]
            marks = ",".join("?" * len(chunk))
            cats: dict[int, list[str]] = {}
            for aid, name in self._read(
                "SELECT ac.article_id, c.name FROM article_categories ac JOIN categories c "
                f"ON c.id = ac.category_id WHERE ac.article_id IN ({marks}) ORDER BY c.name",
                chunk,
            ):
                cats.setdefault(aid, []).append(name)
            tags: dict[int, list[str]] = {}
            for aid, name in self._read(
                "SELECT DISTINCT at.article_id, t.name FROM article_tags at JOIN tags t "
                f"ON t.id = at.tag_id WHERE at.article_id IN ({marks}) ORDER BY t.name",
                chunk,
            ):
                tags.setdefault(aid, []).append(name)
            rows = {
                r[0]: r
                for r in self._read(
                    "SELECT a.id, a.title, a.author, COALESCE(NULLIF(a.source_title, ''), "
                    "NULLIF(s.title, ''), s.url), a.link, a.published, a.read, "
                    "b.article_id IS NOT NULL "
                    "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
                    f"LEFT JOIN bookmarks b ON b.article_id = a.id WHERE a.id IN ({marks})",
                    chunk,
                )
            }
            for aid in chunk:
                r = rows[aid]
                out.append({
                    "id": r[0], "title": r[1], "author": r[2], "source": r[3] or "",
                    "link": r[4], "published": iso(r[5]), "categories": cats.get(aid, []),
                    "tags": tags.get(aid, []), "read": bool(r[6]), "bookmarked": bool(r[7]),
                })
        return out

    def count(self, query: str | Compiled | None = None) -> int:
        q = self.compiled(query)
        if q.is_everything:
            return self._read("SELECT COUNT(*) FROM articles")[0][0]
        return self._read(f"SELECT COUNT(*) FROM articles a WHERE {q.where}", q.params)[0][0]

    def article_ids(self, query: str | Compiled | None = None) -> list[int]:
        q = self.compiled(query)
        return [r[0] for r in self._read(f"SELECT a.id FROM articles a WHERE {q.where}", q.params)]

    def article(self, article_id: int | str) -> Article:
        try:
            aid = int(article_id)
        except (TypeError, ValueError):
            raise NotFound(f"no article {article_id!r} (ids are numbers; see `newstui list`)") from None
        rows = self._read(
            "SELECT a.id, a.source_id, "
            "COALESCE(NULLIF(a.source_title, ''), NULLIF(s.title, ''), s.url), a.key, "
            "a.title, a.link, a.author, a.summary, a.content, a.content_type, a.published, "
            "a.date_estimated, a.updated, a.first_seen, a.read, a.enclosures, "
            "b.created, b.note, b.fulltext, b.fulltext_status, b.fulltext_error, "
            "b.fulltext_attempts "
            "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
            "LEFT JOIN bookmarks b ON b.article_id = a.id WHERE a.id = ?",
            (aid,),
        )
        if not rows:
            raise NotFound(f"no article {aid}")
        r = rows[0]
        cats = [
            n for (n,) in self._read(
                "SELECT c.name FROM article_categories ac JOIN categories c ON c.id = ac.category_id "
                "WHERE ac.article_id = ? ORDER BY c.name COLLATE NOCASE", (aid,)
            )
        ]
        tags: dict[str, Tag] = {}
        for name, origin in self._read(
            "SELECT t.name, at.origin FROM article_tags at JOIN tags t ON t.id = at.tag_id "
            "WHERE at.article_id = ? ORDER BY t.name COLLATE NOCASE, at.origin", (aid,)
        ):
            # A tag both the source and the user gave counts as the user's: it survives refresh.
            if name.casefold() not in tags or origin == "user":
                tags[name.casefold()] = Tag(name, origin)
        return Article(
            id=r[0], source_id=r[1], source=r[2] or "", key=r[3], title=r[4], link=r[5],
            author=r[6], summary=r[7], content=r[8], content_type=r[9], published=r[10],
            date_estimated=bool(r[11]), updated=r[12], first_seen=r[13], read=bool(r[14]),
            enclosures=json.loads(r[15]) if r[15] else [], categories=cats,
            tags=list(tags.values()), bookmarked=r[16] is not None, bookmarked_at=r[16],
            note=r[17] or "", fulltext=r[18], fulltext_status=r[19] or "none",
            fulltext_error=r[20], fulltext_attempts=r[21] or 0,
        )

    def _require(self, c: sqlite3.Connection, aid: int) -> None:
        if not c.execute("SELECT 1 FROM articles WHERE id = ?", (aid,)).fetchone():
            raise NotFound(f"no article {aid}")

    # -------------------------------------------------------------- read state
    def set_read(self, ids: int | Iterable[int], read: bool = True) -> list[int]:
        """Mark articles read or unread; returns the ids whose state changed (for undo)."""
        id_list = [ids] if isinstance(ids, int) else list(ids)
        changed: list[int] = []
        with self.write() as c:
            if len(id_list) == 1:
                self._require(c, id_list[0])
            for i in range(0, len(id_list), 500):
                chunk = id_list[i : i + 500]
                marks = ",".join("?" * len(chunk))
                changed.extend(
                    r[0] for r in c.execute(
                        f"UPDATE articles SET read = ?, read_at = ? WHERE id IN ({marks}) "
                        f"AND read != ? RETURNING id",
                        (int(read), time.time() if read else None, *chunk, int(read)),
                    )
                )
        return changed

    def mark_all_read(self, query: str | Compiled | None = None) -> list[int]:
        """Mark everything matching ``query`` read; returns the ids that changed (for undo)."""
        q = self.compiled(query)
        with self.write() as c:
            return [
                r[0] for r in c.execute(
                    f"UPDATE articles AS a SET read = 1, read_at = ? WHERE a.read = 0 AND {q.where} "
                    "RETURNING id",
                    (time.time(), *q.params),
                )
            ]

    # -------------------------------------------------------------------- tags
    def tag(self, article_id: int, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Article:
        """Add user tags and remove tags (of either origin) from one article."""
        add_names, remove_names = clean_names(list(add)), clean_names(list(remove))
        with self.write() as c:
            self._require(c, article_id)
            for name in remove_names:
                c.execute(
                    "DELETE FROM article_tags WHERE article_id = ? AND tag_id IN "
                    "(SELECT id FROM tags WHERE fold = ?)",
                    (article_id, _fold(name)),
                )
            ids = self._name_ids(c, "tags", add_names)
            c.executemany(
                "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) VALUES (?, ?, 'user')",
                ((ids[_fold(n)], article_id) for n in add_names),
            )
            self._drop_unused(c)
        return self.article(article_id)

    def add_tag_to(self, ids: Sequence[int], name: str) -> int:
        """Give many articles one user tag. Returns how many gained it."""
        name = clean_line(name, 200)
        if not name or not ids:
            return 0
        with self.write() as c:
            tid = self._name_ids(c, "tags", [name])[_fold(name)]
            before = c.total_changes
            c.executemany(
                "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) VALUES (?, ?, 'user')",
                ((tid, i) for i in ids),
            )
            return c.total_changes - before

    def _drop_unused(self, c: sqlite3.Connection) -> None:
        c.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")

    def rename_tag(self, old: str, new: str) -> int:
        """Rename a tag everywhere (merging into ``new`` if it exists). Returns articles touched."""
        new_name = clean_line(new, 200)
        if not new_name:
            raise NewstuiError("a tag needs a non-empty name")
        with self.write() as c:
            row = c.execute("SELECT id FROM tags WHERE fold = ?", (_fold(old),)).fetchone()
            if not row:
                raise NotFound(f"no tag {old!r}")
            target = c.execute("SELECT id FROM tags WHERE fold = ?", (_fold(new_name),)).fetchone()
            if target is None or target[0] == row[0]:
                c.execute(
                    "UPDATE tags SET name = ?, fold = ? WHERE id = ?",
                    (new_name, _fold(new_name), row[0]),
                )
                return c.execute(
                    "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (row[0],)
                ).fetchone()[0]
            return self._merge(c, row[0], target[0])

    def merge_tags(self, sources: Iterable[str], into: str) -> int:
        """Merge tags into ``into`` (created if needed). Returns articles touched."""
        into_name = clean_line(into, 200)
        if not into_name:
            raise NewstuiError("a tag needs a non-empty name")
        total = 0
        with self.write() as c:
            target = self._name_ids(c, "tags", [into_name])[_fold(into_name)]
            for name in sources:
                row = c.execute("SELECT id FROM tags WHERE fold = ?", (_fold(name),)).fetchone()
                if not row:
                    raise NotFound(f"no tag {name!r}")
                if row[0] != target:
                    total += self._merge(c, row[0], target)
            self._drop_unused(c)
        return total

    def _merge(self, c: sqlite3.Connection, from_id: int, to_id: int) -> int:
        n = c.execute(
            "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (from_id,)
        ).fetchone()[0]
        c.execute(
            "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) "
            "SELECT ?, article_id, origin FROM article_tags WHERE tag_id = ?",
            (to_id, from_id),
        )
        c.execute("DELETE FROM article_tags WHERE tag_id = ?", (from_id,))
        c.execute("DELETE FROM tags WHERE id = ?", (from_id,))
        return n

    def delete_tag(self, name: str) -> int:
        """Remove a tag from every article. Returns articles touched."""
        with self.write() as c:
            row = c.execute("SELECT id FROM tags WHERE fold = ?", (_fold(name),)).fetchone()
            if not row:
                raise NotFound(f"no tag {name!r}")
            n = c.execute(
                "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (row[0],)
            ).fetchone()[0]
            c.execute("DELETE FROM tags WHERE id = ?", (row[0],))
        return n

    def tag_counts(self) -> list[tuple[str, int, int]]:
        """(name, total, unread) for every tag, by name."""
        return self._label_counts("tags", "article_tags", "tag_id")

    def category_counts(self) -> list[tuple[str, int, int]]:
        """(name, total, unread) for every category, by name."""
        return self._label_counts("categories", "article_categories", "category_id")

    def _label_counts(self, table: str, link: str, col: str) -> list[tuple[str, int, int]]:
        rows = self._read(
            f"SELECT n.name, COUNT(DISTINCT l.article_id), "
            f"COUNT(DISTINCT CASE WHEN a.read = 0 THEN a.id END) "
            f"FROM {table} n JOIN {link} l ON l.{col} = n.id JOIN articles a ON a.id = l.article_id "
            f"GROUP BY n.id ORDER BY n.name COLLATE NOCASE"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def tag_names(self) -> list[str]:
        return [r[0] for r in self._read("SELECT name FROM tags ORDER BY name COLLATE NOCASE")]

    # --------------------------------------------------------------- bookmarks
    def bookmark(
        self, article_id: int, note: str | None = None, *, created: float | None = None
    ) -> Article:
        """Bookmark an article (or update its note). The bookmark keeps a full copy.

        ``created`` restores an earlier bookmark time (import). A bookmark whose text is only
        a summary is queued ('pending') for the full-text fetch (newstui.bookmarks.fulltext).
        """
        with self.write() as c:
            self._require(c, article_id)
            c.execute(
                "INSERT INTO bookmarks (article_id, created, note) VALUES (?, ?, ?) "
                "ON CONFLICT (article_id) DO UPDATE SET note = COALESCE(?, note)",
                (article_id, time.time() if created is None else created,
                 clean(note or "", 10_000), None if note is None else clean(note, 10_000)),
            )
        art = self.article(article_id)
        self._snapshot(art)
        from newstui.bookmarks.fulltext import needs_fulltext

        if art.fulltext_status == "none" and needs_fulltext(art):
            self.set_fulltext(article_id, "pending")
            art.fulltext_status = "pending"
        return art

    def set_fulltext(
        self, article_id: int, status: str, *, text: str | None = None,
        error: str | None = None, attempted: bool = False,
    ) -> None:
        """Record the full-text state of a bookmark ('none', 'pending', 'ok', 'failed')."""
        if status not in ("none", "pending", "ok", "failed"):
            raise ValueError(f"unknown full-text status {status!r}")
        with self.write() as c:
            c.execute(
                "UPDATE bookmarks SET fulltext_status = ?, "
                "fulltext = CASE WHEN ? THEN ? ELSE fulltext END, fulltext_error = ?, "
                "fulltext_attempts = fulltext_attempts + ? WHERE article_id = ?",
                (status, text is not None, None if text is None else clean(text),
                 None if error is None else clean_line(error, 500), int(attempted), article_id),
            )

    def fulltext_queue(self, max_attempts: int) -> list[int]:
        """Bookmarks waiting for their full text (pending, or failed and still to retry)."""
        return [r[0] for r in self._read(
            "SELECT article_id FROM bookmarks WHERE fulltext_status = 'pending' OR "
            "(fulltext_status = 'failed' AND fulltext_attempts < ?) ORDER BY created",
            (max_attempts,),
        )]

    def article_id_for(self, source_id: int, item: ArticleIn) -> int | None:
        """The stored id of an article a source produced (by its guid or link), if any."""
        key = clean_line(item.guid, 2000) or safe_url(item.link)
        rows = self._read(
            "SELECT id FROM articles WHERE source_id = ? AND key = ?", (source_id, key)
        ) if key else []
        return rows[0][0] if rows else None

    def set_source_title(self, article_id: int, name: str) -> None:
        """Name the source an article first came from (an imported export), shown before the
        folder it was imported from."""
        with self.write() as c:
            c.execute(
                "UPDATE articles SET source_title = ? WHERE id = ?",
                (clean_line(name, 500), article_id),
            )

    def _snapshot(self, art: Article) -> None:
        snap = json.dumps(
            {
                "title": art.title, "link": art.link, "author": art.author, "source": art.source,
                "published": art.published, "summary": art.summary, "content": art.content,
                "content_type": art.content_type, "categories": art.categories,
                "tags": [[t.name, t.origin] for t in art.tags],
            },
            ensure_ascii=False,
        )
        with self.write() as c:
            c.execute("UPDATE bookmarks SET snapshot = ? WHERE article_id = ?", (snap, art.id))

    def unbookmark(self, article_id: int) -> None:
        with self.write() as c:
            self._require(c, article_id)
            c.execute("DELETE FROM bookmarks WHERE article_id = ?", (article_id,))

    # ------------------------------------------------------------------- stats
    def stats(self) -> dict[str, int]:
        total, unread = self._read("SELECT COUNT(*), COALESCE(SUM(read = 0), 0) FROM articles")[0]
        bookmarks = self._read("SELECT COUNT(*) FROM bookmarks")[0][0]
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
