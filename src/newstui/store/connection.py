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

    def close_quickly(self) -> None:
        """Close without the close-time upkeep (for the extra readers a face opens), after
        interrupting whatever they still run. Never raises: this is the way out."""
        try:
            self.conn.interrupt()
            self.conn.close()
        except sqlite3.Error:
            pass


def library_error(exc: sqlite3.Error) -> LibraryError:
    """SQLite's error as the project's: ``Interrupted`` for an interrupted query."""
    message = " ".join(str(exc).split())
    if isinstance(exc, sqlite3.OperationalError) and "interrupt" in message:
        return Interrupted("the query was interrupted")
    return LibraryError(f"library error: {message}")
