"""Shared helpers for the TUI tests: a deterministic demo library, settling workers, and
reading what is on screen. (No tests here; the other test_tui*.py files import it.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newstui.models import ArticleIn
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.app import NewstuiApp
from newstui.tui.widgets.article_list import ArticleList
from support import fixed_demo, settle, use_utc

__all__ = [
    "settle",
    "demo_paths",
    "make_app",
    "list_ids",
    "screen_text",
    "demo_base",
    "hostile_paths",
]


@pytest.fixture(scope="session")
def demo_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo library, built once per session from files with fixed dates."""
    use_utc()
    return fixed_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo_paths(demo_base: Path, tmp_path: Path) -> Paths:
    """A private copy of the demo library for one test."""
    use_utc()
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy2(demo_base / "library.db", data / "library.db")
    return Paths.resolve(data)


def make_app(paths: Paths, **config: object) -> NewstuiApp:
    from newstui.config import Config

    cfg = Config()
    for key, value in config.items():
        setattr(cfg, key, value)
    return NewstuiApp(paths, cfg, network=False)


def list_ids(app: NewstuiApp) -> list[int]:
    """The ids the article list shows (all of them: the test libraries are small)."""
    articles = app.screen.query_one(ArticleList)
    out = []
    for i in range(articles.count):
        row = articles.row_at(i)
        assert row is not None, f"row {i} not loaded"
        out.append(row.id)
    return out


def screen_text(app: NewstuiApp) -> str:
    """The screen as plain text, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


HOSTILE_TITLES = [
    "[bold]x[/]",
    "[@click=app.quit]y[/]",
    "[/]",
    "[$accent]v[/] [B]w [_x]",
    "\x1b[31mred\x1b[0m \x1b]0;pwned\x07bell\x07 c1\x9b2J",
    "[@click=app.screenshot('/tmp/x')]shot[/]",
]


@pytest.fixture
def hostile_paths(tmp_path: Path) -> Paths:
    paths = Paths.resolve(tmp_path / "data")
    with Library(paths.library) as lib:
        src, _ = lib.add_source(
            "https://evil.example/feed.xml",
            title="[/]Evil [@click=app.quit]src[/]",
            category="[b]cat[/]",
        )
        items = [
            ArticleIn(
                title,
                guid=f"g{i}",
                link="javascript:alert(1)" if i == 0 else f"https://ok.example/{i}",
                author="[@click=app.quit]author[/]",
                content=(
                    "<script>alert('s')</script><style>p{}</style><iframe src=x></iframe>"
                    "<p>[@click=app.quit]body[/] and [bold]not bold[/]</p>"
                    "<a href='javascript:alert(1)'>js link</a> <a href='https://ok.example/'>ok</a>"
                ),
                content_type="html",
                published=1_700_000_000.0 + i * 3600,
                categories=["[@click=app.quit]c[/]", "[/]"],
                tags=["[B]t", "[@click=app.quit]tag[/]"],
            )
            for i, title in enumerate(HOSTILE_TITLES)
        ]
        lib.upsert_articles(src.id, items)
    return paths
