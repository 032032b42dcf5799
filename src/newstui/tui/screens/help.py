"""The help screen: every key (read from the bindings themselves) and the query language."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from newstui import query
from newstui.tui.keys import key_label


def binding_rows(
    bindings: list[BindingType], keymap: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(keys, description) of each described binding; ``keymap`` (binding id -> keys, the
    config's ``[keys]``) replaces the keys of the bindings it names."""
    keymap = keymap or {}
    rows: list[tuple[str, str]] = []
    for b in bindings:
        if isinstance(b, Binding):
            keys, description = keymap.get(b.id or "", b.key), b.description
        elif isinstance(b, tuple) and len(b) >= 3:
            keys, description = b[0], b[2]
        else:
            continue
        if description:
            rows.append((key_label(keys), description))
    return rows


class HelpScreen(ModalScreen[None]):
    """Keys by pane, then the search language. Any of Esc, q, ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close help", id="help.close"),
        Binding("j,down", "scroll('down')", "Scroll", show=False, id="help.scroll_down"),
        Binding("k,up", "scroll('up')", "Scroll", show=False, id="help.scroll_up"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 90; max-width: 100%; height: 90%;
            border: thick $primary 80%; background: $surface; padding: 0 2;
        }
        .help-title { text-style: bold; color: $text-accent; margin-top: 1; }
        .help-keys { margin-left: 2; }
    }
    """

    def __init__(
        self, sections: list[tuple[str, list[BindingType]]], keymap: Mapping[str, str] | None = None
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = dict(keymap or {})

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(
                Content.assemble(
                    ("newstui", "bold"),
                    " — a news reader. Esc closes this help; Ctrl+P opens the command palette.",
                ),
                classes="help-title",
            )
            for title, bindings in self.sections:
                rows = binding_rows(bindings, self.keymap)
                if not rows:
                    continue
                yield Static(Content(title), classes="help-title")
                width = max(len(k) for k, _ in rows) + 2
                yield Static(
                    Content.assemble(
                        *(part for k, d in rows for part in ((k.ljust(width), "bold"), d + "\n"))
                    ).rstrip(),
                    classes="help-keys",
                )
            yield Static("Searching and filtering (/ opens the search box)", classes="help-title")
            yield Static(Content(query_help()), classes="help-keys")

    def on_mount(self) -> None:
        self.query_one("#help").focus()

    def action_scroll(self, direction: str) -> None:
        scroller = self.query_one("#help", VerticalScroll)
        if direction == "down":
            scroller.scroll_down()
        else:
            scroller.scroll_up()

    def action_dismiss_help(self) -> None:
        self.dismiss(None)


def query_help() -> str:
    doc = (query.__doc__ or "").strip()
    # The docstring's first paragraph is the language; the rest is about SQL internals.
    lines = doc.split("\n\n")
    language = "\n\n".join(p for p in lines if not p.startswith(("User text", "The compiled")))
    return (
        language
        + "\n\nExamples:\n"
        + '    rust tag:later             "rust" in tagged articles\n'
        + "    category:Science is:unread after:7d\n"
        + '    source:"Open Source Weekly" -podcast'
    )
