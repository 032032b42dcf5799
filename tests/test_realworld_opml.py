"""Subscription lists and feeds as people really have them (issue 13, part 3): found by
content whatever their name, and OPML exported by apps that do not escape what they write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from newstui.sources.importer import import_paths
from newstui.sources.opml import OpmlError, read_opml
from newstui.sources.sniff import sniff
from newstui.store.library import Library

REAL = FIXTURES / "realworld"
BROKEN = {  # url -> (title, folder) of every outline with a feed URL in exported-broken.opml
    "https://quiet.example.org/feed?format=rss&lang=en": ("", "Tech & Science"),
    "https://labor.example.net/index.php?type=rss&cat=3&page=1": ("Labornotizen", "Tech & Science"),
    "https://rust.example.com/feed/": ("Rust & Friends", "Tech & Science"),
    "https://att-watch.example.org/rss.xml": ("AT&T Watch", "News"),
    "https://kiez.example.de/feed?x=1&y=2&z=3": ("", "News"),
    "https://zeitung.example.de/rss": ("Zeitung", ""),
}


def feeds(lib: Library) -> dict[str, tuple[str, str]]:
    return {s.url: (s.title, s.category) for s in lib.sources() if s.kind == "feed"}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("subscriptions.xml", "opml"),
        ("shouting.opml", "opml"),
        ("newsfeed.php", "feed"),
        ("updates.cgi", "feed"),
        ("no-ids.rss", "feed"),
        ("microblog-noversion.json", "feed"),
        ("cyrillic.html.in", "html"),
    ],
)
def test_documents_are_known_by_their_content(name: str, kind: str) -> None:
    assert sniff((REAL / name).read_bytes()) == kind


def test_opml_saved_as_xml_is_a_subscription_list(lib: Library, tmp_path: Path) -> None:
    shutil.copy(REAL / "subscriptions.xml", tmp_path / "subscriptions.xml")
    report = import_paths(lib, [tmp_path / "subscriptions.xml"])
    assert report.sources_added == 3 and report.skipped == [], report.summary()
    assert feeds(lib) == {
        "https://kasse.example.org/feed.xml": ("Kassenbuch", "Payment"),
        "https://zahltag.example.net/rss": ("Zahltag", "Payment"),
        "https://hafen.example.com/atom.xml": ("Hafenblog", ""),
    }


def test_feeds_with_script_names_are_feeds(lib: Library, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("newsfeed.php", "updates.cgi"):
        shutil.copy(REAL / name, folder / name)
    (folder / "notes.xyz").write_text("just some notes\n")
    report = import_paths(lib, [folder])
    assert report.imported == 3, report.summary()
    assert [Path(p).name for p, _ in report.skipped] == ["notes.xyz"]
    assert "not a feed or OPML by its content" in report.skipped[0][1]
    assert {s.title for s in lib.sources() if s.kind == "feed"} == {"Gemeindeblatt", "Werkstattbuch"}


def test_not_well_formed_opml_recovers_every_feed(lib: Library, tmp_path: Path) -> None:
    data = (REAL / "exported-broken.opml").read_bytes()
    found = read_opml(data)
    assert found.recovered and "not well-formed" in found.problem
    assert {s.url: (s.title, s.category) for s in found.subscriptions} == BROKEN
    shutil.copy(REAL / "exported-broken.opml", tmp_path / "exported-broken.opml")
    report = import_paths(lib, [tmp_path / "exported-broken.opml"])
    assert report.sources_added == len(BROKEN)
    assert feeds(lib) == BROKEN
    summary = report.summary()
    assert f"recovered: {len(BROKEN)} subscriptions" in summary
    assert str(tmp_path / "exported-broken.opml") in summary


def test_cli_import_names_the_recovered_list(cli, tmp_path: Path) -> None:
    shutil.copy(REAL / "exported-broken.opml", tmp_path / "export.opml")
    r = cli("import", str(tmp_path / "export.opml"))
    assert r.returncode == 0, r.stderr
    line = r.stdout.strip()
    assert "6 feeds added" in line and "recovered: 6 subscriptions" in line
    assert "export.opml" in line and "not well-formed" in line


def test_tolerant_pass_never_expands_entities(tmp_path: Path) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<opml><body><outline text="&b;" xmlUrl="https://x.example/?a=1&b=2"/></body></opml>'
    )
    with pytest.raises(OpmlError, match="entities"):
        read_opml(bomb)
    external = (
        b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://127.0.0.1:9/opml.dtd">'
        b'<opml><body><outline text="A & B" xmlUrl="https://x.example/?a=1&b=2"/></body></opml>'
    )
    found = read_opml(external)  # bare & forces the tolerant pass; the DTD is never fetched
    assert found.recovered
    assert [(s.url, s.title) for s in found.subscriptions] == [("https://x.example/?a=1&b=2", "A & B")]


def test_a_list_cut_short_is_not_half_imported() -> None:
    data = (REAL / "exported-broken.opml").read_bytes()
    with pytest.raises(OpmlError, match="cut short"):
        read_opml(data[: len(data) // 2])


def test_old_and_odd_spellings_of_outlines(lib: Library) -> None:
    subs = {s.url: s.title for s in read_opml((REAL / "shouting.opml").read_bytes()).subscriptions}
    assert subs == {
        "https://old.example.org/rss": "Old style",
        "https://mixed.example.org/feed": "Mixed",
        "http://apple.example.org/podcast.xml": "Apple style",
        "https://relative.example.org/feed.xml": "Scheme-relative",
        "https://wrapped.example.org/feed.xml": "Wrapped",
    }


def test_utf16_opml_without_bom(lib: Library, tmp_path: Path) -> None:
    text = (REAL / "subscriptions.xml").read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    (tmp_path / "subs.opml").write_bytes(text.encode("utf-16-le"))
    report = import_paths(lib, [tmp_path / "subs.opml"])
    assert report.sources_added == 3, report.summary()


def test_summary_names_skips_with_their_reason(lib: Library, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"\x00\x01\x02" * 50)
    (folder / "b.bin").write_bytes(b"\x00\x03\x04" * 50)
    (folder / "empty.rss").write_bytes(b"")
    shutil.copy(REAL / "newsfeed.php", folder / "feed.php")
    report = import_paths(lib, [folder])
    summary = report.summary()
    assert summary.startswith("2 imported, 0 updated, 3 skipped; skipped: ")
    assert "2 × unsupported file type .bin (not a feed or OPML by its content)" in summary
    assert f"{folder / 'empty.rss'} (empty file)" in summary
