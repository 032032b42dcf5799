"""Placeholder app until the full TUI lands: lists the library newest first."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, OptionList

from newstui.config import Config
from newstui.paths import Paths
from newstui.store.library import Library


class NewstuiApp(App[None]):
    TITLE = "newstui"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, paths: Paths, config: Config | None = None) -> None:
        super().__init__()
        self.paths = paths
        self.config_ = config or Config()
        self.library = Library(paths.library)

    def compose(self) -> ComposeResult:
        from rich.text import Text

        yield Header()
        yield OptionList(*(Text(r.title) for r in self.library.list_articles(limit=200)))
        yield Footer()


def run_app(paths: Paths, config: Config | None = None) -> int:
    NewstuiApp(paths, config).run()
    return 0
