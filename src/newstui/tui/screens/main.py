"""The main screen: filter pane, article list (with its header and search box), article view.

Panes post messages up; this screen turns them into attributes and calls on the other
panes. Layout (three panes, or one at a time on narrow terminals) is CSS driven by the
classes ``-narrow`` (< 120 columns), ``-tiny`` (< 80), ``-reading`` and ``-no-filters``.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from newstui.query import describe
from newstui.tui.screens.article_actions import ArticleActions
from newstui.tui.screens.library_actions import LibraryActions
from newstui.tui.state import SORTS, UIState
from newstui.tui.widgets.article_list import ArticleList
from newstui.tui.widgets.article_view import ArticleView
from newstui.tui.widgets.filter_pane import Filter, FilterPane
from newstui.tui.widgets.list_header import ListHeader
from newstui.tui.widgets.search_bar import SearchBar

NARROW = 120
TINY = 80


def combine(filter_query: str, search: str) -> str:
    f, s = filter_query.strip(), search.strip()
    if f and s:
        return f"({f}) {s}"
    return f or s


class MainScreen(ArticleActions, LibraryActions, Screen[None]):
    """The reader."""

    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("escape", "back", "Back"),
        Binding("tab", "cycle(1)", "Next pane", show=False),
        Binding("shift+tab", "cycle(-1)", "Previous pane", show=False),
        Binding("b", "bookmark", "Bookmark"),
        Binding("t", "tags", "Tags"),
        Binding("m", "toggle_read", "Read/unread"),
        Binding("n", "note", "Note", show=False),
        Binding("A", "mark_all_read", "All read"),
        Binding("u", "undo", "Undo", show=False),
        Binding("F", "full_text", "Full text", id="full_text"),
        Binding("o", "open_link", "Open link"),
        Binding("y", "copy_link", "Copy link", show=False),
        Binding("s", "sort", "Sort"),
        Binding("r", "refresh_all", "Refresh"),
        Binding("R", "refresh_source", "Refresh source", show=False),
        Binding("a", "add_feed", "Add feed", show=False),
        Binding("i", "import_path", "Import", show=False),
        Binding("f", "toggle_filters", "Filters", show=False),
    ]

    reading: var[bool] = var(False)
    show_filters: var[bool] = var(True)

    def __init__(self, state: UIState) -> None:
        super().__init__()
        self.filter = Filter(state.filter, state.filter_label or describe(state.filter))
        self.search = state.search
        self.sort = state.sort if state.sort in SORTS else "date"
        self._narrow = False
        self._tiny = False

    def compose(self) -> ComposeResult:
        app = self.app
        yield Header(icon="≡")
        with Horizontal(id="panes"):
            yield FilterPane(
                app.reader, app.config_.saved_searches, id="filters"  # type: ignore[attr-defined]
            )
            with Vertical(id="list-pane"):
                yield ListHeader(id="list-header")
                yield SearchBar(id="search")
                yield ArticleList(app.list_reader, id="articles")  # type: ignore[attr-defined]
                yield Static("", id="status", markup=False)
            yield ArticleView(id="view")
        yield Footer()

    def on_mount(self) -> None:
        state = self.app.state  # type: ignore[attr-defined]
        search = self.query_one(SearchBar)
        if self.search:
            search.value = self.search
            search.add_class("-open")
        header = self.query_one(ListHeader)
        header.sort = self.sort
        header.description = self.describe_filter()
        articles = self.query_one(ArticleList)
        articles.load(
            self.current_query, self.sort, keep_id=state.selected_id, anchor=state.cursor
        )
        articles.focus()
        self.query_one(FilterPane).select_query(self.filter.query)
        self.set_timer(0.5, articles.warm_search)
        self._apply_width(self.app.size.width)

    # ------------------------------------------------------------------ layout
    def on_resize(self, event: events.Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        narrow, tiny = width < NARROW, width < TINY
        if tiny != self._tiny:
            self.show_filters = not tiny
        self._narrow, self._tiny = narrow, tiny
        self.set_class(narrow, "-narrow")
        self.set_class(tiny, "-tiny")
        if not narrow:
            self.reading = False

    def watch_reading(self, reading: bool) -> None:
        self.set_class(reading, "-reading")

    def watch_show_filters(self, show: bool) -> None:
        self.set_class(not show, "-no-filters")
        if not show and self.query_one(FilterPane).has_focus:
            self.query_one(ArticleList).focus()

    def action_toggle_filters(self) -> None:
        self.show_filters = not self.show_filters
        if self.show_filters:
            self.query_one(FilterPane).focus()

    def _visible_panes(self) -> list:
        panes: list = []
        if self.show_filters and not self.reading:
            panes.append(self.query_one(FilterPane))
        search = self.query_one(SearchBar)
        if search.has_class("-open") and not self.reading:
            panes.append(search)
        if not self.reading:
            panes.append(self.query_one(ArticleList))
        if not self._narrow or self.reading:
            panes.append(self.query_one(ArticleView))
        return panes

    def action_cycle(self, step: int) -> None:
        panes = self._visible_panes()
        focused = self.focused
        index = next(
            (i for i, p in enumerate(panes) if focused is p or (focused and p in focused.ancestors)),
            -1,
        )
        panes[(index + step) % len(panes)].focus()

    def action_back(self) -> None:
        if self.reading:
            self.reading = False
            self.query_one(ArticleList).focus()
        elif self.search:
            self.query_one(SearchBar).action_clear_search()
        elif self.query_one(ArticleView).has_focus_within:
            self.query_one(ArticleList).focus()

    # ----------------------------------------------------------------- queries
    @property
    def current_query(self) -> str:
        return combine(self.filter.query, self.search)

    def describe_filter(self) -> str:
        words = self.filter.label or describe(self.filter.query)
        if self.search.strip():
            words = f"{words}: {describe(self.search)}"
        return words

    def reload_list(self, *, keep: bool = False, save: bool = True) -> None:
        header = self.query_one(ListHeader)
        header.description = self.describe_filter()
        header.sort = self.sort
        articles = self.query_one(ArticleList)
        if keep:
            articles.reload()
        else:
            articles.load(self.current_query, self.sort)
        if save:
            self.save_state()

    @on(FilterPane.Changed)
    def filter_changed(self, event: FilterPane.Changed) -> None:
        self.filter = event.filter
        self.reload_list()

    @on(FilterPane.CountsLoaded)
    def counts_loaded(self, event: FilterPane.CountsLoaded) -> None:
        s = event.counts.stats
        self.sub_title = (
            f"{s.get('articles', 0):,} articles · {s.get('unread', 0):,} unread · "
            f"{s.get('bookmarks', 0):,} bookmarks · {s.get('sources', 0):,} sources"
        )

    def action_search(self) -> None:
        search = self.query_one(SearchBar)
        search.add_class("-open")
        self.reading = False
        search.focus()

    @on(SearchBar.Search)
    def search_changed(self, event: SearchBar.Search) -> None:
        self.search = event.text
        self.reload_list(save=False)  # saved on quit, not on every keystroke

    @on(SearchBar.Leave)
    def search_left(self, event: SearchBar.Leave) -> None:
        search = self.query_one(SearchBar)
        if event.cleared or not search.value:
            search.remove_class("-open")
        self.query_one(ArticleList).focus()

    @on(ArticleList.Loaded)
    def list_loaded(self, event: ArticleList.Loaded) -> None:
        header = self.query_one(ListHeader)
        header.error = ""
        header.count = event.count
        header.exact = event.exact

    @on(ArticleList.Failed)
    def list_failed(self, event: ArticleList.Failed) -> None:
        self.query_one(ListHeader).error = event.message

    @on(ArticleList.Highlighted)
    def row_highlighted(self, event: ArticleList.Highlighted) -> None:
        if event.row is not None:
            state = self.app.state  # type: ignore[attr-defined]
            state.selected_id = event.row.id
            state.cursor = self.query_one(ArticleList).cursor

    @on(ArticleList.Opened)
    def row_opened(self, event: ArticleList.Opened) -> None:
        self.open_article(event.row.id)
        if self._narrow:
            self.reading = True
            self.query_one(ArticleView).focus()

    def action_open(self) -> None:
        self.query_one(ArticleList).action_open()

    def action_top(self) -> None:
        self.query_one(ArticleList).action_top()

    def action_bottom(self) -> None:
        self.query_one(ArticleList).action_bottom()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reload_list()
        self.notify(f"Sorted by {self.sort}", timeout=2)

    def after_change(self, *, reload_list: bool = False) -> None:
        """After a write: recount the filter pane (and re-run the list query if asked)."""
        self.query_one(FilterPane).reload()
        if reload_list:
            self.reload_list(keep=True)

    def save_state(self, *, write: bool = True) -> None:
        """Put the filter, search, sort and selection into the app's state (and save it)."""
        state = self.app.state  # type: ignore[attr-defined]
        state.filter = self.filter.query
        state.filter_label = self.filter.label
        state.search = self.search
        state.sort = self.sort
        articles = self.query_one(ArticleList)
        row = articles.current_row
        if row is not None:
            state.selected_id = row.id
            state.cursor = articles.cursor
        if write:
            self.app.save_state()  # type: ignore[attr-defined]
