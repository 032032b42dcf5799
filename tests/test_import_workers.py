"""Many files are read in worker processes: the library and the report come out exactly as
when one process reads them all (same ids, rows, labels, bookmarks, skips and order)."""

from __future__ import annotations

import gc
import gzip
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import FIXTURES, LOCAL
from newstui.bookmarks.export import export_markdown
from newstui.sources import importer
from newstui.sources.importer import import_paths
from newstui.store.library import Library
from test_export import library_with_bookmarks

POOL_FROM = importer.POOL_FROM
TABLES = {
    "sources": "SELECT id, url, kind, title, site_url, last_error FROM sources ORDER BY id",
    "articles": (
        "SELECT id, source_id, key, hash, title, link, author, summary, content, content_type, "
        # An undated feed entry is dated when it is read: the only field that may differ.
        "CASE WHEN date_estimated AND published > strftime('%s', 'now') - 3600 THEN 'now' "
        "ELSE published END, "
        "date_estimated, updated, enclosures, title_derived, story, guid_key "
        "FROM articles ORDER BY id"
    ),
    "categories": (
        "SELECT ac.article_id, c.name FROM article_categories ac JOIN categories c "
        "ON c.id = ac.category_id ORDER BY 1, 2"
    ),
    "tags": (
        "SELECT at.article_id, t.name, at.origin FROM article_tags at JOIN tags t "
        "ON t.id = at.tag_id ORDER BY 1, 2, 3"
    ),
    "bookmarks": "SELECT article_id, note, created FROM bookmarks ORDER BY 1",
    "index": "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'the OR und OR wero' ORDER BY 1",
}


