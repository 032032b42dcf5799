"""The CLI takes any query (issue 13, part 2): a negated term first, options anywhere, `--`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from newstui.cli import build_parser

REAL = FIXTURES / "realworld"


@pytest.fixture
def imported(cli, tmp_path: Path):
    """A library with two feeds: Gemeindeblatt (2 articles) and Werkstattbuch (1)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(REAL / "newsfeed.php", folder / "gemeinde.rss")
    shutil.copy(REAL / "updates.cgi", folder / "werkstatt.atom")
    assert cli("import", str(folder)).returncode == 0
    return cli


def listed(r) -> list[str]:
    assert r.returncode == 0, r.stderr
    return sorted(json.loads(line)["title"] for line in r.stdout.splitlines())


GEMEINDE = ["Neue Öffnungszeiten im Rathaus", "Sperrung der Brückenstraße"]


@pytest.mark.parametrize(
    "args",
    [
        ["list", "-source:Werkstattbuch", "--format", "json"],
        ["list", "--format", "json", "-source:Werkstattbuch"],
        ["list", "--format", "json", "--", "-source:Werkstattbuch"],
        ["list", "-source:Werkstattbuch", "--format=json", "--limit", "5"],
        ["list", "-n", "5", "-source:Werkstattbuch", "--format", "json", "-hobelbank"],
    ],
)
def test_a_query_starting_with_a_negation_works_as_typed(imported, args: list[str]) -> None:
    assert listed(imported(*args)) == GEMEINDE


def test_query_words_around_options_form_one_query(imported) -> None:
    r = imported("list", "-source:Werkstattbuch", "--limit", "5", "-Brückenstraße", "--format", "json")
    assert listed(r) == ["Neue Öffnungszeiten im Rathaus"]
    r = imported("list", "-n1", "--format", "json", "-source:Werkstattbuch")
    assert len(listed(r)) == 1  # -n1 is --limit 1, not a query term


def test_options_are_still_options(imported) -> None:
    r = imported("list", "--bogus", "-source:x")
    assert r.returncode == 2 and "unrecognized arguments: --bogus" in r.stderr
    r = imported("list", "--limit", "x")
    assert r.returncode == 2 and "invalid int value" in r.stderr
    assert imported("list", "-h").stdout.startswith("usage: newstui list")


def test_parser_keeps_negations_in_order() -> None:
    args = build_parser().parse_args(["list", "-tag:a", "b", "--limit", "3", "-c", "is:unread"])
    assert (args.query, args.limit) == (["-tag:a", "b", "-c", "is:unread"], 3)
    args = build_parser().parse_args(["list", "--", "-x", "--limit"])
    assert args.query == ["-x", "--limit"] and args.limit is None


def test_other_commands_keep_their_dash_arguments() -> None:
    args = build_parser().parse_args(["tag", "12", "+later", "-news"])
    assert args.changes == ["+later", "-news"]
    args = build_parser().parse_args(["--data-dir", "/tmp/x", "refresh", "-q"])
    assert args.quiet is True


def test_mark_read_takes_a_negated_query_too(imported) -> None:
    r = imported("mark-read", "-source:Werkstattbuch")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("marked 2 read")
    assert listed(imported("list", "is:unread", "--format", "json")) == ["Hobelbank, zweiter Teil"]
    r = imported("mark-read", "--", "-source:Gemeindeblatt")
    assert r.returncode == 0 and r.stdout.startswith("marked 1 read")
