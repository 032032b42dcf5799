"""``newstui import``: files and folders (recursively) into the library.

Each file is read by the parser for its type (``newstui.sources.fileload``); files that
cannot be read are skipped with a one-line reason and the import goes on. Articles are
written in batches, and batches in groups of about ten thousand articles, one transaction
each (a bulk write: the search index writes one segment per group, so its merges do not
grow faster than the library; see ``Connection.bulk_write``). Many files are read and
parsed in worker processes, in order, while this process writes what they found; the
library ends the same as when one process does it all.
"""

from __future__ import annotations

import gc
import itertools
import os
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from newstui.errors import NewstuiError
from newstui.models import ArticleIn
from newstui.sources.decode import SkipFile
from newstui.sources.fileload import (
    FEED_EXT,
    HTML_EXT,
    MARKDOWN_EXT,
    MAX_FILE,
    OPML_EXT,
    SUPPORTED,
    TEXT_EXT,
    Loaded,
    load_chunk,
)
from newstui.store.articles import PreparedRow
from newstui.store.library import Library
from newstui.textsafe import clean_line

if TYPE_CHECKING:
    import threading

__all__ = [
    "FEED_EXT",
    "HTML_EXT",
    "MARKDOWN_EXT",
    "MAX_FILE",
    "OPML_EXT",
    "SUPPORTED",
    "TEXT_EXT",
    "ImportReport",
    "Importer",
    "import_paths",
]

BATCH = 1000
# A transaction (a group of batches) ends after this many articles, this much index text
# (characters: what the search index holds in memory until the commit) or this many
# seconds (another writer, such as the reader marking an article read, waits for it).
GROUP_ARTICLES = 10_000
GROUP_TEXT = 16_000_000
GROUP_SECONDS = 5.0
POOL_FROM = 200  # files from which they are read in worker processes (start-up costs ~0.3 s)
CHUNK = 32  # files per worker job
# Jobs in flight per worker. While this process commits a group (about 0.4 s each at
# 100,000 articles) the workers go on reading only as far as the jobs in flight reach: 4
# a worker were used up in about 10 ms, and the workers then stood idle through the rest
# of every commit. So the window grows up to AHEAD_MAX while the results it holds stay
# under IN_FLIGHT_BYTES (measured on the jobs already read: small text files fill the
# window, big feed files keep it at AHEAD_MIN).
AHEAD_MIN = 4
AHEAD_MAX = 64
IN_FLIGHT_BYTES = 32_000_000


