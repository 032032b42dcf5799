"""Worker processes for the CPU-bound halves of a refresh (feed parsing, HTTP fetching) and
an import (reading files), safe to open from a Textual app."""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

# What a refresh's processes need, whichever of them starts the forkserver first (it keeps
# the first preload list it is given): the feed parsers and the fetch process.
REFRESH_PRELOAD = ("newstui.sources.feedparse", "feedparser", "newstui.sources.fetch", "httpx")


def _context(preload: Sequence[str]) -> BaseContext:
    """The forkserver context, its preload list set (spawn where there is no forkserver)."""
    start_resource_tracker()
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver = multiprocessing.get_context("forkserver")
        # One forkserver per process: the first pool's preload list is the one it keeps;
        # modules it lacks are imported by the workers themselves.
        forkserver.set_forkserver_preload(list(preload))
        return forkserver
    return multiprocessing.get_context("spawn")


def process_pool(
    workers: int, preload: Sequence[str], initializer: Callable[[], None] | None = None
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes. Never plain fork (the TUI has threads): forkserver
    starts one fresh process that imports ``preload`` once, then forks each worker from it;
    spawn where there is no forkserver."""
    context = _context(preload)
    return ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context, initializer=initializer)


def fetch_context() -> BaseContext:
    """The context a refresh's fetch process starts from (see ``REFRESH_PRELOAD``)."""
    return _context(REFRESH_PRELOAD)


# start_resource_tracker swaps sys.stderr for a moment, and the parsers' warm-up thread and
# the fetch process's starter may call it at once: unserialised, the second call could save
# the first one's swapped-in stderr and "restore" it, leaving the real terminal as stderr
# under a Textual app.
_TRACKER_LOCK = threading.Lock()


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a real stderr.

    The tracker is handed ``sys.stderr.fileno()``; inside a Textual app stderr is a
    capture object whose fileno is -1, and starting the tracker there fails with "bad
    value(s) in fds_to_keep". Started once here, it is never started again."""
    from multiprocessing import resource_tracker

    with _TRACKER_LOCK:
        saved = sys.stderr
        try:
            usable = saved is not None and saved.fileno() >= 0
        except (AttributeError, OSError, ValueError):
            usable = False
        if not usable and sys.__stderr__ is not None:
            sys.stderr = sys.__stderr__
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = saved
