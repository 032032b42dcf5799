"""The refresh engine, shared by the CLI and the TUI.

One small ``httpx.AsyncClient`` per host; a global limit on requests in flight (a
semaphore, so queued requests wait outside httpcore's pools) and a per-host semaphore. A
large refresh hands some hosts to a fetch process (``newstui.sources.fetchpool``), so the
HTTP client's CPU runs on more than one core. Conditional GETs: a 304, or a body whose
hash equals the last one, costs no parsing, only a timestamp update. Bodies are parsed in
a process pool (feedparser is pure Python and CPU-bound), opened only when something needs
parsing and guarded by a timeout.
Database writes run on one writer thread so the event loop (and a TUI on it) stays free;
each feed's articles land in one transaction. Every failure is recorded on its source and
never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from newstui.config import Config
from newstui.errors import QueryError
from newstui.models import Source
from newstui.query import Compiled, compile_query
from newstui.source_settings import format_interval
from newstui.sources.dates import parse_date
from newstui.sources.feedparse import ParsedFeed
from newstui.sources.fetch import (
    FetchLimits,
    FetchResult,
    fetch,
    is_http,
    proxies_in_environment,
    without_secret,
)
from newstui.sources.fetchpool import (
    FetchProcess,
    FetchProcessLost,
    HostClients,
    host_key,
    prepare,
    processes_for,
)
from newstui.store.articles import PreparedRow
from newstui.store.library import Library
from newstui.store.retention import cutoff

log = logging.getLogger(__name__)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")  # a URL scheme (a drive letter is one letter)
PARSE_TIMEOUT = 60.0  # one document; a pathological one must not hang the refresh
GROUP_COMMIT = 64  # feeds at most in one transaction
# Parsed feeds wait for more to share their transaction (up to a group's size, at most
# GROUP_WINDOW seconds) while other feeds are still on their way. A commit costs about as
# much as writing 30 articles (the search index writes a segment, every changed page goes
# to the log), and feeds arrive one or two at a time: written as they came, the writer
# spent twice the CPU per article (307 against 166 microseconds in groups of 16), on a
# machine whose cores are busy parsing. A group is a GROUPS-th of the refresh's feeds,
# GROUP_MIN to GROUP_COMMIT of them: each group is one segment of the search index,
# and in groups of 16 the writer's cost per article grew with the refresh (93
# microseconds at 500 feeds, 121 at 2,000). Groups of 62 took the refresh's CPU time down
# 7-8% at 2,000 feeds (wall time 2-3%), and the main process's CPU time down 8% at 500
# feeds (wall time unchanged: the parser processes set it), in alternated runs. The last
# group's worth of feeds is written as it arrives (``keeps_gathering``).
GROUP_MIN = 16
GROUPS = 8
GROUP_WINDOW = 0.3
MAX_RETRY_AFTER = 7 * 86_400.0
# With fetch processes, a host goes to the side with the fewest requests in flight, this
# process's requests counted LOCAL_WEIGHT times: it also runs the writer and the landing.
LOCAL_WEIGHT = 1.5


@dataclass
class FeedOutcome:
    """What happened to one source in this refresh."""

    source_id: int
    label: str
    state: str  # "parsed" | "unchanged" | "failed" | "skipped"
    new: int = 0
    updated: int = 0
    error: str | None = None  # why it failed (or the problem a usable feed had)
    new_ids: list[int] = field(default_factory=list)
    ignored: int = 0  # new articles its ignore rule kept out


@dataclass
class RefreshReport:
    """Running totals; passed to the progress callback after every feed."""

    total: int = 0
    done: int = 0
    new: int = 0
    updated: int = 0
    errors: int = 0
    parsed: int = 0
    unchanged: int = 0
    skipped: int = 0
    deleted: int = 0  # removed by retention afterwards
    fulltext: int = 0  # queued bookmarks whose full text arrived (newstui.core.feeds.refresh)
    article_fulltext: int = 0  # always-full-text sources' new articles that got it (core)
    tagged: int = 0  # auto-tags given afterwards
    last: FeedOutcome | None = None
    outcomes: list[FeedOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.state == "failed"]

    @property
    def new_ids(self) -> list[int]:
        return [i for o in self.outcomes for i in o.new_ids]

    def add(self, outcome: FeedOutcome) -> None:
        self.outcomes.append(outcome)
        self.last = outcome
        self.done += 1
        self.new += outcome.new
        self.updated += outcome.updated
        if outcome.state == "failed":
            self.errors += 1
        elif outcome.state == "parsed":
            self.parsed += 1
        elif outcome.state == "unchanged":
            self.unchanged += 1
        else:
            self.skipped += 1

    def summary(self) -> str:
        fetched = self.total - self.skipped
        parts = [
            f"refreshed {fetched} feed{'s' if fetched != 1 else ''}",
            f"{self.new} new",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
            f"{self.errors} failed",
        ]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.article_fulltext:
            parts.append(f"{self.article_fulltext} full texts")
        return ", ".join(parts)


Progress = Callable[[RefreshReport], None]


def select(
    lib: Library, refs: Sequence[str] = (), *, force: bool = False, now: float | None = None
) -> tuple[list[Source], list[tuple[Source, str]]]:
    """The sources to fetch and those skipped (gone, paused, waiting out a Retry-After or
    their refresh interval). Naming a source fetches it even when paused or within its
    interval; ``force`` ignores intervals too."""
    now = time.time() if now is None else now
    named = bool(refs)
    if named:
        chosen: list[Source] = []
        seen: set[int] = set()
        for ref in refs:
            src = lib.source(ref)
            if src.id not in seen:
                seen.add(src.id)
                chosen.append(src)
    else:
        chosen = [s for s in lib.sources() if s.kind == "feed"]
    fetch_now: list[Source] = []
    skipped: list[tuple[Source, str]] = []
    for src in chosen:
        if src.kind == "remote":
            skipped.append((src, "kept in sync by its account (`newstui sync`)"))
        elif src.kind != "feed":
            skipped.append((src, "a folder of local articles, not a feed"))
        elif src.gone and not (force or named):
            skipped.append((src, "gone (HTTP 410); refresh it by name to try again"))
        elif src.retry_after and src.retry_after > now and not force:
            skipped.append((src, f"server asked to wait {int(src.retry_after - now)} s more"))
        elif src.paused and not named:
            skipped.append((src, "paused; refresh it by name to fetch it anyway"))
        elif (
            src.refresh_interval
            and src.last_fetched is not None
            and not (force or named)
            and now - src.last_fetched < src.refresh_interval
        ):
            wait = format_interval(int(src.refresh_interval - (now - src.last_fetched)) or 1)
            skipped.append((src, f"its refresh interval has {wait} to go (--force fetches it)"))
        else:
            fetch_now.append(src)
    return fetch_now, skipped


def refresh(
    lib: Library,
    cfg: Config,
    refs: Sequence[str] = (),
    *,
    force: bool = False,
    on_progress: Progress | None = None,
) -> RefreshReport:
    """Refresh all feeds (or those named) in a fresh event loop; see ``refresh_async``."""
    return asyncio.run(refresh_async(lib, cfg, refs, force=force, on_progress=on_progress))


async def refresh_async(
    lib: Library,
    cfg: Config,
    refs: Sequence[str] = (),
    *,
    force: bool = False,
    on_progress: Progress | None = None,
    parse_timeout: float = PARSE_TIMEOUT,
) -> RefreshReport:
    """Fetch, parse and store; then retention and auto-tags. ``on_progress`` runs on the
    event loop after each feed. ``force`` also fetches gone and waiting sources and parses
    unchanged bodies."""
    sources, skipped = select(lib, refs, force=force)
    report = RefreshReport(total=len(sources) + len(skipped))
    for src, why in skipped:
        report.add(FeedOutcome(src.id, src.label, "skipped", error=why))
    if on_progress:
        on_progress(report)
    engine = _Engine(lib, cfg, report, on_progress, force, parse_timeout, len(sources))
    try:
        await engine.run(sources)
    finally:
        engine.close()
    return report


async def _all(coros: list[Coroutine[Any, Any, None]]) -> None:
    """Run ``coros`` as tasks until all are done. When one fails or the caller is
    cancelled, the others are cancelled and waited for before the error goes on, so a
    refresh that stops leaves no feed half-way through behind it (``asyncio.gather`` lets
    the others run on)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class _ParsePool:
    """A process pool opened on first use; a timed-out parse kills it (and it reopens)."""

    def __init__(self, workers: int, timeout: float, slots: int | None = None) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout
        self._pool: Executor | None = None
        self._lock = threading.Lock()  # warm() opens it from a thread
        # Jobs handed to the pool at once: enough to keep every worker busy.
        self._slots = asyncio.Semaphore(slots or 2 * self.workers)
        self._warming: threading.Thread | None = None

    def _open(self) -> Executor:
        with self._lock:
            return self._open_locked()

    def _open_locked(self) -> Executor:
        if self._pool is None:
            from newstui.sources.feedparse import warm_worker
            from newstui.sources.workers import REFRESH_PRELOAD, process_pool

            self._pool = process_pool(self.workers, REFRESH_PRELOAD, initializer=warm_worker)
        return self._pool

    def warm(self) -> None:
        """Start the workers now, on a thread of their own: a refresh that will parse
        starts them before its first response arrives, so their start-up (a forkserver
        importing feedparser, which blocks whoever starts it) overlaps the network."""

        def start() -> None:
            try:
                pool = self._open()
                from newstui.sources.feedparse import warm_worker

                for _ in range(self.workers):
                    pool.submit(warm_worker)
            except Exception as exc:  # noqa: BLE001 - parse() opens it again and reports
                log.warning("could not start the parser processes early: %s", exc)

        self._warming = threading.Thread(target=start, name="newstui-parser-start", daemon=True)
        self._warming.start()

    async def parse(self, body: bytes, url: str, content_type: str = "") -> ParsedFeed | str:
        from concurrent.futures.process import BrokenProcessPool

        from newstui.sources.feedparse import parse_rows_job

        loop = asyncio.get_running_loop()
        for _attempt in range(2):
            # A slot first: the timeout then measures this document's parsing, not the
            # time it waited behind hundreds of others (P8's 2,000 feeds timed out queued).
            async with self._slots:
                pool = self._open()
                try:
                    future = loop.run_in_executor(pool, parse_rows_job, body, url, content_type)
                    return await asyncio.wait_for(future, self.timeout)
                except TimeoutError:
                    self._kill(pool)
                    return f"parsing took longer than {self.timeout:g} s (abandoned)"
                except BrokenProcessPool:
                    self._kill(pool)  # another feed's timeout (or a crash) broke it: retry once
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if task is None or task.cancelling():
                        raise  # this refresh is being cancelled
                    # Not us: another feed's timeout shut the pool down under this job.
                    self._kill(pool)
        return "the parser process crashed on this feed"

    def _kill(self, pool: Executor) -> None:
        if pool is not self._pool:
            return
        self._pool = None
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()

    def close(self) -> None:
        if self._warming is not None:
            self._warming.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _ignore_rule(src: Source) -> tuple[Compiled | None, str | None]:
    """The source's ignore rule compiled (None when it has none), and the problem if it
    cannot be read (then nothing is ignored and the problem is recorded on the source)."""
    if not src.ignore_rule.strip():
        return None, None
    try:
        return compile_query(src.ignore_rule), None
    except QueryError as exc:
        return None, f"ignore rule not used: {exc}"


