"""The query language against a real library: each operator, negation, OR, quoting, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newstui.errors import QueryError
from newstui.models import ArticleIn
from newstui.query import compile_query, describe
from newstui.store.library import Library


def ts(day: str) -> float:
    return datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def filled(lib: Library) -> Library:
    feed, _ = lib.add_source("https://pay.example.org/feed", title="Zahlungsverkehr")
    blog, _ = lib.add_source("/home/me/articles", kind="folder", title="articles")
    lib.upsert_articles(
        feed.id,
        [
            ArticleIn(
                "Überweisung in Echtzeit",
                guid="a1",
                author="Jana Beispiel",
                content="<p>Die Echtzeitüberweisung kommt.</p>",
                content_type="html",
                published=ts("2025-03-01"),
                categories=["Payment"],
                tags=["wero"],
            ),
            ArticleIn(
                "Wero startet",
                guid="a2",
                author="Max Muster",
                content="Wero ist da.",
                published=ts("2025-06-01"),
                categories=["Payment", "Etsy & Co."],
                tags=["x"],
            ),
            ArticleIn(
                "Marktplatz Gebühren",
                guid="a3",
                author="Jana Beispiel",
                content="Etsy erhöht Gebühren.",
                published=ts("2024-12-24"),
                categories=["Etsy & Co."],
            ),
        ],
    )
    lib.upsert_articles(
        blog.id,
        [
            ArticleIn(
                "Rust in the kernel",
                guid="b1",
                author="Sam Sample",
                content="Memory safety for drivers.",
                published=ts("2026-01-10"),
                categories=["Open Source"],
                tags=["rust", "X"],
            ),
        ],
    )
    return lib


def titles(lib: Library, q: str) -> set[str]:
    return {r.title for r in lib.list_articles(q, limit=None)}


def test_bare_words_search_full_text_folding_diacritics(filled: Library) -> None:
    assert titles(filled, "uberweisung") == {"Überweisung in Echtzeit"}
    assert titles(filled, "echtzeituberweisung") == {"Überweisung in Echtzeit"}
    assert titles(filled, "memory safety") == {"Rust in the kernel"}
    assert titles(filled, '"safety for"') == {"Rust in the kernel"}
    assert titles(filled, '"for safety"') == set()


def test_fields(filled: Library) -> None:
    assert titles(filled, "tag:wero") == {"Überweisung in Echtzeit"}
    assert titles(filled, "tag:x") == {"Wero startet", "Rust in the kernel"}  # case-insensitive
    assert titles(filled, 'category:"Etsy & Co."') == {"Wero startet", "Marktplatz Gebühren"}
    assert titles(filled, "category:payment") == {"Überweisung in Echtzeit", "Wero startet"}
    assert titles(filled, "source:zahlung") == {
        "Überweisung in Echtzeit",
        "Wero startet",
        "Marktplatz Gebühren",
    }
    assert titles(filled, "author:jana") == {"Überweisung in Echtzeit", "Marktplatz Gebühren"}
    assert titles(filled, "before:2025-01-01") == {"Marktplatz Gebühren"}
    assert titles(filled, "after:2025-06") == {"Wero startet", "Rust in the kernel"}


def test_states(filled: Library) -> None:
    wero = next(r for r in filled.list_articles() if r.title == "Wero startet")
    filled.set_read(wero.id)
    filled.bookmark(wero.id, note="lesen im Zug")
    assert titles(filled, "is:read") == {"Wero startet"}
    assert "Wero startet" not in titles(filled, "is:unread")
    assert titles(filled, "is:bookmarked") == {"Wero startet"}
    assert titles(filled, "note:zug") == {"Wero startet"}


def test_negation_and_or(filled: Library) -> None:
    assert titles(filled, "category:payment -tag:wero") == {"Wero startet"}
    assert titles(filled, "tag:rust OR tag:wero") == {"Rust in the kernel", "Überweisung in Echtzeit"}
    # OR binds tighter than the implicit AND
    assert titles(filled, "author:max tag:wero OR tag:x") == {"Wero startet"}
    assert titles(filled, 'author:jana (tag:wero OR category:"Etsy & Co.")') == {
        "Überweisung in Echtzeit",
        "Marktplatz Gebühren",
    }


def test_ranked_search_orders_by_relevance(filled: Library) -> None:
    q = compile_query("wero")
    assert q.rank_match
    rows = filled.list_articles(q, sort="rank")
    assert rows[0].title == "Wero startet"


def test_user_text_never_becomes_sql(filled: Library) -> None:
    for hostile in [
        "'; DROP TABLE articles; --",
        'tag:"x\' OR 1=1 --"',
        "author:%",
        "NEAR(a b)",
        "title: AND",
        "*",
        "^a",
    ]:
        try:
            filled.list_articles(hostile)
        except QueryError:
            pass
    assert filled.stats()["articles"] == 4
    assert titles(filled, "author:%") == set()


@pytest.mark.parametrize(
    "bad,msg",
    [
        ('"unclosed', "unclosed quote"),
        ("a OR", "OR needs a term"),
        ("OR a", "OR needs a term"),
        ("(a b", "unclosed '('"),
        ("a b)", "unbalanced ')'"),
        ("is:maybe", "is: wants one of"),
        ("before:yesterday", "before: wants a date"),
        ("colour:red", "unknown field 'colour'"),
        ("tag:", "tag: needs a value"),
    ],
)
def test_malformed_queries_give_one_clear_line(bad: str, msg: str) -> None:
    with pytest.raises(QueryError) as err:
        compile_query(bad)
    assert msg in str(err.value) and "\n" not in str(err.value)


def test_parameters_are_bound() -> None:
    q = compile_query('tag:"a b" author:x before:2025-01-01')
    assert "a b" in q.params and "?" in q.where and "a b" not in q.where


def test_describe() -> None:
    assert describe("") == "All articles"
    assert describe("tag:x -is:read") == "tag x, not read"


def test_account_field_takes_the_sources_a_server_account_keeps(filled: Library) -> None:
    acc = filled.add_account("Home Server", type="greader", url="http://127.0.0.1:9/api", username="u")
    other = filled.add_account("work", type="greader", url="http://127.0.0.1:9/w", username="u")
    sid = filled.link_remote_source(
        acc.id, "feed/1", url="https://srv.example.org/feed", title="Server", category="Tech", site_url=""
    )
    wid = filled.link_remote_source(
        other.id, "feed/2", url="https://w.example.org/feed", title="W", category="Tech", site_url=""
    )
    filled.upsert_articles(sid, [ArticleIn("From the server", guid="s1", content="synced")])
    filled.upsert_articles(wid, [ArticleIn("From work", guid="w1", content="synced")])
    assert titles(filled, 'account:"home server"') == {"From the server"}
    assert titles(filled, "account:work") == {"From work"}
    assert titles(filled, 'account:work OR account:"Home Server"') == {"From the server", "From work"}
    assert titles(filled, '-account:"Home Server" category:tech') == {"From work"}
    assert titles(filled, "account:nobody") == set()
    assert titles(filled, "account:%") == set()  # a value, never a pattern
    assert len(titles(filled, "-account:work")) == 5  # the local articles are in no account
    assert describe("account:work") == "account work"
    with pytest.raises(QueryError, match="account: needs a value"):
        compile_query('account:""')
