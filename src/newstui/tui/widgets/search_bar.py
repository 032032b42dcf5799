"""The search box: takes the query language and filters the list as you type."""

from __future__ import annotations

from time import monotonic

from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

DEBOUNCE = 0.03  # seconds: a burst of keys (or a paste) runs one query, not one per key


class SearchBar(Input):
    """A one-line query box; posts ``SearchBar.Search`` shortly after typing stops."""

    BINDINGS = [
        Binding("escape", "clear_search", "Clear search", id="search.clear_search"),
        Binding("down", "leave", "To the list", show=False, id="search.leave"),
    ]

    class Search(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Leave(Message):
        """The user wants the list (Enter, Down); ``cleared`` when Escape emptied it."""

        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder='Search: words, "a phrase", tag:x category:x source:x is:unread after:7d',
            id=id,
        )
        self._timer: Timer | None = None
        self._last_fired = 0.0

    def _watch_value(self, value: str) -> None:
        # Input's own watcher assigns ``virtual_size``, which lays the whole screen out
        # again (every pane, 10-40 ms here) on every keystroke. The box's size never
        # depends on its text, so the new width is set quietly first (the scroll range
        # follows it) and Input's watcher then finds nothing to change.
        size = Size(self.content_width, 1)
        if size != self.virtual_size:
            self.set_reactive(Input.virtual_size, size)
            self._scroll_update(size)
        super()._watch_value(value)

    def on_input_changed(self, event: Input.Changed) -> None:
        # The first key of a burst searches at once; keys that follow within DEBOUNCE
        # are folded into one search when the burst ends.
        event.stop()
        now = monotonic()
        if self._timer is not None:
            self._timer.stop()
            self._timer = self.set_timer(DEBOUNCE, self._fire)
        elif now - self._last_fired >= DEBOUNCE:
            self._fire()
        else:
            self._timer = self.set_timer(DEBOUNCE, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._last_fired = monotonic()
        # Straight to the screen rather than bubbling through each container's queue:
        # the screen then reads the new rows before the keystroke's first repaint.
        self.screen.post_message(self.Search(self.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
            self._fire()
        self.post_message(self.Leave(cleared=False))

    def action_clear_search(self) -> None:
        had_text = bool(self.value)
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.value = ""
        if had_text:
            self.post_message(self.Search(""))
        self.post_message(self.Leave(cleared=True))

    def action_leave(self) -> None:
        self.post_message(self.Leave(cleared=False))
