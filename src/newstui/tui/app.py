"""The newstui reader: a Textual app over the library.

The app opens three connections to the library file: one for writes, one for the article
list's queries (which a new keystroke may interrupt) and one for everything else the panes
read (counts, articles). WAL mode lets the readers run while a refresh writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from newstui.config import Config
from newstui.images.loader import ImageLoader
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.links import openable
from newstui.tui.state import UIState


class NewstuiApp(App[None]):
    """Filter pane, article list and article view over one library."""

    TITLE = "newstui"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
    ]

    def __init__(
        self, paths: Paths, config: Config | None = None, *, network: bool = True
    ) -> None:
        super().__init__()
        self.paths = paths
        self.config_ = config or Config()
        self.network = network  # tests turn off the full-text fetch after a bookmark
        self.library = Library(paths.library)
        self.reader = Library(paths.library)
        self.list_reader = Library(paths.library)
        self.state = UIState.load(paths.state)
        self.images = ImageLoader.for_paths(paths, self.config_, network=network)

    # ----------------------------------------------------------------- screens
    def get_default_screen(self) -> Screen:
        from newstui.tui.screens.main import MainScreen

        return MainScreen(self.state)

    def on_mount(self) -> None:
        wanted = self.config_.theme or self.state.theme
        if wanted and wanted in self.available_themes:
            self.theme = wanted
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.library.notice:
            self.notify(self.library.notice, severity="warning", markup=False, timeout=10)
        if self.config_.refresh_on_start:
            self.call_after_refresh(self.run_action, "screen.refresh_all")
        if self.config_.refresh_minutes > 0:
            self.set_interval(
                self.config_.refresh_minutes * 60,
                partial(self.run_action, "screen.refresh_all"),
            )

    def _theme_changed(self, theme: object) -> None:
        self.state.theme = self.theme
        self.save_state()

    def action_help(self) -> None:
        from newstui.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(help_sections()))

    # ------------------------------------------------------------------ links
    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Every link (o, the view's link line, links inside articles) comes through here."""
        safe = openable(url)
        if safe is None:
            self.notify(
                "Not opening that link: only http:// and https:// links are opened.",
                severity="warning", markup=False,
            )
            return
        import webbrowser

        try:
            webbrowser.open(safe, new=2 if new_tab else 0)
        except webbrowser.Error as exc:
            self.notify(f"Cannot open a browser: {exc}", severity="error", markup=False)
            return
        self.notify("Opened the link in your browser.", timeout=2)

    def copy_link(self, url: str) -> None:
        safe = openable(url)
        if safe is None:
            self.notify("Not copying that link: it is not http(s).", severity="warning")
            return
        self.copy_to_clipboard(safe)
        self.notify("Copied the link.", timeout=2)

    # ---------------------------------------------------------- command palette
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from newstui.tui.screens.main import MainScreen

        if not isinstance(screen, MainScreen):
            return
        for title, help_text, action in PALETTE:
            yield SystemCommand(title, help_text, partial(screen.run_action, action))

    # ------------------------------------------------------------------ state
    def save_state(self) -> None:
        self.state.save(self.paths.state)

    async def action_quit(self) -> None:
        from newstui.tui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.save_state(write=False)  # on_unmount writes it, once
        self.exit()

    def on_unmount(self) -> None:
        self.save_state()
        # Readers close plainly; only the writer runs the library's close-time upkeep
        # (PRAGMA optimize), once, so quitting stays quick on a large library.
        for conn in (self.list_reader.conn, self.reader.conn):
            try:
                conn.interrupt()
                conn.close()
            except Exception:  # noqa: BLE001 - closing on the way out; nothing to tell
                pass
        try:
            self.library.close()
        except Exception:  # noqa: BLE001
            pass


PALETTE: list[tuple[str, str, str]] = [
    ("Open article", "Show the highlighted article", "open"),
    ("Search", "Filter the list with the query language (/)", "search"),
    ("Next pane", "Move focus to the next pane (Tab)", "cycle(1)"),
    ("Previous pane", "Move focus to the previous pane (Shift+Tab)", "cycle(-1)"),
    ("Back", "Clear the search or leave the article (Escape)", "back"),
    ("Toggle bookmark", "Bookmark or unbookmark the article (b)", "bookmark"),
    ("Edit tags", "Add or remove tags on the article (t)", "tags"),
    ("Edit bookmark note", "Bookmark with a note (n)", "note"),
    ("Toggle read", "Mark the article read or unread (m)", "toggle_read"),
    ("Mark all read", "Mark everything in the current list read (A)", "mark_all_read"),
    ("Undo mark all read", "Mark those articles unread again (u)", "undo"),
    ("Open link in browser", "Open the article's link (o)", "open_link"),
    ("Copy link", "Copy the article's link to the clipboard (y)", "copy_link"),
    ("Sort", "Sort by date, source or title (s)", "sort"),
    ("Refresh all feeds", "Fetch every feed now (r)", "refresh_all"),
    ("Refresh this source", "Fetch the selected article's source (R)", "refresh_source"),
    ("Add a feed", "Subscribe to a feed by URL (a)", "add_feed"),
    ("Import files", "Import a file or folder of articles (i)", "import_path"),
    ("Toggle filter pane", "Show or hide the filter pane (f)", "toggle_filters"),
    ("Top of list", "Go to the first article (g)", "top"),
    ("Bottom of list", "Go to the last article (G)", "bottom"),
    ("Help", "Keys and the query language (?)", "app.help"),
]


def help_sections() -> list[tuple[str, list]]:
    from newstui.tui.screens.main import MainScreen
    from newstui.tui.widgets.article_list import ArticleList
    from newstui.tui.widgets.article_view import ArticleView
    from newstui.tui.widgets.filter_pane import FilterPane
    from newstui.tui.widgets.search_bar import SearchBar

    return [
        ("Everywhere", [*NewstuiApp.BINDINGS, *MainScreen.BINDINGS]),
        ("Article list", ArticleList.BINDINGS),
        ("Filter pane", [*FilterPane.BINDINGS, Binding("enter", "select", "Filter by this")]),
        ("Article view", ArticleView.BINDINGS),
        ("Search box", [*SearchBar.BINDINGS, Binding("enter", "submit", "Back to the list")]),
    ]


def run_app(paths: Paths, config: Config | None = None) -> int:
    from newstui.tui.widgets.article_image import prepare_terminal

    prepare_terminal((config or Config()).images)  # before Textual owns the terminal
    NewstuiApp(paths, config).run()
    return 0
