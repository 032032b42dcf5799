"""Shared helpers for the TUI tests: a deterministic demo library, settling workers, and
reading what is on screen. (No tests here; the other test_tui*.py files import it.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newstui.paths import Paths
from newstui.screenshots import fixed_demo, settle, use_utc
from newstui.tui.app import NewstuiApp
from newstui.tui.widgets.article_list import ArticleList

__all__ = ["settle", "demo_paths", "make_app", "list_ids", "screen_text", "demo_base"]


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
