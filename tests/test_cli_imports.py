"""What `newstui list` loads and how it ends, run as the program itself.

A quick read-only command imports only the modules its listing needs (no logging, no
network, no UI, no config parser when there is no config file), runs without the garbage
collector and ends without the interpreter's tear-down once its output is flushed
(``newstui.cli._exit_now``). These tests keep the imports lean and check that the quick
ending loses no output and still reports a failed write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import newstui_command
from newstui.models import ArticleIn
from newstui.store.library import Library

# Modules `list` must not import: each costs start-up time and none is needed to list.
NOT_FOR_LIST = (
    "logging",  # set up only when a quick command fails
    "difflib",  # near-miss suggestions for a mistyped config key
    "tomllib",  # no config file here
    "platformdirs",  # --data-dir given
    "shutil",  # argparse asks it for the terminal width; only help output needs that
    "dataclasses",  # (and inspect with it): the records a listing needs are plain classes
    "inspect",
    "newstui.models",  # made only by the commands that return them
    "hashlib",  # (it loads OpenSSL): keys and digests are made only where articles are written
    "httpx",
    "asyncio",
    "feedparser",
    "bs4",
    "markdownify",
    "textual",
    "newstui.tui",
    "newstui.core",
    "newstui.sources",
    "newstui.sync",
    "newstui.store.doctor",
    "newstui.cli.feeds",
    "newstui.cli.sync",
)


def _library(data_dir: Path, n: int) -> list[int]:
    lib = Library(data_dir / "library.db")
    try:
        src, _ = lib.add_source("https://e.example/feed", title="E")
        items = [
            ArticleIn(f"Story {i} " + "words " * 30, guid=f"g{i}", published=1.7e9 + i, tags=["x"])
            for i in range(n)
        ]
        ids = lib.upsert_articles(src.id, items).new_ids
        lib.set_read(ids[: n // 10])
        return ids
    finally:
        lib.close()


def _expected(data_dir: Path) -> list[dict[str, object]]:
    lib = Library(data_dir / "library.db")
    try:
        return lib.records("tag:x is:unread")
    finally:
        lib.close()


def _list_argv(data_dir: Path) -> list[str]:
    return ["--data-dir", str(data_dir), "list", "tag:x is:unread", "--format", "json"]


def test_list_imports_only_what_it_lists_with(tmp_path: Path) -> None:
    _library(tmp_path, 30)
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "newstui", *_list_argv(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    imported = {
        line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")
    }
    assert "newstui.store.records" in imported  # the listing itself was measured
    loaded = sorted(
        m for m in imported if m in NOT_FOR_LIST or m.startswith(tuple(f"{p}." for p in NOT_FOR_LIST))
    )
    assert loaded == []
    assert [json.loads(line) for line in r.stdout.splitlines()] == _expected(tmp_path)


def test_a_long_listing_arrives_whole_through_a_pipe(tmp_path: Path) -> None:
    """Far more output than a pipe holds, read as it comes: every line arrives, in order."""
    _library(tmp_path, 1500)
    r = subprocess.run([*newstui_command(), *_list_argv(tmp_path)], capture_output=True, timeout=120)
    assert r.returncode == 0 and r.stderr == b""
    assert len(r.stdout) > 256 * 1024
    assert r.stdout.endswith(b"\n")
    assert [json.loads(line) for line in r.stdout.decode().splitlines()] == _expected(tmp_path)


def test_a_reader_that_goes_away_is_not_an_error(tmp_path: Path) -> None:
    """`newstui list … | head -1`: the program stops quietly when its reader leaves."""
    _library(tmp_path, 1500)
    p = subprocess.Popen(
        [*newstui_command(), *_list_argv(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert p.stdout is not None and p.stderr is not None
    first = p.stdout.readline()
    p.stdout.close()  # more is still to come: the next write meets a closed pipe
    err = p.stderr.read()
    assert p.wait(timeout=120) == 0
    assert json.loads(first)["title"].startswith("Story 1499")
    assert err == b""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("n", [1, 1500])  # output that fits the buffer (written at exit), and more
def test_a_failed_write_is_reported(tmp_path: Path, n: int) -> None:
    _library(tmp_path, n)
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [*newstui_command(), *_list_argv(tmp_path)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert r.returncode == 1
    assert r.stderr.startswith("newstui: ") and "No space left on device" in r.stderr
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
