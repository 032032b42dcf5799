"""The filter pane: All, Unread, Bookmarks, then Categories, Tags, Sources and Saved searches.

Each node's data is the query it stands for; choosing a node posts ``FilterPane.Changed``.
Counts come from indexed aggregates run in a thread worker after the first paint, so
opening a large library never waits for them. Labels are built as plain ``Text``: a
category called ``[b]x[/]`` shows exactly that.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from newstui.errors import NewstuiError
from newstui.models import Source
from newstui.store.library import Library

GROUPS = ("categories", "tags", "sources", "searches")
GROUP_TITLES = {
    "categories": "Categories",
    "tags": "Tags",
    "sources": "Sources",
    "searches": "Saved searches",
}


def quote_value(value: str) -> str:
    """A field value for the query language: bare if it can be, else quoted."""
    if value and not any(ch.isspace() or ch in '()"' for ch in value):
        return value
    return '"' + value.replace('"', "") + '"'


@dataclass
class FilterCounts:
    """Everything the pane shows, loaded in one worker."""

    stats: dict[str, int] = field(default_factory=dict)
    categories: list[tuple[str, int, int]] = field(default_factory=list)
    tags: list[tuple[str, int, int]] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    searches: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Filter:
    """What a node filters by: the query and a short name for the header."""

    query: str
    label: str
    source_id: int | None = None


class FilterPane(Tree[Filter | None]):
    """A tree of filters with counts."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]

    COMPONENT_CLASSES = Tree.COMPONENT_CLASSES | {"filter-pane--count", "filter-pane--failed"}

    DEFAULT_CSS = """
    FilterPane {
        & > .filter-pane--count { color: $text-muted; }
        & > .filter-pane--failed { color: $error; text-style: bold; }
    }
    """

    class Changed(Message):
        """The user chose a filter."""

        def __init__(self, filter: Filter) -> None:
            super().__init__()
            self.filter = filter

    class CountsLoaded(Message):
        """Fresh counts arrived (the app shows the totals in its header)."""

        def __init__(self, counts: FilterCounts) -> None:
            super().__init__()
            self.counts = counts

    def __init__(
        self, reader: Library, extra_searches: dict[str, str] | None = None, *,
        id: str | None = None,
    ) -> None:
        super().__init__("Filters", id=id)
        self.reader = reader
        self.extra_searches = dict(extra_searches or {})
        self.show_root = False
        self.guide_depth = 2
        self.counts = FilterCounts()
        self._fixed: dict[str, TreeNode[Filter | None]] = {}
        self._groups: dict[str, TreeNode[Filter | None]] = {}
        self.selected_query = ""

    def process_label(self, label: str | Text) -> Text:  # type: ignore[override]
        # Never parse markup: labels are names from feeds and files.
        text = Text(label) if isinstance(label, str) else label
        return text.split()[0] if text.plain else text

    def on_mount(self) -> None:
        for key, title, query in (
            ("all", "All", ""),
            ("unread", "Unread", "is:unread"),
            ("bookmarks", "Bookmarks", "is:bookmarked"),
        ):
            self._fixed[key] = self.root.add_leaf(title, data=Filter(query, title))
        for key in GROUPS:
            self._groups[key] = self.root.add(GROUP_TITLES[key], data=None, expand=False)
        self.root.expand()
        self.reload()

    # ------------------------------------------------------------------ counts
    def reload(self) -> None:
        self._load_counts()

    @work(thread=True, exclusive=True, group="filter-counts")
    def _load_counts(self) -> None:
        try:
            counts = FilterCounts(
                stats=self.reader.stats(),
                categories=self.reader.category_counts(),
                tags=self.reader.tag_counts(),
                sources=self.reader.sources(),
                searches=self.reader.saved_searches(),
            )
        except (sqlite3.Error, NewstuiError):
            return
        self.app.call_from_thread(self._counts_loaded, counts)

    def _counts_loaded(self, counts: FilterCounts) -> None:
        self.counts = counts
        self.populate(counts)
        self.post_message(self.CountsLoaded(counts))

    def _ink(self, component: str) -> Style:
        """A component's colour only: the background is the tree's to paint."""
        style = self.get_component_rich_style(component)
        return Style(color=style.color, bold=style.bold)

    def _label(self, name: str, count: str, failed: bool = False) -> Text:
        text = Text(name)
        if failed:
            text.append(" !", self._ink("filter-pane--failed"))
        text.append(f" {count}", self._ink("filter-pane--count"))
        return text

    def populate(self, counts: FilterCounts) -> None:
        """Rebuild the entries with fresh counts, keeping what was open and chosen."""
        stats = counts.stats
        cursor_data = self.cursor_node.data if self.cursor_node else None
        self._fixed["all"].set_label(self._label("All", f"{stats.get('articles', 0):,}"))
        self._fixed["unread"].set_label(self._label("Unread", f"{stats.get('unread', 0):,}"))
        self._fixed["bookmarks"].set_label(
            self._label("Bookmarks", f"{stats.get('bookmarks', 0):,}")
        )
        groups = self._groups
        self._fill(groups["categories"], [
            (self._label(name, f"{total:,}"),
             Filter(f"category:{quote_value(name)}", f"category {name}"))
            for name, total, _unread in counts.categories
        ])
        self._fill(groups["tags"], [
            (self._label(name, f"{total:,}"), Filter(f"tag:{quote_value(name)}", f"tag {name}"))
            for name, total, _unread in counts.tags
        ])
        self._fill(groups["sources"], [
            (self._label(s.label, f"{s.unread:,}/{s.total:,}", failed=_failing(s)),
             Filter(f"source:{s.id}", f"source {s.label}", s.id))
            for s in counts.sources
        ])
        searches = dict(self.extra_searches)
        searches.update(dict(counts.searches))
        self._fill(groups["searches"], [
            (Text(name), Filter(query, name)) for name, query in sorted(searches.items())
        ])
        for key in GROUPS:
            n = len(groups[key].children)
            groups[key].set_label(self._label(GROUP_TITLES[key], f"{n:,}"))
        if cursor_data is not None:
            self.select_query(cursor_data.query, announce=False)

    def _fill(
        self, group: TreeNode[Filter | None], entries: list[tuple[Text, Filter]]
    ) -> None:
        existing = list(group.children)
        # Reuse nodes where the query is unchanged, so the tree does not flicker.
        if [n.data for n in existing] == [f for _, f in entries]:
            for node, (label, _) in zip(existing, entries, strict=True):
                node.set_label(label)
            return
        group.remove_children()
        for label, data in entries:
            group.add_leaf(label, data=data)

    # ---------------------------------------------------------------- choosing
    def select_query(self, query: str, *, announce: bool = False) -> bool:
        """Move the cursor to the node for ``query`` (opening its group); True if found."""
        for node in self._walk():
            if node.data is not None and node.data.query == query:
                if node.parent is not None and node.parent is not self.root:
                    node.parent.expand()
                self.call_after_refresh(self._move_to, node)
                if announce:
                    self.post_message(self.Changed(node.data))
                return True
        return False

    def _move_to(self, node: TreeNode[Filter | None]) -> None:
        if node.tree is self and node.line >= 0:
            self.move_cursor(node, animate=False)

    def _walk(self) -> list[TreeNode[Filter | None]]:
        out: list[TreeNode[Filter | None]] = []
        stack = list(reversed(self.root.children))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    @property
    def selected_source(self) -> int | None:
        node = self.cursor_node
        return node.data.source_id if node is not None and node.data is not None else None

    def on_tree_node_selected(self, event: Tree.NodeSelected[Filter | None]) -> None:
        event.stop()
        data = event.node.data
        if data is not None:
            self.selected_query = data.query
            self.post_message(self.Changed(data))


def _failing(source: Source) -> bool:
    return bool(source.gone or (source.last_error and source.failures))
