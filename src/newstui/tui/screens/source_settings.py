"""The source settings dialog, opened from the filter pane on a source.

One field per setting (``newstui.source_settings``): text fields for the title, category,
refresh interval, retention and ignore rule, switches for always-full-text and paused. On
Save every field is checked with the same parsers as the CLI; a bad one shows its one-line
error and the dialog stays open. Dismisses with {column: value} of what changed, or None.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, Switch

from newstui.models import Source
from newstui.source_settings import SETTINGS, SettingError, parse_setting, values

SWITCHES = ("fulltext", "paused")


class SourceSettingsDialog(ModalScreen[dict[str, object] | None]):
    """Edit one source's settings."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="source_settings_cancel"),
        Binding("ctrl+s", "save", "Save", id="source_settings_save"),
    ]

    DEFAULT_CSS = """
    SourceSettingsDialog {
        align: center middle;
        & > Vertical {
            width: 84; max-width: 95%; height: auto; max-height: 95%;
            border: thick $primary 80%; background: $surface; padding: 1 2;
        }
        .dialog-title { text-style: bold; }
        .dialog-url { color: $text-muted; margin-bottom: 1; }
        VerticalScroll { height: auto; max-height: 30; }
        .setting { height: auto; }
        .setting Label { width: 12; padding-top: 1; }
        .setting Input { width: 1fr; }
        .setting-help { color: $text-muted; padding-left: 12; }
        .dialog-error { color: $text-error; margin-top: 1; }
        .dialog-error.-none { display: none; }
        #buttons { height: auto; margin-top: 1; align-horizontal: right; }
        Button { margin-left: 1; }
    }
    """

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source
        self.initial = values(source)

    def compose(self) -> ComposeResult:
        src = self.source
        with Vertical():
            yield Static(Content(f"Settings of {src.label}"), classes="dialog-title")
            feed = f" · the feed calls itself {src.feed_title}" if src.feed_title else ""
            yield Static(Content(src.url + feed), classes="dialog-url")
            with VerticalScroll():
                for key, setting in SETTINGS.items():
                    with Horizontal(classes="setting"):
                        yield Label(Content(key))
                        if key in SWITCHES:
                            yield Switch(value=bool(getattr(src, setting.column)), id=f"setting-{key}")
                        else:
                            yield Input(
                                value=self.initial[key],
                                id=f"setting-{key}",
                                select_on_focus=False,
                            )
                    yield Static(Content(setting.help), classes="setting-help")
            yield Static("", classes="dialog-error -none", id="dialog-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#setting-title", Input).focus()

    def text_of(self, key: str) -> str:
        """The field's value as the text a parser reads."""
        if key in SWITCHES:
            return "yes" if self.query_one(f"#setting-{key}", Switch).value else "no"
        return self.query_one(f"#setting-{key}", Input).value

    def changes(self) -> dict[str, object]:
        """{column: value} of the fields that differ from the source; SettingError if one
        cannot be read."""
        out: dict[str, object] = {}
        for key, setting in SETTINGS.items():
            text = self.text_of(key)
            if text.strip() == self.initial[key]:
                continue
            column, value = parse_setting(key, text)
            if value != getattr(self.source, setting.column):
                out[column] = value
        return out

    def show_error(self, message: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(Content(message))
        error.set_class(not message, "-none")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            changes = self.changes()
        except SettingError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(changes)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
