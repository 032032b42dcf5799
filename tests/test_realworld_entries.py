"""Real-world feed entries come through whole (issue 13, part 4), on fixtures of our own
in the shapes other people's feeds have: entries without id or link, title-less posts,
gzip bodies and files, wide and declared encodings, JSON Feed versions, active elements
in titles, CDATA inside encoded content."""

from __future__ import annotations

import gzip
import json
import shutil
import zlib
from pathlib import Path

import pytest

from conftest import FIXTURES
from feedserver import FeedServer, server_fixture  # noqa: F401
from newstui.config import Config
from newstui.sources.decode import DecodeError, decode_text, gunzip
from newstui.sources.feedparse import FeedError, parse_feed
from newstui.sources.fetch import FetchLimits, fetch, make_client
from newstui.sources.importer import import_paths
from newstui.sources.refresh import refresh
from newstui.store.articles import opening_words
from newstui.store.library import Library

REAL = FIXTURES / "realworld"


def titles(lib: Library) -> list[str]:
    return sorted(r.title for r in lib.list_articles(limit=None))


def import_one(lib: Library, tmp_path: Path, name: str, data: bytes | None = None):
    path = tmp_path / name
    if data is None:
        shutil.copy(REAL / name, path)
    else:
        path.write_bytes(data)
    return import_paths(lib, [path])


# ------------------------------------------------------------ keys and titles
def test_entries_without_id_or_link_stay_apart_and_shared_ids_merge(lib: Library, tmp_path: Path) -> None:
    report = import_one(lib, tmp_path, "no-ids.rss")
    # 4 description-only items, 2 items sharing one guid (one article), 2 sharing a link.
    assert report.imported == 7, report.summary()
    got = titles(lib)
    for text in (
        "Der Bäcker am Markt hat wieder geöffnet.",
        "Am Samstag fällt die Sprechstunde aus.",
        "Fundsache: ein blauer Regenschirm, abzuholen im Büro.",
        "Die Bibliothek sucht Vorleserinnen und Vorleser.",
    ):
        assert text in got
    assert got.count("Termin") == 2
    assert [t for t in got if "Fassung" in t] == ["Erste Fassung der Meldung."]  # first one wins
    again = import_paths(lib, [tmp_path / "no-ids.rss"])
    assert (again.imported, again.unchanged) == (0, 7)  # the keys are stable


def test_title_less_posts_get_their_opening_words_marked_derived(cli, tmp_path: Path) -> None:
    shutil.copy(REAL / "microblog.rss", tmp_path / "microblog.rss")
    shutil.copy(REAL / "microblog-noversion.json", tmp_path / "notes.json")
    r = cli("import", str(tmp_path))
    assert r.returncode == 0, r.stderr
    recs = {rec["link"]: rec for rec in map(json.loads, cli("list", "--format", "json").stdout.splitlines())}
    long_post = recs["https://social.example/@lena/1101"]
    assert long_post["title"] == (
        "Heute früh die erste Amsel im Hof gehört, und der Kaffee war auch schon fertig…"
    )
    assert long_post["title_derived"] is True
    short = recs["https://social.example/@lena/1102"]
    assert (short["title"], short["title_derived"]) == ("Kurz & gut.", True)
    # No text at all: nothing is invented.
    image_only = recs["https://social.example/@lena/1103"]
    assert (image_only["title"], image_only["title_derived"]) == ("(untitled)", False)
    note = recs["https://notiz.example.org/n1"]
    assert note["title"].startswith("Wer hat den Schlüssel für den Fahrradkeller?") and note["title_derived"]
    titled = recs["https://notiz.example.org/n2"]
    assert (titled["title"], titled["title_derived"]) == ("Mit Titel", False)
    shown = json.loads(cli("show", str(long_post["id"]), "--format", "json").stdout)
    assert shown["title_derived"] is True
    # The full text is kept whole; only the title is cut.
    assert "Guter Tag bisher." in shown["body_markdown"]


def test_derived_title_is_stored(lib: Library, tmp_path: Path) -> None:
    import_one(lib, tmp_path, "microblog.rss")
    arts = [lib.article(r.id) for r in lib.list_articles(limit=None)]
    assert sorted(a.title_derived for a in arts) == [False, True, True]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Kurz und gut.", 80, "Kurz und gut."),
        ("eins zwei drei vier fünf", 14, "eins zwei…"),
        ("  viel\n\n  Raum   dazwischen ", 80, "viel Raum dazwischen"),
        ("Donaudampfschifffahrtsgesellschaftskapitän", 10, "Donaudamp…"),
        ("", 80, ""),
    ],
)
def test_opening_words_cut_at_a_word_boundary(text: str, limit: int, expected: str) -> None:
    assert opening_words(text, limit) == expected


