"""``newstui doctor``: check a library's integrity and search index, repair what can be.

Repairs are the safe ones only: a search index that is damaged or out of step with the
articles is rebuilt from the articles (it holds nothing else), and damaged b-tree indexes
are rebuilt with REINDEX. Damage to the tables themselves cannot be repaired here; the
report says so and the library is left as it is, so nothing is lost by running doctor.

``newstui compact`` (``compact``) rewrites the file without its unused space: SQLite
never gives space back to the disk by itself, and rows that shrank (texts compressed by
the migration of ``store/schema.py``) leave half-empty pages behind.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from newstui.errors import LibraryError, NewstuiError
from newstui.plaintext import index_texts
from newstui.store.articles import FTS_INSERT
from newstui.store.library import Library
from newstui.store.packing import unpack

_MAX_PROBLEMS = 20  # integrity_check can list thousands of lines; a summary is enough


@dataclass
class Compacted:
    """The library's size on disk (the file and its write-ahead log) before and after."""

    before: int
    after: int


def library_bytes(lib: Library) -> int:
    """Bytes the library takes on disk: its file and its write-ahead log."""
    return sum(p.stat().st_size for p in (lib.path, lib.path.with_name(lib.path.name + "-wal")) if p.exists())


def compact(lib: Library) -> Compacted:
    """Rewrite the library without unused space (VACUUM), then empty its write-ahead log.

    It needs free disk space of about twice the library's size while it runs (SQLite
    builds the copy in a temporary file, then writes it back through the log) and waits
    for other writers; readers may go on. Raises ``NewstuiError`` when it cannot finish;
    the library is then unchanged."""
    before = library_bytes(lib)
    with lib._lock:
        c = lib.conn
        store = int(c.execute("PRAGMA temp_store").fetchone()[0])
        try:
            # The copy would otherwise be built in memory (the connection keeps its
            # temporary tables there): gigabytes for a big library.
            c.execute("PRAGMA temp_store = FILE")
            c.execute("VACUUM")
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            message = " ".join(str(exc).split())
            if "full" in message:
                raise NewstuiError(
                    "not enough free disk space to compact the library; nothing was changed"
                ) from None
            raise NewstuiError(f"cannot compact the library: {message}") from None
        finally:
            c.execute(f"PRAGMA temp_store = {store}")
    return Compacted(before, library_bytes(lib))


@dataclass
class DoctorReport:
    integrity: list[str] = field(default_factory=list)  # problems left after repair
    repaired_integrity: list[str] = field(default_factory=list)  # problems REINDEX fixed
    index_problems: list[str] = field(default_factory=list)  # what was wrong with the FTS index
    index_rebuilt: bool = False
    indexed: int = 0  # articles in the search index after the run
    counts: dict[str, int] = field(default_factory=dict)
    repair: bool = True  # whether repairs were allowed
    size: int = 0  # bytes of the library file
    unused: int | None = None  # bytes of it that hold nothing (None: not measured)

    @property
    def damaged(self) -> bool:
        """True when damage remains that doctor could not (or was not allowed to) repair."""
        return bool(self.integrity) or (bool(self.index_problems) and not self.index_rebuilt)

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.integrity:
            out.append("integrity: DAMAGED" + (", not repairable here" if self.repair else ""))
            out += [f"  {p}" for p in self.integrity]
        elif self.repaired_integrity:
            out.append(f"integrity: repaired ({len(self.repaired_integrity)} index problems fixed)")
        else:
            out.append("integrity: ok")
        if self.index_rebuilt:
            out.append(f"search index: rebuilt ({'; '.join(self.index_problems)})")
        elif self.index_problems:
            out.append(f"search index: DAMAGED ({'; '.join(self.index_problems)})")
        else:
            out.append("search index: ok")
        if self.unused is not None and self.size:
            line = f"space: {megabytes(self.unused)} of {megabytes(self.size)} unused"
            if self.unused * WORTH_COMPACTING > self.size:
                line += "; `newstui compact` gives it back"
            out.append(line)
        if self.counts:
            c = self.counts
            out.append(
                f"{c.get('articles', 0)} articles ({c.get('unread', 0)} unread, "
                f"{self.indexed} indexed), {c.get('sources', 0)} sources, "
                f"{c.get('bookmarks', 0)} bookmarks, {c.get('tags', 0)} tags"
            )
        return out


WORTH_COMPACTING = 5  # compacting is suggested when more than 1/5 of the file is unused


def megabytes(n: int) -> str:
    """A size in bytes as the reports print it ("12.3 MB")."""
    return f"{n / 1_000_000:,.1f} MB"


