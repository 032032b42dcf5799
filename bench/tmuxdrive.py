"""Drive a real terminal with tmux: start a program, poll the screen, send keys.

All sessions live on a private tmux socket (``-L newstui-bench-<pid>``); a keeper session
keeps that server alive so server start-up is never part of a measurement.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WRAP = Path(__file__).with_name("wrap.py")
POLL = 0.01


@dataclass
class PaneResult:
    maxrss_kb: int | None
    returncode: int | None


class Tmux:
    def __init__(self, width: int = 160, height: int = 48) -> None:
        self.socket = f"newstui-bench-{os.getpid()}"
        self.width = width
        self.height = height
        self._n = 0
        self._started = False

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            check=check,
            capture_output=True,
            text=True,
        )

    def start_server(self, env: Mapping[str, str]) -> None:
        if self._started:
            return
        subprocess.run(
            [
                "tmux",
                "-L",
                self.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "keeper",
                "-x",
                "20",
                "-y",
                "5",
                "sleep 86400",
            ],
            check=True,
            env=dict(env),
        )
        for option, value in (
            ("escape-time", "0"),
            ("remain-on-exit", "on"),
            ("default-terminal", "screen-256color"),
            ("status", "off"),
        ):
            self._tmux("set-option", "-g", option, value, check=False)
        self._started = True

    def stop_server(self) -> None:
        if self._started:
            self._tmux("kill-server", check=False)
            self._started = False
            tmpdir = os.environ.get("TMUX_TMPDIR", "/tmp")
            Path(tmpdir, f"tmux-{os.getuid()}", self.socket).unlink(missing_ok=True)

    def launch(self, cmd: Sequence[str], env: Mapping[str, str], result: Path) -> tuple[str, float]:
        """Start ``cmd`` (wrapped to record its rusage) in a new session; returns (name, t0)."""
        self._n += 1
        name = f"s{self._n}"
        env_args = [f"{k}={v}" for k, v in env.items()]
        full = ["env", *env_args, sys.executable, str(WRAP), str(result), "--", *cmd]
        shell = " ".join(shlex.quote(a) for a in full)
        t0 = time.perf_counter()
        self._tmux("new-session", "-d", "-s", name, "-x", str(self.width), "-y", str(self.height), shell)
        return name, t0

    def capture(self, name: str) -> str:
        proc = self._tmux("capture-pane", "-p", "-t", name, check=False)
        return proc.stdout

    def send_literal(self, name: str, text: str) -> None:
        self._tmux("send-keys", "-t", name, "-l", text)

    def send_key(self, name: str, key: str) -> None:
        self._tmux("send-keys", "-t", name, key)

    def wait_for(
        self,
        name: str,
        pred: Callable[[str], bool],
        timeout: float,
        abort: Callable[[], bool] | None = None,
    ) -> tuple[float | None, str]:
        """Poll until ``pred(screen)``; returns (perf_counter time or None, last screen).

        ``abort()`` true (e.g. the program has exited) ends the wait early.
        """
        end = time.perf_counter() + timeout
        screen = ""
        while time.perf_counter() < end:
            screen = self.capture(name)
            if pred(screen):
                return time.perf_counter(), screen
            if abort is not None and abort():
                time.sleep(0.05)
                return None, self.capture(name)
            time.sleep(POLL)
        return None, screen

    def finish(self, name: str, result: Path, timeout: float = 5.0) -> PaneResult:
        """Stop the program (SIGTERM to it, then SIGKILL) and collect its rusage."""
        pid_file = Path(str(result) + ".pid")
        try:
            pid = int(pid_file.read_text())
        except (OSError, ValueError):
            pid = None
        if pid is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                end = time.perf_counter() + timeout
                while time.perf_counter() < end and not result.exists():
                    time.sleep(0.02)
                if result.exists():
                    break
        self._tmux("kill-session", "-t", name, check=False)
        try:
            data = json.loads(result.read_text())
            return PaneResult(data.get("maxrss_kb"), data.get("returncode"))
        except (OSError, ValueError):
            return PaneResult(None, None)