class _Missing(str):
    """A path given to import that does not exist (walked in order with the files)."""


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    sources_added: int = 0
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    recovered: list[tuple[str, str]] = field(default_factory=list)  # (file, what was recovered)
    new_ids: list[int] = field(default_factory=list)
    stopped: bool = False  # ``stop`` was set: the files after the last whole group were left

    @property
    def succeeded(self) -> bool:
        return self.files > 0

    def summary(self) -> str:
        parts = [f"{self.imported} imported", f"{self.updated} updated"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.sources_added:
            parts.append(f"{self.sources_added} feeds added")
        parts.append(f"{len(self.skipped)} skipped")
        line = ", ".join(parts)
        # File names and reasons quote the disk and the files: untrusted, cleaned here.
        if self.recovered:
            line += "; recovered: " + "; ".join(
                f"{clean_line(what, 300)} from {clean_line(path, 500)}" for path, what in self.recovered
            )
        if self.skipped:
            line += "; skipped: " + "; ".join(
                f"{n} × {clean_line(reason, 300)}"
                if n > 1
                else f"{clean_line(path, 500)} ({clean_line(reason, 300)})"
                for reason, (n, path) in _by_reason(self.skipped).items()
            )
        return line


def _by_reason(skipped: list[tuple[str, str]]) -> dict[str, tuple[int, str]]:
    """Skips grouped by reason: (how many, the first path), in order of first appearance."""
    groups: dict[str, tuple[int, str]] = {}
    for path, reason in skipped:
        n, first = groups.get(reason, (0, path))
        groups[reason] = (n + 1, first)
    return groups


def _walk(paths: Iterable[str | Path]) -> Iterator[Path | _Missing]:
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            yield _Missing(str(raw))
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path


class Importer:
    def __init__(
        self,
        lib: Library,
        on_skip: Callable[[str, str], None] | None = None,
        on_file: Callable[[Path], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.lib = lib
        self.report = ImportReport()
        self.on_skip = on_skip
        self.on_file = on_file
        self.stop = stop  # set from another thread: the import ends after its current group
        self._folders: dict[Path, int] = {}
        self._pending: dict[int, list[Loaded]] = {}
        self._pending_count = 0
        self._group_articles = 0  # articles and index text stored in the open transaction
        self._group_text = 0

    def skip(self, path: str, reason: str) -> None:
        self.report.skipped.append((path, reason))
        if self.on_skip:
            self.on_skip(path, reason)

    def run(self, paths: Iterable[str | Path]) -> ImportReport:
        before = len(self.report.skipped)
        loads = self._loads(_walk(paths))
        try:
            first = next(loads, None)
            while first is not None:
                if self.stop is not None and self.stop.is_set():
                    self.report.stopped = True
                    break
                with self.lib.bulk_write():
                    first = self._group(first, loads)
        finally:
            loads.close()  # a failed import stops its worker processes now, not at exit
        if self.on_skip:
            for p, r in self.report.skipped[before:]:
                if r == "no such file or folder":
                    self.on_skip(p, r)
        return self.report

    def _group(
        self, first: tuple[Path | _Missing, Loaded], loads: Iterator[tuple[Path | _Missing, Loaded]]
    ) -> tuple[Path | _Missing, Loaded] | None:
        """Store ``first`` and what follows it until the group is full, all written (inside
        the caller's transaction); return the next item, None when there is none."""
        self._group_articles = self._group_text = 0
        start = time.monotonic()
        item: tuple[Path | _Missing, Loaded] | None = first
        while item is not None:
            self._store_item(*item)
            if (
                self._group_articles + self._pending_count >= GROUP_ARTICLES
                or self._group_text >= GROUP_TEXT
                or time.monotonic() - start >= GROUP_SECONDS
            ):
                break
            item = next(loads, None)
        self.flush()
        return None if item is None else next(loads, None)

    def _store_item(self, item: Path | _Missing, loaded: Loaded) -> None:
        if isinstance(item, _Missing):
            self.report.skipped.append((str(item), "no such file or folder"))
            return
        if self.on_file:
            self.on_file(item)
        try:
            if loaded.kind == "skip":
                raise SkipFile(loaded.reason)
            self.store(item, loaded)
        except SkipFile as exc:
            self.skip(str(item), str(exc))

    # ------------------------------------------------------------ reading the files
    def _loads(
        self, items: Iterable[Path | _Missing]
    ) -> Generator[tuple[Path | _Missing, Loaded], None, None]:
        """Each walked item with what reading it gave, in walk order: read here for a few
        files, in worker processes for many."""
        it = iter(items)
        head = list(itertools.islice(it, POOL_FROM))
        workers = os.cpu_count() or 1
        if len(head) < POOL_FROM or workers < 2:
            for item in itertools.chain(head, it):
                yield item, _load_here(item)
            return
        yield from self._pooled(itertools.chain(head, it), workers)

    def _pooled(
        self, items: Iterator[Path | _Missing], workers: int
    ) -> Generator[tuple[Path | _Missing, Loaded], None, None]:
        from newstui.sources.workers import process_pool

        pool = process_pool(workers, ["newstui.sources.fileload"])
        # The cyclic collector is paused while the workers read: this process then only
        # writes rows, which make no reference cycles (a gc.collect() after 100,000 files
        # found 53 unreachable objects), and its collections took 3-4% of the import
        # (the results in flight are many young objects that live through several).
        was_enabled = gc.isenabled()
        gc.disable()
        window: deque[tuple[list[Path | _Missing], Future[list[Loaded]] | None]] = deque()
        ahead = AHEAD_MIN * workers
        job_bytes = 0.0  # what a job's results hold, on average (moving)
        try:
            while chunk := list(itertools.islice(items, CHUNK)):
                files = [str(x) for x in chunk if not isinstance(x, _Missing)]
                window.append((chunk, _submit(pool, files)))
                if len(window) >= ahead:
                    read = list(_results(*window.popleft()))
                    size = sum(_held(loaded) for _, loaded in read)
                    job_bytes = size if not job_bytes else 0.8 * job_bytes + 0.2 * size
                    ahead = window_jobs(job_bytes, workers)
                    yield from read
            while window:
                yield from _results(*window.popleft())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if was_enabled:
                gc.enable()

    # ------------------------------------------------------------ writing them
    def store(self, path: Path, loaded: Loaded) -> None:
        """Store what reading ``path`` gave: an OPML list's sources, a feed file's source
        and articles, or a local article (written with others of its folder, in batches)."""
        if loaded.kind == "opml":
            self._import_opml(path, loaded.data)
        elif loaded.kind == "feed":
            self._import_feed(path, loaded)
        else:
            folder = path.parent.absolute()
            sid = self._folders.get(folder)
            if sid is None:
                src, _ = self.lib.add_source(str(folder), kind="folder", title=folder.name or str(folder))
                sid = self._folders[folder] = src.id
            self._pending.setdefault(sid, []).append(loaded)
            self._pending_count += 1
            if self._pending_count >= BATCH:
                self.flush()
        self.report.files += 1

    def flush(self) -> None:
        for sid, loads in self._pending.items():
            self.report_upsert(sid, "", [x.row for x in loads if x.row is not None])
            self._restore_bookmarks(sid, [x.restore for x in loads if x.restore is not None])
        self._pending.clear()
        self._pending_count = 0

    def _restore_bookmarks(self, sid: int, items: list[ArticleIn]) -> None:
        """An imported bookmark export: the original source name, user tags and bookmark."""
        for item in items:
            if not (item.bookmarked or item.source_title or item.user_tags):
                continue
            aid = self.lib.article_id_for(sid, item)
            if aid is None:
                continue
            if item.source_title:
                self.lib.set_source_title(aid, item.source_title)
            if item.user_tags:
                self.lib.tag(aid, add=item.user_tags)
            if item.bookmarked:
                self.lib.bookmark(aid, item.note or None, created=item.bookmarked_at)

    def report_upsert(self, sid: int, url: str, rows: list[PreparedRow]) -> None:
        self._group_articles += len(rows)
        self._group_text += sum(len(r.title) + len(r.summary_text) + len(r.body) for r in rows)
        res = self.lib.upsert_articles(sid, (), source_url=url, rows=rows)
        self.report.imported += res.new
        self.report.updated += res.updated
        self.report.unchanged += res.unchanged
        self.report.new_ids.extend(res.new_ids)

    def _import_feed(self, path: Path, loaded: Loaded) -> None:
        if loaded.problem and loaded.entries:
            self.report.recovered.append(
                (str(path), f"{loaded.entries} entries of a malformed feed ({loaded.problem})")
            )
        url = str(path.absolute())
        src, created = self.lib.add_source(url, kind="feed", title=loaded.title or path.stem)
        self.lib.update_source(
            src.id,
            title=src.title or loaded.title or path.stem,
            site_url=loaded.site_url,
            last_error=loaded.problem,
            last_error_at=None,
        )
        self.report_upsert(src.id, url, loaded.rows)

    def _import_opml(self, path: Path, data: bytes) -> None:
        from newstui.sources.opml import OpmlError, read_opml

        try:
            found = read_opml(data)
        except OpmlError as exc:
            raise SkipFile(str(exc)) from None
        subs = found.subscriptions
        if found.recovered:
            self.report.recovered.append(
                (
                    str(path),
                    f"{len(subs)} subscriptions of an OPML list that is not well-formed XML "
                    f"({found.problem})",
                )
            )
        from newstui.textsafe import safe_url

        for sub in subs:
            if not safe_url(sub.url):  # a stranger's list must not point refresh at local files
                self.skip(sub.url, "OPML subscription is not an http(s) URL")
                continue
            src, created = self.lib.add_source(sub.url, kind="feed", title=sub.title, category=sub.category)
            self.report.sources_added += int(created)
            if created and sub.settings:
                self._apply_settings(src.id, sub.url, sub.settings)

    def _apply_settings(self, source_id: int, url: str, settings: dict[str, str]) -> None:
        """A new source's settings from its OPML ``newstui:`` attributes. Names this newstui
        does not know are left alone (a newer one wrote them); a bad value is skipped with
        its reason and the others still apply."""
        from newstui.source_settings import SETTINGS, SettingError, parse_setting

        changes: dict[str, object] = {}
        for key, text in settings.items():
            if key not in SETTINGS or key in ("title", "category"):  # OPML's own attributes
                continue
            try:
                column, value = parse_setting(key, text)
            except SettingError as exc:
                self.skip(url, f"OPML setting not used: {exc}")
                continue
            changes[column] = value
        if changes:
            self.lib.set_source_settings(source_id, changes)


def import_paths(
    lib: Library,
    paths: Iterable[str | Path],
    on_skip: Callable[[str, str], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
    stop: threading.Event | None = None,
) -> ImportReport:
    paths = list(paths)
    if not paths:
        raise NewstuiError("import needs at least one file or folder")
    return Importer(lib, on_skip, on_file, stop).run(paths)


def _load_here(item: Path | _Missing) -> Loaded:
    """Read one walked item in this process (a missing path reads as nothing)."""
    if isinstance(item, _Missing):
        return Loaded("skip", reason="no such file or folder")
    from newstui.sources.fileload import load_or_skip

    return load_or_skip(item)


def window_jobs(job_bytes: float, workers: int) -> int:
    """How many jobs may be in flight when a job's results hold ``job_bytes``."""
    fits = int(IN_FLIGHT_BYTES // max(1.0, job_bytes))
    return max(AHEAD_MIN * workers, min(AHEAD_MAX * workers, fits))


def _held(loaded: Loaded) -> int:
    """Roughly the bytes a read file's result holds: its texts, stored and indexed."""
    rows = loaded.rows if loaded.row is None else [loaded.row]
    return len(loaded.data) + sum(
        len(r.summary) + len(r.content) + len(r.body) + len(r.summary_text) for r in rows
    )


def _submit(pool: Executor, files: list[str]) -> Future[list[Loaded]] | None:
    if not files:
        return None
    try:
        return pool.submit(load_chunk, files)
    except Exception:  # noqa: BLE001 - a broken pool: these files are read here instead
        return None


def _results(
    chunk: list[Path | _Missing], future: Future[list[Loaded]] | None
) -> Iterator[tuple[Path | _Missing, Loaded]]:
    """A chunk's items with what the worker read, in order. A job that failed (a crashed
    worker, a result that would not travel) is read again here, where an unexpected
    error surfaces as it would without workers."""
    results: list[Loaded] | None = None
    if future is not None:
        try:
            results = future.result()
        except Exception:  # noqa: BLE001 - read here below
            results = None
    found = iter(results) if results is not None else None
    for item in chunk:
        if isinstance(item, _Missing):
            yield item, _load_here(item)
        elif found is not None:
            yield item, next(found)
        else:
            yield item, _load_here(item)
