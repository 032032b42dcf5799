"""Shared fixtures: real library files in tmp dirs and the real `newstui` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from newstui.store.library import Library

pytest_plugins = ("freshrss", "greader_standin")  # the real FreshRSS and a stand-in, for the sync tests

FIXTURES = Path(__file__).parent / "fixtures"
LOCAL = FIXTURES / "local"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def lib(data_dir: Path):
    library = Library(data_dir / "library.db")
    yield library
    library.close()


def newstui_command() -> list[str]:
    """The installed console script next to this Python (the real entry point)."""
    script = Path(sys.executable).parent / "newstui"
    if script.exists():
        return [str(script)]
    import shutil

    found = shutil.which("newstui")
    if found is None:
        pytest.fail("the newstui console script is not installed (pip install -e '.[test]')")
    return [found]


@pytest.fixture
def cli(data_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real `newstui` entry point in a subprocess against ``data_dir``."""

    def run(
        *args: str,
        input: str | None = None,
        timeout: float = 120,
        data: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
        return subprocess.run(
            [*newstui_command(), "--data-dir", str(data or data_dir), *args],
            capture_output=True,
            text=True,
            input=input,
            timeout=timeout,
            env=full_env,
        )

    return run
