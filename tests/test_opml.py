"""OPML: import (nested folders, duplicates, malformed files) and export round trips."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from newstui.sources.opml import OpmlError, Subscription, parse_opml, write_opml

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>mine</title></head>
  <body>
    <outline text="Top" xmlUrl="https://top.example/feed"/>
    <outline text="News">
      <outline text="Local" title="Local paper" type="rss" xmlUrl="https://local.example/rss"/>
      <outline text="Tech">
        <outline text="Rust" xmlUrl="https://rust.example/atom"/>
      </outline>
    </outline>
    <outline text="Again" xmlUrl="https://local.example/rss"/>
    <outline text="Not a feed" type="link" url="https://link.example/"/>
  </body>
</opml>
"""


def test_nested_outlines_become_categories_and_duplicates_merge() -> None:
    subs = {s.url: s for s in parse_opml(NESTED)}
    assert subs["https://top.example/feed"].category == ""
    assert subs["https://local.example/rss"] == Subscription(
        "https://local.example/rss", "Local paper", "News"
    )
    assert subs["https://rust.example/atom"].category == "Tech"
    assert list(subs).count("https://local.example/rss") == 1


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<opml><body><outline", "malformed OPML"),
        (b"<rss version='2.0'></rss>", "not OPML"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b'<!DOCTYPE opml [<!ENTITY a "x">]><opml><body/></opml>', "entities"),
    ],
)
def test_malformed_opml_names_the_problem(data: bytes, problem: str) -> None:
    with pytest.raises(OpmlError, match=problem):
        parse_opml(data)


def test_write_then_parse_round_trips() -> None:
    subs = [
        Subscription("https://a.example/feed?x=1&y=2", "A & B <news>", 'Tech "quoted"'),
        Subscription("https://b.example/rss", "Grüße", ""),
        Subscription("/home/me/feeds/local.xml", "", "Local"),
    ]
    text = write_opml(subs)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    back = {s.url: s for s in parse_opml(text.encode("utf-8"))}
    for s in subs:
        assert back[s.url].category == s.category
        assert back[s.url].title == (s.title or s.url)


def test_cli_import_then_export_round_trips(cli, data_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "subs.opml"
    src.write_bytes(NESTED)
    r = cli("import", str(src))
    assert r.returncode == 0, r.stderr
    assert "3 feeds added" in r.stdout
    out = tmp_path / "out.opml"
    r = cli("export", "opml", "-o", str(out))
    assert r.returncode == 0, r.stderr
    r2 = cli("export", "opml")
    assert r2.stdout == out.read_text(encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    r = cli("import", str(out), data=other)
    assert r.returncode == 0 and "3 feeds added" in r.stdout
    listing = cli("sources", "--format", "json", data=other).stdout
    assert "https://rust.example/atom" in listing and '"category": "Tech"' in listing


def test_cli_malformed_opml_is_a_clear_error(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<opml><body><outline")
    r = cli("import", str(bad))
    assert r.returncode != 0 and "malformed OPML" in r.stderr
    assert "Traceback" not in r.stderr


def test_export_needs_a_kind(cli) -> None:
    r = cli("export")
    assert r.returncode == 2 and isinstance(r, subprocess.CompletedProcess)
