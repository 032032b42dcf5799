"""Article texts stored compressed (newstui.store.packing): every kind of text comes back
as it went in, the column is smaller, an older library is migrated (readable, searchable,
doctor clean), and `newstui compact` gives the space back."""

from __future__ import annotations

import json
import random
import sqlite3
import string
from pathlib import Path

import pytest

from conftest import FIXTURES
from newstui.models import ArticleIn
from newstui.sources.feedparse import parse_feed
from newstui.store import articles, packing, schema
from newstui.store.doctor import diagnose
from newstui.store.library import Library

PARAGRAPH = (
    "The council met on Tuesday to discuss the harbour plans, the new bicycle lanes and "
    "the budget for the library. Residents asked why the ferry timetable changed again. "
)
RNG = random.Random(7)
# Text that compression cannot shrink: it must be stored as it is.
NOISE = "".join(RNG.choice(string.ascii_letters + string.digits + string.punctuation) for _ in range(150))

TEXTS = {
    "html": ("html", "<p>" + PARAGRAPH * 6 + "</p><p><b>Zebra</b> crossings &amp; more</p>"),
    "text": ("text", (PARAGRAPH + "\n\n") * 5 + "walrus"),
    "markdown": ("markdown", "# Heading\n\n" + "* item with `code` and [a link](https://x.example/)\n" * 20),
    "unicode": ("text", "Grüße aus Köln — 東京の天気は晴れ 🙂 naïve café ﬁnance " * 30 + "квокка"),
    "empty": ("text", ""),
    "short": ("html", "<p>A short one.</p>"),
    "noise": ("text", NOISE),
}


LONG = " ".join(RNG.choice(PARAGRAPH.split()) + str(i % 97) for i in range(20_000))  # past the window


@pytest.mark.parametrize("text", [t for _, t in TEXTS.values()] + ["x" * packing.MIN_PACKED, "é" * 200, LONG])
def test_pack_gives_back_every_text(text: str) -> None:
    packed = packing.pack(text)
    assert packing.unpack(packed) == text
    if isinstance(packed, bytes):
        assert len(packed) < len(text.encode())
    else:
        assert packed == text  # kept as it is: short, or compression would not shrink it


def test_unpack_of_null_is_empty() -> None:
    assert packing.unpack(None) == ""
    assert packing.pack_sql(None) is None and packing.pack_sql(b"x") == b"x"


def _column_types(lib: Library) -> dict[str, tuple[str, str]]:
    return {
        key: (summary, content)
        for key, summary, content in lib._read("SELECT key, typeof(summary), typeof(content) FROM articles")
    }


def test_library_round_trip_of_every_kind_of_text(lib: Library) -> None:
    src, _ = lib.add_source("https://p.example/feed")
    items = [
        ArticleIn(f"Article {name}", guid=name, content=text, content_type=ctype, summary=text[:150] + name)
        for name, (ctype, text) in TEXTS.items()
    ]
    lib.upsert_articles(src.id, items)
    types = _column_types(lib)
    for name, (ctype, text) in TEXTS.items():
        (aid,) = lib.article_ids(f'"Article {name}"')
        art = lib.article(aid)
        assert art.content == text and art.content_type == ctype
        assert art.summary == text[:150] + name
    # Long texts are compressed, short and incompressible ones are not.
    assert types["html"] == ("blob", "blob") and types["text"][1] == "blob"
    assert types["unicode"][1] == "blob" and types["markdown"][1] == "blob"
    assert types["empty"] == ("text", "text") and types["short"] == ("text", "text")
    assert types["noise"][1] == "text"
    # Search reads the index, never the compressed columns.
    assert set(lib.article_ids("walrus")) == set(lib.article_ids('"Article text"'))
    assert set(lib.article_ids("квокка")) == set(lib.article_ids('"Article unicode"'))
    assert lib.count("zebra") == 1


