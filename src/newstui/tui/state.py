"""What the reader remembers between runs (last filter, selection, sort, theme).

Kept in ``state.json`` next to the library's other state, never in the library itself.
A missing or broken file just means a fresh start.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

SORTS = ("date", "source", "title")


@dataclass
class UIState:
    filter: str = ""
    filter_label: str = "All"
    search: str = ""
    sort: str = "date"
    selected_id: int | None = None
    cursor: int = 0
    theme: str = ""
    show_filters: bool = True

    @classmethod
    def load(cls, path: Path) -> UIState:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        state = cls()
        for f in fields(cls):
            value = data.get(f.name)
            default = getattr(state, f.name)
            if f.name == "selected_id":
                if isinstance(value, int) and not isinstance(value, bool):
                    state.selected_id = value
            elif isinstance(value, type(default)):
                setattr(state, f.name, value)
        if state.sort not in SORTS:
            state.sort = "date"
        state.cursor = max(0, state.cursor)
        return state

    def save(self, path: Path) -> None:
        """Write atomically; a failure to save state is never worth an error."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass
