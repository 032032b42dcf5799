"""The reader's layout of sources by feed-server account, folder and feed (core, no Textual)."""

from __future__ import annotations

from newstui.core.accounts import source_layout
from newstui.models import ArticleIn
from newstui.store.library import Library


def test_accounts_hold_their_folders_and_feeds_beside_the_local_sources(lib: Library) -> None:
    local, _ = lib.add_source("https://local.example.org/feed", title="Local", category="Tech")
    acc = lib.add_account("home", type="greader", url="http://127.0.0.1:9/api", username="u")
    empty = lib.add_account("empty", type="greader", url="http://127.0.0.1:9/e", username="u")
    b = lib.link_remote_source(
        acc.id, "feed/b", url="https://b.example.org/f", title="B feed", category="tech", site_url=""
    )
    a = lib.link_remote_source(
        acc.id, "feed/a", url="https://a.example.org/f", title="A feed", category="Tech", site_url=""
    )
    n = lib.link_remote_source(
        acc.id, "feed/n", url="https://n.example.org/f", title="No folder", category="", site_url=""
    )
    z = lib.link_remote_source(
        acc.id, "feed/z", url="https://z.example.org/f", title="Z feed", category="Arts", site_url=""
    )
    lib.upsert_articles(a, [ArticleIn("one", guid="1"), ArticleIn("two", guid="2")])
    lib.upsert_articles(b, [ArticleIn("three", guid="3")])
    lib.set_read([r.id for r in lib.list_articles("one", limit=None)])

    layout = source_layout(lib)

    assert [s.id for s in layout.local] == [local.id]
    assert [o.account.name for o in layout.accounts] == ["empty", "home"]
    assert layout.accounts[0].account.id == empty.id
    assert layout.accounts[0].folders == [] and layout.accounts[0].unfiled == []
    home = layout.accounts[1]
    assert [f.name for f in home.folders] == ["Arts", "Tech"]  # one folder for Tech and tech
    tech = home.folders[1]
    assert sorted(s.id for s in tech.sources) == sorted([a, b])
    assert (tech.total, tech.unread) == (3, 2)
    assert [s.id for s in home.unfiled] == [n] and [s.id for s in home.folders[0].sources] == [z]
    assert (home.account.articles, home.account.unread) == (3, 2)