def test_changed_and_deleted_articles_leave_the_index_clean(lib: Library) -> None:
    """A changed article is taken out of the index with its unpacked old text; a wrong
    text would leave stale words behind and the index's own check would fail."""
    src, _ = lib.add_source("https://p.example/feed")
    lib.upsert_articles(src.id, [ArticleIn("One", guid="1", content=PARAGRAPH * 4 + " aardvark")])
    assert lib.count("aardvark") == 1
    lib.upsert_articles(src.id, [ArticleIn("One", guid="1", content=PARAGRAPH * 4 + " pangolin")])
    assert lib.count("aardvark") == 0 and lib.count("pangolin") == 1
    report = diagnose(lib, repair=False)
    assert not report.damaged and not report.index_problems
    lib.remove_source(src.id)
    report = diagnose(lib, repair=False)
    assert not report.damaged and not report.index_problems and report.indexed == 0


def test_compressed_column_is_smaller(lib: Library) -> None:
    """The stored bytes of real feed texts (the project's fixtures) against their UTF-8 size."""
    src, _ = lib.add_source("https://p.example/feed")
    entries = []
    for path in sorted((FIXTURES / "feeds").iterdir()):
        try:
            entries += parse_feed(path.read_bytes(), path.as_uri()).entries
        except Exception:  # noqa: BLE001 - the fixtures include broken feeds on purpose
            continue
    # And long realistic texts, as most articles of a full-content feed are.
    entries += [ArticleIn(f"Long {i}", guid=f"l{i}", content=PARAGRAPH * (5 + i)) for i in range(50)]
    lib.upsert_articles(src.id, entries)
    texts = [(a.summary, a.content) for a in (lib.article(i) for i in lib.article_ids(""))]
    raw = sum(len(s.encode()) + len(c.encode()) for s, c in texts)
    stored = lib._read(
        "SELECT SUM(length(CAST(summary AS BLOB)) + length(CAST(content AS BLOB))) FROM articles"
    )
    assert raw > 50_000
    assert stored[0][0] < raw * 0.5


OLD_ROWS = [
    # id, title, content, summary, content type
    (1, "Walrus colony", "<p>" + PARAGRAPH * 4 + "Thermal <b>imaging</b> of the herd</p>", "", "html"),
    (2, "Harbour notes", (PARAGRAPH * 3) + "Theatre tonight", "Short lead about walruses", "text"),
    (3, "Gazette", "", "<p>" + PARAGRAPH * 3 + "Summary that stands in for the body: thespian</p>", "html"),
    (4, "Tiny", "a quokka", "", "text"),
    (5, "Unicode", "Grüße 東京 🙂 " * 40 + "narwhal", "", "markdown"),
]


@pytest.fixture
def old_library(data_dir: Path) -> Path:
    """A library written by the build before texts were compressed (its last migration)."""
    db = data_dir / "library.db"
    conn = sqlite3.connect(db, isolation_level=None)
    schema.migrate(conn, upto=schema.MIGRATIONS.index(schema.pack_texts))
    conn.execute("INSERT INTO sources (id, url, added) VALUES (1, 'https://o.example/', 0)")
    for aid, title, content, summary, ctype in OLD_ROWS:
        conn.execute(
            "INSERT INTO articles (id, source_id, key, title, content, summary, content_type, "
            "published, first_seen) VALUES (?, 1, ?, ?, ?, ?, ?, ?, 0)",
            (aid, f"k{aid}", title, content, summary, ctype, 1.7e9 + aid),
        )
        summary_text, body = articles.index_texts(summary, content, ctype)
        conn.execute(articles.FTS_INSERT, (aid, title, "", summary_text, body))
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE typeof(content) = 'blob'").fetchone()[0] == 0
    conn.close()
    return db


SEARCHES = ["walrus", "thermal", "imaging", "theatre", "lead", "thespian", "quokka", "narwhal", "the", "東京"]


