"""The footer: the keys in effect on the focused pane, as one line.

Textual's ``Footer`` is a container of one widget per key and rebuilds them all whenever
the focus moves; at start-up that cost more than everything else newstui adds to a bare
Textual app (the reader's first paint was about twice a bare app's). This bar draws the
same keys (the screen's active bindings, remapped keys included) as one line of text,
repaints when the bindings change, and runs a key when it is clicked.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class _Spot(NamedTuple):
    """Where one key sits on the bar (cells ``start`` to ``end``) and what it does."""

    start: int
    end: int
    key: str
    enabled: bool
    tooltip: str


_Entry = tuple[Binding, bool, str]
PALETTE_ACTIONS = ("command_palette", "app.command_palette")


class KeyBar(Widget, can_focus=False):
    """Footer line listing the active bindings that have ``show=True``; click one to run it."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spots: list[_Spot] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        self.refresh()

    def entries(self) -> tuple[list[_Entry], _Entry | None]:
        """The shown bindings in footer order, one per action (the first key wins), and the
        command palette's binding (drawn at the right end), each (binding, enabled, tooltip)."""
        seen: set[str] = set()
        palette: _Entry | None = None
        out: list[_Entry] = []
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            entry = (binding, enabled, tooltip or binding.tooltip or binding.description)
            if binding.action in PALETTE_ACTIONS:
                if self.app.ENABLE_COMMAND_PALETTE and palette is None:
                    palette = entry
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            out.append(entry)
        return out, palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        width = self.size.width
        entries, palette = self.entries()
        line = Text(no_wrap=True, overflow="crop", end="")
        spots: list[_Spot] = []

        def piece(binding: Binding) -> tuple[str, str]:
            return f" {self.app.get_key_display(binding)} ", f"{binding.description} "

        def add(binding: Binding, enabled: bool, tooltip: str) -> None:
            key, description = piece(binding)
            start = line.cell_len
            line.append(key, key_style if enabled else key_style + Style(dim=True))
            line.append(description, text_style if enabled else text_style + Style(dim=True))
            spots.append(_Spot(start, line.cell_len, binding.key, enabled, tooltip))

        room = width
        if palette is not None:
            room -= 1 + sum(cell_len(p) for p in piece(palette[0]))  # "▏" and the key
        for binding, enabled, tooltip in entries:
            if line.cell_len + sum(cell_len(p) for p in piece(binding)) > room:
                break  # a key never shows without what it does
            add(binding, enabled, tooltip)
        if palette is not None:
            line.pad_right(max(0, room - line.cell_len))
            line.append("▏", text_style)
            add(*palette)
        self._spots = spots
        return line

    def _spot_at(self, x: int) -> _Spot | None:
        return next((s for s in self._spots if s.start <= x < s.end), None)

    def on_click(self, event: events.Click) -> None:
        spot = self._spot_at(event.x)
        if spot is None:
            return
        event.stop()
        if spot.enabled:
            self.app.simulate_key(spot.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        spot = self._spot_at(event.x)
        tip = spot.tooltip if spot else None
        if tip != self.tooltip:  # each assignment restarts the tooltip's timer
            self.tooltip = tip
