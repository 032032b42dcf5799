"""Opening the library file safely, and its transactions."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from newstui.errors import Interrupted, LibraryError, NewstuiError
from newstui.store import schema

SQLITE_MAGIC = b"SQLite format 3\x00"
LEAN_CACHE = -2000  # KiB of page cache for a one-pass scan (``Connection.lean_cache``)
CLOSE_PATIENCE = 5.0  # seconds ``close_quickly`` waits for a reader to let go
# How much the search index gathers in memory before it writes it out as a segment of its
# own (FTS5's 'hashsize'): 1 MiB by default, a few hundred articles; in a bulk write
# (``Connection.bulk_write``) the whole transaction.
BULK_FTS_HASH = 64 * 1024 * 1024  # a bound on memory: past it, FTS5 writes a segment
FTS_HASH_DEFAULT = 1024 * 1024
_SET_FTS_HASH = "INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', ?)"
SORTS = ("date", "source", "title", "rank", "bookmarked")

# The name an article's source goes by: the one it was imported under, else the source's
# title, else its URL (``s`` is the sources table joined to articles ``a``).
SOURCE_NAME = "COALESCE(NULLIF(a.source_title, ''), NULLIF(s.title, ''), s.url)"
ROW_SELECT = (
    f"SELECT a.id, a.title, {SOURCE_NAME}, a.published, a.read, b.article_id IS NOT NULL "
    "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
    "LEFT JOIN bookmarks b ON b.article_id = a.id"
)
# The same rows' ids alone (a filter may still name the sources and bookmarks joined).
ID_SELECT = "SELECT a.id" + ROW_SELECT[ROW_SELECT.index(" FROM ") :]


def fold_name(name: str) -> str:
    return name.casefold()


class Connection:
    """An open library file: opening, transactions, reads. Safe to share between threads
    (calls are serialised)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.notice: str | None = None  # set when a bad file was moved aside
        self._lock = threading.RLock()
        self._depth = 0  # nesting of write() on the thread that holds the lock
        self._wrote = False  # a write transaction (or a migration) ran on this connection
        self._last: list[tuple[str, list[tuple[Any, ...]]]] | None = None  # see ``write_last``
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
            before = schema.version(conn)
            if schema.migrate(conn) != before:
                self._wrote = True
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
                # Only after writes: optimize re-ANALYZEs the whole articles table on every
                # call while one of its indexes has no statistics (an empty partial index
                # never gets any), 0.2 s at 100,000 articles, seconds at a million, which a
                # read-only command such as `list` should not pay.
                if self._wrote:
                    self.conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self.conn.close()

    def __enter__(self) -> Self:
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

    @contextmanager
    def bulk_write(self) -> Iterator[sqlite3.Connection]:
        """``write`` for many articles at once (an import's group of batches).

        The search index writes what it gathered as one segment at the commit, not one
        every few hundred articles (FTS5's 'hashsize'): every segment is merged into bigger
        ones later, and the more there are the more levels of merging each article goes
        through; the index's share of an import of 100,000 articles cost 15 times that of
        10,000. The setting goes back before the commit (it is kept in the library, and
        bounds what a normal write holds in memory). (A larger page cache was tried too:
        it made no difference.)"""
        with self.write() as c:
            if self._depth > 1:  # inside another transaction: its settings hold
                yield c
                return
            hashsize = c.execute("SELECT v FROM articles_fts_config WHERE k = 'hashsize'").fetchone()
            c.execute(_SET_FTS_HASH, (BULK_FTS_HASH,))
            self._last = []
            try:
                yield c
                self.run_last(c)
                # (On an error the rollback restores the stored setting.)
                restore = FTS_HASH_DEFAULT if hashsize is None else int(hashsize[0])
                c.execute(_SET_FTS_HASH, (restore,))
                if hashsize is None:  # leave the library as it was: the default unwritten
                    c.execute("DELETE FROM articles_fts_config WHERE k = 'hashsize'")
            finally:
                self._last = None

    def write_last(self, c: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """``c.executemany(sql, rows)``, kept for the end of the bulk write this runs in.

        For the search index's inserts: a statement that opens a savepoint (one with
        triggers, say) makes FTS5 write out what it gathered, so within a bulk write the
        index's rows go in last, all together. A bulk write must not read the index or
        take articles out of it before ``run_last``."""
        if self._last is None:
            c.executemany(sql, rows)
        else:
            self._last.append((sql, rows))

    def run_last(self, c: sqlite3.Connection) -> None:
        """Run what ``write_last`` kept (in order), now."""
        while self._last:
            sql, rows = self._last.pop(0)
            c.executemany(sql, rows)

    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise NewstuiError(f"the library is busy or unwritable: {exc}") from None
        self._wrote = True
        try:
            yield self.conn
        except sqlite3.Error as exc:
            # SQLite may already have rolled back (e.g. on a full disk): do not mask the cause.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if "full" in str(exc):
                raise NewstuiError("the disk is full; nothing was changed") from None
            raise library_error(exc) from exc
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

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise library_error(exc) from exc

    @contextmanager
    def lean_cache(self, c: sqlite3.Connection) -> Iterator[None]:
        """Run a pass over many pages (a full count, filling the kept counts) with a small
        page cache on ``c`` (this connection, lock held): each page is read once, and at a
        million articles the full cache would stay allocated (tens of MB) after it."""
        size = int(c.execute("PRAGMA cache_size").fetchone()[0])
        c.execute(f"PRAGMA cache_size = {LEAN_CACHE}")
        try:
            yield
        finally:
            c.execute(f"PRAGMA cache_size = {size}")

    def _read_lean(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """``_read`` with ``lean_cache``: for a query that passes over a whole index once."""
        with self._lock, self.lean_cache(self.conn):
            return self._read(sql, params)

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Queries run inside the block raise ``Interrupted`` once the block has taken
        ``seconds`` (for a read the UI thread may make only if it is quick)."""
        if seconds <= 0:
            raise Interrupted("no time to run the query")
        deadline = time.monotonic() + seconds

        def past_deadline() -> int:
            return 1 if time.monotonic() > deadline else 0

        with self._lock:
            self.conn.set_progress_handler(past_deadline, 2000)
            try:
                yield
            finally:
                self.conn.set_progress_handler(None, 0)

    def interrupt(self) -> None:
        """Cut short the query running on this connection (from any thread); it raises
        ``Interrupted``. Nothing happens when none is running."""
        self.conn.interrupt()

    def close_quickly(self, patience: float = CLOSE_PATIENCE) -> None:
        """Close without the close-time upkeep (for the extra readers a face opens), after
        interrupting whatever they still run. Never raises: this is the way out.

        The close waits for the thread using the connection to let go of it: closing under
        a statement another thread is stepping frees what that statement still uses (the
        reader crashed the process when it quit during the search index's warm-up). The
        interrupt is repeated while waiting, since a statement started after one is not
        cut short by it. A reader that keeps the connection past ``patience`` seconds is
        left open for the process's exit to close."""
        deadline = time.monotonic() + patience
        while True:
            self.conn.interrupt()
            if self._lock.acquire(timeout=0.05):
                break
            if time.monotonic() > deadline:
                return
        try:
            self.conn.close()
        except sqlite3.Error:
            pass
        finally:
            self._lock.release()


def library_error(exc: sqlite3.Error) -> LibraryError:
    """SQLite's error as the project's: ``Interrupted`` for an interrupted query."""
    message = " ".join(str(exc).split())
    if isinstance(exc, sqlite3.OperationalError) and "interrupt" in message:
        return Interrupted("the query was interrupted")
    return LibraryError(f"library error: {message}")