def test_migration_packs_old_texts_and_keeps_them_readable_and_searchable(
    old_library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "PACK_TEXTS_BATCH", 2)  # several batches
    with Library(old_library) as lib:
        assert schema.version(lib.conn) == schema.LATEST
        types = dict(lib._read("SELECT id, typeof(content) FROM articles"))
        assert types == {1: "blob", 2: "blob", 3: "text", 4: "text", 5: "blob"}
        assert lib._read("SELECT typeof(summary) FROM articles WHERE id = 3") == [("blob",)]
        for aid, title, content, summary, ctype in OLD_ROWS:
            art = lib.article(aid)
            assert (art.title, art.content, art.summary, art.content_type) == (title, content, summary, ctype)
        found = {q: sorted(lib.article_ids(q)) for q in SEARCHES}
        assert found == {
            "walrus": [1, 2],
            "thermal": [1],
            "imaging": [1],
            "theatre": [2],
            "lead": [2],
            "thespian": [3],
            "quokka": [4],
            "narwhal": [5],
            "the": [1, 2, 3],
            "東京": [5],
        }
        report = diagnose(lib, repair=False)
        assert not report.damaged and not report.index_problems and report.indexed == len(OLD_ROWS)
        # A migrated article that changes leaves the index through its unpacked text.
        lib.upsert_articles(1, [ArticleIn("Walrus colony", guid="k1", content="<p>gone</p>")])
        assert lib.article_ids("thermal") == [] and lib.article_ids("gone") == [1]
        report = diagnose(lib, repair=False)
        assert not report.damaged and not report.index_problems


def test_doctor_rebuild_indexes_the_packed_texts(old_library: Path) -> None:
    with Library(old_library) as lib:
        lib.conn.execute("DELETE FROM articles_fts_docsize WHERE id = 1")  # out of step
        report = diagnose(lib)
        assert report.index_rebuilt
        assert sorted(lib.article_ids("thermal")) == [1] and sorted(lib.article_ids("narwhal")) == [5]
        assert not diagnose(lib, repair=False).index_problems


def test_show_and_export_of_a_migrated_library(old_library: Path, cli) -> None:  # type: ignore[no-untyped-def]
    data = old_library.parent
    shown = cli("show", "5", "--format", "json", data=data)
    assert shown.returncode == 0, shown.stderr
    assert "narwhal" in json.loads(shown.stdout)["body_markdown"]
    text = cli("show", "2", data=data)
    assert text.returncode == 0 and "Theatre tonight" in text.stdout
    assert cli("bookmark", "1", data=data).returncode == 0
    exported = cli("export", "bookmarks", "--format", "json", "-o", "-", data=data)
    assert exported.returncode == 0, exported.stderr
    (record,) = [json.loads(line) for line in exported.stdout.splitlines()]
    assert "Thermal **imaging** of the herd" in record["body_markdown"]


def test_compact_gives_the_space_back(old_library: Path, cli) -> None:  # type: ignore[no-untyped-def]
    data = old_library.parent
    big = PARAGRAPH * 40
    conn = sqlite3.connect(old_library, isolation_level=None)
    conn.execute("BEGIN")
    for i in range(10, 400):
        conn.execute(
            "INSERT INTO articles (id, source_id, key, title, content, published, first_seen) "
            "VALUES (?, 1, ?, 'Filler', ?, 0, 0)",
            (i, f"f{i}", big + str(i)),
        )
        conn.execute(articles.FTS_INSERT, (i, "Filler", "", "", big + str(i)))
    conn.execute("COMMIT")
    conn.close()
    before = old_library.stat().st_size
    doctor = cli("doctor", data=data)  # opens the library: the migration packs the texts
    assert doctor.returncode == 0, doctor.stderr
    assert "search index: ok" in doctor.stdout
    assert "unused; `newstui compact` gives it back" in doctor.stdout
    done = cli("compact", data=data)
    assert done.returncode == 0, done.stderr
    assert "compacted:" in done.stdout
    after = old_library.stat().st_size
    assert after < before * 0.6
    shown = cli("show", "123", data=data)
    assert shown.returncode == 0 and "Residents asked why" in shown.stdout
    again = cli("doctor", "--check-only", data=data)
    assert again.returncode == 0, again.stderr
    assert "unused" in again.stdout and "newstui compact" not in again.stdout
