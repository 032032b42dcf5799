"""Bookmark export: Markdown files, one HTML page, JSON lines; and the Markdown round trip."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from newstui.bookmarks.export import (
    _WINDOWS_RESERVED,
    export_bookmarks,
    export_markdown,
    html_document,
    safe_stem,
)
from newstui.models import ArticleIn
from newstui.sources.importer import import_paths
from newstui.store.library import Library

HOSTILE_HTML = (
    "<p>Opening paragraph with <b>bold</b> text.</p>"
    '<script>alert("x")</script><iframe src="https://evil.example"></iframe>'
    '<p onclick="steal()">Click <a href="javascript:alert(1)">here</a> or '
    '<a href="https://ok.example/more">there</a>.</p><style>body{display:none}</style>'
)


def library_with_bookmarks(lib: Library) -> dict[str, int]:
    src, _ = lib.add_source("https://feeds.example.org/zahlung.rss", title="Zahlungsverkehr")
    items = [
        ArticleIn(
            title="Wero: Ein Jahr danach",
            guid="g1",
            link="https://news.example.org/wero",
            author="Jana Beispiel",
            content=HOSTILE_HTML,
            content_type="html",
            published=1_772_000_000.0,
            categories=["Payment", "Etsy & Co."],
            tags=["wero", "paypal"],
        ),
        ArticleIn(
            title='<script>alert("title")</script> & "quotes"',
            guid="g2",
            link="https://news.example.org/x?a=1&b=2",
            summary="Plain *summary* text.",
            published=1_772_100_000.0,
            categories=["Security"],
        ),
        ArticleIn(
            title="Not bookmarked",
            guid="g3",
            link="https://news.example.org/n",
            summary="s",
            published=1_772_200_000.0,
        ),
        ArticleIn(
            title="Same title",
            guid="g4",
            link="https://news.example.org/s1",
            summary="First of two.",
            published=1_772_300_000.0,
        ),
        ArticleIn(
            title="Same title",
            guid="g5",
            link="https://news.example.org/s2",
            summary="Second of two.",
            published=1_772_300_000.0,
        ),
    ]
    ids = dict(
        zip(
            ("wero", "xss", "plain", "same1", "same2"),
            lib.upsert_articles(src.id, items).new_ids,
            strict=True,
        )
    )
    lib.tag(ids["wero"], add=["Lesen", "später"])
    lib.bookmark(ids["wero"], note="Für die Bahnfahrt: Gebühren prüfen", created=1_772_500_000.5)
    lib.bookmark(ids["xss"], note='multi\nline\n---\nnote with "quotes"', created=1_772_400_000)
    lib.bookmark(ids["same1"], created=1_772_300_001)
    lib.bookmark(ids["same2"], created=1_772_300_002)
    return ids


def split_front_matter(text: str) -> tuple[dict, str]:
    m = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.S)
    assert m, text[:200]
    return yaml.safe_load(m.group(1)), m.group(2)


# ------------------------------------------------------------------- markdown
def test_markdown_export_one_file_per_bookmark(lib: Library, tmp_path: Path) -> None:
    library_with_bookmarks(lib)
    files = export_markdown(lib, tmp_path / "out")
    names = sorted(p.name for p in files)
    assert names == sorted(
        [
            "2026-02-25-wero-ein-jahr-danach.md",
            "2026-02-26-script-alert-title-script-quotes.md",
            "2026-02-28-same-title.md",
            "2026-02-28-same-title-2.md",
        ]
    )
    meta, body = split_front_matter(
        (tmp_path / "out" / "2026-02-25-wero-ein-jahr-danach.md").read_text("utf-8")
    )
    assert meta["title"] == "Wero: Ein Jahr danach"
    assert meta["link"] == "https://news.example.org/wero"
    assert meta["author"] == "Jana Beispiel" and meta["source"] == "Zahlungsverkehr"
    assert meta["date"] == "2026-02-25T06:13:20Z"
    assert meta["categories"] == ["Etsy & Co.", "Payment"]
    assert meta["tags"] == ["Lesen", "paypal", "später", "wero"]
    assert meta["user_tags"] == ["Lesen", "später"]
    assert meta["note"] == "Für die Bahnfahrt: Gebühren prüfen"
    assert meta["bookmarked"] is True and meta["bookmarked_at"] == "2026-03-03T01:06:40.500000Z"
    assert "Opening paragraph with **bold** text." in body
    assert "[there](https://ok.example/more)" in body
    for bad in ("<script", "javascript:", "onclick", "alert", "<iframe", "display:none"):
        assert bad not in body


def test_markdown_round_trip_into_a_fresh_library(lib: Library, tmp_path: Path) -> None:
    ids = library_with_bookmarks(lib)
    export_markdown(lib, tmp_path / "export")
    fresh = Library(tmp_path / "fresh.db")
    try:
        report = import_paths(fresh, [tmp_path / "export"])
        assert report.imported == 4 and not report.skipped

        def summary(library: Library) -> list[tuple]:
            out = []
            for row in library.list_articles("is:bookmarked", sort="bookmarked", limit=None):
                a = library.article(row.id)
                out.append(
                    (
                        a.title,
                        a.link,
                        a.author,
                        a.source,
                        a.published,
                        a.categories,
                        sorted(a.tag_names),
                        sorted(t.name for t in a.tags if t.origin == "user"),
                        a.note,
                        a.bookmarked,
                        a.bookmarked_at,
                    )
                )
            return out

        assert summary(fresh) == summary(lib)
        wero = fresh.article(fresh.article_ids('"Ein Jahr danach"')[0])
        assert "Opening paragraph with" in wero.content
        # Importing the export again changes nothing.
        import_paths(fresh, [tmp_path / "export"])
        assert summary(fresh) == summary(lib)
        assert fresh.count() == 4
    finally:
        fresh.close()
    assert ids


def test_unsafe_titles_become_safe_file_names(lib: Library, tmp_path: Path) -> None:
    titles = [
        "a/b\\c",
        "..",
        "../../etc/passwd",
        "nul\x00byte",
        "CON",
        "con",
        "aux.txt",
        "LPT1",
        "x" * 1_000_000,
        "ctrl\x01\x1b[31mred\x7f\x9b",
        "trailing. ",
        "   ",
        "???",
        "Ünïcödé Straße",
        "Новости дня",
        "COM9",
    ]
    src, _ = lib.add_source("https://feeds.example.org/bad.rss")
    ids = lib.upsert_articles(
        src.id,
        [
            ArticleIn(title=t, guid=f"g{i}", summary="s", published=1_772_000_000.0)
            for i, t in enumerate(titles)
        ],
    ).new_ids
    for aid in ids:
        lib.bookmark(aid)
    out = tmp_path / "out"
    files = export_markdown(lib, out)
    assert len(files) == len(titles) == len(set(p.name.casefold() for p in files))
    assert sorted(os.listdir(out)) == sorted(p.name for p in files)
    for p in files:
        name = p.name
        assert p.parent == out and p.is_file()
        assert "/" not in name and "\\" not in name and ".." not in name
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in name)
        assert not name.endswith((".", " ")) and len(name.encode()) <= 255
        assert name.split(".")[0].upper() not in _WINDOWS_RESERVED
        assert not any(ch in name for ch in '<>:"|?*')
    for title in titles:
        stem = safe_stem(title)
        assert stem and stem.upper() not in _WINDOWS_RESERVED
        assert not stem.endswith((".", " ")) and len(stem) <= 100
    assert safe_stem("CON") == "con_" and safe_stem("..") == "untitled"
    assert safe_stem("Ünïcödé Straße") == "uenicoede-strasse"


def test_markdown_export_refuses_a_file_as_folder(lib: Library, tmp_path: Path) -> None:
    from newstui.errors import NewstuiError

    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(NewstuiError, match="needs a folder"):
        export_bookmarks(lib, "markdown", f)


# ----------------------------------------------------------------------- HTML
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        d = dict(attrs)
        if d.get("id"):
            self.ids.append(d["id"] or "")
        if d.get("href"):
            self.hrefs.append(d["href"] or "")
        assert not any(k.startswith("on") for k in d), (tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_export_is_one_escaped_page_with_contents(lib: Library, tmp_path: Path) -> None:
    library_with_bookmarks(lib)
    out = tmp_path / "bookmarks.html"
    assert export_bookmarks(lib, "html", out) == 4
    page = out.read_text("utf-8")
    parsed = _Page()
    parsed.feed(page)
    assert "script" not in parsed.tags and "iframe" not in parsed.tags
    assert "style" in parsed.tags  # its own stylesheet, inline: the page stands alone
    assert not any(h.lower().startswith("javascript:") for h in parsed.hrefs)
    toc = [h[1:] for h in parsed.hrefs if h.startswith("#b")]
    assert len(toc) == 4 and set(toc) <= set(parsed.ids)
    text = "".join(parsed.text)
    assert '<script>alert("title")</script> & "quotes"' in text  # shown, as text
    assert "Für die Bahnfahrt" in text and "Opening paragraph with bold text." in text
    assert "https://news.example.org/x?a=1&b=2" in parsed.hrefs
    assert "Not bookmarked" not in text
    assert "http" not in " ".join(h for h in parsed.hrefs if "evil" in h)


def test_html_body_is_markdown_converted_never_raw_html() -> None:
    from newstui.models import Article

    art = Article(
        id=1,
        source_id=None,
        source="S",
        key="k",
        title="T",
        link="",
        author="",
        summary="",
        content="Text with <img src=x onerror=alert(1)> and <b>raw</b> tags",
        content_type="markdown",
        published=0.0,
        date_estimated=False,
        updated=None,
        first_seen=0.0,
        read=False,
        enclosures=[],
        categories=[],
        tags=[],
        bookmarked=True,
    )
    page = html_document([art])
    # Tags of real HTML elements in a Markdown body are dropped; their text stays.
    assert "onerror" not in page and "<img" not in page and "<b>raw" not in page
    assert "raw" in page


# ----------------------------------------------------------------------- JSON
def test_json_export_one_object_per_line(lib: Library, tmp_path: Path) -> None:
    ids = library_with_bookmarks(lib)
    out = tmp_path / "b.jsonl"
    assert export_bookmarks(lib, "json", out) == 4
    recs = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in recs] == [ids["wero"], ids["xss"], ids["same2"], ids["same1"]]
    wero = recs[0]
    assert wero["title"] == "Wero: Ein Jahr danach" and wero["bookmarked"] is True
    assert wero["note"] == "Für die Bahnfahrt: Gebühren prüfen"
    assert wero["user_tags"] == ["Lesen", "später"]
    assert wero["bookmarked_at"] == "2026-03-03T01:06:40.500000Z"
    assert "Opening paragraph" in wero["body_markdown"]


# ------------------------------------------------------------------------ CLI
def test_cli_exports_all_three_formats(lib: Library, cli, tmp_path: Path) -> None:
    library_with_bookmarks(lib)
    md = cli("export", "bookmarks", "--format", "markdown", "-o", str(tmp_path / "md"))
    assert md.returncode == 0, md.stderr
    assert len(list((tmp_path / "md").glob("*.md"))) == 4
    page = cli("export", "bookmarks", "--format", "html", "-o", str(tmp_path / "b.html"))
    assert page.returncode == 0, page.stderr
    assert (tmp_path / "b.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    lines = cli("export", "bookmarks", "--format", "json", "-o", "-")
    assert lines.returncode == 0, lines.stderr
    assert len([json.loads(x) for x in lines.stdout.splitlines()]) == 4
    bad = cli("export", "bookmarks", "--format", "markdown", "-o", "-")
    assert bad.returncode == 1 and "give -o FOLDER" in bad.stderr

    # The round trip through the real commands.
    fresh = tmp_path / "fresh"
    done = cli("import", str(tmp_path / "md"), data=fresh)
    assert done.returncode == 0, done.stderr
    listed = cli("bookmarks", "--format", "json", data=fresh)
    recs = [json.loads(x) for x in listed.stdout.splitlines()]
    assert [r["title"] for r in recs][0] == "Wero: Ein Jahr danach"
    assert recs[0]["note"] == "Für die Bahnfahrt: Gebühren prüfen"
