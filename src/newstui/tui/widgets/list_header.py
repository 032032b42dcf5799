"""The line above the list: the active filter in words, the match count, the sort."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static


class ListHeader(Static):
    """``Category Politics, “rust” — 1,234 articles · by date``"""

    DEFAULT_CSS = """
    ListHeader {
        height: 1;
        padding: 0 1;
        background: $boost;
        color: $text-muted;
        &.-error { color: $text-error; }
    }
    """

    description: reactive[str] = reactive("All articles")
    count: reactive[int | None] = reactive(None)
    exact: reactive[bool] = reactive(True)
    sort: reactive[str] = reactive("date")
    error: reactive[str] = reactive("")

    def render(self) -> Content:
        if self.error:
            return Content.assemble(("Query: ", "bold"), self.error)
        if self.count is None:
            counted = "counting…"
        else:
            plural = "article" if self.count == 1 else "articles"
            counted = f"{self.count:,} {plural}"
            if not self.exact:  # a lower bound: the exact count is on its way
                counted = f"{self.count:,}+ {plural}, counting…"
        return Content.assemble(
            (self.description, "bold $text"),
            " — ",
            counted,
            f" · by {self.sort}",
        )

    def watch_description(self, old: str, new: str) -> None:
        # A new filter: the count shown so far belongs to the old one.
        if old != new:
            self.count = None

    def watch_error(self, error: str) -> None:
        self.set_class(bool(error), "-error")