def unused_bytes(conn: sqlite3.Connection) -> int | None:
    """Bytes of the library file that hold nothing: free pages and the unused room in
    pages in use (rows that shrank or went leave it behind). Reads every page, as the
    integrity check does; None when this SQLite has no ``dbstat`` table."""
    try:
        row = conn.execute("SELECT SUM(unused) FROM dbstat('main', 1)").fetchone()
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.Error:
        return None
    return int(row[0] or 0) + int(free) * int(page)


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """What ``PRAGMA integrity_check`` finds (empty when the file is sound)."""
    try:
        rows = conn.execute(f"PRAGMA integrity_check({_MAX_PROBLEMS})").fetchall()
    except (sqlite3.DatabaseError, LibraryError) as exc:
        return [" ".join(str(exc).split())]
    problems = [str(r[0]) for r in rows]
    return [] if problems == ["ok"] else problems


def search_index_problems(lib: Library) -> list[str]:
    """What is wrong with the FTS index: internal damage, or rows out of step with articles."""
    problems: list[str] = []
    try:
        with lib.write() as c:
            c.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    except (sqlite3.DatabaseError, LibraryError) as exc:
        problems.append(f"index damaged: {' '.join(str(exc).split())}")
    # The index is contentless: the rows it holds are those of its docsize table.
    try:
        missing = lib._read(
            "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM articles_fts_docsize d WHERE d.id = a.id)"
        )[0][0]
        stray = lib._read(
            "SELECT COUNT(*) FROM articles_fts_docsize d WHERE NOT EXISTS "
            "(SELECT 1 FROM articles a WHERE a.id = d.id)"
        )[0][0]
        # Every article has a title, so an entry with no words at all lost its text.
        empty = lib._read("SELECT COUNT(*) FROM articles_fts_docsize WHERE NOT (hex(sz) GLOB '*[1-9A-F]*')")[
            0
        ][0]
    except (sqlite3.DatabaseError, LibraryError) as exc:
        problems.append(f"index unreadable: {' '.join(str(exc).split())}")
        return problems
    if empty:
        problems.append(f"{empty} index entries without text")
    if missing:
        problems.append(f"{missing} articles missing from the index")
    if stray:
        problems.append(f"{stray} index entries for deleted articles")
    return problems


def rebuild_search_index(lib: Library) -> int:
    """Rebuild the FTS index from the articles, in one transaction. Returns rows indexed."""
    with lib.write() as c:
        # Dropping and recreating the table empties even an index too damaged to read.
        sql = c.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'articles_fts'"
        ).fetchone()[0]
        c.execute("DROP TABLE articles_fts")
        c.execute(sql)
        rows = c.execute("SELECT id, title, author, summary, content, content_type FROM articles")
        n = 0
        batch: list[tuple[Any, ...]] = []
        for aid, title, author, summary, content, ctype in rows:
            batch.append((aid, title, author, *index_texts(unpack(summary), unpack(content), ctype)))
            if len(batch) >= 500:
                n += _insert(c, batch)
        n += _insert(c, batch)
    return n


def _insert(c: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> int:
    c.executemany(FTS_INSERT, batch)
    n = len(batch)
    batch.clear()
    return n


def diagnose(lib: Library, *, repair: bool = True) -> DoctorReport:
    """Check ``lib``; with ``repair``, rebuild damaged indexes. Never deletes user data."""
    report = DoctorReport(repair=repair)
    problems = integrity_problems(lib.conn)
    if problems and repair:
        try:
            with lib.write() as c:
                c.execute("REINDEX")
        except (sqlite3.DatabaseError, NewstuiError):
            pass  # the problems found below are the report
        left = integrity_problems(lib.conn)
        if not left:
            report.repaired_integrity = problems
        problems = left
    report.integrity = problems
    report.index_problems = search_index_problems(lib)
    if report.index_problems and repair and not report.integrity:  # never write into damage
        try:
            rebuild_search_index(lib)
            report.index_rebuilt = True
        except (sqlite3.DatabaseError, NewstuiError) as exc:
            report.index_problems.append(f"cannot rebuild: {' '.join(str(exc).split())}")
            return _count(lib, report)
        still = search_index_problems(lib)
        if still:
            report.index_rebuilt = False
            report.index_problems = still
    if not report.integrity:
        report.size = lib.path.stat().st_size
        report.unused = unused_bytes(lib.conn)
    return _count(lib, report)


def _count(lib: Library, report: DoctorReport) -> DoctorReport:
    try:
        report.counts = lib.stats()
        report.counts["tags"] = lib._read("SELECT COUNT(*) FROM tags")[0][0]
        report.indexed = lib._read("SELECT COUNT(*) FROM articles_fts_docsize")[0][0]
    except (sqlite3.DatabaseError, LibraryError) as exc:
        report.integrity.append(f"cannot count: {' '.join(str(exc).split())}")
    return report
