"""What a read-only command costs beyond its query: the modules it imports at start and
the upkeep it does at close (``newstui list`` on a large library was mostly both)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from newstui.models import ArticleIn
from newstui.store.library import Library


def _library(path: Path) -> None:
    lib = Library(path)
    src, _ = lib.add_source("https://e.example/feed")
    ids = lib.upsert_articles(
        src.id,
        [ArticleIn(f"Story {i}", guid=f"g{i}", published=1.7e9 + i, tags=["x"]) for i in range(30)],
    ).new_ids
    lib.set_read(ids[:10])
    lib.close()


def test_list_imports_no_network_or_event_loop(tmp_path: Path) -> None:
    """`list` (through the CLI's own main) starts without httpx or asyncio: they cost more
    than the listing on a loaded host, and only fetching and sync need them."""
    _library(tmp_path / "library.db")
    probe = (
        "import sys\n"
        "from newstui.cli import main\n"
        f"rc = main(['--data-dir', {str(tmp_path)!r}, 'list', 'tag:x is:unread', '--format', 'json'])\n"
        "sys.stdout.flush()\n"
        "print('LOADED', sorted(m for m in ('httpx', 'asyncio', 'feedparser') if m in sys.modules))\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert len(rows) == 20 and all(not row["read"] for row in rows)
    assert r.stdout.splitlines()[-1] == "LOADED []"


def test_read_only_use_leaves_the_library_unwritten(tmp_path: Path) -> None:
    """Closing a connection that only read writes nothing (no close-time ANALYZE), while
    one that wrote still does its upkeep."""
    path = tmp_path / "library.db"
    _library(path)
    watcher = sqlite3.connect(path)
    version = watcher.execute("PRAGMA data_version").fetchone()[0]
    lib = Library(path)
    assert len(lib.list_articles("tag:x is:unread")) == 20
    assert lib.records("tag:x", limit=5)
    lib.close()
    assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
    lib = Library(path)
    lib.set_read(lib.list_articles("is:unread", limit=1)[0].id)
    lib.close()
    assert watcher.execute("PRAGMA data_version").fetchone()[0] != version
    watcher.close()
