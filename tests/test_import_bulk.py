"""An import writes its articles in groups of batches, one transaction per group (a bulk
write, ``Connection.bulk_write``), with the search index's rows last. The library comes
out as batch-by-batch writing made it: counts exact, every text found, the index sound
and its settings as they were; and an import cut short keeps every group it committed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newstui.models import ArticleIn
from newstui.sources import importer
from newstui.sources.importer import import_paths
from newstui.store.doctor import search_index_problems
from newstui.store.library import Library
from test_label_counts import afresh, kept

N = 230


def _texts(root: Path, n: int = N, word: str = "wero") -> Path:
    """``n`` text files whose labels repeat in other spellings ("News", "news", "NEWS")."""
    root.mkdir(parents=True, exist_ok=True)
    spellings = ["News", "news", "NEWS"]
    for i in range(n):
        (root / f"t{i:04d}.txt").write_text(
            f"Article {i}\n\nThe body of article {i} says {word} and zeta{i}q.\n\n"
            f"Kategorien: {spellings[i % 3]}, K{i % 7}, k{i % 7}\n"
            f"Schlagworte: x, X, t{i % 5}\n",
            encoding="utf-8",
        )
    return root


@pytest.fixture
def small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 20 and groups of 50 articles, however fast the machine."""
    monkeypatch.setattr(importer, "BATCH", 20)
    monkeypatch.setattr(importer, "GROUP_ARTICLES", 50)
    monkeypatch.setattr(importer, "GROUP_SECONDS", 1e9)


def _fts_config(lib: Library) -> list[tuple[str, object]]:
    return sorted(lib._read("SELECT k, v FROM articles_fts_config"))


def test_bulk_import_keeps_counts_exact_with_repeated_labels(
    tmp_path: Path, lib: Library, small_groups: None
) -> None:
    # Counts kept from before the import: the triggers keep them through the bulk writes.
    feed, _ = lib.add_source("https://a.example/feed", title="A")
    lib.upsert_articles(feed.id, [ArticleIn(title="Old", guid="o1", published=1.7e9, categories=["news"])])
    assert lib.label_counts("all") == {0: (1, 1)}
    report = import_paths(lib, [_texts(tmp_path / "in")])
    assert report.imported == N
    assert kept(lib) == afresh(lib)
    categories = {name.casefold() for (name,) in lib._read("SELECT name FROM categories")}
    assert {"news", "k0", "k6"} <= categories and len(categories) == 8  # one per folded name
    news = lib._read("SELECT id FROM categories WHERE fold = 'news'")[0][0]
    assert lib.label_counts("category")[news] == (N + 1, N + 1)
    x = lib._read("SELECT id FROM tags WHERE fold = 'x'")[0][0]
    assert lib.label_counts("tag")[x] == (N, N)


def test_bulk_import_is_found_by_search_and_leaves_the_index_sound(
    tmp_path: Path, lib: Library, small_groups: None
) -> None:
    before = _fts_config(lib)
    import_paths(lib, [_texts(tmp_path / "in")])
    assert lib.count("wero") == N
    assert lib.count("zeta17q") == 1
    assert [r.title for r in lib.list_articles("zeta117q")] == ["Article 117"]
    assert search_index_problems(lib) == []
    assert _fts_config(lib) == before  # the bulk write's index setting went back
    # One index segment per group (five groups of at most 50), not several per batch.
    segments = lib._read("SELECT COUNT(DISTINCT segid) FROM articles_fts_idx")[0][0]
    assert 1 <= segments <= 5


