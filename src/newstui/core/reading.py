"""Read state: open an article, mark read or unread, mark a whole list read and undo it."""

from __future__ import annotations

from collections.abc import Iterable

from newstui.models import Article
from newstui.query import Compiled
from newstui.store.library import Library


def open_article(lib: Library, ref: int | str, *, mark_read: bool) -> tuple[Article, list[int]]:
    """The article, marked read when ``mark_read`` (the config's ``mark_read_on_open``).
    Returns (article, the ids marked read just now: its story's other copies too)."""
    art = lib.article(ref)
    marked: list[int] = []
    if mark_read and not art.read:
        marked = lib.set_read(art.id, True)
        art.read = True
    return art, marked


def set_read(lib: Library, refs: Iterable[int | str], read: bool = True) -> list[int]:
    """Mark the articles (ids, each checked) read or unread; returns those that changed."""
    ids = [lib.article(ref).id for ref in refs]
    return lib.set_read(ids, read)


def toggle_read(lib: Library, ref: int | str) -> tuple[bool, list[int]]:
    """Flip one article's read state; returns the new state and the ids that changed (the
    story's other copies change with it)."""
    art = lib.article(ref)
    return not art.read, lib.set_read(art.id, not art.read)


def mark_list_read(lib: Library, query: str | Compiled | None) -> list[int]:
    """Mark every unread article the query matches read. Returns their ids: what
    ``undo_mark_read`` takes to put them back."""
    return lib.mark_all_read(query)


def undo_mark_read(lib: Library, ids: Iterable[int]) -> list[int]:
    """Mark the articles a ``mark_list_read`` changed unread again (those still there and
    still read); returns those that changed."""
    return lib.set_read(lib.article_ids(None, within=list(ids)), False)
