"""CI runs a tiny version of every benchmark scenario so `python -m bench` cannot rot.

It asserts that each scenario ran end to end (no timings: speed is measured in bench/,
never asserted in tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.smoke_test_body import run_smoke  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("tmux") is None, reason="the TUI scenarios drive tmux")
def test_bench_smoke_runs_every_scenario(tmp_path: Path) -> None:
    doc = run_smoke(tmp_path, timeout=400, extra=["--no-newsboat", "--scale"])
    assert doc["returncode"] == 0, doc["stderr"][-2000:]
    ids = {row["id"] for row in doc["rows"]}
    assert {"P1", "P1b", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"} <= ids
    assert {"P1m", "P2m", "P5m", "P6m", "P7m", "P9m"} <= ids
    assert {"FS", "S1", "S2", "S3"} <= ids  # measured, or n/a: without PHP/FreshRSS
    for row in doc["rows"]:
        assert not str(row.get("error") or "").startswith("bench error"), row
        if row["id"].startswith("P"):
            assert row.get("median") is not None, row


def test_smoke_results_never_overwrite_the_committed_ones(tmp_path: Path) -> None:
    committed = REPO / "bench" / "results.json"
    before = committed.read_bytes() if committed.exists() else None
    cache = tmp_path / "cache"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--smoke",
            "--only",
            "P9",
            "--cache",
            str(cache),
            "--work",
            str(tmp_path / "work"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (committed.read_bytes() if committed.exists() else None) == before
    doc = json.loads((cache / "results-smoke.json").read_text())
    assert doc["meta"]["smoke"] and [r["id"] for r in doc["rows"]] == ["P9"]
    assert doc["rows"][0]["extra"]["bytes"]["full-text index"] > 0


def test_curves_take_newsboat_seconds_from_the_rows_where_it_ran() -> None:
    """A row keeps newstui's median and newstui/newsboat; the curve needs newsboat's seconds,
    and no point where newsboat did not run."""
    from bench.plot import _newsboat

    rows = {
        "P3": {"median": 4.8, "newsboat_ratio": 0.6},
        "P8": {"median": 18.0, "newsboat_ratio": None},
        "P1": {"median": None, "newsboat_ratio": 0.5},
    }
    xs, ys = _newsboat(rows, [("P3", 500), ("P8", 2000), ("P1", 1), ("P9", 3)])
    assert xs == [500] and ys == pytest.approx([8.0])
