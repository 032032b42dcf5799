"""The command palette's entries, made from the key bindings themselves.

Every described binding of the app, the main screen and the article list becomes one
command: its description is the title, its tooltip the help, and the key shown is the one
in effect (after the config's ``[keys]``). A new binding is in the palette by being bound.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider

from newstui.tui.keys import key_label


@dataclass
class Command:
    title: str
    help: str
    run: Callable[[], object]


# Something that runs an action by name: ``App.run_action`` or a widget's ``run_action``.
ActionRunner = Callable[[str], Awaitable[Any]]


def commands_for(
    sources: list[tuple[ActionRunner, list[BindingType]]], keymap: Mapping[str, str]
) -> list[Command]:
    """One command per described binding of each (runner, bindings): running it runs the
    binding's action with that runner (the node that owns the binding). Repeated actions
    (a key and its alias) appear once."""
    out: list[Command] = []
    seen: set[str] = set()
    for run_action, bindings in sources:
        for b in bindings:
            if not isinstance(b, Binding) or not b.description or b.action == "command_palette":
                continue
            if b.action in seen:
                continue
            seen.add(b.action)
            keys = key_label(keymap.get(b.id or "", b.key))
            words = b.tooltip or b.description
            out.append(Command(b.description, f"{words} ({keys})", partial(run_action, b.action)))
    return out


class BindingCommands(Provider):
    """The palette's commands for the screen it was opened on (see ``commands_for``)."""

    def _commands(self) -> list[Command]:
        sources = getattr(self.screen, "palette_sources", None)
        if sources is None:
            return []
        keymap = getattr(self.app, "keymap", {})
        return commands_for(sources(), keymap)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = max(matcher.match(command.title), matcher.match(command.help) * 0.5)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.title),
                    command.run,
                    text=command.title,
                    help=command.help,
                )
