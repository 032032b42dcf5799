"""Per-source settings: parsing, the library, refresh (interval, paused, ignore rule,
retention), the `newstui source` command and the TUI dialog."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from textual.widgets import Input, Static, Switch

from feedserver import FeedServer, server_fixture  # noqa: F401
from newstui.config import Config
from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.source_settings import (
    SETTINGS,
    SettingError,
    format_interval,
    non_default,
    parse_assignments,
    parse_interval,
    parse_mapping,
    parse_setting,
    values,
)
from newstui.sources.refresh import refresh
from newstui.store.library import Library
from newstui.store.retention import DAY, apply_retention
from newstui.tui.screens.source_settings import SourceSettingsDialog
from newstui.tui.widgets.filter_pane import FilterPane
from test_tui_support import make_app, settle

pytest_plugins = ["test_tui_support"]

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
CFG = Config(connect_timeout=2, read_timeout=2, feed_deadline=3, retention_days=0)
RSS = (FEEDS / "rss2.xml").read_bytes()  # Ferry timetable…, Fish market reopens, Undated notice


def titles(lib: Library, sid: int) -> set[str]:
    return {r.title for r in lib.list_articles(f"source:{sid}", limit=None)}


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("key", "text", "stored"),
    [
        ("interval", "30m", 1800),
        ("interval", "1h30m", 5400),
        ("interval", "2d", 172_800),
        ("interval", "off", None),
        ("interval", "", None),
        ("retention", "30", 30),
        ("retention", "45d", 45),
        ("retention", "forever", 0),
        ("retention", "default", None),
        ("fulltext", "yes", True),
        ("fulltext", "OFF", False),
        ("paused", "1", True),
        ("ignore", "tag:sport OR category:Ads", "tag:sport OR category:Ads"),
        ("ignore", "", ""),
        ("title", " My\x1b[31m name ", "My name"),
        ("category", "Etsy & Co.", "Etsy & Co."),
    ],
)
def test_values_parse_and_format_back(key: str, text: str, stored: object) -> None:
    column, value = parse_setting(key, text)
    assert column == SETTINGS[key].column and value == stored
    # What is shown (and exported) reads back to the same value.
    assert parse_setting(key, SETTINGS[key].format(value))[1] == stored


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("colour=red", "unknown setting 'colour'"),
        ("interval=2x", "interval: wants a duration"),
        ("interval=400d", "interval: wants a duration between"),
        ("retention=-3", "retention: wants a number of days"),
        ("fulltext=maybe", "fulltext: wants yes or no"),
        ("ignore=tag:", "ignore: tag: needs a value"),
        ("ignore=(sport", "ignore:"),
        ("paused", "wants key=value"),
    ],
)
def test_bad_keys_and_values_are_one_line_errors(pair: str, message: str) -> None:
    with pytest.raises(SettingError) as err:
        parse_assignments(["title=ok", pair])
    assert message in str(err.value) and "\n" not in str(err.value)


def test_interval_format() -> None:
    assert format_interval(None) == "off" and format_interval(5400) == "1h30m"
    assert parse_interval(format_interval(694_861)) == 694_861


# ------------------------------------------------------------------ library


def test_settings_are_stored_and_an_empty_title_gives_the_feed_title_back(
    lib: Library, server: FeedServer
) -> None:
    sid = lib.add_source(server.feed("/f.xml", RSS))[0].id
    refresh(lib, CFG)
    src = lib.source(sid)
    assert src.title == src.feed_title == "Harbour Gazette"
    changes = parse_assignments(
        [
            "title=Gazette",
            "category=Local",
            "interval=2h",
            "retention=7",
            "fulltext=yes",
            "ignore=fish",
            "paused=yes",
        ]
    )
    src = lib.set_source_settings(sid, changes)
    assert values(src) == {
        "title": "Gazette",
        "category": "Local",
        "interval": "2h",
        "retention": "7",
        "fulltext": "yes",
        "ignore": "fish",
        "paused": "yes",
    }
    assert non_default(src) == {
        "interval": "2h",
        "retention": "7",
        "fulltext": "yes",
        "ignore": "fish",
        "paused": "yes",
    }
    # A refresh keeps the user's title; clearing it brings the feed's back.
    refresh(lib, CFG, [str(sid)], force=True)
    assert lib.source(sid).title == "Gazette"
    assert lib.set_source_settings(sid, parse_mapping({"title": ""})).title == "Harbour Gazette"
    with pytest.raises(ValueError):
        lib.set_source_settings(sid, {"etag": "x"})


def test_library_before_the_settings_migration_opens_with_defaults(tmp_path: Path) -> None:
    from newstui.store import schema

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    schema.migrate(conn, upto=2)
    conn.execute("INSERT INTO sources (url, title, added) VALUES ('https://a.example/f', 'A', 0)")
    conn.commit()
    conn.close()
    with Library(path) as lib:
        src = lib.source(1)
        assert src.feed_title == "A" and src.refresh_interval is None and not src.paused
        assert src.retention_days is None and not src.always_fulltext and src.ignore_rule == ""


# ------------------------------------------------------------------ refresh


def test_interval_skips_until_it_has_passed_and_force_ignores_it(lib: Library, server: FeedServer) -> None:
    url = server.feed("/f.xml", RSS)
    sid = lib.add_source(url)[0].id
    other = lib.add_source(server.feed("/g.xml", RSS.replace(b"gazette-1001", b"x")))[0].id
    refresh(lib, CFG)
    lib.set_source_settings(sid, {"refresh_interval": 3600})
    fetched = len(server.requests("/f.xml"))

    report = refresh(lib, CFG)
    assert report.skipped == 1 and len(server.requests("/f.xml")) == fetched
    (skipped,) = [o for o in report.outcomes if o.state == "skipped"]
    assert skipped.source_id == sid and "interval" in (skipped.error or "")
    assert len(server.requests("/g.xml")) == 2  # the other feed is fetched as usual

    assert refresh(lib, CFG, force=True).skipped == 0
    assert len(server.requests("/f.xml")) == fetched + 1
    assert refresh(lib, CFG, [str(sid)]).skipped == 0  # naming it fetches it too
    # Once the interval has passed, a plain refresh fetches it again.
    lib.update_source(sid, last_fetched=time.time() - 3601)
    assert refresh(lib, CFG).skipped == 0
    assert len(server.requests("/f.xml")) == fetched + 3
    assert other


def test_paused_source_is_skipped_unless_named(lib: Library, server: FeedServer) -> None:
    sid = lib.add_source(server.feed("/f.xml", RSS))[0].id
    lib.set_source_settings(sid, {"paused": True})
    report = refresh(lib, CFG, force=True)
    assert report.skipped == 1 and "paused" in (report.outcomes[0].error or "")
    assert server.requests("/f.xml") == [] and titles(lib, sid) == set()
    assert refresh(lib, CFG, [str(sid)]).new == 3


def test_ignore_rule_keeps_matching_new_articles_out(lib: Library, server: FeedServer) -> None:
    sid = lib.add_source(server.feed("/f.xml", RSS))[0].id
    keep = lib.add_source(server.feed("/g.xml", RSS))[0].id  # same articles, no rule
    lib.set_source_settings(sid, parse_assignments(["ignore=fish OR category:Transport"]))
    report = refresh(lib, CFG)
    assert titles(lib, sid) == {"Undated notice"}
    assert titles(lib, keep) == {"Undated notice", "Fish market reopens", "Ferry timetable changes in spring"}
    (outcome,) = [o for o in report.outcomes if o.source_id == sid]
    assert outcome.new == 1 and outcome.ignored == 2 and len(outcome.new_ids) == 1
    assert report.new == 4
    # Nothing of the ignored articles is left behind: not in the search index either.
    assert lib.article_ids("market") == [
        i for i in lib.article_ids(f"source:{keep}") if lib.article(i).title.startswith("Fish")
    ]
    # Parsing the feed again ignores them again.
    assert refresh(lib, CFG, [str(sid)], force=True).new == 0
    assert titles(lib, sid) == {"Undated notice"}
    # Articles stored before the rule stay: it applies to new ones only.
    lib.set_source_settings(keep, {"ignore_rule": "fish"})
    refresh(lib, CFG, force=True)
    assert "Fish market reopens" in titles(lib, keep)


def test_source_retention_overrides_the_config(lib: Library) -> None:
    now = time.time()
    old = now - 40 * DAY
    short, forever, default = (
        lib.add_source(f"https://{n}.example/f")[0].id for n in ("short", "forever", "default")
    )
    for sid in (short, forever, default):
        lib.upsert_articles(
            sid,
            [
                ArticleIn("old", guid="o", published=old),
                ArticleIn("mid", guid="m", published=now - 10 * DAY),
                ArticleIn("new", guid="n", published=now),
            ],
        )
    lib.conn.execute("UPDATE articles SET first_seen = ?", (old,))
    lib.set_source_settings(short, {"retention_days": 7})
    lib.set_source_settings(forever, {"retention_days": 0})
    assert apply_retention(lib, 30, now=now) == 3  # short: old, mid; default: old
    assert titles(lib, short) == {"new"}
    assert titles(lib, forever) == {"old", "mid", "new"}
    assert titles(lib, default) == {"mid", "new"}
    # With the config's retention off, a source's own still applies.
    lib.upsert_articles(short, [ArticleIn("mid2", guid="m2", published=now - 10 * DAY)])
    lib.conn.execute("UPDATE articles SET first_seen = ?", (old,))
    assert apply_retention(lib, 0, now=now) == 1


# ---------------------------------------------------------------------- CLI


def test_cli_shows_and_sets_settings(cli, data_dir: Path, server: FeedServer) -> None:
    url = server.feed("/f.xml", RSS)
    with Library(data_dir / "library.db") as lib:
        lib.add_source(url)
    r = cli("source", url)
    assert r.returncode == 0, r.stderr
    for key in SETTINGS:
        assert any(line.strip().startswith(f"{key} ") for line in r.stdout.splitlines()), key
    r = cli("source", "1", "set", "interval=90m", "category=Harbour", "ignore=tag:sport")
    assert r.returncode == 0, r.stderr
    assert "interval = 1h30m" in r.stdout and "category = Harbour" in r.stdout
    shown = json.loads(cli("source", "1", "--format", "json").stdout)
    assert shown["interval"] == "1h30m" and shown["ignore"] == "tag:sport"
    assert shown["paused"] == "no" and shown["url"] == url


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set", "speed=fast"], "unknown setting 'speed'"),
        (["set", "interval=90m", "retention=soon"], "retention: wants a number of days"),
        (["set", "ignore=before:yesterday"], "ignore: before: wants a date"),
        (["set"], "set what?"),
        (["interval=1h"], "to change settings"),
    ],
)
def test_cli_errors_are_one_line_and_change_nothing(
    cli, data_dir: Path, args: list[str], message: str
) -> None:
    with Library(data_dir / "library.db") as lib:
        lib.add_source("https://a.example/f")
    r = cli("source", "1", *args)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    with Library(data_dir / "library.db") as lib:
        assert lib.source(1).refresh_interval is None  # the good value before was not written
    r = cli("source", "nope")
    assert r.returncode == 1 and r.stderr.strip() == "newstui: no source 'nope'"


# ---------------------------------------------------------------------- TUI


async def test_dialog_from_the_filter_pane_changes_settings(demo_paths: Paths) -> None:
    with Library(demo_paths.library) as lib:
        src = next(s for s in lib.sources() if s.kind == "feed")
    app = make_app(demo_paths)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(FilterPane)
        pane.select_query(f"source:{src.id}")
        pane.focus()
        await settle(pilot)
        assert pane.selected_source == src.id
        assert any(b.id == "filters.source_settings" and b.show for b in pane.BINDINGS if hasattr(b, "id"))
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SourceSettingsDialog) and dialog.source.id == src.id
        assert dialog.query_one("#setting-title", Input).value == src.title

        # A bad value shows its error and keeps the dialog open.
        dialog.query_one("#setting-interval", Input).value = "soon"
        await pilot.click("#save")
        await settle(pilot)
        error = dialog.query_one("#dialog-error", Static)
        assert app.screen is dialog and "interval: wants a duration" in str(error.render())
        assert error.region.height > 0  # on screen

        dialog.query_one("#setting-interval", Input).value = "6h"
        dialog.query_one("#setting-title", Input).value = "Renamed [b]feed[/b]"
        dialog.query_one("#setting-ignore", Input).value = "tag:sport"
        dialog.query_one("#setting-paused", Switch).value = True
        await pilot.click("#save")
        await settle(pilot)
        assert not isinstance(app.screen, SourceSettingsDialog)
        await app.workers.wait_for_complete()
        await settle(pilot)
    with Library(demo_paths.library) as lib:
        after = lib.source(src.id)
    assert after.refresh_interval == 6 * 3600 and after.paused
    assert after.title == "Renamed [b]feed[/b]" and after.ignore_rule == "tag:sport"
    assert after.category == src.category and not after.always_fulltext  # untouched


async def test_dialog_escape_changes_nothing_and_needs_a_source(demo_paths: Paths) -> None:
    with Library(demo_paths.library) as lib:
        src = next(s for s in lib.sources() if s.kind == "feed")
    app = make_app(demo_paths)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(FilterPane)
        pane.select_query("is:unread")
        pane.focus()
        await settle(pilot)
        await pilot.press("e")  # not on a source: a hint, no dialog
        await settle(pilot)
        assert not isinstance(app.screen, SourceSettingsDialog)
        pane.select_query(f"source:{src.id}")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, SourceSettingsDialog)
        app.screen.query_one("#setting-category", Input).value = "Elsewhere"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, SourceSettingsDialog)
    with Library(demo_paths.library) as lib:
        assert lib.source(src.id).category == src.category


def test_title_and_category_changes_are_journaled(lib: Library) -> None:
    sid = lib.add_source("https://a.example/f", title="A")[0].id
    lib.journal_register("sync")
    lib.set_source_settings(sid, parse_assignments(["title=Alpha", "category=News", "interval=1h"]))
    lib.set_source_settings(sid, {"paused": True})  # not a journaled kind
    entries = [(e.kind, e.source_id, e.old, e.new) for e in lib.journal_pending("sync")]
    assert sorted(entries) == [("source_category", sid, "", "News"), ("source_title", sid, "A", "Alpha")]
    lib.set_source_settings(sid, {"title": "Beta"}, journal=False)
    assert len(lib.journal_pending("sync")) == 2


# --------------------------------------------------------------------- OPML


def test_opml_round_trip_carries_the_settings(cli, data_dir: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from newstui.sources.opml import NEWSTUI_NS

    with Library(data_dir / "library.db") as lib:
        a = lib.add_source("https://a.example/feed", title="Alpha", category="News")[0].id
        lib.add_source("https://b.example/feed", title="Beta")
        lib.set_source_settings(
            a,
            parse_assignments(
                [
                    "interval=1h30m",
                    "retention=forever",
                    "fulltext=yes",
                    'ignore=tag:ads OR "sponsored post"',
                    "paused=yes",
                    "title=Alpha & <Omega>",
                ]
            ),
        )
        before = {s.url: values(s) for s in lib.sources()}
    out = tmp_path / "subs.opml"
    r = cli("export", "opml", "-o", str(out))
    assert r.returncode == 0, r.stderr
    # Plain XML that other readers take: the settings are attributes in their own namespace.
    root = ET.fromstring(out.read_bytes())
    (alpha,) = [o for o in root.iter("outline") if o.get("xmlUrl") == "https://a.example/feed"]
    assert alpha.get(f"{{{NEWSTUI_NS}}}interval") == "1h30m" and alpha.get("title") == "Alpha & <Omega>"
    (beta,) = [o for o in root.iter("outline") if o.get("xmlUrl") == "https://b.example/feed"]
    assert not [k for k in beta.attrib if k.startswith("{")]  # defaults are not written

    fresh = tmp_path / "other"
    r = cli("import", str(out), data=fresh)
    assert r.returncode == 0, r.stderr
    with Library(fresh / "library.db") as lib:
        after = {s.url: values(s) for s in lib.sources()}
    assert after == before


def test_opml_settings_read_leniently(tmp_path: Path, data_dir: Path) -> None:
    from newstui.sources.importer import import_paths
    from newstui.sources.opml import read_opml

    text = """<?xml version="1.0"?>
