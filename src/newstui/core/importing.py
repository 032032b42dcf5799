"""Importing files and folders, with the config's auto-tag rules applied to what is new."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from newstui.config import Config
from newstui.errors import NewstuiError
from newstui.sources.importer import ImportReport, import_paths
from newstui.store.library import Library
from newstui.tags import apply_auto_tags

if TYPE_CHECKING:
    import threading


class NothingImported(NewstuiError):
    """Not one file could be imported; ``report`` says what was skipped and why."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("nothing was imported")
        self.report = report


@dataclass
class Imported:
    report: ImportReport
    tagged: int = 0  # auto-tags given to the new articles
    problems: list[str] = field(default_factory=list)  # broken tag rules (the others ran)


def import_files(
    lib: Library,
    cfg: Config,
    paths: Iterable[str | Path],
    *,
    on_skip: Callable[[str, str], None] | None = None,
    stop: threading.Event | None = None,
) -> Imported:
    """Import ``paths`` (files, folders, OPML lists), then give the new articles their
    auto-tags. ``on_skip(path, reason)`` hears each file left out. ``stop``, set from
    another thread (a face closing), ends the import after the group of files it is
    writing; what was imported keeps its auto-tags and ``report.stopped`` is true. Raises
    NothingImported (with the report) when nothing at all was imported, unless stopped."""
    report = import_paths(lib, [Path(p).expanduser() for p in paths], on_skip=on_skip, stop=stop)
    problems: list[str] = []
    tagged = apply_auto_tags(lib, cfg, report.new_ids, on_error=problems.append)
    if not report.succeeded and not report.stopped:
        raise NothingImported(report)
    return Imported(report, tagged, problems)
