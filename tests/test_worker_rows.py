"""The parser processes of a refresh prepare the store's rows (``parse_rows_job``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from newstui.sources.feedparse import parse_feed, parse_rows_job
from newstui.store.articles import prepare_row

FIXTURES = Path(__file__).parent / "fixtures"


def test_loading_the_parser_module_loads_the_row_preparation() -> None:
    """A forkserver preloads ``newstui.sources.feedparse`` and forks the workers from it:
    the row preparation must come with it, or every worker imports the store at its
    first feed."""
    code = "import sys, newstui.sources.feedparse; print('newstui.store.articles' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_rows_from_the_worker_job_are_the_prepared_entries() -> None:
    feeds = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".rss", ".atom", ".xml"))[:8]
    assert feeds
    compared = 0
    for path in feeds:
        body = path.read_bytes()
        job = parse_rows_job(body, "https://example.org/feed")
        if isinstance(job, str):
            continue
        assert job.rows is not None and job.entries == []
        entries = parse_feed(body, "https://example.org/feed").entries
        assert len(job.rows) == len(entries)
        for row, entry in zip(job.rows, entries, strict=True):
            again = prepare_row(
                entry, "https://example.org/feed", row.published if entry.published is None else 0.0
            )
            # Everything but the moment an undated entry was stamped with.
            assert row._replace(published=0.0) == again._replace(published=0.0)
            compared += 1
    assert compared
