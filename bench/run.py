"""Run every benchmark scenario end to end, print one table, write ``bench/results.json``.

``python -m bench [--runs N] [--smoke] [--scale] [--only P3,P4] [size options]`` from the
repo root. ``--scale`` adds the rows on a 1,000,000-article library (P1m, P2m, P5m, P6m,
P7m, P9m). A scenario whose newstui command fails is recorded as ``n/a: <reason>``; the
run goes on. ``--smoke`` writes its results to ``bench/.cache/`` (never over the
committed ``bench/results.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import corpus, size, sync_bench, workload
from bench.bare_app import READY_TEXT
from bench.measure import run_measured
from bench.report import Row, render, write_json
from bench.serverproc import ServerProcess
from bench.tmuxdrive import Tmux
from bench.workload import Library, Newstui, Unavailable

ALL = ("P1", "P1b", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "S1", "S2", "S3")
SCALE = ("P1m", "P2m", "P5m", "P6m", "P7m", "P9m")
ORDER = [
    "B1",
    "P1b",
    "P1",
    "P1m",
    "P2",
    "P2m",
    "F3",
    "P3",
    "F4",
    "P4",
    "F8",
    "P8",
    "P5",
    "P5m",
    "P6",
    "P6m",
    "P7",
    "P7m",
    "P9",
    "P9m",
    *sync_bench.IDS,
]
COMMON_WORD = "the"  # in most articles: the search rows and count at their most expensive
TITLE_RE = re.compile(corpus.TITLE_REGEX)
MB = 1024.0


@dataclass
class Sizes:
    runs: int = 5
    feeds: int = 500
    entries: int = 30
    hosts: int = 100
    feeds_per_host: int = 5
    latency_ms: str = "100-300"
    lib_sources: int = 200
    lib_articles: int = 100_000
    small_articles: int = 1_000
    texts: int = 10_000
    big_feeds: int = 2_000
    big_hosts: int = 400
    scale_sources: int = 2_000
    scale_articles: int = 1_000_000
    scale_texts: int = 100_000
    seed: int = 1
    paint_timeout: float = 30.0
    key_timeout: float = 3.0
    settle: float = 1.5
    newsboat_threads: int = 100
    sync_feeds: int = 200
    sync_items: int = 50

    @classmethod
    def smoke(cls) -> Sizes:
        return cls(
            runs=1,
            feeds=3,
            entries=5,
            hosts=3,
            feeds_per_host=1,
            latency_ms="0",
            lib_sources=3,
            lib_articles=120,
            small_articles=30,
            texts=20,
            big_feeds=6,
            big_hosts=3,
            scale_sources=4,
            scale_articles=300,
            scale_texts=60,
            paint_timeout=10.0,
            key_timeout=1.5,
            settle=0.3,
            sync_feeds=4,
            sync_items=5,
        )


@dataclass
class RefreshSet:
    """One refresh corpus of the bench: its floor rows, newstui's rows, and what its
    server and runs leave behind for the notes."""

    feeds: int
    hosts: int
    floor: Row
    floor2: Row | None  # the floor's pass 2 (F4), when the set measures it
    first: Row | None  # newstui's first refresh (P3, P8)
    second: Row | None  # newstui's second refresh (P4)
    opml: Path = Path()
    urls: list[str] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)  # the floor's whole processes
    last: dict[str, Any] = field(default_factory=dict)  # the floor's last report

    @property
    def floor_ids(self) -> list[str]:
        return [r.id for r in (self.floor, self.floor2) if r]

    @property
    def newstui_rows(self) -> list[Row]:
        return [r for r in (self.first, self.second) if r]

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.newstui_rows]


class Bench:
    def __init__(
        self,
        sizes: Sizes,
        only: set[str],
        newstui: Newstui,
        work: Path,
        floor_args: list[str],
        log: Callable[[str], None],
    ) -> None:
        self.s = sizes
        self.only = only
        self.nt = newstui
        self.work = work
        self.floor_args = floor_args
        self.log = log
        self.rows: dict[str, Row] = {}
        self.libs: dict[tuple[int, int], Library | Exception] = {}
        self.copies: dict[tuple[int, int], Path] = {}
        self.tmux: Tmux | None = None
        self.newsboat = workload.newsboat_available()
        self.reuse_library = False
        self._last_error = ""

    # -- helpers -----------------------------------------------------------------------
    def row(self, id: str, scenario: str, target: str, unit: str = "s") -> Row:
        r = Row(id, scenario, target, unit)
        self.rows[id] = r
        return r

    def wanted(self, *ids: str) -> bool:
        return any(i in self.only for i in ids)

    def guarded(
        self, ids: Sequence[str], fn: Callable[[], None], note_to: Row | None = None, label: str = ""
    ) -> None:
        """Run ``fn``; a failure marks the rows ``ids`` n/a (or adds a note to ``note_to``)."""
        self._last_error = ""
        try:
            fn()
        except Unavailable as exc:
            self._last_error = str(exc)
            if note_to is not None:
                note_to.notes.append(f"{label} n/a: {exc}"[:300])
            for i in ids:
                if i in self.rows and not self.rows[i].values and not self.rows[i].error:
                    self.rows[i].fail(str(exc))
        except Exception as exc:  # never crash the whole run
            self._last_error = f"bench error: {type(exc).__name__}: {exc}"
            self.log(traceback.format_exc())
            if note_to is not None:
                note_to.notes.append(f"{label} n/a: bench error: {type(exc).__name__}: {exc}")
            for i in ids:
                if i in self.rows and not self.rows[i].values and not self.rows[i].error:
                    self.rows[i].fail(f"bench error: {type(exc).__name__}: {exc}")

    def library(self, n_articles: int, n_sources: int | None = None) -> Library:
        n_sources = n_sources or self.s.lib_sources
        key = (n_sources, n_articles)
        if key not in self.libs:
            self.log(f"building/loading the {n_articles}-article library ...")
            try:
                self.libs[key] = workload.build_library(
                    self.nt, n_sources, n_articles, self.s.seed, timeout=7200, reuse=self.reuse_library
                )
            except Exception as exc:
                self.libs[key] = exc
        lib = self.libs[key]
        if isinstance(lib, Exception):
            raise Unavailable(str(lib)) from lib
        return lib

    # -- F3/F4, P3/P4, F8/P8: refresh against the loopback servers -------------------
    def refresh_scenarios(self) -> None:
        """P3/P4 against F3/F4 and, when wanted, P8 against P3 (and F8)."""
        s = self.s
        f3 = self.row("F3", f"floor: fetch+parse {s.feeds} feeds (pass 1)", "ref")
        f4 = self.row("F4", "floor: conditional refetch (pass 2)", "ref")
        p3 = (
            self.row("P3", f"first refresh {s.feeds}x{s.entries} on {s.hosts} hosts", "<= 1.25x F3")
            if self.wanted("P3", "P8")
            else None
        )
        p4 = (
            self.row("P4", f"second refresh, {s.feeds} unchanged", "<= 1.1x F4")
            if self.wanted("P4")
            else None
        )
        sets = [RefreshSet(s.feeds, s.hosts, f3, f4, p3, p4)]
        big = self.wanted("P8")
        if big:
            f8 = self.row("F8", f"floor: fetch+parse {s.big_feeds} feeds (pass 1)", "ref")
            p8 = self.row(
                "P8",
                f"first refresh {s.big_feeds}x{s.entries} on {s.big_hosts} hosts",
                f"<= {s.big_feeds / s.feeds * 1.05:.1f}x P3",
            )
            sets.append(RefreshSet(s.big_feeds, s.big_hosts, f8, None, p8, None))
        self._refresh_sets(sets)
        for r, f, limit in ((p3, f3, 1.25), (p4, f4, 1.1)):
            if r and r.median is not None and f.median:
                r.floor_ratio = r.median / f.median
                r.met = r.floor_ratio <= limit
        fresh = f4.extra.get("process_median")
        if p4 and p4.median is not None and isinstance(fresh, float) and fresh:
            p4.notes.append(f"P4 / the floor's pass 2 as a new process = {p4.median / fresh:.2f}")
        if big:
            if p8.median is not None and f8.median:
                p8.floor_ratio = p8.median / f8.median
            if p8.median is not None and p3 and p3.median:
                ratio = p8.median / p3.median
                p8.met = ratio <= s.big_feeds / s.feeds * 1.05
                p8.notes.append(f"P8/P3 = {ratio:.2f} for {s.big_feeds / s.feeds:.1f}x the feeds")
            if f3.median and f8.median:
                f8.notes.append(f"F8/F3 = {f8.median / f3.median:.2f}")

    def _refresh_sets(self, sets: list[RefreshSet]) -> None:
        """Each set's server runs for the whole step, and every run of the step takes each
        set's floor and then newstui in turn (F3, P3/P4, F8, P8, F3, ...): a host that speeds
        up or slows down during the step moves every row alike, P8's reference P3 too."""
        s = self.s
        with contextlib.ExitStack() as stack:
            for rs in sets:
                srv = stack.enter_context(
                    ServerProcess(
                        workload.server_corpus(rs.feeds, s.entries, s.seed),
                        rs.hosts,
                        s.latency_ms,
                        log=self.work / f"server-{rs.feeds}.log",
                    )
                )
                per_host = max(1, -(-rs.feeds // rs.hosts))
                rs.opml, rs.urls = workload.server_opml(
                    self.work / f"subs-{rs.feeds}.opml", rs.feeds, s.entries, s.seed, srv.port, per_host
                )
            for i in range(s.runs):
                for rs in sets:
                    if not rs.floor.error:
                        self.guarded(rs.floor_ids, functools.partial(self._floor_run, rs.opml, i, rs))
                    if rs.ids and not any(r.error for r in rs.newstui_rows):
                        self.guarded(
                            rs.ids,
                            functools.partial(self._newstui_run, rs.opml, i, rs.first, rs.second, rs.feeds),
                        )
            for rs in sets:
                if rs.last:
                    self._floor_notes(rs.floor, rs.floor2, rs.walls, rs.last)
                if self.newsboat and rs.ids:
                    self.guarded(
                        [],
                        functools.partial(self._newsboat_refresh, rs.urls, rs.first, rs.second),
                        note_to=rs.first or rs.second,
                        label="newsboat comparison",
                    )

    def _floor_run(self, opml: Path, i: int, rs: RefreshSet) -> None:
        f3, f4 = rs.floor, rs.floor2
        m = run_measured(
            [sys.executable, "-m", "bench.floor", "--opml", str(opml), *self.floor_args],
            cwd=workload.REPO,
            timeout=300,
        )
        if not m.ok:
            raise Unavailable(f"floor failed: {m.reason()}")
        data = json.loads(m.stdout.strip().splitlines()[-1])
        for row, key in ((f3, "pass1"), (f4, "pass2")):
            if row is None:
                continue
            p = data[key]
            if p["errors"]:
                row.notes.append(
                    f"run {i + 1}: {p['errors']} errors, e.g. {(p['error_samples'] or [''])[0][:120]}"
                )
            row.values.append(p["seconds"])
            row.rss_mb.append(m.maxrss_kb / MB)
        fresh = data.get("pass2_process") or {}
        if f4 is not None and fresh.get("seconds") is not None:
            f4.extra.setdefault("process_values", []).append(fresh["seconds"])
        rs.walls.append(m.wall)
        rs.last.update(data)
        self.log(
            f"floor {rs.feeds} feeds, run {i + 1}: pass1 {data['pass1']['seconds']:.3f} s, "
            f"pass2 {data['pass2']['seconds']:.3f} s, whole process {m.wall:.2f} s"
        )

    def _floor_notes(self, f3: Row, f4: Row | None, walls: list[float], data: dict[str, Any]) -> None:
        f3.notes.append(
            f"in-process seconds (no interpreter start-up/imports); whole floor process "
            f"(both passes) median {statistics.median(walls):.2f} s; "
            f"{data['pass1']['entries']} entries; args {self.floor_args or 'default'}; "
            "runs alternated with newstui's and with the other refresh set's"
        )
        if f4 is not None:
            f4.notes.append(f"304s per run: {data['pass2']['not_modified']}/{data['feeds']}")
            fresh_values = f4.extra.get("process_values")
            if fresh_values:
                f4.extra["process_median"] = statistics.median(fresh_values)
                f4.notes.append(
                    "pass 2 again as a new process, timed from outside like P4 (start-up, "
                    f"imports, new connections): median {f4.extra['process_median']:.2f} s"
                )

    def _newstui_run(self, opml: Path, i: int, p3: Row | None, p4: Row | None, feeds: int) -> None:
        s = self.s
        data = self.work / f"refresh-data-{i}"
        shutil.rmtree(data, ignore_errors=True)
        m = run_measured(self.nt.cmd(data, "import", str(opml)), env=self.nt.env, timeout=120)
        if not m.ok:
            raise Unavailable(f"import of the OPML failed: {m.reason()}")
        # The second refresh only when P4 wants it (P8's would take seconds and go unused).
        for r in (p3, p4) if p4 is not None else (p3,):
            self._timed(r, data, ["refresh", "--quiet"], timeout=300)
        if i == 0:
            n = self._count(data, [])
            if n is not None and n != feeds * s.entries and p3:
                p3.notes.append(f"after refresh the library lists {n} articles, expected {feeds * s.entries}")
        shutil.rmtree(data, ignore_errors=True)
        self.log(
            f"newstui refresh {feeds} feeds, run {i + 1}: "
            + ", ".join(f"{r.id} {r.values[-1]:.2f} s" for r in (p3, p4) if r)
        )

    def _timed(self, r: Row | None, data: Path, args: list[str], timeout: float) -> None:
        """Run ``newstui args`` on ``data``; its wall time and peak memory go to ``r`` (a
        run with no row is still run: the first refresh before P4's)."""
        m = run_measured(self.nt.cmd(data, *args), env=self.nt.env, timeout=timeout)
        if r is None:
            return
        if not m.ok:
            raise Unavailable(f"{args[0]} {m.reason()}")
        r.values.append(m.wall)
        r.rss_mb.append(m.maxrss_kb / MB)

    def _count(self, data: Path, query: list[str]) -> int | None:
        m = run_measured(self.nt.cmd(data, "list", *query, "--format", "json"), env=self.nt.env, timeout=120)
        return _json_count(m.stdout) if m.ok else None

    def _newsboat_refresh(self, urls: list[str], p3: Row | None, p4: Row | None) -> None:
        first, second = [], []
        for i in range(self.s.runs):
            work = self.work / f"newsboat-{i}"
            shutil.rmtree(work, ignore_errors=True)
            url_file, config, cache = workload.newsboat_files(work, urls, self.s.newsboat_threads)
            env = workload.newsboat_env(work / "home")
            cmd = workload.newsboat_cmd(url_file, config, cache, "-x", "reload")
            # The second reload only when P4 wants it (P8's took 3 minutes and was unused).
            for bucket in (first, second) if p4 is not None else (first,):
                m = run_measured(cmd, env=env, timeout=600)
                if not m.ok:
                    raise Unavailable(f"newsboat reload {m.reason()}")
                bucket.append(m.wall)
            shutil.rmtree(work, ignore_errors=True)
            times = ", ".join(f"{b[-1]:.2f} s" for b in (first, second) if b)
            self.log(f"newsboat reload run {i + 1}: {times}")
        for r, vals, label in ((p3, first, "first"), (p4, second, "second")):
            if r is None:
                continue
            med = statistics.median(vals)
            if r.median is not None:
                r.newsboat_ratio = r.median / med
            r.notes.append(
                f"newsboat -x reload ({label}, reload-threads "
                f"{self.s.newsboat_threads}): median {med:.2f} s, "
                f"min {min(vals):.2f}, max {max(vals):.2f}"
            )

    # -- P6/P6m: import of local text articles --------------------------------------
    def import_scenarios(self) -> None:
        """P6, and P6m when asked for, with their runs alternated (P6, P6m, P6, ...) so a
        host that speeds up or slows down during the bench moves both sizes alike, and
        each corpus read once beforehand, untimed: a first run would otherwise time the
        disk (a cold 100,000-file corpus took 26.6 s where the next runs took 17.5-18.4)."""
        s = self.s
        sizes = [("P6", s.texts, s.runs)]
        if self.wanted("P6m"):
            sizes.append(("P6m", s.scale_texts, max(1, min(s.runs, 3))))
        plan = []
        for id, count, runs in sizes:
            target = "<= 10 s" if id == "P6" else "<= 10x P6"
            row = self.row(id, f"import {count} local text articles", target)
            texts = workload.text_corpus(count, s.seed)
            for f in texts.rglob("*"):
                if f.is_file():
                    f.read_bytes()
            plan.append((row, count, runs, texts))
        for i in range(max(runs for _, _, runs, _ in plan)):
            for r, count, runs, texts in plan:
                if i < runs and not r.error:
                    try:
                        self._import_run(r, count, texts, i)
                    except Unavailable as exc:  # this size is n/a; the other still runs
                        r.fail(str(exc))
        for r, count, _, _ in plan:
            if r.error or not r.values:
                continue
            r.notes.append(f"{count / r.median:,.0f} articles/s")
            if r.id == "P6":
                r.met = r.median <= 10.0
            elif (p6 := self.rows.get("P6")) and p6.median:
                ratio = r.median / p6.median
                r.met = ratio <= 10 * count / (10 * s.texts)
                times = f"{count / s.texts:.0f}x the articles"
                r.notes.append(f"P6m/P6 = {ratio:.2f} for {times} (runs alternated)")

    def _import_run(self, r: Row, count: int, texts: Path, i: int) -> None:
        data = self.work / f"import-data-{r.id}-{i}"
        shutil.rmtree(data, ignore_errors=True)
        self._timed(r, data, ["import", str(texts)], timeout=3600)
        if i == 0:
            n = self._count(data, [])
            if n is not None and n != count:
                r.notes.append(f"library lists {n} articles after import, expected {count}")
        shutil.rmtree(data, ignore_errors=True)
        self.log(f"{r.id} import run {i + 1}: {r.values[-1]:.2f} s")

    # -- P7/P7m: list query on the big library ---------------------------------------
    def list_scenario(self, id: str, n_sources: int, n: int, limit: float) -> None:
        r = self.row(id, f"list 'tag:x is:unread' --format json, {n} articles", f"<= {limit} s")
        lib = self.library(n, n_sources)
        data = self.working_copy(n, n_sources)
        count = None
        for _ in range(self.s.runs):
            m = run_measured(
                self.nt.cmd(data, "list", "tag:x is:unread", "--format", "json"), env=self.nt.env, timeout=120
            )
            if not m.ok:
                raise Unavailable(f"list {m.reason()}")
            r.values.append(m.wall)
            r.rss_mb.append(m.maxrss_kb / MB)
            count = _json_count(m.stdout)
        expected = lib.info.get("tagged_x")
        r.notes.append(f"{count} articles listed ({expected} match; the list's default limit applies)")
        r.met = r.median <= limit

    # -- P9/P9m: library size ----------------------------------------------------------
    def size_scenario(self, id: str, n_sources: int, n: int) -> None:
        r = self.row(id, f"library size, {n} articles, vs its feed files", "<= 2x", "x")
        lib = self.library(n, n_sources)
        data = lib.data_dir  # read only: the library as `newstui import` left it
        feed_bytes = int(lib.info.get("feed_bytes") or workload.corpus_bytes(lib))
        parts = size.breakdown(data / "library.db")
        total = sum(p.stat().st_size for p in size.library_files(data))
        r.values.append(total / feed_bytes)
        r.met = r.values[-1] <= 2.0
        r.notes.append(size.describe(parts, feed_bytes))
        r.extra.update(bytes=parts, feed_bytes=feed_bytes)

    def working_copy(self, n: int, n_sources: int | None = None) -> Path:
        """One private copy of a cached library per run, shared by the scenarios on it."""
        lib = self.library(n, n_sources)
        key = (n_sources or self.s.lib_sources, n)
        if key not in self.copies:
            data = workload.copy_library(lib, self.work / f"lib-{key[0]}x{key[1]}")
            # Opened once, unmeasured: a library cached by an older newstui is migrated
            # (and any kept counts filled) here, not inside the first measured run.
            opened = run_measured(self.nt.cmd(data, "sources"), env=self.nt.env, timeout=7200)
            if not opened.ok:
                raise Unavailable(f"opening the library copy failed: {opened.reason()}")
            self.copies[key] = data
        return self.copies[key]

    # -- P1, P1b, P5 (+ bare app, newsboat): first paint in tmux ---------------------
    def _tmux(self) -> Tmux:
        if shutil.which("tmux") is None:
            raise Unavailable("tmux is not installed")
        if self.tmux is None:
            env = dict(self.nt.env)
            env.setdefault("COLORTERM", "truecolor")
            env["TERM"] = "xterm-256color"
            self.tmux = Tmux()
            self.tmux.start_server(env)
        return self.tmux

    def paint(
        self,
        cmd: list[str],
        pattern: re.Pattern[str],
        settle: float = 0.0,
        name: str = "app",
        timeout: float | None = None,
    ) -> tuple[float, float | None]:
        """Start ``cmd`` in a fresh tmux session; (seconds to first paint, peak RSS MB)."""
        timeout = timeout or self.s.paint_timeout
        tm = self._tmux()
        result = self.work / f"pane-{name}-{time.monotonic_ns()}.json"
        session, t0 = tm.launch(cmd, {}, result)
        t, screen = tm.wait_for(
            session, lambda sc: bool(pattern.search(sc)), timeout, abort=lambda: result.exists()
        )
        if t is not None and settle:
            time.sleep(settle)
        pane = tm.finish(session, result)
        if t is None:
            tail = " | ".join(ln.strip() for ln in screen.splitlines() if ln.strip())[-200:]
            why = (
                f"exited ({pane.returncode})"
                if result.exists() and pane.returncode
                else f"nothing matching {pattern.pattern!r} within {timeout} s"
            )
            raise Unavailable(f"{name}: {why}; screen: {tail or '(empty)'}")
        rss = pane.maxrss_kb / MB if pane.maxrss_kb else None
        return t - t0, rss

    def paint_scenarios(self) -> None:
        s = self.s
        bare = self.row("B1", "bare Textual app first paint (tmux)", "ref")
        p1b = (
            self.row("P1b", f"TUI first paint, {s.small_articles} articles", "ref")
            if self.wanted("P1", "P1b", "P1m")
            else None
        )
        p1 = (
            self.row(
                "P1", f"TUI first paint, {s.lib_articles} articles in {s.lib_sources} sources", "<= 1.5x B1"
            )
            if self.wanted("P1")
            else None
        )
        p1m = (
            self.row(
                "P1m",
                f"TUI first paint, {s.scale_articles} articles in {s.scale_sources} sources",
                "<= 1.5x B1 and <= 1.1x P1b",
            )
            if self.wanted("P1m")
            else None
        )
        bare_cmd = [sys.executable, str(workload.BENCH_DIR / "bare_app.py")]
        ready = re.compile(re.escape(READY_TEXT))
        targets: list[tuple[Row, Path]] = []
        for r, n, n_src in (
            (p1b, s.small_articles, s.lib_sources),
            (p1, s.lib_articles, s.lib_sources),
            (p1m, s.scale_articles, s.scale_sources),
        ):
            if r is None:
                continue
            try:
                lib = self.library(n, n_src)
                targets.append((r, self.working_copy(n, n_src)))
                r.notes.append(
                    f"library: {lib.info['articles']} articles in "
                    f"{lib.info['sources']} feeds + {lib.info['tagged_x']} local "
                    f"(built in {lib.info['build_seconds']} s by newstui import)"
                )
            except Unavailable as exc:
                r.fail(str(exc))
        for i in range(s.runs):
            self.guarded(["B1"], functools.partial(self._paint_row, bare, bare_cmd, ready, 0.0))
            for r, data in targets:
                if r.error:
                    continue
                self.guarded([r.id], functools.partial(self._paint_row, r, self.nt.cmd(data), TITLE_RE, 0.0))
            self.log(
                f"paint run {i + 1}: "
                + ", ".join(f"{x.id} {x.values[-1]:.3f} s" for x in (bare, p1b, p1, p1m) if x and x.values)
            )
        for r in (p1, p1m):
            if r is None or not r.values or not bare.median:
                continue
            ratio = r.median / bare.median
            r.notes.append(f"{r.id}/B1 = {ratio:.2f}")
            r.met = ratio <= 1.5
            if r is p1m and p1b and p1b.median:
                flat = r.median / p1b.median
                r.notes.append(f"P1m/P1b = {flat:.2f}")
                r.met = r.met and flat <= 1.1
        if self.newsboat and p1 and p1.values:
            self.guarded(
                [],
                lambda: self._newsboat_paint(p1, self.rows.get("P5")),
                note_to=p1,
                label="newsboat comparison",
            )

    def _paint_row(self, r: Row, cmd: list[str], pattern: re.Pattern[str], settle: float) -> None:
        secs, rss = self.paint(cmd, pattern, settle=settle, name=r.id)
        r.values.append(secs)
        if rss is not None:
            r.rss_mb.append(rss)

    def _newsboat_paint(self, p1: Row, p5: Row | None) -> None:
        lib = self.library(self.s.lib_articles)
        nb = self._newsboat_library(lib)
        pattern = re.compile(r"Bench Source \d{4}")
        times, rsss = [], []
        for _ in range(self.s.runs):
            lock = Path(str(nb["cache"]) + ".lock")
            lock.unlink(missing_ok=True)
            cmd = ["env", f"HOME={nb['home']}", *workload.newsboat_cmd(nb["urls"], nb["config"], nb["cache"])]
            secs, rss = self.paint(
                cmd, pattern, settle=self.s.settle, name="newsboat", timeout=max(120.0, self.s.paint_timeout)
            )
            times.append(secs)
            if rss:
                rsss.append(rss)
        med = statistics.median(times)
        p1.newsboat_ratio = p1.median / med
        p1.notes.append(
            f"newsboat first paint (feed list) on the same library: median "
            f"{med:.3f} s, min {min(times):.3f}, max {max(times):.3f}"
        )
        if p5 and rsss and p5.values:
            p5.newsboat_ratio = p5.median / statistics.median(rsss)
            p5.notes.append(f"newsboat peak RSS median {statistics.median(rsss):.1f} MB")

    def _newsboat_library(self, lib: Library) -> dict[str, Path]:
        """newsboat's cache of the same feeds (fetched once from the loopback server)."""
        root = lib.data_dir.parent / "newsboat"
        files = {
            "urls": root / "urls",
            "config": root / "config",
            "cache": root / "cache.db",
            "home": root / "home",
        }
        if (root / "done").exists():
            return files
        shutil.rmtree(root, ignore_errors=True)
        feeds_dir = lib.data_dir.parent / "feeds"
        names = sorted(p.name for p in feeds_dir.iterdir())
        hosts = min(20, len(names))
        with ServerProcess(feeds_dir, hosts, "0") as srv:
            urls = [
                f"http://{corpus.host_for(i, -(-len(names) // hosts))}:{srv.port}/feeds/{n}"
                for i, n in enumerate(names)
            ]
            url_file, config, cache = workload.newsboat_files(root, urls, 20)
            env = workload.newsboat_env(files["home"])
            m = run_measured(
                workload.newsboat_cmd(url_file, config, cache, "-x", "reload"), env=env, timeout=1800
            )
            if not m.ok:
                raise Unavailable(f"newsboat reload of the library {m.reason()}")
        (root / "done").write_text("ok")
        return files

    # -- P2/P2m (+ P5/P5m): scroll to the end, then search as you type ---------------
    def search_scenario(self, id: str, rss_id: str, n_sources: int, n: int, rss_limit: float) -> None:
        s = self.s
        r = self.row(
            id,
            f"search as you type, {n} articles (tmux)",
            "<= 50 ms median, <= 150 ms worst; exact count <= 1 s",
            "ms",
        )
        rss = (
            self.row(
                rss_id,
                f"TUI peak RSS, {n} articles, after scrolling to the end and searching",
                f"<= {rss_limit:.0f} MB",
                "MB",
            )
            if self.wanted(rss_id)
            else None
        )
        lib = self.library(n, n_sources)
        planted = lib.planted
        if len(planted) < 2:
            raise Unavailable("library too small for the planted search words")
        data = self.working_copy(n, n_sources)
        expected = _fts_count(data, COMMON_WORD)
        ids = {w: f"{corpus.TITLE_MARKER}{uid:06d}" for w, uid in planted.items()}
        stats = {"timeouts": 0, "fallbacks": 0}
        count_ms: list[float] = []
        counts: list[int | None] = []
        for _ in range(s.runs):
            self._search_session(data, ids, r, rss, stats, count_ms, counts)
        if len(r.values) == stats["timeouts"]:
            r.values.clear()
            raise Unavailable(
                f"no keystroke produced a visible list update "
                f"within {s.key_timeout} s ({stats['timeouts']} tried)"
            )
        r.extra.update(count_ms=count_ms, counts=counts, expected_count=expected)
        right = all(c == expected for c in counts) if expected is not None else None
        slowest = max(count_ms) if count_ms else None
        r.met = (
            r.median <= 50
            and r.max <= 150
            and stats["timeouts"] == 0
            and slowest is not None
            and slowest <= 1000
            and right is not False
        )
        r.notes.append(
            f"{corpus.SEARCH_QUERY!r} (rare, planted) then {COMMON_WORD!r} (in {expected} "
            f"articles) typed after '/', one key at a time; {len(r.values)} keystrokes; "
            f"{stats['timeouts']} timeouts (counted as {s.key_timeout * 1000:.0f} ms); "
            f"{stats['fallbacks']} used the fallback detector"
        )
        if count_ms:
            r.notes.append(
                f"exact count of {COMMON_WORD!r} on screen after the last key: median "
                f"{statistics.median(count_ms):.0f} ms, worst {slowest:.0f} ms; shown "
                f"{sorted(set(counts), key=str)} (true: {expected})"
            )
        if rss and rss.values:
            rss.met = rss.median <= rss_limit

    def _search_session(
        self,
        data: Path,
        ids: dict[str, str],
        r: Row,
        rss: Row | None,
        stats: dict[str, int],
        count_ms: list[float],
        counts: list[int | None],
    ) -> None:
        tm = self._tmux()
        result = self.work / f"pane-{r.id}-{time.monotonic_ns()}.json"
        session, _ = tm.launch(self.nt.cmd(data), {}, result)
        try:
            t, screen = tm.wait_for(
                session,
                lambda sc: bool(TITLE_RE.search(sc)),
                self.s.paint_timeout,
                abort=lambda: result.exists(),
            )
            if t is None:
                raise Unavailable(
                    f"the TUI never showed an article title: {' | '.join(screen.split())[-160:]}"
                )
            time.sleep(self.s.settle)
            # To the end of the list: every page on the way may cost memory.
            before = tm.capture(session)
            t0 = time.perf_counter()
            tm.send_literal(session, "G")
            t1, _ = tm.wait_for(
                session,
                lambda sc: sc != before and TITLE_RE.search(sc) is not None and "   …" not in sc,
                10.0,
            )
            if t1 is None:
                r.notes.append("the end of the list did not show within 10 s")
            time.sleep(0.5)
            tm.send_literal(session, "/")
            time.sleep(0.5)
            query = corpus.SEARCH_QUERY
            consecutive = 0
            for k in range(1, len(query) + 1):
                want = ids.get(query[:k])
                gone = ids.get(query[: k - 1]) if k > 1 else None
                before = tm.capture(session)
                first_change: list[float] = []
                done = functools.partial(_search_done, before, want, gone, first_change)
                if not self._key(session, query[k - 1], done, r, stats, first_change):
                    consecutive += 1
                    if consecutive >= 2:
                        break
                else:
                    consecutive = 0
                time.sleep(0.2)
            tm.send_key(session, "C-u")  # empty the search box
            time.sleep(1.0)
            word = COMMON_WORD
            for k in range(1, len(word) + 1):
                rows_in = re.compile(rf"“{re.escape(word[:k])}” — [0-9,]+\+? articles?")
                self._key(session, word[k - 1], lambda sc, p=rows_in: bool(p.search(sc)), r, stats, [])
            t0 = time.perf_counter()
            exact = re.compile(rf"“{re.escape(word)}” — ([0-9,]+) articles? ·")
            t1, screen = tm.wait_for(session, lambda sc: bool(exact.search(sc)), 10.0)
            if t1 is None:
                count_ms.append(10_000.0)
                counts.append(None)
            else:
                count_ms.append((t1 - t0) * 1000)
                m = exact.search(screen)
                counts.append(int(m.group(1).replace(",", "")) if m else None)
        finally:
            pane = tm.finish(session, result)
        if rss is not None and pane.maxrss_kb:
            rss.values.append(pane.maxrss_kb / MB)
            rss.rss_mb.append(pane.maxrss_kb / MB)

    def _key(
        self,
        session: str,
        key: str,
        done: Callable[[str], bool],
        r: Row,
        stats: dict[str, int],
        first_change: list[float],
    ) -> bool:
        """Send one key; record ms until ``done(screen)``. False on a timeout."""
        tm = self._tmux()
        t0 = time.perf_counter()
        tm.send_literal(session, key)
        t1, _ = tm.wait_for(session, done, self.s.key_timeout)
        if t1 is not None:
            r.values.append((t1 - t0) * 1000)
            return True
        if first_change:
            r.values.append((first_change[0] - t0) * 1000)
            stats["fallbacks"] += 1
            return True
        r.values.append(self.s.key_timeout * 1000)
        stats["timeouts"] += 1
        return False

    # -- all ---------------------------------------------------------------------------
    def run(self) -> list[Row]:
        s = self.s
        steps: list[tuple[tuple[str, ...], Callable[[], None]]] = [
            (("P3", "P4", "P8"), self.refresh_scenarios),
            (("P6", "P6m"), self.import_scenarios),
            (("P7",), lambda: self.list_scenario("P7", s.lib_sources, s.lib_articles, 0.5)),
            (("P7m",), lambda: self.list_scenario("P7m", s.scale_sources, s.scale_articles, 0.3)),
            (("P9",), lambda: self.size_scenario("P9", s.lib_sources, s.lib_articles)),
            (("P9m",), lambda: self.size_scenario("P9m", s.scale_sources, s.scale_articles)),
            (("P1", "P1b", "P1m"), self.paint_scenarios),
            (("P2", "P5"), lambda: self.search_scenario("P2", "P5", s.lib_sources, s.lib_articles, 120.0)),
            (
                ("P2m", "P5m"),
                lambda: self.search_scenario("P2m", "P5m", s.scale_sources, s.scale_articles, 100.0),
            ),
            (("S1", "S2", "S3"), lambda: sync_bench.scenarios(self)),  # against FreshRSS
        ]
        try:
            for ids, fn in steps:
                if self.wanted(*ids):
                    # A failure marks the rows this step made (not those of earlier steps).
                    before = set(self.rows)
                    self.guarded([], fn)
                    err = self._last_error
                    for i in set(self.rows) - before:
                        row = self.rows[i]
                        if err and not row.values and not row.error:
                            row.fail(err)
        finally:
            if self.tmux:
                self.tmux.stop_server()
            for copy in self.copies.values():
                shutil.rmtree(copy, ignore_errors=True)
        return [self.rows[i] for i in ORDER if i in self.rows]


def _fts_count(data: Path, word: str) -> int | None:
    """How many articles the search ``word`` (a prefix search) matches, read directly."""
    try:
        conn = sqlite3.connect(f"file:{data / 'library.db'}?mode=ro", uri=True)
        try:
            return conn.execute(
                "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", (f'"{word}"*',)
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _search_done(
    before: str, want: str | None, gone: str | None, first_change: list[float], screen: str
) -> bool:
    """P2 detector: the expected title is on screen and the previous one is gone."""
    if screen == before or not want or want not in screen:
        return False
    if not first_change:
        first_change.append(time.perf_counter())
    return gone is None or gone not in screen


def _json_count(text: str) -> int | None:
    """Number of articles in ``list --format json`` output (JSON lines or one document)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return 0
    try:
        docs = [json.loads(ln) for ln in lines]
        if all(isinstance(d, dict) for d in docs) and (len(docs) > 1 or "id" in docs[0]):
            return len(docs)
    except ValueError:
        pass
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if isinstance(doc, list):
        return len(doc)
    if isinstance(doc, dict):
        for key in ("articles", "items", "results"):
            if isinstance(doc.get(key), list):
                return len(doc[key])
    return None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--runs", type=int, default=None, help="runs per scenario (default 5)")
    p.add_argument(
        "--smoke", action="store_true", help="tiny sizes, 1 run (for CI); results go to bench/.cache/"
    )
    p.add_argument(
        "--scale", action="store_true", help="add the 1,000,000-article rows (P1m P2m P5m P6m P7m P9m)"
    )
    p.add_argument("--only", default="", help="comma-separated ids, e.g. P3,P4")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON path (default bench/results.json; with --smoke bench/.cache/results-smoke.json)",
    )
    p.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    p.add_argument("--newstui", default=None, help="command to run newstui (default: PATH)")
    p.add_argument("--floor-args", default="", help="extra arguments for bench.floor")
    p.add_argument("--no-newsboat", action="store_true", help="skip the newsboat comparisons")
    p.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="cache folder for corpora and libraries (default bench/.cache)",
    )
    p.add_argument(
        "--reuse-library",
        action="store_true",
        help="use a cached library even if the newstui sources changed since",
    )
    for f in (
        "feeds",
        "entries",
        "hosts",
        "feeds_per_host",
        "lib_sources",
        "lib_articles",
        "small_articles",
        "texts",
        "big_feeds",
        "big_hosts",
        "scale_sources",
        "scale_articles",
        "scale_texts",
        "sync_feeds",
        "sync_items",
        "seed",
    ):
        p.add_argument("--" + f.replace("_", "-"), type=int, default=None)
    p.add_argument("--latency-ms", default=None, help="server latency lo-hi ms (default 100-300)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = Sizes.smoke() if args.smoke else Sizes()
    for name in asdict(sizes):
        value = getattr(args, name, None)
        if value is not None:
            setattr(sizes, name, value)
    only = {x.strip() for x in args.only.split(",") if x.strip()} or set(ALL)
    if args.scale and not args.only:
        only |= set(SCALE)
    unknown = only - set(ALL) - set(SCALE)
    if unknown:
        print(f"unknown scenario ids: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    nt = workload.find_newstui(args.newstui)
    compiled = workload.precompile(nt)
    if args.cache:
        workload.CACHE = args.cache.resolve()
    workload.CACHE.mkdir(parents=True, exist_ok=True)
    # Smoke figures never land on the committed results.
    out = args.out or (
        workload.CACHE / "results-smoke.json" if args.smoke else workload.BENCH_DIR / "results.json"
    )

    def log(msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="newstui-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        bench = Bench(sizes, only, nt, work, args.floor_args.split(), log)
        if args.no_newsboat:
            bench.newsboat = None
        bench.reuse_library = args.reuse_library
        t0 = time.perf_counter()
        rows = bench.run()
        total = time.perf_counter() - t0
    print(render(rows))
    write_json(
        out,
        rows,
        {
            "smoke": args.smoke,
            "scale": args.scale,
            "sizes": asdict(sizes),
            "only": sorted(only),
            "newstui": nt.argv,
            "bytecode": compiled or "not byte-compiled (could not find newstui's interpreter)",
            "newsboat": bench.newsboat,
            "p2_method": "tmux",
            "total_seconds": round(total, 1),
        },
    )
    print(f"\nwrote {out} ({total:.0f} s)")
    if not args.smoke and args.out is None:
        try:
            from bench import plot

            rows_by_id, _ = plot.load_rows([out])
            print(f"drew {plot.draw(rows_by_id, asdict(sizes), plot.BENCH_DIR / 'curves.svg')}")
        except ImportError:
            print("no matplotlib: `pip install -e '.[bench]'` to draw bench/curves.svg")
    return 0
