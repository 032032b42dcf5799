"""Small modal dialogs: edit tags, add a feed, import a path, edit a bookmark note.

Each is one input with a title, a hint and a line for errors. A dialog may be given an
async ``check`` that runs on submit (validate, fetch...) and returns an error message to
show, or None to close with the value.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Static

Check = Callable[[str], Awaitable[str | None]]


class InputDialog(ModalScreen[str | None]):
    """Ask for one line of text. Dismisses with the text, or None on Escape/Cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    DEFAULT_CSS = """
    InputDialog {
        align: center middle;
        & > Vertical {
            width: 72; max-width: 95%; height: auto;
            border: thick $primary 80%; background: $surface; padding: 1 2;
        }
        .dialog-title { text-style: bold; margin-bottom: 1; }
        .dialog-hint { color: $text-muted; margin-top: 1; }
        .dialog-error { color: $text-error; margin-top: 1; }
        .dialog-error.-none { display: none; }
        Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
        Button { margin-left: 1; }
    }
    """

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        hint: str = "",
        suggester: Suggester | None = None,
        check: Check | None = None,
        ok_label: str = "OK",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.hint = hint
        self.suggester = suggester
        self.check = check
        self.ok_label = ok_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), classes="dialog-title")
            yield Input(
                value=self.value,
                placeholder=self.placeholder,
                suggester=self.suggester,
                id="dialog-input",
                select_on_focus=False,
            )
            yield Static(Content(self.hint), classes="dialog-hint")
            yield Static("", classes="dialog-error -none", id="dialog-error", markup=False)
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.ok_label, id="ok", variant="primary")

    def on_mount(self) -> None:
        box = self.query_one(Input)
        box.focus()
        box.cursor_position = len(box.value)

    def show_error(self, message: str) -> None:
        error = self.query_one("#dialog-error", Static)
        error.update(Content(message))
        error.set_class(not message, "-none")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        value = self.query_one(Input).value
        if self.check is None:
            self.dismiss(value)
            return
        self.show_error("")
        self.query_one("#ok", Button).disabled = True
        self._run_check(value)

    @work(exclusive=True, group="dialog-check")
    async def _run_check(self, value: str) -> None:
        assert self.check is not None
        try:
            error = await self.check(value)
        except Exception as exc:  # a failed check is shown, never raised into the app
            error = " ".join(str(exc).split()) or type(exc).__name__
        if not self.is_attached:
            return
        self.query_one("#ok", Button).disabled = False
        if error:
            self.show_error(error)
        else:
            self.dismiss(value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class TagSuggester(Suggester):
    """Completes the last comma-separated name from the library's tags."""

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = sorted(set(names), key=str.casefold)

    async def get_suggestion(self, value: str) -> str | None:
        head, sep, last = value.rpartition(",")
        stem = last.lstrip()
        if not stem:
            return None
        fold = stem.casefold()
        for name in self.names:
            if name.casefold().startswith(fold) and len(name) > len(stem):
                return value + name[len(stem) :]
        return None


def parse_tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def tag_dialog(current: list[str], known: list[str]) -> InputDialog:
    shown = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
    return InputDialog(
        "Tags (comma-separated)",
        value=", ".join(current) + (", " if current else ""),
        placeholder="later, linux, to read",
        hint=("Existing tags: " + shown if known else "No tags yet.")
        + "\nRight arrow accepts a suggestion. Remove a name to remove that tag.",
        suggester=TagSuggester(known),
        ok_label="Save",
    )


def note_dialog(note: str) -> InputDialog:
    return InputDialog(
        "Bookmark note",
        value=note,
        placeholder="Why you kept this",
        hint="Saving a note bookmarks the article.",
        ok_label="Save",
    )


def valid_feed_url(url: str) -> str | None:
    """An error message for a URL that cannot be a feed, else None."""
    url = url.strip()
    if not url:
        return "Enter the address of a feed or a web site."
    try:
        parts = urlsplit(url)
    except ValueError:
        return "That is not a valid address."
    if parts.scheme.lower() not in ("http", "https"):
        return "Only http:// and https:// addresses can be added."
    if not parts.hostname or any(ch.isspace() for ch in url):
        return "That address has no host name (e.g. https://example.org/feed.xml)."
    return None


def add_feed_dialog(check: Check) -> InputDialog:
    return InputDialog(
        "Add a feed",
        placeholder="https://example.org/feed.xml",
        hint="RSS, Atom or JSON Feed, or a site that links to one. It is fetched at once.",
        check=check,
        ok_label="Add",
    )


def import_dialog(check: Check) -> InputDialog:
    return InputDialog(
        "Import files or a folder",
        placeholder="~/Documents/articles",
        hint="Text, Markdown, HTML, feed files and OPML; folders are read recursively.",
        check=check,
        ok_label="Import",
    )


def valid_import_path(text: str) -> str | None:
    if not text.strip():
        return "Enter a file or folder path."
    path = Path(text.strip()).expanduser()
    if not path.exists():
        return f"No such file or folder: {path}"
    return None