# ---------------------------------------------------------------- compression
def test_gz_feed_file_is_decompressed(lib: Library, tmp_path: Path) -> None:
    data = gzip.compress((REAL / "newsfeed.php").read_bytes())
    report = import_one(lib, tmp_path, "gemeinde.rss.gz", data)
    assert report.imported == 2 and report.skipped == [], report.summary()
    assert "Sperrung der Brückenstraße" in titles(lib)


def test_gzip_bytes_under_a_feed_name_are_decompressed(lib: Library, tmp_path: Path) -> None:
    data = gzip.compress((REAL / "updates.cgi").read_bytes())
    report = import_one(lib, tmp_path, "werkstatt.xml", data)
    assert report.imported == 1, report.summary()


def test_gunzip_refuses_more_than_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (4 * 1024 * 1024))
    with pytest.raises(DecodeError, match="larger than"):
        gunzip(bomb, 1024 * 1024)
    assert gunzip(bomb, 4 * 1024 * 1024) == b"\0" * (4 * 1024 * 1024)
    with pytest.raises(FeedError, match="larger than"):
        parse_feed(bomb, max_bytes=1024)
    with pytest.raises(DecodeError, match="cut short"):
        gunzip(gzip.compress(b"<rss/>" * 100)[:30], 1024)


async def test_gzip_body_without_content_encoding_is_decompressed(server: FeedServer) -> None:
    body = (REAL / "newsfeed.php").read_bytes()
    url = server.route(
        "/feed.php", lambda h: h.reply(200, gzip.compress(body), {"Content-Type": "application/octet-stream"})
    )
    limits = FetchLimits(connect_timeout=2, read_timeout=2, deadline=5, max_bytes=1024 * 1024)
    async with make_client(limits) as client:
        res = await fetch(client, url, limits)
    assert res.ok and res.body == body
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = b"".join(bomb.compress(b"\0" * 1024 * 1024) for _ in range(8)) + bomb.flush()
    url = server.route("/bomb.xml", lambda h: h.reply(200, data, {"Content-Type": "text/xml"}))
    async with make_client(limits) as client:
        res = await fetch(client, url, limits)
    assert not res.ok and "larger than 1 MiB" in (res.error or "") and res.body == b""


def test_refresh_reads_a_gzip_body_sent_without_a_header(lib: Library, server: FeedServer) -> None:
    body = gzip.compress((REAL / "updates.cgi").read_bytes())
    url = server.route("/updates", lambda h: h.reply(200, body, {"Content-Type": "text/plain"}))
    lib.add_source(url)
    report = refresh(lib, Config(connect_timeout=5, read_timeout=5, feed_deadline=10))
    assert report.errors == 0 and report.new == 1
    assert titles(lib) == ["Hobelbank, zweiter Teil"]


def test_refresh_follows_the_charset_of_the_http_header(lib: Library, server: FeedServer) -> None:
    # No XML declaration and no BOM: only the Content-Type header names the encoding.
    rss = (
        "<rss version='2.0'><channel><title>Kasse</title><item><guid>k1</guid>"
        "<title>Καλημέρα από την Αθήνα</title></item></channel></rss>"
    )
    body = rss.encode("iso-8859-7")  # read as windows-1252 (the usual guess), it would be garbled
    url = server.route(
        "/kasse", lambda h: h.reply(200, body, {"Content-Type": "text/xml; charset=iso-8859-7"})
    )
    lib.add_source(url)
    report = refresh(lib, Config(connect_timeout=5, read_timeout=5, feed_deadline=10))
    assert report.errors == 0 and report.new == 1
    assert titles(lib) == ["Καλημέρα από την Αθήνα"]


# ------------------------------------------------------------------ encodings
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_feed_without_bom_or_declaration_is_read(lib: Library, tmp_path: Path, codec: str) -> None:
    data = (REAL / "wide.rss.in").read_text(encoding="utf-8").encode(codec)
    report = import_one(lib, tmp_path, "weit.rss", data)
    assert report.imported == 1 and report.skipped == [], report.summary()
    assert titles(lib) == ["Grüße aus Åre und Łódź"]
    src = next(s for s in lib.sources() if s.kind == "feed")
    assert src.title == "Weite Zeichen" and src.last_error is None


