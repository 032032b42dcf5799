"""The store hides SQLite: its errors come out as the project's, and a running query can
be interrupted through the library, not through its connection."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from newstui.errors import Interrupted, LibraryError, NewstuiError
from newstui.store.library import Library

ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"


def test_a_failed_read_or_write_is_a_library_error(lib: Library) -> None:
    with pytest.raises(LibraryError) as info:
        lib._read("SELECT * FROM no_such_table")
    assert isinstance(info.value, NewstuiError) and "no such table" in str(info.value)
    with pytest.raises(LibraryError), lib.write() as c:
        c.execute("INSERT INTO no_such_table VALUES (1)")
    assert not lib.conn.in_transaction  # rolled back


def running(lib: Library) -> threading.Event:
    """An event set once a query on ``lib``'s connection is under way (SQLite's progress
    handler, called every 10,000 steps)."""
    started = threading.Event()

    def progress() -> int:
        started.set()
        return 0

    lib.conn.set_progress_handler(progress, 10_000)
    return started


def test_interrupt_stops_a_running_query(lib: Library) -> None:
    started = running(lib)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            lib._read(ENDLESS)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(30)
    lib.interrupt()
    worker.join(30)
    lib.conn.set_progress_handler(None, 0)
    assert len(outcome) == 1 and isinstance(outcome[0], Interrupted)
    assert lib.stats()["articles"] == 0  # the library goes on working


def test_a_time_limit_stops_a_long_query_and_only_inside_its_block(lib: Library) -> None:
    with pytest.raises(Interrupted), lib.time_limit(0.05):
        lib._read(ENDLESS)  # endless: only the limit can end it
    with lib.time_limit(5):
        assert lib._read("SELECT 1")[0][0] == 1  # a quick query is untouched
    bounded = ENDLESS.replace("FROM n)", "FROM n WHERE i < 2000000)")
    assert lib._read(bounded)[0][0] == 2_000_000  # no limit left behind after the blocks


def test_closing_quickly_waits_for_the_reader_to_let_go(tmp_path: Path) -> None:
    """A face quits while a worker thread reads on the same connection: the query is
    interrupted, and the connection is closed only once the reader has let go of it.
    Closing under a running statement freed what it still used (a crash, seen when the
    reader quit during the search index's warm-up)."""
    lib = Library(tmp_path / "library.db")
    started = running(lib)
    closer_done = threading.Event()
    outcome: list[object] = []

    def reader() -> None:
        with lib._lock:  # one reader's turn, as a count of several statements takes it
            try:
                lib._read(ENDLESS)
            except Interrupted as exc:
                outcome.append(exc)
            # Give a close that does not wait for this turn the time to happen: only a close
            # that does wait lets the turn's next statement run on an open connection.
            closer_done.wait(0.5)
            try:
                outcome.append(lib._read("SELECT 1"))
            except NewstuiError as exc:
                outcome.append(exc)

    def closer() -> None:
        lib.close_quickly()
        closer_done.set()

    worker = threading.Thread(target=reader)
    worker.start()
    assert started.wait(30)
    closing = threading.Thread(target=closer)
    closing.start()
    worker.join(30)
    closing.join(30)
    assert not worker.is_alive() and not closing.is_alive()
    assert isinstance(outcome[0], Interrupted)
    assert outcome[1] == [(1,)]  # the reader's turn ran to its end on an open connection
    with pytest.raises(LibraryError, match="closed"):
        lib._read("SELECT 1")  # and then the connection was closed
