"""The bundled demo library: sample articles written for newstui in every supported format."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

ARTICLES = Path(__file__).parent / "articles"
# Plain-text articles carry no date, so they take their file's time. A fresh install gives
# every file the same time; the demo spreads them over a plausible year instead, the same
# way on every machine (from each file's name), so pictures and snapshots are stable.
_SPREAD_FROM = datetime(2025, 3, 1, 7, 0, tzinfo=UTC).timestamp()
_SPREAD_DAYS = 420


def demo_date(relative: str) -> float:
    digest = int(hashlib.sha1(relative.encode()).hexdigest()[:8], 16)
    return _SPREAD_FROM + (digest % (_SPREAD_DAYS * 24)) * 3600


def build_demo(library_path: Path, articles: Path = ARTICLES) -> Path:
    """Import a copy of the bundled sample articles into a library at ``library_path``."""
    from newstui.sources.importer import import_paths
    from newstui.store.library import Library

    copy = library_path.parent / "demo-articles"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(articles, copy)
    for path in sorted(copy.rglob("*")):
        if path.is_file():
            stamp = demo_date(path.relative_to(copy).as_posix())
            os.utime(path, (stamp, stamp))
    with Library(library_path) as lib:
        import_paths(lib, [copy])
        # A few articles start read and bookmarked, so every view has something to show.
        rows = lib.list_articles(limit=None)
        for row in rows[3::4]:
            lib.set_read(row.id, True)
        for row in rows[1:30:7]:
            lib.bookmark(row.id, note="Demo bookmark")
        if rows:
            lib.tag(rows[0].id, add=["later"])
        lib.save_search("Unread payments", "category:Payment is:unread")
        lib.save_search("Open source", 'category:"Open Source" OR tag:linux')
    return library_path