def test_wide_feed_under_an_unknown_name_is_found_by_content(lib: Library, tmp_path: Path) -> None:
    data = (REAL / "wide.rss.in").read_text(encoding="utf-8").encode("utf-16-le")
    report = import_one(lib, tmp_path, "export.dat", data)
    assert report.imported == 1, report.summary()


def test_declared_single_byte_encoding_is_followed(lib: Library, tmp_path: Path) -> None:
    data = (REAL / "cyrillic.rss.in").read_text(encoding="utf-8").encode("cp1251")
    report = import_one(lib, tmp_path, "gorod.rss", data)
    assert report.imported == 1, report.summary()
    assert titles(lib) == ["Новый парк открыт"]
    assert any(s.title == "Городские новости" for s in lib.sources())


def test_html_page_in_its_declared_charset(lib: Library, tmp_path: Path) -> None:
    data = (REAL / "cyrillic.html.in").read_text(encoding="utf-8").encode("koi8-r")
    report = import_one(lib, tmp_path, "biblioteka.html", data)
    assert report.imported == 1, report.summary()
    art = lib.article(lib.list_articles()[0].id)
    assert art.title == "Новая библиотека" and "Библиотека на площади" in art.content


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_wide_plain_text_without_bom(codec: str) -> None:
    assert decode_text("Überschrift\n\nText.\n".encode(codec)) == "Überschrift\n\nText.\n"


# ------------------------------------------------------------------ JSON Feed
@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("numeric-version.json", "Version als Zahl"),
        ("string-version.json", "Version als Text"),
        ("microblog-noversion.json", "Mit Titel"),
    ],
)
def test_json_feed_versions_people_write(lib: Library, tmp_path: Path, name: str, title: str) -> None:
    report = import_one(lib, tmp_path, name)
    assert report.skipped == [] and report.imported >= 1, report.summary()
    assert title in titles(lib)


def test_json_that_is_not_a_feed_is_still_refused() -> None:
    with pytest.raises(FeedError, match="not a JSON Feed"):
        parse_feed(b'{"name": "package", "version": "1.0"}')
    with pytest.raises(FeedError, match="not a JSON Feed"):
        parse_feed(b'{"version": "https://example.org/other", "items": []}')


def test_utf16_json_feed_without_bom() -> None:
    data = (REAL / "numeric-version.json").read_text(encoding="utf-8").encode("utf-16-le")
    assert [e.title for e in parse_feed(data).entries] == ["Version als Zahl"]


# ------------------------------------------------------- titles and encoded content
def test_active_elements_in_titles_are_dropped_with_their_content(lib: Library, tmp_path: Path) -> None:
    import_one(lib, tmp_path, "active-titles.rss")
    import_one(lib, tmp_path, "active-titles.atom")
    assert titles(lib) == [
        "Baustelle am Wasserwerk",
        "Neue Tarife ab April",
        "Störung behoben",
        "Wartung am Montag",
    ]
    feed_titles = {s.title for s in lib.sources() if s.kind == "feed"}
    assert feed_titles == {"Stadtwerke aktuell", "Netzbetrieb Nord"}
    for t in titles(lib) + sorted(feed_titles):
        assert "location" not in t and "{" not in t and "alert" not in t


def test_cli_sources_shows_a_clean_feed_title(cli, tmp_path: Path) -> None:
    shutil.copy(REAL / "active-titles.rss", tmp_path / "stadtwerke.rss")
    assert cli("import", str(tmp_path / "stadtwerke.rss")).returncode == 0
    out = cli("sources").stdout
    assert "Stadtwerke aktuell" in out and "document.title" not in out


def test_cdata_nested_in_encoded_content_is_unwrapped(lib: Library, tmp_path: Path) -> None:
    import_one(lib, tmp_path, "cdata-encoded.rss")
    art = lib.article(lib.list_articles()[0].id)
    assert "CDATA" not in art.content and "CDATA" not in art.summary
    assert art.content == "<p>Ab Juni fährt die <b>Linie 5</b> alle zehn Minuten.</p>"
    assert art.summary == "Kurz: neue Zeiten ab Juni."
