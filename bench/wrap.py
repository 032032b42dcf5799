"""Run a command inside a tmux pane and record its peak RSS from outside.

``python bench/wrap.py RESULT.json -- CMD ...`` writes ``RESULT.json.pid`` with the
child's pid as soon as it starts, and ``RESULT.json`` (maxrss_kb, returncode) after the
child has exited. SIGHUP/SIGTERM/SIGINT are passed on to the child.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: wrap.py RESULT.json -- CMD ...", file=sys.stderr)
        return 2
    result, cmd = argv[0], argv[2:]
    proc = subprocess.Popen(cmd)

    def forward(signum: int, _frame: object) -> None:
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    tmp = result + ".pid.tmp"
    with open(tmp, "w") as fh:
        fh.write(str(proc.pid))
    os.replace(tmp, result + ".pid")
    while True:
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            break
        except InterruptedError:
            continue
    data = {"maxrss_kb": int(usage.ru_maxrss), "returncode": os.waitstatus_to_exitcode(status)}
    with open(result + ".tmp", "w") as fh:
        json.dump(data, fh)
    os.replace(result + ".tmp", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
