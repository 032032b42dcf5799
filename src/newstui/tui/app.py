"""The newstui reader: a Textual app over the library.

The app opens three connections to the library file (see ``ReaderContext``): one for
writes, one for the article list's queries (which a new keystroke may interrupt) and one
for everything else the panes read. WAL mode lets the readers run while a refresh writes.
Keys are remapped by the config's ``[keys]`` table (binding id = key) through Textual's
keymap; the footer, the help screen and the command palette all show the keys in effect.
"""

from __future__ import annotations

from functools import partial

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from newstui.config import Config
from newstui.paths import Paths
from newstui.tui.commands import BindingCommands
from newstui.tui.context import ReaderContext
from newstui.tui.heap import release, settle
from newstui.tui.links import openable

# Seconds after start when the reader has painted and warmed up (the list's first page,
# the search index opened half a second in): then the heap is settled (``tui/heap.py``).
SETTLED = 1.5


class NewstuiApp(App[None]):
    """Filter pane, article list and article view over one library."""

    TITLE = "newstui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {BindingCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", tooltip="Keys and the query language", id="help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="command_palette"),
    ]

    def __init__(self, paths: Paths, config: Config | None = None, *, network: bool = True) -> None:
        super().__init__()
        self.ctx = ReaderContext.open(paths, config or Config(), network=network)
        self.keymap: dict[str, str] = dict(self.ctx.config.keys)
        self.set_keymap(self.keymap)

    # ----------------------------------------------------------------- screens
    def get_default_screen(self) -> Screen:
        from newstui.tui.screens.main import MainScreen

        return MainScreen(self.ctx)

    def on_mount(self) -> None:
        cfg, state = self.ctx.config, self.ctx.state
        wanted = cfg.theme or state.theme
        if wanted and wanted in self.available_themes:
            self.theme = wanted
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.ctx.library.notice:
            self.notify(self.ctx.library.notice, severity="warning", markup=False, timeout=10)
        if cfg.refresh_on_start:
            self.call_after_refresh(self.run_action, "screen.refresh_all")
        if cfg.refresh_minutes > 0:
            self.set_interval(cfg.refresh_minutes * 60, partial(self.run_action, "screen.refresh_all"))
        self.set_timer(SETTLED, settle)

    def _theme_changed(self, theme: object) -> None:
        self.ctx.state.theme = self.theme
        self.save_state()

    def action_help(self) -> None:
        from newstui.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(help_sections(), self.keymap))

    # ------------------------------------------------------------------ links
    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Every link (o, the view's link line, links inside articles) comes through here."""
        safe = openable(url)
        if safe is None:
            self.notify(
                "Not opening that link: only http:// and https:// links are opened.",
                severity="warning",
                markup=False,
            )
            return
        import webbrowser

        try:
            webbrowser.open(safe, new=2 if new_tab else 0)
        except webbrowser.Error as exc:
            self.notify(f"Cannot open a browser: {exc}", severity="error", markup=False)
            return
        self.notify("Opened the link in your browser.", timeout=2)

    # ------------------------------------------------------------------ state
    def save_state(self) -> None:
        self.ctx.save_state()

    async def action_quit(self) -> None:
        from newstui.tui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.save_state(write=False)  # on_unmount writes it, once
        self.exit()

    def on_unmount(self) -> None:
        self.save_state()
        try:
            self.ctx.close()
        except Exception:  # noqa: BLE001 - closing on the way out; nothing to tell
            pass


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

    try:
        prepare_terminal((config or Config()).images)  # before Textual owns the terminal
        NewstuiApp(paths, config).run()
    finally:
        release()
    return 0
