"""Start ``bench.server`` as a separate process (so it never shares a GIL with a client)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from bench.workload import REPO


class ServerProcess:
    def __init__(
        self, root: Path, hosts: int, latency_ms: str, port: int = 0, log: Path | None = None
    ) -> None:
        self.args = [
            sys.executable,
            "-m",
            "bench.server",
            "--root",
            str(root),
            "--hosts",
            str(hosts),
            "--latency-ms",
            latency_ms,
            "--port",
            str(port),
            "--watch-stdin",
        ]
        self.log = log
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        err = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=REPO
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(f"bench server did not start (exit {self.proc.returncode})")
        self.port = int(json.loads(line)["port"])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is None:
            return
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # the server stops when its stdin closes
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
