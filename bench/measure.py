"""Measure whole processes from outside: wall time and peak RSS via ``os.wait4``.

``ru_maxrss`` from ``wait4`` is the child's own peak or that of any descendant it
waited for, whichever is larger (Linux reports kilobytes).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measurement:
    wall: float
    maxrss_kb: int
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def reason(self) -> str:
        """A one-line reason for a failure."""
        if self.timed_out:
            return f"timed out after {self.wall:.0f} s"
        lines = [ln.strip() for ln in (self.stderr or self.stdout).splitlines() if ln.strip()]
        tail = lines[-1] if lines else ""
        return f"exit {self.returncode}: {tail[:160]}"


def run_measured(
    cmd: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600.0,
    stdin_data: bytes | None = None,
) -> Measurement:
    # A child forked from this (large) Python process starts with its memory counted in
    # its own ru_maxrss. GNU time, small itself, forks the real command and reports that
    # command's own peak, so the figure is the command's alone.
    gnu_time = Path("/usr/bin/time")
    rss_file = tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False)
    rss_file.close()
    if gnu_time.exists():
        cmd = [str(gnu_time), "-f", "%M", "-o", rss_file.name, *cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        timer.start()
        if stdin_data is not None and proc.stdin is not None:
            try:
                proc.stdin.write(stdin_data)
                proc.stdin.close()
            except BrokenPipeError:
                pass
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        maxrss_kb = int(usage.ru_maxrss)
        try:
            lines = Path(rss_file.name).read_text().split()
            if gnu_time.exists() and lines and lines[-1].isdigit():
                maxrss_kb = int(lines[-1])
        finally:
            os.unlink(rss_file.name)
        return Measurement(
            wall=wall,
            maxrss_kb=maxrss_kb,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            timed_out=timed_out.is_set(),
        )


@dataclass
class Summary:
    median: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(statistics.median(values), min(values), max(values), len(values))
