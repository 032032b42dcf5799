"""The library: one SQLite file holding sources, articles, labels, read state and bookmarks.

Every read and write of the library goes through this class; the faces (CLI, TUI) get plain
records back and never write SQL. Writes for one batch happen in one transaction. The class
is assembled from one part per concern (``store/sources.py``, ``articles.py``, ``labels.py``,
``bookmarks.py``) over the connection and transactions in ``store/connection.py``.
"""

from __future__ import annotations

from newstui.plaintext import plain_text
from newstui.store.accounts import AccountStore
from newstui.store.articles import ArticleStore
from newstui.store.bookmarks import BookmarkStore
from newstui.store.connection import SORTS, SQLITE_MAGIC
from newstui.store.fulltexts import FulltextStore
from newstui.store.journal import JournalStore
from newstui.store.labels import LabelStore
from newstui.store.sources import SourceStore
from newstui.store.stories import StoryStore

__all__ = ["SORTS", "SQLITE_MAGIC", "Library", "plain_text"]


class Library(
    SourceStore,
    ArticleStore,
    LabelStore,
    BookmarkStore,
    JournalStore,
    StoryStore,
    FulltextStore,
    AccountStore,
):
    """An open library file. Safe to share between threads (calls are serialised)."""
