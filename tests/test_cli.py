"""The real `newstui` entry point in a subprocess against --data-dir."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import LOCAL

DEMO = Path(__file__).parents[1] / "src" / "newstui" / "demo" / "articles"


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def imported(cli, tmp_path: Path):
    folder = tmp_path / "mixed"
    shutil.copytree(LOCAL, folder)
    (folder / "sub").mkdir()
    shutil.copy(DEMO / "feeds" / "podcast.xml", folder / "sub" / "podcast.xml")
    r = cli("import", str(folder))
    assert r.returncode == 0, r.stderr
    return r


def test_import_folder_of_every_format_plus_junk(imported) -> None:
    assert "23 imported" in imported.stdout and "6 skipped" in imported.stdout
    for name in ("empty.txt", "junk_binary.txt", "notes.xyz", "image.png", "broken.opml"):
        matching = [line for line in imported.stderr.splitlines() if name in line]
        assert len(matching) == 1 and matching[0].startswith("newstui: skipped")
    assert "Traceback" not in imported.stderr


def test_list_json_fields_and_category_with_ampersand(cli, imported) -> None:
    r = cli("list", 'category:"Etsy & Co."', "--format", "json")
    assert r.returncode == 0, r.stderr
    recs = lines(r.stdout)
    assert sorted(x["title"] for x in recs) == [
        "Folge 40: Marktplatz oder eigener Shop?",  # the podcast episode in sub/
        "Marktplätze erhöhen die Preise",
        "Wero erreicht zehn Millionen Nutzer",
        "Wero: Ein Jahr danach",
    ]
    rec = next(x for x in recs if x["title"] == "Marktplätze erhöhen die Preise")
    assert set(rec) == {
        "id",
        "title",
        "author",
        "source",
        "link",
        "published",
        "categories",
        "tags",
        "read",
        "bookmarked",
        "title_derived",
        "also_in",
    }
    assert rec["author"] == "Carla Muster"
    assert rec["categories"] == ["Alibaba", "Etsy & Co.", "Payment"]
    assert rec["tags"] == ["etsy", "gebühren"]
    assert rec["read"] is False and rec["bookmarked"] is False
    assert rec["published"].endswith("Z")


def test_list_is_newest_first_with_limit(cli, imported) -> None:
    recs = lines(cli("list", "--format", "json", "--limit", "5").stdout)
    assert len(recs) == 5
    dates = [r["published"] for r in recs]
    assert dates == sorted(dates, reverse=True)


def test_show_formats(cli, imported) -> None:
    rec = lines(cli("list", "tag:passkeys", "--format", "json").stdout)[0]
    text = cli("show", str(rec["id"]))
    assert text.returncode == 0
    assert text.stdout.startswith("Passkeys Arrive at the Checkout\n")
    assert "Online shops are starting to replace passwords with passkeys." in text.stdout
    assert "SENTINEL" not in text.stdout
    md = cli("show", str(rec["id"]), "--format", "markdown").stdout
    assert md.startswith("# Passkeys Arrive at the Checkout")
    js = json.loads(cli("show", str(rec["id"]), "--format", "json").stdout)
    assert js["title"] == "Passkeys Arrive at the Checkout" and "passkeys" in js["body_markdown"]


def test_podcast_enclosures_are_kept(cli, imported) -> None:
    rec = lines(cli("list", "source:Bezahlt", "--format", "json", "--limit", "1").stdout)[0]
    shown = cli("show", str(rec["id"])).stdout
    assert "Enclosure: https://" in shown and "audio/mpeg" in shown


def test_tag_read_bookmark_round_trip(cli, imported) -> None:
    rec = lines(cli("list", "tag:wero", "--format", "json").stdout)[0]
    i = str(rec["id"])
    assert cli("tag", i, "+later", "-wero").returncode == 0
    assert cli("read", i).returncode == 0
    assert cli("bookmark", i, "--no-fetch").returncode == 0 or cli("bookmark", i).returncode == 0
    after = lines(cli("list", "tag:later", "--format", "json").stdout)
    assert [a["id"] for a in after] == [rec["id"]]
    assert after[0]["read"] is True and after[0]["bookmarked"] is True and "wero" not in after[0]["tags"]
    assert [a["id"] for a in lines(cli("list", "is:bookmarked", "--format", "json").stdout)] == [rec["id"]]
    assert cli("unread", i).returncode == 0
    assert cli("unbookmark", i).returncode == 0
    final = lines(cli("list", "tag:later", "--format", "json").stdout)[0]
    assert final["read"] is False and final["bookmarked"] is False


@pytest.mark.parametrize(
    "args,needle",
    [
        (("import", "/no/such/path"), "no such file or folder"),
        (("list", '"unclosed'), "unclosed quote"),
        (("list", "colour:red"), "unknown field"),
        (("show", "999999"), "no article 999999"),
        (("show", "abc"), "no article 'abc'"),
        (("tag", "1", "oops"), "tag changes look like"),
        (("list", "--limit", "x"), "invalid int value"),
    ],
)
def test_user_errors_are_one_line_without_traceback(cli, imported, args, needle) -> None:
    r = cli(*args)
    assert r.returncode != 0
    err = r.stderr.strip().splitlines()
    assert err and any(needle in line for line in err), r.stderr
    assert "Traceback" not in r.stderr
    assert all(line.startswith("newstui:") for line in err)


def test_unreadable_library_is_an_error_not_a_traceback(cli, data_dir: Path) -> None:
    (data_dir / "library.db").mkdir()  # a folder where the file should be
    r = cli("list")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_not_a_library_is_moved_aside(cli, data_dir: Path) -> None:
    (data_dir / "library.db").write_text("hello")
    r = cli("list")
    assert r.returncode == 0
    assert "moved it to library.db.bad-" in r.stderr
    moved = [p for p in data_dir.iterdir() if p.name.startswith("library.db.bad-")]
    assert moved and moved[0].read_text() == "hello"
    sqlite3.connect(data_dir / "library.db").execute("PRAGMA integrity_check")


def test_everything_skipped_is_non_zero(cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.txt").write_bytes(b"")
    (junk / "b.bin").write_bytes(b"\x00\x01")
    r = cli("import", str(junk))
    assert r.returncode != 0 and "nothing was imported" in r.stderr
    assert "0 imported" in r.stdout


def test_python_dash_m_works(data_dir: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "newstui", "--data-dir", str(data_dir), "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0 and r.stderr == ""


def test_data_dir_holds_everything(cli, data_dir: Path, imported) -> None:
    assert (data_dir / "library.db").exists()


def test_xdg_dirs_move_the_library(tmp_path: Path) -> None:
    import os
    import subprocess

    from conftest import newstui_command

    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
    }
    r = subprocess.run(
        [*newstui_command(), "import", str(LOCAL / "basic_de.txt")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "xdg-data" / "newstui" / "library.db").exists()


def test_failures_are_logged_in_the_log_dir(cli, data_dir: Path, tmp_path: Path) -> None:
    closed = "http://127.0.0.1:9/feed.xml"  # nothing listens on loopback's port 9
    opml = tmp_path / "subs.opml"
    opml.write_text(
        f'<opml version="2.0"><body><outline type="rss" text="Closed" xmlUrl="{closed}"/></body></opml>'
    )
    assert cli("import", str(opml)).returncode == 0
    r = cli("refresh", "--quiet")
    assert r.returncode == 3, r.stdout + r.stderr
    log = (data_dir / "logs" / "newstui.log").read_text()
    assert "failed" in log and closed in log
