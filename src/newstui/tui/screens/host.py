"""What the action objects need from the screen that owns them (the main screen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from textual.notifications import SeverityLevel

from newstui.tui.context import ReaderContext
from newstui.tui.widgets.article_list import ArticleList
from newstui.tui.widgets.article_view import ArticleView
from newstui.tui.widgets.filter_pane import FilterPane


class ActionHost(Protocol):
    """The screen side of ``ArticleActions`` and ``LibraryActions``."""

    ctx: ReaderContext
    reading: bool

    @property
    def current_query(self) -> str: ...

    @property
    def article_list(self) -> ArticleList: ...

    @property
    def article_view(self) -> ArticleView: ...

    @property
    def filter_pane(self) -> FilterPane | None: ...

    def after_change(self, *, reload_list: bool = False) -> None:
        """After a write: recount the filter pane (and re-run the list query if asked)."""

    def say(self, message: str, severity: SeverityLevel = "information") -> None:
        """Notify from any thread; the message may hold untrusted text: never markup."""

    def in_thread(self, job: Callable[[], None], group: str, *, exclusive: bool = False) -> None:
        """Run ``job`` in a thread worker of the screen."""

    def on_ui(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` on the UI thread (from a worker thread)."""

    def set_status(self, text: str) -> None:
        """The status line under the list ("" hides it)."""

    def notify(self, message: str, *, timeout: float | None = None) -> None: ...

    def push_screen(self, screen: Any, callback: Callable[[Any], Any] | None = None) -> Any: ...

    def open_url(self, url: str) -> None: ...

    def copy_link(self, url: str) -> None: ...
