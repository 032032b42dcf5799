"""The CLI builds only the parser of the command it runs (``newstui.cli.COMMANDS``), yet
``newstui --help`` lists every command and each command parses and helps as before."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import newstui_command
from newstui.cli import COMMANDS, MODULES, build_parser, command_word


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_the_table_names_every_command_and_only_those(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    every = _commands(build_parser())
    assert list(every) == list(COMMANDS)  # same commands, in the order --help lists them
    assert {m for mods in COMMANDS.values() for m in mods} == set(MODULES)
    for name, whole in every.items():
        alone = _commands(build_parser(name))
        assert name in alone
        assert alone[name].format_help() == whole.format_help(), name
        assert len(alone) < len(every)  # the point: not every command is built


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["list", "tag:x"], "list"),
        (["--data-dir", "/d", "list", "--format", "json"], "list"),
        (["--data-dir=/d", "refresh", "-q"], "refresh"),
        (["--data", "/d", "sources"], "sources"),  # argparse's prefix of --data-dir
        (["--data-dir", "list", "sources"], "sources"),  # a data dir named like a command
        (["export", "opml"], "export"),
        ([], "tui"),
        (["--data-dir", "/d"], "tui"),
        (["--help"], None),
        (["-h", "list"], None),
        (["--version"], None),
        (["--bogus", "list"], None),
        (["bogus"], None),
        (["--", "list"], None),
    ],
)
def test_command_word(argv: list[str], word: str | None) -> None:
    assert command_word(argv) == word


def test_a_command_alone_builds_in_a_fresh_process() -> None:
    """Each command's parser from nothing (no other parser built before in the process),
    once for each set of modules the table names."""
    probe = (
        "import sys\n"
        "from newstui.cli import COMMANDS, build_parser\n"
        "for name in COMMANDS:\n"
        "    build_parser(name)\n"
        "print('built', len(COMMANDS))\n"
    )
    firsts = {mods: name for name, mods in reversed(COMMANDS.items())}
    for name in firsts.values():
        r = subprocess.run(
            [sys.executable, "-c", probe.replace("for name in COMMANDS:", f"for name in [{name!r}]:")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0 and r.stdout.startswith("built"), (name, r.stderr)


def test_parsing_is_the_same_with_the_small_parser() -> None:
    for argv in (
        ["--data-dir", "/tmp/x", "list", "-tag:a", "b", "--limit", "3", "-c", "is:unread"],
        ["refresh", "-q"],
        ["export", "bookmarks", "--format", "json", "-o", "out"],
        ["bookmarks"],
        ["tags", "rename", "a", "b"],
        ["tag", "12", "+later", "-news"],
        ["--data-dir", "/tmp/x"],
    ):
        small = build_parser(command_word(argv)).parse_args(argv)
        whole = build_parser().parse_args(argv)
        assert vars(small) == vars(whole), argv


def test_help_lists_every_command(cli) -> None:
    r = cli("--help")
    assert r.returncode == 0, r.stderr
    listed = [line.split()[0] for line in r.stdout.splitlines() if line.startswith("    ") and line.split()]
    assert [w for w in listed if w in COMMANDS] == list(COMMANDS)


@pytest.mark.parametrize(
    "name", ["list", "refresh", "export", "tags", "sync", "tui", "mark-read", "fulltext"]
)
def test_a_commands_help_works(cli, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # as the cli fixture runs it: the same wrapping
    r = cli(name, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"usage: newstui {name}")
    assert r.stdout == _commands(build_parser())[name].format_help()


def test_unknown_command_still_lists_the_choices(cli) -> None:
    r = cli("lsit")
    assert r.returncode == 2
    assert "invalid choice: 'lsit'" in r.stderr and all(f"'{c}'" in r.stderr for c in COMMANDS)


def test_list_imports_only_its_own_command_module(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from newstui.cli import main\n"
        f"rc = main(['--data-dir', {str(tmp_path)!r}, 'list', '--format', 'json'])\n"
        "print(rc, sorted(m for m in sys.modules if m.startswith('newstui.cli.') or m == 'logging'))\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (
        r.stdout.splitlines()[-1]
        == "0 ['newstui.cli.context', 'newstui.cli.library', 'newstui.cli.queryargs']"
    )


def test_the_entry_point_runs_a_command(tmp_path: Path) -> None:
    r = subprocess.run(
        [*newstui_command(), "--data-dir", str(tmp_path), "sources"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0 and r.stdout == "", r.stderr
