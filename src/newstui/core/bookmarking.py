"""Bookmarks: bookmark (a durable copy, its full text fetched), unbookmark, notes."""

from __future__ import annotations

from newstui.bookmarks.fulltext import fetch_fulltext
from newstui.config import Config
from newstui.errors import NewstuiError
from newstui.images.store import ImageStore
from newstui.models import Article
from newstui.store.library import Library


def bookmark(lib: Library, ref: int | str, *, note: str | None = None) -> Article:
    """Bookmark an article (a bookmarked one keeps it; ``note`` replaces its note). A
    bookmark with only a summary is queued for its full text (``complete_fulltext``)."""
    return lib.bookmark(lib.article(ref).id, note=note)


def complete_fulltext(lib: Library, cfg: Config, ref: int | str) -> Article:
    """Fetch a queued (or failed) bookmark's full text now. Network and extraction
    failures are recorded on the bookmark, not raised; a bookmark that needs nothing is
    returned as it is."""
    art = lib.article(ref)
    if not art.bookmarked or art.fulltext_status not in ("pending", "failed"):
        return art
    return fetch_fulltext(lib, art.id, cfg)


def unbookmark(lib: Library, ref: int | str, *, pictures: ImageStore | None = None) -> Article:
    """Remove a bookmark; its pinned pictures (in ``pictures``) go back to the cache.
    Raises NewstuiError when the article has none."""
    art = lib.article(ref)
    if not art.bookmarked:
        raise NewstuiError(f"article {art.id} is not bookmarked")
    lib.unbookmark(art.id)
    if pictures is not None:
        pictures.unpin(art.id)
    return lib.article(art.id)


def toggle_bookmark(lib: Library, ref: int | str) -> Article:
    """Bookmark the article, or remove its bookmark; returns it as it is now."""
    art = lib.article(ref)
    return unbookmark(lib, art.id) if art.bookmarked else bookmark(lib, art.id)


def set_note(lib: Library, ref: int | str, text: str) -> Article:
    """Set a bookmark's note ("" clears it); bookmarks the article if it was not."""
    return lib.bookmark(lib.article(ref).id, note=text)
