"""Body of the CI smoke test: ``run_smoke(tmp_path)`` runs ``python -m bench --smoke``.

The caller (a pytest test) decides what to assert; this function asserts nothing. It
returns the parsed ``results.json`` plus ``returncode``, ``seconds``, ``stdout`` and
``stderr`` of the run.
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
    cmd = [sys.executable, "-m", "bench", "--smoke", "--out", str(out), "--work", str(work),
           "--cache", str(cache), *(extra or [])]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - t0
    try:
        doc = json.loads(out.read_text())
    except (OSError, ValueError):
        doc = {}
    doc.update(returncode=proc.returncode, seconds=seconds, stdout=proc.stdout,
               stderr=proc.stderr)
    return doc
