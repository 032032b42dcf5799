"""CI runs a tiny version of every benchmark scenario so `python -m bench` cannot rot.

It asserts that each scenario ran end to end (no timings: speed is measured in bench/,
never asserted in tests)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.smoke_test_body import run_smoke  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("tmux") is None, reason="the TUI scenarios drive tmux")
def test_bench_smoke_runs_every_scenario(tmp_path: Path) -> None:
    doc = run_smoke(tmp_path, timeout=300, extra=["--no-newsboat"])
    assert doc["returncode"] == 0, doc["stderr"][-2000:]
    ids = {row["id"] for row in doc["rows"]}
    assert {"P1", "P1b", "P2", "P3", "P4", "P5", "P6", "P7"} <= ids
    for row in doc["rows"]:
        assert not str(row.get("error") or "").startswith("bench error"), row
        if row["id"].startswith("P"):
            assert row.get("median") is not None, row