<opml version="2.0" xmlns:nt="urn:newstui:opml:1" xmlns:other="urn:x">
  <body>
    <outline text="A" xmlUrl="https://a.example/f" nt:interval="2h" nt:retention="soon"
             nt:future="x" other:paused="yes" nt:PAUSED="yes"/>
    <outline text="B" xmlUrl="https://b.example/f" other:interval="5m"/>
  </body>
</opml>
"""
    subs = {s.url: s for s in read_opml(text.encode()).subscriptions}
    # Any prefix bound to newstui's namespace counts; other namespaces are not ours.
    assert subs["https://a.example/f"].settings == {
        "interval": "2h",
        "retention": "soon",
        "future": "x",
        "paused": "yes",
    }
    assert subs["https://b.example/f"].settings == {}
    path = tmp_path / "list.opml"
    path.write_text(text, encoding="utf-8")
    with Library(data_dir / "library.db") as lib:
        report = import_paths(lib, [path])
        a = lib.source("https://a.example/f")
        assert a.refresh_interval == 7200 and a.paused and a.retention_days is None
        assert any("retention" in why for _, why in report.skipped)
        assert lib.source("https://b.example/f").refresh_interval is None
    # The tolerant pass (a bare & makes it malformed XML) reads newstui: attributes too.
    broken = (
        text.replace("xmlns:nt", "xmlns:newstui")
        .replace("nt:", "newstui:")
        .replace('text="B"', 'text="B & C"')
    )
    found = read_opml(broken.encode())
    assert found.recovered
    assert {s.url: s.settings.get("interval") for s in found.subscriptions} == {
        "https://a.example/f": "2h",
        "https://b.example/f": None,
    }