def group_size(feeds: int) -> int:
    """How many parsed feeds the writer gathers into one transaction in a refresh of
    ``feeds`` feeds: a ``GROUPS``-th of them, ``GROUP_MIN`` to ``GROUP_COMMIT``."""
    return max(GROUP_MIN, min(GROUP_COMMIT, feeds // GROUPS))


def keeps_gathering(queued: int, active: int, group: int) -> bool:
    """Whether the writer waits for more feeds before it writes the ``queued`` ones (of
    ``active`` feeds not yet stored): while its group is not full and more than a group's
    worth is still to come. The last group's worth is written as it arrives, in smaller
    groups, so a refresh does not end by writing a whole group after its last feed is
    parsed (0.13-0.16 s at 500 feeds, when the writer waited for the last feeds to fill
    its last group)."""
    return queued < group and active - queued > group


def retry_after(value: str | None, now: float) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as a timestamp, capped at 7 days."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = float(value)
    else:
        when = parse_date(value)
        if when is None:
            return None
        delay = when - now
    return now + min(max(delay, 0.0), MAX_RETRY_AFTER)


def local_path(url: str) -> Path | None:
    """The file a ``file://`` URL or a plain path names (None for other schemes)."""
    if url.lower().startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        return Path(unquote(parts.path))
    if _SCHEME.match(url):  # http:, javascript:, data: ... are never files
        return None
    return Path(url).expanduser()


def read_local(url: str, max_bytes: int) -> FetchResult:
    path = local_path(url)
    if path is None:
        return FetchResult(url, None, error=f"unsupported URL scheme: {url[:200]}")
    try:
        with path.open("rb") as f:
            body = f.read(max_bytes + 1)
    except FileNotFoundError:
        return FetchResult(url, None, error=f"no such file: {path}")
    except IsADirectoryError:
        return FetchResult(url, None, error=f"is a folder, not a feed file: {path}")
    except OSError as exc:
        return FetchResult(url, None, error=f"cannot read {path}: {exc.strerror or exc}")
    if len(body) > max_bytes:
        return FetchResult(url, None, error=f"file larger than {max_bytes} bytes (refused)")
    return FetchResult(url, 200, body=body)


class _Engine:
    def __init__(
        self,
        lib: Library,
        cfg: Config,
        report: RefreshReport,
        on_progress: Progress | None,
        force: bool,
        parse_timeout: float,
        count: int,
    ) -> None:
        self.lib = lib
        self.cfg = cfg
        self.report = report
        self.on_progress = on_progress
        self.force = force
        self.limits = FetchLimits.from_config(cfg)
        self.in_flight = max(1, cfg.max_in_flight)
        self.per_host = max(1, cfg.per_host)
        self.parser = _ParsePool(min(os.cpu_count() or 1, max(1, count)), parse_timeout)
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newstui-writer")
        self.keep_from = cutoff(cfg.retention_days)
        # Source updates that need no transaction of their own (304s, failures): they
        # ride along with the next feed's write, or the final one.
        self.pending: list[tuple[int, dict[str, object]]] = []
        self._queue: list[tuple[tuple, asyncio.Future[object]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._active = 0  # feeds being fetched, parsed or stored
        self.group_size = group_size(count)
        self._arrived: asyncio.Event | None = None  # set when a feed is queued or done
        self._remotes: list[FetchProcess] = []  # fetch processes of this refresh

    def close(self) -> None:
        for remote in self._remotes:  # already ended, unless the refresh was torn down
            remote.close()
        self.parser.close()
        self.writer.shutdown(wait=True)

    async def _write(self, func: Callable[..., object], *args: object) -> object:
        return await asyncio.get_running_loop().run_in_executor(self.writer, func, *args)

    async def run(self, sources: list[Source]) -> None:
        if sources:
            global_limit = asyncio.Semaphore(self.in_flight)
            env_proxies = proxies_in_environment()  # read once, not once per client
            # Enough HTTP work: fetch processes take hosts too, so the HTTP client's CPU
            # runs on more than one core. Started now, so their start-up overlaps the
            # first requests made here.
            count = processes_for([s.url for s in sources if is_http(s.url)])
            tls = None
            if count:
                try:
                    tls = prepare()
                except Exception as exc:  # noqa: BLE001 - a broken TLS setup fails each feed instead
                    log.info("no fetch process: %s: %s", type(exc).__name__, exc)
                    count = 0
            local = HostClients(self.limits, self.per_host, env_proxies, tls)
            remotes = [FetchProcess(self.limits, self.per_host, env_proxies, tls) for _ in range(count)]
            # Per host: its semaphore, and the fetch process its feeds go to (None: here).
            hosts: dict[str, asyncio.Semaphore] = {}
            sides: dict[str, FetchProcess | None] = {}
            here = [0]  # requests in flight in this process

            def side_for(key: str) -> FetchProcess | None:
                """A host goes, when its first feed gets a slot, to whichever side has the
                fewest requests in flight (this process weighs more: it also lands)."""
                if key not in sides:
                    best: FetchProcess | None = None
                    load = here[0] * LOCAL_WEIGHT
                    for remote in remotes:
                        if not remote.lost and remote.outstanding < load:
                            best, load = remote, remote.outstanding
                    sides[key] = best
                return sides[key]

            async def get(src: Source) -> FetchResult:
                key = host_key(src.url)
                host = hosts.get(key) or hosts.setdefault(key, asyncio.Semaphore(self.per_host))
                # Host first: a feed waiting for its host holds no global slot.
                async with host, global_limit:
                    remote = side_for(key)
                    if remote is not None:
                        try:
                            return await remote.fetch(src.url, src.etag, src.last_modified)
                        except FetchProcessLost:
                            pass  # fetched here instead
                    here[0] += 1
                    try:
                        return await fetch(
                            local.get(src.url),
                            src.url,
                            self.limits,
                            etag=src.etag,
                            last_modified=src.last_modified,
                        )
                    finally:
                        here[0] -= 1

            async with contextlib.AsyncExitStack() as stack:
                stack.push_async_callback(local.aclose)
                for remote in remotes:  # first: forked while this process has one thread
                    self._remotes.append(remote)
                    stack.push_async_callback(remote.aclose)
                    remote.start()
                if any(s.body_hash is None for s in sources) or self.force:
                    # Feeds never parsed will be: start the parser processes while the first
                    # requests are on the wire. (A refresh of unchanged feeds never starts them.)
                    self.parser.warm()

                async def one(src: Source) -> None:
                    self._active += 1
                    try:
                        await fetch_and_land(src)
                    finally:
                        self._active -= 1
                        self._wake()

                async def fetch_and_land(src: Source) -> None:
                    try:
                        if is_http(src.url):
                            res = await get(src)
                        else:
                            res = await asyncio.to_thread(read_local, src.url, self.limits.max_bytes)
                        outcome = await self._land(src, res)
                    except (asyncio.CancelledError, KeyboardInterrupt):
                        raise
                    except Exception as exc:  # record it on the source; the others go on
                        outcome = await self._failed(
                            src, FetchResult(src.url, None), f"{type(exc).__name__}: {exc}"
                        )
                    if outcome.state == "failed":
                        log.warning("feed %s failed: %s", without_secret(src.url), outcome.error)
                    self.report.add(outcome)
                    if self.on_progress:
                        self.on_progress(self.report)

                try:
                    await _all([one(s) for s in sources])
                    await self._drained()
                except BaseException:
                    await self._drained(stop=True)
                    raise
        await self._write(self._after, self._take_pending())

    def _take_pending(self) -> list[tuple[int, dict[str, object]]]:
        batch, self.pending = self.pending, []
        return batch

    def _after(self, pending: list[tuple[int, dict[str, object]]]) -> None:
        from newstui.store.retention import apply_retention
        from newstui.tags import apply_auto_tags

        if pending:
            self.lib.update_sources(pending, journal=False)

        self.report.deleted = apply_retention(self.lib, self.cfg.retention_days)
        new_ids = self.report.new_ids
        if new_ids:
            self.report.tagged = apply_auto_tags(
                self.lib, self.cfg, new_ids, on_error=lambda problem: log.warning("%s", problem)
            )

    # ------------------------------------------------------------------ outcomes
    async def _land(self, src: Source, res: FetchResult) -> FeedOutcome:
        now = time.time()
        if res.error is not None or not res.ok and not res.not_modified:
            return await self._failed(src, res, res.error or f"HTTP {res.status}")
        fields: dict[str, object] = {
            "last_fetched": now,
            "last_success": now,
            "failures": 0,
            "gone": 0,
            "retry_after": None,
        }
        if res.permanent_url:
            fields["url"] = res.permanent_url
        if src.failures:  # an earlier fetch error is over; a feed's own problem stays
            fields["last_error"] = None
            fields["last_error_at"] = None
        if res.not_modified:
            self.pending.append((src.id, fields))
            return FeedOutcome(src.id, src.label, "unchanged")
        digest = hashlib.sha1(res.body).hexdigest()
        if res.headers:
            fields["etag"] = res.headers.get("etag")
            fields["last_modified"] = res.headers.get("last-modified")
        if digest == src.body_hash and not self.force:
            self.pending.append((src.id, fields))
            return FeedOutcome(src.id, src.label, "unchanged")
        parsed = await self.parser.parse(res.body, res.url, res.headers.get("content-type", ""))
        if isinstance(parsed, str):
            return await self._failed(src, res, parsed)
        rows = parsed.rows or []
        keep = self._keep_from(src)
        if keep is not None and src.last_success is not None:
            # Old entries retention already let go are not brought back as new.
            rows = [r for r in rows if r.estimated or r.published >= keep]
        ignore, problem = _ignore_rule(src)
        fields.update(
            body_hash=digest,
            site_url=parsed.site_url or src.site_url,
            last_error=parsed.problem or problem,
            last_error_at=now if parsed.problem or problem else None,
        )
        if not src.title and parsed.title:
            fields["title"] = parsed.title
        if parsed.title and parsed.title != src.feed_title:
            fields["feed_title"] = parsed.title
        self.pending.append((src.id, fields))
        result: Any = await self._store_grouped(
            (src.id, rows, res.url, self._take_pending(), ignore, src.always_fulltext)
        )
        return FeedOutcome(
            src.id,
            src.label,
            "parsed",
            new=result.new,
            updated=result.updated,
            error=parsed.problem or problem,
            new_ids=result.new_ids,
            ignored=result.ignored,
        )

    def _keep_from(self, src: Source) -> float | None:
        """The oldest date kept for this source: its own retention, else the config's."""
        if src.retention_days is None:
            return self.keep_from
        return cutoff(src.retention_days)

    async def _failed(self, src: Source, res: FetchResult, error: str) -> FeedOutcome:
        # The error is kept, shown and logged: a URL it quotes (a redirect's target keeps
        # the feed's user:password) goes in masked.
        error = without_secret(error)
        now = time.time()
        fields: dict[str, object] = {
            "last_fetched": now,
            "last_error": error,
            "last_error_at": now,
            "failures": src.failures + 1,
        }
        if res.status == 410:
            fields["gone"] = 1
        if res.status in (429, 503):
            fields["retry_after"] = retry_after(res.headers.get("retry-after"), now)
        self.pending.append((src.id, fields))
        return FeedOutcome(src.id, src.label, "failed", error=error)

    # ---------------------------------------------------------- writer thread
    async def _store_grouped(self, job: tuple) -> object:
        """Store one parsed feed. Feeds that arrive while the writer is busy are committed
        together (group commit): each feed is still whole inside one transaction, and a
        commit per feed (an FTS segment flush each) no longer dominates the writer."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[object] = loop.create_future()
        self._queue.append((job, done))
        self._wake()
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await done

    def _wake(self) -> None:
        if self._arrived is not None:
            self._arrived.set()

    async def _gather(self) -> None:
        """Wait up to ``GROUP_WINDOW`` while ``keeps_gathering``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GROUP_WINDOW
        self._arrived = asyncio.Event()
        try:
            while keeps_gathering(len(self._queue), self._active, self.group_size):
                left = deadline - loop.time()
                if left <= 0:
                    return
                self._arrived.clear()
                try:
                    await asyncio.wait_for(self._arrived.wait(), left)
                except TimeoutError:
                    return
        finally:
            self._arrived = None

    async def _drained(self, *, stop: bool = False) -> None:
        """Wait for the writer's drain to end: its queue is empty once every feed is done,
        and ``stop`` cancels what it still waits for (the refresh failed or was stopped)."""
        drainer = self._drainer
        if drainer is None or drainer.done():
            return
        if stop:
            drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drainer
        else:
            await drainer

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            await self._gather()
            batch, self._queue = self._queue[:GROUP_COMMIT], self._queue[GROUP_COMMIT:]
            try:
                results = await loop.run_in_executor(self.writer, self._store_many, [job for job, _ in batch])
            except asyncio.CancelledError:
                # The refresh is being stopped: the group on the writer thread still commits
                # whole (``close`` waits for it); the feeds waiting here are dropped.
                for _, done in batch + self._queue:
                    done.cancel()
                self._queue = []
                raise
            except Exception as exc:  # noqa: BLE001 - handed to every waiting feed
                results = [exc] * len(batch)
            for (_, done), result in zip(batch, results, strict=True):
                if done.done():
                    continue
                if isinstance(result, BaseException):
                    done.set_exception(result)
                else:
                    done.set_result(result)

    def _store_many(self, jobs: list[tuple]) -> list[object]:
        """Store a group of feeds in one bulk write (``Library.bulk_write``): the search
        index takes the group's rows together at the end, as one segment, where a write
        per feed made FTS5 write a segment per feed (and merge them later)."""
        if len(jobs) > 1:
            try:
                with self.lib.bulk_write():
                    return [self._store(*job) for job in jobs]
            except Exception:  # noqa: BLE001 - one bad feed must not sink the others
                pass  # rolled back whole: store them one by one below
        results: list[object] = []
        for job in jobs:
            try:
                with self.lib.bulk_write():
                    results.append(self._store(*job))
            except Exception as exc:  # noqa: BLE001 - recorded on that feed's source
                results.append(exc)
        return results

    def _store(
        self,
        source_id: int,
        rows: list[PreparedRow],
        url: str,
        updates: list[tuple[int, dict[str, object]]],
        ignore: Compiled | None = None,
        fulltext: bool = False,
    ) -> object:
        with self.lib.write() as c:  # the articles, the ignore rule and the source: all or nothing
            result = self.lib.upsert_articles(source_id, (), source_url=url, rows=rows)
            ignored = 0
            if ignore is not None and result.new_ids:
                self.lib.run_last(c)  # the rule may search, and dropping unindexes
                # Judged on the rows just written (tags, categories and the search index
                # included), inside the same transaction: a match is never committed.
                dropped = set(self.lib.drop_articles(ignore, result.new_ids))
                ignored = len(dropped)
                result.new -= ignored
                result.new_ids = [i for i in result.new_ids if i not in dropped]
            if fulltext and result.new_ids:  # queued with the articles: fetched after the feeds
                self.lib.queue_article_fulltexts(result.new_ids)
            # (A permanent redirect to a URL another source has keeps the old URL.)
            self.lib.update_sources(updates, journal=False)
        result.ignored = ignored
        return result