def test_bulk_import_equals_batch_by_batch_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups of one batch (a transaction per batch, as before) and groups of several give
    the same rows, labels and search results."""
    texts = _texts(tmp_path / "in")
    tables = {}
    for name, group in (("one", 20), ("many", 50)):
        monkeypatch.setattr(importer, "BATCH", 20)
        monkeypatch.setattr(importer, "GROUP_ARTICLES", group)
        monkeypatch.setattr(importer, "GROUP_SECONDS", 1e9)
        with Library(tmp_path / f"{name}.db") as lib:
            import_paths(lib, [texts])
            tables[name] = (
                lib._read("SELECT id, key, hash, title, summary, content FROM articles ORDER BY id"),
                lib._read("SELECT category_id, article_id FROM article_categories ORDER BY 1, 2"),
                lib._read("SELECT tag_id, article_id, origin FROM article_tags ORDER BY 1, 2, 3"),
                lib._read("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'wero OR k3' ORDER BY 1"),
                kept(lib),
            )
    assert tables["one"][0] and tables["one"][3]
    assert tables["one"] == tables["many"]


def test_an_article_changed_within_its_group_is_indexed_once_with_its_new_text(
    tmp_path: Path, lib: Library, small_groups: None
) -> None:
    """The same file twice in one import: its second reading updates the article the first
    wrote in the same group, whose index row was still waiting for the group's end."""
    one = tmp_path / "one.txt"
    one.write_text("First\n\nold words here\n", encoding="utf-8")
    other = _texts(tmp_path / "in", 30)
    with lib.bulk_write():
        import_paths(lib, [one])
        one.write_text("First\n\nnew words here\n", encoding="utf-8")
        import_paths(lib, [other, one])
    assert lib.count("new") == 1 and lib.count("old") == 0
    assert search_index_problems(lib) == []


def test_an_interrupted_import_keeps_every_group_it_committed(
    tmp_path: Path, lib: Library, small_groups: None
) -> None:
    texts = _texts(tmp_path / "in")
    seen: list[Path] = []

    def stop_midway(path: Path) -> None:
        seen.append(path)
        if len(seen) == 170:  # inside the fourth group (151-200)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        importer.Importer(lib, on_file=stop_midway).run([texts])
    lib.close()
    conn = sqlite3.connect(lib.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        titles = [t for (t,) in conn.execute("SELECT title FROM articles ORDER BY id")]
        assert titles == [f"Article {i}" for i in range(150)]  # three whole groups
        assert conn.execute("SELECT COUNT(*) FROM articles_fts_docsize").fetchone()[0] == 150
    finally:
        conn.close()
    with Library(lib.path) as again:
        assert search_index_problems(again) == []
        report = import_paths(again, [texts])  # the rest comes in; nothing twice
        assert (report.imported, report.unchanged) == (N - 150, 150)
        assert again.count("wero") == N
        assert kept(again) == afresh(again)


def test_a_stopped_import_ends_after_its_group_and_keeps_it(
    tmp_path: Path, lib: Library, small_groups: None
) -> None:
    """``stop`` set from another thread (the reader closing) during an import: the group
    being written commits whole, nothing after it is read, the report says it stopped,
    and the auto-tags of what came in are given."""
    import threading

    from newstui.config import Config
    from newstui.core.importing import import_files

    texts = _texts(tmp_path / "in")
    stop = threading.Event()
    seen: list[Path] = []
    real = importer.Importer._store_item

    def store_item(self: importer.Importer, item: object, loaded: object) -> None:
        real(self, item, loaded)  # type: ignore[arg-type]
        seen.append(Path(str(item)))
        if len(seen) == 70:  # inside the second group (51-100)
            stop.set()

    cfg = Config(auto_tags={"wero-tag": "wero"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(importer.Importer, "_store_item", store_item)
        done = import_files(lib, cfg, [texts], stop=stop)
    assert done.report.stopped and done.report.imported == 100  # two whole groups
    assert len(seen) == 100  # and not one file read into a third
    assert lib.count("tag:wero-tag") == 100 == done.tagged
    assert search_index_problems(lib) == []

    already = threading.Event()
    already.set()
    report = import_files(lib, cfg, [texts], stop=already).report
    assert report.stopped and report.files == 0  # stopped before it began: nothing imported
    assert import_paths(lib, [texts]).imported == N - 100  # the rest comes in later
