"""The bundled demo library: sample articles written for newstui in every supported format."""

from __future__ import annotations

from pathlib import Path

ARTICLES = Path(__file__).parent / "articles"


def build_demo(library_path: Path) -> Path:
    """Import the bundled sample articles into a library at ``library_path``."""
    from newstui.sources.importer import import_paths
    from newstui.store.library import Library

    with Library(library_path) as lib:
        report = import_paths(lib, [ARTICLES])
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
    del report
    return library_path
