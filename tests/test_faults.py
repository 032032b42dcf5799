"""Faults: a damaged or foreign library file, a read-only data dir, a full disk, two
writers at once, `newstui doctor`, and a refresh of 100 loopback feeds a third of which
fail in every way. Each fault ends in a clear one-line message and loses nothing."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
from pathlib import Path

import pytest

from conftest import LOCAL, newstui_command
from newstui.models import ArticleIn
from newstui.store.articles import unindex
from newstui.store.library import SQLITE_MAGIC, Library

DEMO = Path(__file__).parent.parent / "src" / "newstui" / "demo" / "articles"


def run(
    data: Path, *args: str, timeout: float = 300, prefix: list[str] | None = None, preexec=None
) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    proc = subprocess.run(
        [*(prefix or []), *newstui_command(), "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "expected an error message"
    assert all(line.startswith("newstui: ") for line in lines), stderr
    return lines[-1]


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def moved_files(data: Path) -> list[Path]:
    return [p for p in data.glob("library.db.bad-*") if not p.name.endswith(("-wal", "-shm"))]


def make_library(data: Path) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    proc = run(data, "import", str(DEMO / "en"), str(DEMO / "de"))
    assert proc.returncode == 0, proc.stderr
    return data / "library.db"


# ------------------------------------------------------------- bad library file
@pytest.mark.parametrize(
    "content",
    [
        b"this is my shopping list, not a database\n" * 100,
        b"\x00" * 4096 + b"garbage",
        b"PK\x03\x04 a zip file" + os.urandom(2000),
    ],
    ids=["text", "zeros", "zip"],
)
def test_a_file_that_is_not_sqlite_is_moved_aside(data_dir: Path, content: bytes) -> None:
    db = data_dir / "library.db"
    db.write_bytes(content)
    proc = run(data_dir, "list")
    assert proc.returncode == 0, proc.stderr
    msg = one_line(proc.stderr)
    assert "not a newstui library" in msg and "moved it to library.db.bad-" in msg
    [moved] = moved_files(data_dir)
    assert moved.read_bytes() == content  # nothing overwritten: the original bytes are kept
    assert moved.name[len("library.db.bad-") :][:8].isdigit()  # a timestamp, YYYYmmdd-HHMMSS
    assert db.read_bytes()[:16] == SQLITE_MAGIC and integrity(db) == "ok"  # a fresh library
    again = run(data_dir, "list")  # and it stays: no second move
    assert again.returncode == 0 and again.stderr == ""
    assert len(moved_files(data_dir)) == 1


def test_a_damaged_sqlite_library_is_moved_aside(data_dir: Path) -> None:
    db = make_library(data_dir)
    raw = bytearray(db.read_bytes())
    raw[100:4096] = os.urandom(4096 - 100)  # page 1: the schema is gone, the header stays
    db.write_bytes(bytes(raw))
    proc = run(data_dir, "list")
    assert proc.returncode == 0, proc.stderr
    msg = one_line(proc.stderr)
    assert "is damaged" in msg and "moved it to library.db.bad-" in msg
    [moved] = moved_files(data_dir)
    assert moved.read_bytes() == bytes(raw)
    assert integrity(db) == "ok" and proc.stdout == ""


def test_two_bad_files_in_one_second_do_not_overwrite_each_other(data_dir: Path) -> None:
    db = data_dir / "library.db"
    for content in (b"first bad file " * 50, b"second bad file " * 50):
        for f in data_dir.glob("library.db*"):
            if ".bad-" not in f.name:
                f.unlink()
        db.write_bytes(content)
        Library(db).close()
    kept = sorted(p.read_bytes()[:6] for p in moved_files(data_dir))
    assert kept == [b"first ", b"second"]


# ---------------------------------------------------------- read-only, disk full
def _without_root_powers() -> list[str]:
    """Root ignores file modes; drop the capabilities that let it (setpriv, util-linux)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a directory read-only")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


@pytest.fixture
def read_only_data(tmp_path: Path):  # noqa: ANN201
    data = tmp_path / "ro"
    db = make_library(data)
    before = db.read_bytes()
    db.chmod(0o444)
    data.chmod(0o555)
    yield data, before
    data.chmod(0o755)
    db.chmod(0o644)


