"""A source's settings (``newstui.source_settings``): shown, and changed from text."""

from __future__ import annotations

from collections.abc import Iterable

from newstui.models import Source
from newstui.source_settings import parse_assignments
from newstui.store.library import Library


def change_settings(
    lib: Library, ref: int | str, assignments: Iterable[str] = (), *, journal: bool = True
) -> tuple[Source, dict[str, object]]:
    """Apply ``key=value`` words to the source ``ref``. Every value is checked before any
    is written (SettingError names the first bad one). Returns the source as it now is and
    the changes as {column: value}."""
    changes = parse_assignments(assignments)
    src = lib.source(ref)
    if changes:
        src = lib.set_source_settings(src.id, changes, journal=journal)
    return src, changes


def apply_settings(lib: Library, source_id: int, changes: dict[str, object]) -> Source:
    """Store settings already read (the reader's dialog parses each field as it goes)."""
    return lib.set_source_settings(source_id, changes)
