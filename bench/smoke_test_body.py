"""Body of the CI smoke test: ``run_smoke(tmp_path)`` runs ``python -m bench --smoke``.

The caller (a pytest test) decides what to assert; this function asserts nothing. It
returns the parsed results JSON (keys ``meta`` and ``rows``; each row has ``id``,
``median``, ``met``, ``error`` ...) plus ``returncode`` (None on timeout), ``seconds``,
``stdout`` and ``stderr`` of the run. Caches and scratch files go under ``tmp_path``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_smoke(tmp_path: Path, timeout: float = 120.0, extra: list[str] | None = None) -> dict:
    out = Path(tmp_path) / "bench-smoke.json"
    work = Path(tmp_path) / "bench-work"
    cache = Path(tmp_path) / "bench-cache"
    cmd = [
        sys.executable,
        "-m",
        "bench",
        "--smoke",
        "--out",
        str(out),
        "--work",
        str(work),
        "--cache",
        str(cache),
        *(extra or []),
    ]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        returncode, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode = None
        stdout = _text(exc.stdout)
        stderr = _text(exc.stderr) + f"\nbench smoke run timed out after {timeout} s"
    seconds = time.perf_counter() - t0
    try:
        doc = json.loads(out.read_text())
    except (OSError, ValueError):
        doc = {}
    doc.update(returncode=returncode, seconds=seconds, stdout=stdout, stderr=stderr)
    return doc


def _text(data: str | bytes | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""
