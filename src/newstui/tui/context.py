"""What the reader's screens work with, passed to them explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from newstui.config import Config
from newstui.images.loader import ImageLoader
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.tui.state import UIState


@dataclass
class ReaderContext:
    """The library connections, config, paths and remembered state of one reader.

    Three connections to one file: ``library`` for writes, ``list_reader`` for the article
    list's queries (which a newer keystroke may interrupt) and ``reader`` for everything
    else the panes read. Long jobs (refresh, add, import) open their own with
    ``open_library`` so they never hold the others up.
    """

    paths: Paths
    config: Config
    library: Library
    reader: Library
    list_reader: Library
    state: UIState
    network: bool = True  # tests turn off the full-text fetch after a bookmark
    images: ImageLoader | None = None  # pictures for the article view (cache, then network)

    @classmethod
    def open(cls, paths: Paths, config: Config, *, network: bool = True) -> ReaderContext:
        return cls(
            paths,
            config,
            Library(paths.library),
            Library(paths.library),
            Library(paths.library),
            UIState.load(paths.state),
            network,
            ImageLoader.for_paths(paths, config, network=network),
        )

    def open_library(self) -> Library:
        """A connection of its own, for a long job in a worker thread (close it after)."""
        return Library(self.paths.library)

    def save_state(self) -> None:
        self.state.save(self.paths.state)

    def close(self) -> None:
        """Readers close plainly; only the writer runs the close-time upkeep (PRAGMA
        optimize), once, so quitting stays quick on a large library."""
        self.list_reader.close_quickly()
        self.reader.close_quickly()
        self.library.close()