def _corpus(root: Path, lib: Library) -> Path:
    """A folder of every kind of file the importer meets, several hundred of them."""
    shutil.copytree(LOCAL, root / "local")
    shutil.copytree(FIXTURES / "feeds", root / "feeds")
    rss = (FIXTURES / "feeds" / "rss2.xml").read_bytes()
    (root / "feeds" / "rss2.xml.gz").write_bytes(gzip.compress(rss))
    (root / "feeds" / "fake.xml.gz").write_bytes(b"not gzip at all")
    (root / "feeds" / "malformed.rss").write_text(  # usable entries, then broken XML
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Half</title>'
        "<item><title>Kept one</title><guid>k1</guid></item>"
        "<item><title>Kept two</title><guid>k2</guid></item><item><title>Cut & broken",
        encoding="utf-8",
    )
    library_with_bookmarks(lib)
    export_markdown(lib, root / "export")
    many = root / "many" / "texts"
    many.mkdir(parents=True)
    for i in range(POOL_FROM + 150):
        (many / f"t{i:04d}.txt").write_text(
            f"Article number {i}\n\nThe body of article {i}, about wero and more.\n\n"
            f"Article number {i} - repeated\n\nJana Beispiel, Ulm\n\nKategorien: K{i % 7}\nTags: t{i % 5}\n",
            encoding="utf-8",
        )
    (many / "empty.txt").write_text("")
    (many / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (many / "notes.xyz").write_text("who knows")
    return root


def _import(tmp_path: Path, name: str, paths: list[Path], monkeypatch: pytest.MonkeyPatch, pool_from: int):
    monkeypatch.setattr(importer, "POOL_FROM", pool_from)
    lib = Library(tmp_path / f"{name}.db")
    try:
        seen: list[str] = []
        report = import_paths(lib, paths, on_skip=lambda p, r: seen.append(f"{p}: {r}"))
        conn = sqlite3.connect(tmp_path / f"{name}.db")
        tables = {t: conn.execute(sql).fetchall() for t, sql in TABLES.items()}
        conn.close()
    finally:
        lib.close()
    return report, seen, tables


def test_workers_import_exactly_what_one_process_does(
    tmp_path: Path, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _corpus(tmp_path / "in", lib)
    paths = [root, tmp_path / "missing-folder", root / "local" / "sample.rss"]
    serial = _import(tmp_path, "serial", paths, monkeypatch, pool_from=10**9)
    jobs: list[int] = []
    submit = importer._submit

    def counted(pool, files):  # type: ignore[no-untyped-def]
        jobs.append(len(files))
        return submit(pool, files)

    monkeypatch.setattr(importer, "_submit", counted)
    pooled = _import(tmp_path, "pooled", paths, monkeypatch, pool_from=POOL_FROM)
    report, seen, tables = pooled
    assert sum(jobs) == report.files + len(report.skipped) - 1  # all but the missing folder
    assert report.imported > POOL_FROM and report.skipped and report.recovered
    assert tables["bookmarks"] and tables["categories"] and tables["tags"] and tables["index"]
    assert seen == serial[1]
    assert report == serial[0]
    for name in TABLES:
        assert tables[name] == serial[2][name], name


def test_a_crashed_worker_job_is_read_again_here(
    tmp_path: Path, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job that does not come back (here: every job) is read in the importing process."""
    root = _corpus(tmp_path / "in", lib)
    serial = _import(tmp_path, "serial", [root], monkeypatch, pool_from=10**9)

    def broken(pool: object, files: list[str]) -> None:
        return None

    monkeypatch.setattr(importer, "_submit", broken)
    pooled = _import(tmp_path, "pooled", [root], monkeypatch, pool_from=POOL_FROM)
    assert pooled[0] == serial[0]
    assert pooled[2] == serial[2]


def test_the_window_of_jobs_follows_what_their_results_hold() -> None:
    small, big = 1_000, importer.IN_FLIGHT_BYTES
    assert importer.window_jobs(small, 2) == importer.AHEAD_MAX * 2
    assert importer.window_jobs(big, 2) == importer.AHEAD_MIN * 2
    between = importer.IN_FLIGHT_BYTES / (importer.AHEAD_MIN * 2 * 3)  # room for 3x the least
    assert importer.window_jobs(between, 2) == importer.AHEAD_MIN * 2 * 3


def _in_flight(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the jobs in flight as the importer submits and reads them; returns the
    list the most ever in flight is kept in."""
    most = [0]
    now = [0]
    submit, results = importer._submit, importer._results

    def counted_submit(pool, files):  # type: ignore[no-untyped-def]
        now[0] += 1
        most[0] = max(most[0], now[0])
        return submit(pool, files)

    def counted_results(chunk, future):  # type: ignore[no-untyped-def]
        now[0] -= 1
        return results(chunk, future)

    monkeypatch.setattr(importer, "_submit", counted_submit)
    monkeypatch.setattr(importer, "_results", counted_results)
    return most


@pytest.mark.parametrize("budget", ["small files fill the window", "a tight budget keeps it"])
def test_workers_read_further_ahead_when_results_are_small(
    tmp_path: Path, lib: Library, monkeypatch: pytest.MonkeyPatch, budget: str
) -> None:
    """Small results let more jobs be in flight (so the workers go on reading while a
    group commits); a budget they do not fit keeps the least; the library is the same."""
    root = _corpus(tmp_path / "in", lib)
    serial = _import(tmp_path, "serial", [root], monkeypatch, pool_from=10**9)
    monkeypatch.setattr(importer, "CHUNK", 2)  # some 200 jobs
    tight = budget.startswith("a tight")
    if tight:
        monkeypatch.setattr(importer, "IN_FLIGHT_BYTES", 1)
    most = _in_flight(monkeypatch)
    pooled = _import(tmp_path, "pooled", [root], monkeypatch, pool_from=POOL_FROM)
    least = importer.AHEAD_MIN * (os.cpu_count() or 1)
    if tight:
        assert most[0] == least
    else:
        assert most[0] > least
    assert pooled[0] == serial[0]
    assert pooled[2] == serial[2]


@pytest.mark.parametrize("before", [True, False])
def test_the_collector_is_paused_while_workers_read_and_left_as_it_was(
    tmp_path: Path, lib: Library, before: bool
) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(POOL_FROM + 20):
        (many / f"t{i:04d}.txt").write_text(f"Title {i}\n\nBody {i}.\n", encoding="utf-8")
    seen: list[bool] = []
    was = gc.isenabled()
    (gc.enable if before else gc.disable)()
    try:
        report = import_paths(lib, [many], on_file=lambda _: seen.append(gc.isenabled()))
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    assert report.imported == POOL_FROM + 20
    assert not any(seen)
    assert after is before
