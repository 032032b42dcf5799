"""The local-file importer on the project's own fixtures (see fixtures/EXPECTED_local.md)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import LOCAL
from newstui.sources.decode import SkipFile, decode_text
from newstui.sources.importer import import_paths
from newstui.sources.textfile import is_caption, parse_text
from newstui.store.library import Library

TEXT_CASES = {
    "basic_de.txt": (
        "Neuer Radweg am Flussufer eröffnet",
        "Anna Probe",
        ["Stadt", "Verkehr"],
        ["radweg", "ulm", "verkehr"],
    ),
    "captions.txt": (
        "Alipay und Wero (Analyse) – zwei Wege zum Bezahlen",
        "Bernd Test",
        ["Payment"],
        ["alipay", "wero"],
    ),
    "etsy_categories.txt": (
        "Marktplätze erhöhen die Preise",
        "Carla Muster",
        ["Alibaba", "Etsy & Co.", "Payment"],
        ["etsy", "gebühren"],
    ),
    "empty_tags.txt": ("Kartenzahlung auf dem Flohmarkt", "Dieter Beispiel", ["Payment"], []),
    "english_labels.txt": (
        "Open Source Maintainers Ask for Help With Triage",
        "Emma Sample",
        ["Community", "Open Source"],
        ["linux", "maintainers", "python"],
    ),
    "no_labels.txt": ("Bibliothek verlängert Öffnungszeiten", "Paul Muster", [], []),
    "no_byline.txt": ("Security Update Fixes Login Bug", "", ["Security"], ["update"]),
    "bom_utf8.txt": ("Größere Mülltonnen für Mehrfamilienhäuser", "", ["Stadt"], ["gebühren", "müll"]),
    "crlf.txt": ("Klimaanpassung im Stadtpark", "Frieda Test", ["Klima", "Stadt"], ["bäume", "klima"]),
    "cp1252.txt": (
        "Süße Grüße aus der Bäckerei",
        "Jürgen Weiß",
        ["Klima", "Stadt"],
        ["bäckerei", "klima", "regional"],
    ),
    "leading_blank_lines.txt": ("Wasserstand der Elbe sinkt weiter", "", ["Wissenschaft"], ["elbe", "klima"]),
}


def only(lib: Library, name: str):
    rows = lib.list_articles(limit=None)
    assert len(rows) == 1, [r.title for r in rows]
    return lib.article(rows[0].id)


@pytest.mark.parametrize("name", sorted(TEXT_CASES))
def test_plain_text_rules(lib: Library, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(LOCAL / name, folder / name)
    report = import_paths(lib, [folder])
    assert (report.imported, report.skipped) == (1, [])
    art = only(lib, name)
    title, author, cats, tags = TEXT_CASES[name]
    assert art.title == title
    assert art.author == author
    assert sorted(art.categories) == sorted(cats)
    assert sorted(art.tag_names) == sorted(tags)
    assert "\r" not in art.content and "\ufeff" not in art.title
    assert "Kategorien" not in art.content and "Categories:" not in art.content
    assert art.date_estimated  # plain text carries no date: the file's time, marked as such


def test_captions_and_byline_leave_the_body(lib: Library) -> None:
    import_paths(lib, [LOCAL / "captions.txt", LOCAL / "basic_de.txt"])
    by_title = {lib.article(r.id).title: lib.article(r.id) for r in lib.list_articles()}
    captions = by_title["Alipay und Wero (Analyse) – zwei Wege zum Bezahlen"]
    assert "Alipay und Wero - zwei Wege" not in captions.content
    assert "Alipay und Wero – zwei Wege" not in captions.content
    paragraphs = captions.content.split("\n\n")
    assert [p.split()[0] for p in paragraphs] == ["Während", "Der", "Ob"]
    basic = by_title["Neuer Radweg am Flussufer eröffnet"]
    assert basic.content.startswith("Nach zwei Jahren Bauzeit")
    assert basic.content.endswith("Die Stadt rechnet mit bis zu dreitausend Fahrten pro Tag.")
    assert "Anna Probe, Ulm" not in basic.content


def test_sentence_with_comma_is_not_a_byline() -> None:
    art = parse_text((LOCAL / "no_byline.txt").read_text())
    assert art.author == ""
    assert art.content.endswith("Users should install the update soon, the vendor said.")


def test_windows_1252_umlauts() -> None:
    text = decode_text((LOCAL / "cp1252.txt").read_bytes())
    art = parse_text(text)
    assert "„Klimabrötchen“" in art.content and "0,80 €" in art.content
    second = art.content.split("\n\n")[1]
    assert second.startswith("Für die Inhaberin ist das ein Versuch: „Wenn es gut läuft")


def test_reference_shape_empty_tags_line() -> None:
    text = (
        "Titel (Pay) – Zusatz\n\nEin Absatz.\n\nTitel - Zusatz\n\nMax Muster, Ort\n\n\n\n"
        "Kategorien: A, Etsy & Co., B\n\nSchlagworte:, , , , ,"
    )
    art = parse_text(text)
    assert art.tags == []
    assert art.categories == ["A", "Etsy & Co.", "B"]
    assert art.author == "Max Muster"
    assert art.content == "Ein Absatz."


def test_is_caption() -> None:
    title = "Alibaba und Apple (Pay) – die neuen besten Freunde"
    assert is_caption("Alibaba und Apple - die neuen besten Freunde", title)
    assert not is_caption("Ganz andere Zeile über etwas", title)


@pytest.mark.parametrize("name", ["empty.txt", "whitespace.txt", "junk_binary.txt"])
def test_unreadable_text_is_refused(name: str) -> None:
    with pytest.raises(SkipFile):
        parse_text(decode_text((LOCAL / name).read_bytes()))


def test_folder_import_counts_and_skips(lib: Library) -> None:
    report = import_paths(lib, [LOCAL])
    assert report.imported == 20
    skipped = {Path(p).name: reason for p, reason in report.skipped}
    assert set(skipped) == {
        "empty.txt",
        "whitespace.txt",
        "junk_binary.txt",
        "notes.xyz",
        "image.png",
        "broken.opml",
    }
    assert "malformed OPML" in skipped["broken.opml"]
    assert "binary" in skipped["junk_binary.txt"]
    assert lib.stats()["articles"] == 20
    urls = {s.url for s in lib.sources() if s.url.startswith("https://")}
    assert urls == {
        "https://payments.example.org/feed.rss",
        "https://city.example.com/feed.json",
        "https://oss.example.com/atom.xml",
        "https://top.example.net/rss",
    }
    assert not any("broken.example.org" in s.url for s in lib.sources())


def test_reimport_is_idempotent_and_keeps_user_state(lib: Library) -> None:
    import_paths(lib, [LOCAL])
    rows = lib.list_articles(limit=None)
    first = rows[0].id
    lib.set_read(first)
    lib.tag(first, add=["mine"])
    lib.bookmark(rows[1].id, note="keep")
    again = import_paths(lib, [LOCAL])
    assert again.imported == 0 and again.updated == 0 and again.unchanged == 20
    assert lib.stats()["articles"] == 20
    art = lib.article(first)
    assert art.read and "mine" in art.tag_names
    assert lib.article(rows[1].id).note == "keep"
    assert len(lib.sources()) == len({s.url for s in lib.sources()})


def test_markdown_front_matter(lib: Library) -> None:
    import_paths(lib, [LOCAL / "front_matter.md"])
    art = only(lib, "front_matter.md")
    assert art.title == "Wero: Ein Jahr danach"
    assert art.author == "Jana Beispiel"
    assert art.categories == ["Etsy & Co.", "Payment"]
    assert sorted(art.tag_names) == ["paypal", "wero"]
    assert art.link == "https://news.example.org/payment/wero-ein-jahr"
    assert datetime.fromtimestamp(art.published, UTC).date().isoformat() == "2026-03-01"
    assert not art.date_estimated
    assert art.content.startswith("Ein Jahr nach dem Start") and "---" not in art.content[:10]


def test_markdown_without_front_matter(lib: Library) -> None:
    import_paths(lib, [LOCAL / "no_front_matter.md"])
    art = only(lib, "no_front_matter.md")
    assert art.title == "Rust for Python Developers"
    assert not art.content.lstrip().startswith("# Rust")
    assert "maturin" in art.content


def test_html_page(lib: Library) -> None:
    import_paths(lib, [LOCAL / "article.html"])
    art = only(lib, "article.html")
    assert art.title == "Passkeys Arrive at the Checkout"
    assert art.author == "Claire Example"
    assert art.categories == ["Security"]
    assert art.tag_names == sorted(["passkeys", "paypal", "phishing", "checkout"])
    assert art.published == datetime.fromisoformat("2025-09-14T08:30:00+02:00").timestamp()
    from newstui.render import article_body

    body = article_body(art)
    assert "Online shops are starting to replace passwords with passkeys." in body
    for banned in ("SENTINEL", "tracking", "color: #222", "document.write"):
        assert banned not in art.content and banned not in body


def test_feed_files(lib: Library) -> None:
    import_paths(lib, [LOCAL / "sample.rss", LOCAL / "sample.atom", LOCAL / "sample.json"])
    arts = {lib.article(r.id).title: lib.article(r.id) for r in lib.list_articles()}
    wero = arts["Wero erreicht zehn Millionen Nutzer"]
    assert wero.author == "Jana Beispiel" and wero.key == "rss-fixture-1"
    assert wero.categories == ["Etsy & Co.", "Payment"] and wero.tag_names == []
    assert "zehn Millionen" in wero.content and "Kurzfassung" not in wero.content
    assert arts["Linux 7.0 released"].author == "Lukas Beispielmann"
    repro = arts["Reproducible builds reach 95 percent"]
    assert repro.categories == ["Open Source", "Security"]
    survey = arts["Python packaging survey results"]
    assert survey.published == datetime(2025, 11, 20, 8, tzinfo=UTC).timestamp()
    assert "Most respondents now use a lock file." in survey.content + survey.summary
    heat = arts["Hitzeschutz in Schulen"]
    assert heat.tag_names == ["klima", "schulen"] and heat.categories == []
    assert arts["Python in the city data portal"].author == "Feed Author"
    feeds = [s for s in lib.sources() if s.kind == "feed"]
    assert len(feeds) == 3 and all(s.total == 2 for s in feeds)


def test_missing_path_is_reported_not_raised(lib: Library, tmp_path: Path) -> None:
    report = import_paths(lib, [tmp_path / "nope"])
    assert report.skipped == [(str(tmp_path / "nope"), "no such file or folder")]
    assert not report.succeeded