@pytest.mark.parametrize(
    "args",
    [
        ("tag", "1", "+later"),
        ("read", "1"),
        ("import", str(LOCAL / "basic_de.txt")),
        ("list",),
    ],
)
def test_read_only_data_dir_gives_one_clear_line(
    read_only_data: tuple[Path, bytes], args: tuple[str, ...]
) -> None:
    data, before = read_only_data
    proc = run(data, *args, prefix=_without_root_powers())
    assert proc.returncode != 0
    msg = one_line(proc.stderr)
    assert "library" in msg and ("read" in msg or "write" in msg), msg
    assert (data / "library.db").read_bytes() == before  # nothing lost or changed


def test_a_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        proc = run(parent / "data", "list", prefix=_without_root_powers())
    finally:
        parent.chmod(0o755)
    assert proc.returncode != 0
    assert "cannot create data folder" in one_line(proc.stderr)


def _full_disk(limit: int):  # noqa: ANN202
    def preexec() -> None:
        # A file-size limit makes every write past ``limit`` bytes fail the way a full disk
        # does (EFBIG); SIGXFSZ is ignored so the write returns an error instead of killing us.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_a_full_disk_gives_a_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "full"
    db = make_library(data)
    with Library(db) as lib:
        before = lib.stats()
        lib.bookmark(1, note="keep me")
    big = tmp_path / "big"
    big.mkdir()
    for i in range(300):
        (big / f"a{i}.txt").write_text(f"Article {i}\n\n" + ("lorem ipsum dolor " * 400) + "\n")
    proc = run(data, "import", str(big), preexec=_full_disk(db.stat().st_size + 64 * 1024))
    assert proc.returncode != 0
    msg = one_line(proc.stderr)
    assert "full" in msg or "cannot save" in msg or "cannot write" in msg, msg
    assert integrity(db) == "ok"
    with Library(db) as lib:
        after = lib.stats()
        assert after["bookmarks"] == before["bookmarks"] + 1
        assert lib.article(1).note == "keep me"
        # A batch lands whole or not at all: the library holds the old articles plus whole
        # batches of the new ones, never a partial article.
        assert after["articles"] >= before["articles"]
        assert lib._read("SELECT COUNT(*) FROM articles_fts")[0][0] == after["articles"]


