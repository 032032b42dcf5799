"""The change journal: each change of user state recorded once, in the change's own
transaction, kept only until every consumer has taken it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newstui.errors import NotFound
from newstui.models import ArticleIn
from newstui.store.library import Library


def entries(lib: Library, consumer: str = "sync") -> list[tuple]:
    return [(e.kind, e.article_id, e.source_id, e.old, e.new) for e in lib.journal_pending(consumer)]


def journal_rows(lib: Library) -> int:
    return lib._read("SELECT COUNT(*) FROM journal")[0][0]


def seed(lib: Library, n: int = 3) -> tuple[int, list[int]]:
    src, _ = lib.add_source("https://example.org/feed", title="Example")
    res = lib.upsert_articles(
        src.id, [ArticleIn(title=f"a{i}", guid=f"g{i}", tags=["feedtag"]) for i in range(n)]
    )
    return src.id, res.new_ids


def every_change(lib: Library, sid: int, ids: list[int]) -> None:
    """One of each change of user state, plus changes that change nothing."""
    a, b, c = ids
    lib.set_read(a)
    lib.set_read(a)  # already read: no change
    lib.set_read([a, b], read=False)  # only a changes
    lib.mark_all_read()
    lib.bookmark(a, note="first")
    lib.bookmark(a, note="first")  # same note: no change
    lib.bookmark(a, note="second")
    lib.bookmark(a)  # already bookmarked, note untouched
    lib.unbookmark(a)
    lib.unbookmark(a)  # not bookmarked: no change
    lib.tag(b, add=["Later", "later"], remove=["feedtag"])  # a source tag's removal is not the user's
    lib.tag(b, add=["later"])  # has it already
    lib.add_tag_to([a, b, c, c], "later")
    lib.rename_tag("later", "Soon")
    lib.merge_tags(["soon"], "keep")
    lib.tag(c, add=["keep"])  # already there after the merge
    lib.delete_tag("keep")
    lib.update_source(sid, title="Renamed", category="News")
    lib.update_source(sid, title="Renamed")  # unchanged
    other, _ = lib.add_source("https://example.net/rss", category="Tech")
    lib.add_source("https://example.net/rss", category="Other")  # has a category: no change
    lib.remove_source(other.id)


def test_each_change_is_recorded_exactly_once(lib: Library) -> None:
    sid, ids = seed(lib)
    a, b, c = ids
    lib.journal_register("sync")
    every_change(lib, sid, ids)
    other = sid + 1  # the second source, removed again at the end
    assert entries(lib) == [
        ("read", a, None, "0", "1"),
        ("read", a, None, "1", "0"),
        ("read", a, None, "0", "1"),
        ("read", b, None, "0", "1"),
        ("read", c, None, "0", "1"),
        ("bookmark", a, None, "0", "1"),
        ("note", a, None, "", "first"),
        ("note", a, None, "first", "second"),
        ("bookmark", a, None, "1", "0"),
        ("tag", b, None, None, "Later"),
        ("tag", a, None, None, "Later"),
        ("tag", c, None, None, "Later"),
        ("tag", a, None, "Later", None),
        ("tag", a, None, None, "Soon"),
        ("tag", b, None, "Later", None),
        ("tag", b, None, None, "Soon"),
        ("tag", c, None, "Later", None),
        ("tag", c, None, None, "Soon"),
        ("tag", a, None, "Soon", None),
        ("tag", a, None, None, "keep"),
        ("tag", b, None, "Soon", None),
        ("tag", b, None, None, "keep"),
        ("tag", c, None, "Soon", None),
        ("tag", c, None, None, "keep"),
        ("tag", a, None, "keep", None),
        ("tag", b, None, "keep", None),
        ("tag", c, None, "keep", None),
        ("source_title", None, sid, "Example", "Renamed"),
        ("source_category", None, sid, "", "News"),
        ("subscribe", None, other, None, "https://example.net/rss"),
        ("source_category", None, other, "", "Tech"),
        ("unsubscribe", None, other, "https://example.net/rss", None),
    ]
    assert all(e.at > 0 for e in lib.journal_pending("sync"))


def test_nothing_is_kept_without_a_consumer(lib: Library) -> None:
    sid, ids = seed(lib)
    every_change(lib, sid, ids)
    assert journal_rows(lib) == 0
    lib.journal_register("sync")
    lib.set_read(ids[0], read=False)
    assert journal_rows(lib) == 1
    lib.journal_unregister("sync")
    assert journal_rows(lib) == 0  # the last consumer's backlog goes with it
    lib.set_read(ids[0])
    assert journal_rows(lib) == 0


def test_state_from_a_server_is_not_journaled(lib: Library) -> None:
    sid, ids = seed(lib)
    lib.journal_register("sync")
    lib.set_read(ids, journal=False)
    lib.set_read(ids[0], read=False, journal=False)
    lib.mark_all_read(journal=False)
    lib.bookmark(ids[0], note="n", journal=False)
    lib.unbookmark(ids[0], journal=False)
    lib.tag(ids[1], add=["x"], journal=False)
    lib.add_tag_to(ids, "y", journal=False)
    lib.rename_tag("x", "z", journal=False)
    lib.merge_tags(["z"], "y", journal=False)
    lib.delete_tag("y", journal=False)
    lib.update_source(sid, title="T", category="C", journal=False)
    s, _ = lib.add_source("https://example.net/x", category="C", journal=False)
    lib.remove_source(s.id, journal=False)
    assert entries(lib) == []
    # ...and the changes themselves happened.
    assert lib.article(ids[0]).read and not lib.article(ids[0]).bookmarked
    assert lib.source(sid).title == "T"


def test_consumers_ack_and_the_journal_compacts(lib: Library) -> None:
    _, ids = seed(lib)
    lib.set_read(ids)  # before any consumer: not kept
    lib.journal_register("a")
    lib.journal_register("b")
    lib.journal_register("a")  # idempotent
    assert [n for n, _ in lib.journal_consumers()] == ["a", "b"]
    lib.set_read(ids, read=False)
    pending = lib.journal_pending("a")
    assert [e.article_id for e in pending] == ids
    assert [e.article_id for e in lib.journal_pending("a", limit=2)] == ids[:2]
    lib.journal_ack("a", pending[1].id)
    assert [e.article_id for e in lib.journal_pending("a")] == ids[2:]
    assert journal_rows(lib) == 3  # b has taken nothing yet
    lib.journal_ack("b", pending[-1].id)
    assert journal_rows(lib) == 1  # only what a has still to take
    lib.journal_ack("a", pending[0].id)  # a cursor never moves back
    assert [e.article_id for e in lib.journal_pending("a")] == ids[2:]
    lib.journal_ack("a", pending[-1].id)
    assert journal_rows(lib) == 0
    # A consumer registered later starts after what exists, it was not there for it.
    lib.journal_unregister("b")
    lib.set_read(ids[0])
    lib.journal_register("c")
    assert lib.journal_pending("c") == [] and len(lib.journal_pending("a")) == 1
    with pytest.raises(NotFound):
        lib.journal_pending("nobody")
    with pytest.raises(NotFound):
        lib.journal_ack("nobody", 1)


def test_a_failed_change_leaves_no_entry(lib: Library) -> None:
    _, ids = seed(lib)
    lib.journal_register("sync")
    with pytest.raises(NotFound):
        lib.tag(10_000, add=["x"])
    with pytest.raises(RuntimeError), lib.write():
        lib.set_read(ids[0])
        raise RuntimeError("the outer transaction fails")
    assert entries(lib) == [] and not lib.article(ids[0]).read


WRITER = textwrap.dedent(
    """
    import random, sys
    from newstui.store.library import Library

    lib = Library(sys.argv[1])
    ids = [int(i) for i in sys.argv[2].split(",")]
    rng = random.Random(int(sys.argv[3]))
    while True:
        aid = rng.choice(ids)
        art = lib.article(aid)
        op = rng.randrange(4)
        if op == 0:
            lib.set_read(aid, read=not art.read)
        elif op == 1:
            lib.set_read(rng.sample(ids, 5), read=rng.random() < 0.5)
        elif op == 2:
            if art.bookmarked:
                lib.unbookmark(aid)
            else:
                lib.bookmark(aid, note=f"n{rng.randrange(1000)}")
        else:
            user = {t.name for t in art.tags if t.origin == "user"}
            if "x" in user:
                lib.tag(aid, remove=["x"])
            else:
                lib.tag(aid, add=["x"])
        print("ok", flush=True)
    """
)


def replay_matches(db: Path, ids: list[int]) -> int:
    """Every article's state equals the journal replayed from the start (entries chain, the
    last one is the state). Returns how many entries there were."""
    with Library(db) as lib:
        state = {aid: {"read": "0", "bookmark": "0", "tag": None} for aid in ids}
        rows = lib.journal_pending("sync")
        for e in rows:
            assert e.article_id is not None
            s = state[e.article_id]
            if e.kind in ("read", "bookmark"):
                assert s[e.kind] == e.old, e
                s[e.kind] = e.new
            elif e.kind == "tag":
                assert s["tag"] == e.old, e
                s["tag"] = e.new
        for aid in ids:
            art = lib.article(aid)
            assert state[aid]["read"] == ("1" if art.read else "0")
            assert state[aid]["bookmark"] == ("1" if art.bookmarked else "0")
            user = [t.name for t in art.tags if t.origin == "user"]
            assert state[aid]["tag"] == (user[0] if user else None)
        return len(rows)


@pytest.mark.slow
def test_kill_9_mid_write_keeps_journal_and_state_together(tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    with Library(db) as lib:
        src, _ = lib.add_source("https://example.org/feed")
        ids = lib.upsert_articles(src.id, [ArticleIn(title=f"a{i}", guid=str(i)) for i in range(12)]).new_ids
        lib.journal_register("sync")
    rng = random.Random(1414)
    total = 0
    for round_ in range(10):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), ",".join(map(str, ids)), str(round_)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        for _ in range(rng.randrange(5, 60)):
            line = proc.stdout.readline()
            assert line == "ok\n", proc.stderr.read() if proc.stderr else line
        os.kill(proc.pid, signal.SIGKILL)  # while it goes on writing
        proc.wait()
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
        count = replay_matches(db, ids)
        assert count > total
        total = count
