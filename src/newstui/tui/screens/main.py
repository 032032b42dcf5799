"""The main screen: filter pane, article list (with its header and search box), article view.

Panes post messages up; this screen turns them into attributes and calls on the other
panes. Layout (three panes, or one at a time on narrow terminals) is CSS driven by the
classes ``-narrow`` (< 120 columns), ``-tiny`` (< 80), ``-reading`` and ``-no-filters``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, Static

from newstui.query import describe
from newstui.tui.commands import ActionRunner
from newstui.tui.context import ReaderContext
from newstui.tui.links import openable
from newstui.tui.screens.article_actions import ArticleActions
from newstui.tui.screens.library_actions import LibraryActions
from newstui.tui.state import SORTS
from newstui.tui.widgets.article_list import ArticleList
from newstui.tui.widgets.article_view import ArticleView
from newstui.tui.widgets.filter_pane import Filter, FilterPane
from newstui.tui.widgets.key_bar import KeyBar
from newstui.tui.widgets.list_header import ListHeader
from newstui.tui.widgets.search_bar import SearchBar

NARROW = 120
TINY = 80


def combine(filter_query: str, search: str) -> str:
    f, s = filter_query.strip(), search.strip()
    if f and s:
        return f"({f}) {s}"
    return f or s


class MainScreen(Screen[None]):
    """The reader. Its key bindings call the article actions and library actions, two
    objects that work on this screen through ``ActionHost`` (the methods below)."""

    BINDINGS = [
        # A priority binding runs at once, before the keys typed after it are routed, so
        # those reach the search box; in the box itself "/" is typed (action_search).
        Binding("slash", "search", "Search", id="search", priority=True),
        Binding("escape", "back", "Back", id="back"),
        Binding("tab", "cycle(1)", "Next pane", show=False, id="next_pane"),
        Binding("shift+tab", "cycle(-1)", "Previous pane", show=False, id="previous_pane"),
        Binding("b", "bookmark", "Bookmark", tooltip="Bookmark or unbookmark the article", id="bookmark"),
        Binding("t", "tags", "Tags", tooltip="Add or remove tags on the article", id="tags"),
        Binding(
            "m", "toggle_read", "Read/unread", tooltip="Mark the article read or unread", id="toggle_read"
        ),
        Binding("n", "note", "Note", show=False, tooltip="Bookmark with a note", id="note"),
        Binding(
            "A", "mark_all_read", "All read", tooltip="Mark everything in the list read", id="mark_all_read"
        ),
        Binding("u", "undo", "Undo", show=False, tooltip="Mark those articles unread again", id="undo"),
        Binding(
            "F",
            "full_text",
            "Full text",
            tooltip="Fetch the whole article for offline reading",
            id="full_text",
        ),
        Binding(
            "o", "open_link", "Open link", tooltip="Open the article's link in the browser", id="open_link"
        ),
        Binding("y", "copy_link", "Copy link", show=False, id="copy_link"),
        Binding("s", "sort", "Sort", tooltip="Sort by date, source or title", id="sort", show=False),
        Binding("r", "refresh_all", "Refresh", tooltip="Fetch every feed now", id="refresh_all"),
        Binding(
            "R",
            "refresh_source",
            "Refresh source",
            show=False,
            tooltip="Fetch the selected article's source",
            id="refresh_source",
        ),
        Binding("a", "add_feed", "Add feed", show=False, tooltip="Subscribe to a feed by URL", id="add_feed"),
        Binding(
            "i", "import_path", "Import", show=False, tooltip="Import a file or folder", id="import_path"
        ),
        Binding(
            "f",
            "toggle_filters",
            "Filters",
            show=False,
            tooltip="Show or hide the filter pane",
            id="toggle_filters",
        ),
        Binding(
            "right_square_bracket",
            "next_unread",
            "Next unread",
            tooltip="Select the next unread article (open it while reading one)",
            id="next_unread",
        ),
        Binding(
            "left_square_bracket",
            "previous_unread",
            "Previous unread",
            show=False,
            tooltip="Select the previous unread article (open it while reading one)",
            id="previous_unread",
        ),
        Binding(
            "N",
            "open_next_unread",
            "Open next unread",
            show=False,
            tooltip="Open the next unread article",
            id="open_next_unread",
        ),
    ]

    reading: var[bool] = var(False)
    show_filters: var[bool] = var(True)

    def __init__(self, ctx: ReaderContext) -> None:
        super().__init__()
        self.ctx = ctx
        state = ctx.state
        self.filter = Filter(state.filter, state.filter_label or describe(state.filter))
        self.search = state.search
        self.sort = state.sort if state.sort in SORTS else "date"
        self._narrow = False
        self._tiny = False
        self.article_actions = ArticleActions(self)
        self.library_actions = LibraryActions(self)
        self._gone = False  # unmounted: workers' messages to it are dropped (``on_ui``)

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="panes"):
            # The filter pane's place: its tree is mounted right after the first paint
            # (``_mount_rest``), and so is the search box unless a saved search shows it.
            yield Vertical(id="filters")
            with Vertical(id="list-pane"):
                yield ListHeader(id="list-header")
                if self.search:
                    yield SearchBar(id="search")
                yield ArticleList(
                    self.ctx.list_reader, collapse=self.ctx.config.collapse_duplicates, id="articles"
                )
                yield Static("", id="status", markup=False)
            yield ArticleView(id="view", images=self.ctx.images, image_mode=self.ctx.config.images)
        yield KeyBar()

    # ------------------------------------------------------------ action host
    @property
    def article_list(self) -> ArticleList:
        return self.query_one(ArticleList)

    @property
    def article_view(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def filter_pane(self) -> FilterPane | None:
        """The filter pane, or None in the moment before it is mounted (``_mount_rest``)."""
        found = self.query(FilterPane)
        return found.first() if found else None

    def _ensure_search_bar(self) -> SearchBar:
        """The search box (mounted now if the first paint has not been followed yet)."""
        found = self.query(SearchBar)
        if found:
            return found.first()
        search = SearchBar(id="search")
        self.query_one("#list-pane").mount(search, after=self.query_one(ListHeader))
        return search

    def say(self, message: str, severity: SeverityLevel = "information") -> None:
        """Notify from any thread; the message may hold untrusted text: never markup."""
        self.on_ui(partial(self.notify, message, severity=severity, markup=False))

    def in_thread(self, job: Callable[[], None], group: str, *, exclusive: bool = False) -> None:
        self.run_worker(job, thread=True, group=group, exclusive=exclusive)

    def on_ui(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback`` on the UI thread, from a worker thread, and wait for it. Once
        the screen is gone (the reader is closing) it is dropped: a worker finishing then
        has nobody to tell, and waiting on a loop that stops would never end."""
        if self._gone:
            return
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:  # the app stopped between the check and the call
            if not self._gone:
                raise

    def set_status(self, text: str) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(bool(text), "-busy")

    def push_screen(self, screen: Any, callback: Callable[[Any], Any] | None = None) -> Any:
        return self.app.push_screen(screen, callback)

    def open_url(self, url: str) -> None:
        self.app.open_url(url)

    def copy_link(self, url: str) -> None:
        safe = openable(url)
        if safe is None:
            self.notify("Not copying that link: it is not http(s).", severity="warning")
            return
        self.app.copy_to_clipboard(safe)
        self.notify("Copied the link.", timeout=2)

    def palette_sources(self) -> list[tuple[ActionRunner, list[BindingType]]]:
        """Whose bindings the command palette offers (``tui/commands.py``): the app's,
        this screen's, and the list's open/top/bottom (not its cursor keys)."""
        wanted = ("open", "top", "bottom")
        listing: list[BindingType] = [
            b for b in ArticleList.BINDINGS if isinstance(b, Binding) and b.action in wanted
        ]
        return [
            (self.app.run_action, list(self.app.BINDINGS)),
            (self.run_action, list(self.BINDINGS)),
            (self.run_action, listing),
        ]

    # ---------------------------------------------------------------- actions
    def action_bookmark(self) -> None:
        self.article_actions.toggle_bookmark()

    def action_tags(self) -> None:
        self.article_actions.edit_tags()

    def action_toggle_read(self) -> None:
        self.article_actions.toggle_read()

    def action_note(self) -> None:
        self.article_actions.edit_note()

    def action_mark_all_read(self) -> None:
        self.article_actions.mark_all_read()

    def action_undo(self) -> None:
        self.article_actions.undo()

    def action_full_text(self) -> None:
        self.article_actions.fetch_full_text()

    def action_open_link(self) -> None:
        self.article_actions.open_link()

    def action_copy_link(self) -> None:
        self.article_actions.copy_link()

    def action_refresh_all(self) -> None:
        self.library_actions.refresh_all()

    def action_refresh_source(self) -> None:
        self.library_actions.refresh_source(self.article_actions.target_id())

    def action_add_feed(self) -> None:
        self.library_actions.add_feed()

    def action_import_path(self) -> None:
        self.library_actions.import_path()

    def on_unmount(self) -> None:
        self._gone = True
        self.library_actions.stop_work()

    def on_mount(self) -> None:
        state = self.ctx.state
        if self.search:
            search = self.query_one(SearchBar)
            search.value = self.search
            search.add_class("-open")
        header = self.query_one(ListHeader)
        header.sort = self.sort
        header.description = self.describe_filter()
        articles = self.query_one(ArticleList)
        articles.load_now(self.current_query, self.sort, keep_id=state.selected_id, anchor=state.cursor)
        articles.focus()
        self.set_timer(0.5, articles.warm_search)
        self._apply_width(self.app.size.width)
        self.call_after_refresh(self._mount_rest)

    async def _mount_rest(self) -> None:
        """What the first paint does without: the filter tree (the Tree widget and its
        styles cost about a twentieth of the start) and the hidden search box."""
        self._ensure_search_bar()
        pane = FilterPane(self.ctx.reader, self.ctx.config.saved_searches)
        await self.query_one("#filters").mount(pane)
        pane.select_query(self.filter.query)
        if not self.show_filters and pane.has_focus:
            self.query_one(ArticleList).focus()

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
        pane = self.filter_pane
        if not show and pane is not None and pane.has_focus:
            self.query_one(ArticleList).focus()

    def action_toggle_filters(self) -> None:
        self.show_filters = not self.show_filters
        pane = self.filter_pane
        if self.show_filters and pane is not None:
            pane.focus()

    def _visible_panes(self) -> list:
        panes: list = []
        pane = self.filter_pane
        if self.show_filters and not self.reading and pane is not None:
            panes.append(pane)
        search = self._ensure_search_bar()
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
            self._ensure_search_bar().action_clear_search()
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

    @on(FilterPane.SettingsRequested)
    def source_settings_requested(self, event: FilterPane.SettingsRequested) -> None:
        event.stop()
        self.library_actions.source_settings(event.source_id)

    @on(FilterPane.CountsLoaded)
    def counts_loaded(self, event: FilterPane.CountsLoaded) -> None:
        s = event.counts.stats

        def many(key: str, one: str, more: str) -> str:
            n = s.get(key, 0)
            return f"{n:,} {one if n == 1 else more}"

        self.sub_title = " · ".join(
            (
                many("articles", "article", "articles"),
                f"{s.get('unread', 0):,} unread",
                many("bookmarks", "bookmark", "bookmarks"),
                many("sources", "source", "sources"),
            )
        )

    def action_search(self) -> None:
        search = self._ensure_search_bar()
        if search.has_focus:
            # "/" typed in the box: as Input types any character (over a selection too).
            if search.selection.is_empty:
                search.insert_text_at_cursor("/")
            else:
                search.replace("/", *search.selection)
            return
        search.add_class("-open")
        self.reading = False
        # At once, not after the queued events (``focus()`` waits for them): keys typed
        # right after "/" may be queued already, and they belong in the search box.
        self.set_focus(search)

    @on(SearchBar.Search)
    def search_changed(self, event: SearchBar.Search) -> None:
        self.search = event.text
        self.reload_list(save=False)  # saved on quit, not on every keystroke

    @on(SearchBar.Leave)
    def search_left(self, event: SearchBar.Leave) -> None:
        search = self._ensure_search_bar()
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
            state = self.ctx.state
            state.selected_id = event.row.id
            state.cursor = self.query_one(ArticleList).cursor

    @on(ArticleList.Opened)
    def row_opened(self, event: ArticleList.Opened) -> None:
        self.article_actions.open_article(event.row.id)
        if self._narrow:
            self.reading = True
            self.query_one(ArticleView).focus()

    def action_open(self) -> None:
        self.query_one(ArticleList).action_open()

    def action_top(self) -> None:
        self.query_one(ArticleList).action_top()

    def action_bottom(self) -> None:
        self.query_one(ArticleList).action_bottom()

    def action_next_unread(self) -> None:
        """The next unread article of the list: selected, or opened when one is being read."""
        reading = self.reading or self.query_one(ArticleView).has_focus_within
        self.query_one(ArticleList).goto_unread(1, open_it=reading)

    def action_previous_unread(self) -> None:
        reading = self.reading or self.query_one(ArticleView).has_focus_within
        self.query_one(ArticleList).goto_unread(-1, open_it=reading)

    def action_open_next_unread(self) -> None:
        self.query_one(ArticleList).goto_unread(1, open_it=True)

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reload_list()
        self.notify(f"Sorted by {self.sort}", timeout=2)

    def after_change(self, *, reload_list: bool = False) -> None:
        """After a write: recount the filter pane (and re-run the list query if asked)."""
        pane = self.filter_pane
        if pane is not None:
            pane.reload()
        if reload_list:
            self.reload_list(keep=True)

    def save_state(self, *, write: bool = True) -> None:
        """Put the filter, search, sort and selection into the app's state (and save it)."""
        state = self.ctx.state
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
            self.ctx.save_state()