# ------------------------------------------------------------------ two writers
def test_two_writers_never_see_database_is_locked(tmp_path: Path) -> None:
    data = tmp_path / "two"
    make_library(data)
    big = tmp_path / "big"
    big.mkdir()
    for i in range(3000):
        (big / f"a{i}.txt").write_text(f"Concurrent {i}\n\nBody {i} " + "text " * 200 + "\n")
    importer = subprocess.Popen(
        [*newstui_command(), "--data-dir", str(data), "import", "-q", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    results = []
    i = overlapped = 0
    while importer.poll() is None or i < 6:
        overlapped += importer.poll() is None
        args = [("tag", "1", f"+w{i}"), ("read", "2"), ("unread", "2"), ("bookmark", "3", "--note", f"n{i}")][
            i % 4
        ]
        results.append(run(data, *args))
        i += 1
    out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert overlapped >= 2, "the writers never overlapped: the test would prove nothing"
    assert "Traceback" not in err and "locked" not in err
    for proc in results:
        assert proc.returncode == 0, proc.stderr
        assert "locked" not in proc.stderr and "busy" not in proc.stderr
    with Library(data / "library.db") as lib:
        assert lib.count("Concurrent") == 3000
        tags = set(lib.article(1).tag_names)
        assert {f"w{j}" for j in range(0, i, 4)} <= tags  # every write of the second process
        assert lib.article(3).bookmarked


def test_two_writers_during_refresh(tmp_path: Path) -> None:
    from feedserver import FeedServer

    data = tmp_path / "two"
    make_library(data)
    with FeedServer() as server:
        with Library(data / "library.db") as lib:
            for f in range(20):
                items = "".join(
                    f"<item><title>F{f} item {i}</title><guid>f{f}-{i}</guid>"
                    f"<description>{'words ' * 300}</description></item>"
                    for i in range(300)
                )
                body = f'<rss version="2.0"><channel><title>F{f}</title>{items}</channel></rss>'
                lib.add_source(server.feed(f"/f{f}", body.encode()))
        refresher = subprocess.Popen(
            [*newstui_command(), "--data-dir", str(data), "refresh", "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        results = []
        i = overlapped = 0
        while refresher.poll() is None or i < 4:
            overlapped += refresher.poll() is None
            results.append(run(data, "tag", "1", f"+r{i}"))
            i += 1
        out, err = refresher.communicate(timeout=300)
    assert refresher.returncode == 0, err
    assert overlapped >= 2, "the writers never overlapped: the test would prove nothing"
    assert "locked" not in err and "Traceback" not in err
    for proc in results:
        assert proc.returncode == 0 and "locked" not in proc.stderr, proc.stderr
    with Library(data / "library.db") as lib:
        assert lib.count("source:F0") == 300
        assert {f"r{j}" for j in range(i)} <= set(lib.article(1).tag_names)


# ----------------------------------------------------------------------- doctor
def test_doctor_reports_counts_on_a_healthy_library(data_dir: Path) -> None:
    make_library(data_dir)
    proc = run(data_dir, "doctor")
    assert proc.returncode == 0, proc.stderr
    assert "integrity: ok" in proc.stdout and "search index: ok" in proc.stdout
    with Library(data_dir / "library.db") as lib:
        n = lib.stats()["articles"]
    assert n > 0 and f"{n} articles" in proc.stdout and f"{n} indexed" in proc.stdout


def test_doctor_rebuilds_a_search_index_out_of_step(data_dir: Path) -> None:
    db = make_library(data_dir)
    with Library(db) as lib:
        n = lib.stats()["articles"]
        word_hits = lib.count("Wero")
        assert word_hits > 0
        with lib.write() as c:
            unindex(lib, c, [r[0] for r in c.execute("SELECT id FROM articles LIMIT 5")])
            c.execute("INSERT INTO articles_fts (rowid, title) VALUES (999999, 'ghost')")
    check = run(data_dir, "doctor", "--check-only")
    assert check.returncode != 0
    assert "5 articles missing from the index" in check.stdout
    assert "1 index entries for deleted articles" in check.stdout
    assert "run `newstui doctor`" in one_line(check.stderr)
    fix = run(data_dir, "doctor")
    assert fix.returncode == 0, fix.stderr
    assert "search index: rebuilt" in fix.stdout and f"{n} indexed" in fix.stdout
    with Library(db) as lib:
        assert lib.count("Wero") == word_hits and lib.count("ghost") == 0
    assert "search index: ok" in run(data_dir, "doctor").stdout


def test_doctor_rebuilds_a_damaged_search_index(data_dir: Path) -> None:
    db = make_library(data_dir)
    with Library(db) as lib:
        hits = lib.count("Wero")
        with lib.write() as c:
            c.execute("DELETE FROM articles_fts_data WHERE id > 10")  # the index's own pages
    broken = run(data_dir, "list", "Wero")
    assert broken.returncode != 0 and "malformed" in one_line(broken.stderr)
    fix = run(data_dir, "doctor")
    assert fix.returncode == 0, fix.stderr
    assert "search index: rebuilt" in fix.stdout
    with Library(db) as lib:
        assert lib.count("Wero") == hits


def _scribble_on(db: Path, name: str) -> None:
    """Overwrite part of the b-tree root page of table or index ``name``."""
    conn = sqlite3.connect(db)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with db.open("r+b") as f:
        f.seek((root - 1) * page_size + 8)
        f.write(b"\xff" * 16)


def _index_out_of_step(db: Path, name: str, wrong_columns: str) -> None:
    """Leave index ``name`` built on other columns than it declares, as a damaged index is."""

    def set_sql(sql: str) -> None:
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql, name))
        conn.commit()
        conn.close()

    conn = sqlite3.connect(db)
    (right,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    conn.close()
    set_sql(f"CREATE INDEX {name} ON {wrong_columns}")
    conn = sqlite3.connect(db)
    conn.execute(f"REINDEX {name}")
    conn.commit()
    conn.close()
    set_sql(right)


def test_doctor_repairs_a_damaged_index(data_dir: Path) -> None:
    db = make_library(data_dir)
    _index_out_of_step(db, "articles_published", "articles(title DESC)")
    assert integrity(db) != "ok"
    check = run(data_dir, "doctor", "--check-only")
    assert check.returncode != 0 and "integrity: DAMAGED" in check.stdout
    proc = run(data_dir, "doctor")
    assert proc.returncode == 0, proc.stderr
    assert "integrity: repaired" in proc.stdout
    assert integrity(db) == "ok"


def test_doctor_fails_on_damage_beyond_repair_and_keeps_the_file(data_dir: Path) -> None:
    db = make_library(data_dir)
    _scribble_on(db, "articles")
    before = db.read_bytes()
    proc = run(data_dir, "doctor")
    assert proc.returncode != 0
    assert "integrity: DAMAGED" in proc.stdout
    assert "damaged beyond repair" in one_line(proc.stderr)
    assert db.read_bytes()[:4096] == before[:4096] and db.exists()  # left for recovery


# ------------------------------------------------------------ 100 loopback feeds
def _reset(h) -> None:  # noqa: ANN001
    """Close with RST instead of an answer."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def _hang(h) -> None:  # noqa: ANN001
    h.server.owner.stopping.wait(120)


def _headers_then_hang(h) -> None:  # noqa: ANN001
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    h.wfile.write(b"<rss><channel><title>half")
    h.wfile.flush()
    h.server.owner.stopping.wait(120)


def _good(n: int) -> bytes:
    items = "".join(
        f"<item><title>GOOD{n} item {i}</title><guid>g{n}-{i}</guid>"
        f"<description>text {i}</description></item>"
        for i in range(5)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>GOOD{n}</title>{items}'
        f"</channel></rss>".encode()
    )


@pytest.mark.slow
def test_refresh_of_100_feeds_where_a_third_fail_in_every_way(tmp_path: Path) -> None:
    from feedserver import FeedServer

    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text(
        "[feeds]\nfeed_deadline = 8\nconnect_timeout = 3\nread_timeout = 3\n"
        f"max_body_bytes = {2 * 1024 * 1024}\n"
    )
    limit = 2 * 1024 * 1024 * 1024  # memory: a gzip bomb or oversized body must not matter

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with FeedServer() as server:
        bad: dict[str, str] = {}
        kinds = [
            ("reset", lambda p: server.route(p, _reset)),
            ("timeout", lambda p: server.route(p, _hang)),
            ("stall", lambda p: server.route(p, _headers_then_hang)),
            ("trickle", lambda p: server.trickle(p, interval=1.0, size=100_000)),
            ("404", lambda p: server.status(p, 404)),
            ("410", lambda p: server.status(p, 410)),
            ("403", lambda p: server.status(p, 403)),
            ("500", lambda p: server.status(p, 500)),
            ("503", lambda p: server.status(p, 503)),
            ("loop", lambda p: server.redirect(p, 302, p)),
            ("pingpong", lambda p: server.redirect(p, 301, p + "-b") and server.redirect(p + "-b", 301, p)),
            ("to-file", lambda p: server.redirect(p, 302, "file:///etc/passwd")),
            ("garbage", lambda p: server.feed(p, os.urandom(5000), content_type="text/html")),
            (
                "html",
                lambda p: server.feed(p, b"<html><body>no feed here</body></html>", content_type="text/html"),
            ),
            ("oversized", lambda p: server.oversized(p, 20 * 1024 * 1024)),
            ("oversized-chunked", lambda p: server.oversized(p, 20 * 1024 * 1024, chunked=True)),
            ("gzip-bomb", lambda p: server.gzip_bomb(p, 1024 * 1024 * 1024)),
        ]
        for n in range(34):
            kind, make = kinds[n % len(kinds)]
            path = f"/bad-{kind}-{n}"
            make(path)
            bad[server.url(path)] = kind
        good = {server.feed(f"/good-{n}", _good(n)): n for n in range(66)}
        with Library(data / "library.db") as lib:
            for url in [*good, *bad]:
                lib.add_source(url)
            lib.upsert_articles(lib.source(next(iter(good))).id, [ArticleIn(title="KEEP ME", guid="keep")])
            keep = lib.list_articles("KEEP")[0].id
            lib.bookmark(keep, note="precious")
            lib.tag(keep, add=["mine"])
            lib.set_read(keep)
        proc = run(data, "refresh", "-q", timeout=240, preexec=cap_memory)
    assert proc.returncode == 3, (proc.returncode, proc.stderr)  # some failed, the rest saved
    with Library(data / "library.db") as lib:
        sources = {s.url: s for s in lib.sources()}
        for url, n in good.items():
            s = sources[url]
            assert s.last_error is None and s.failures == 0, (url, s.last_error)
            assert lib.count(f'"GOOD{n} item"') == 5, url
        for url, kind in bad.items():
            s = sources[url]
            assert s.last_error, f"{kind} feed has no recorded error"
            assert s.total == 0, f"{kind} feed saved articles"
            assert "root:" not in s.last_error
        art = lib.article(keep)
        assert art.bookmarked and art.note == "precious" and "mine" in art.tag_names and art.read
    summary = json.dumps([s.last_error for s in sources.values()])
    assert "Traceback" not in summary
