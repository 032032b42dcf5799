"""The whole article for any article: fetched on demand, read offline afterwards."""

from __future__ import annotations

from collections.abc import Sequence

from newstui.bookmarks.articletext import FulltextResult, fetch_articles
from newstui.config import Config
from newstui.errors import NotFound
from newstui.store.library import Library


def _ids(refs: Sequence[int | str]) -> list[int]:
    out: list[int] = []
    for ref in refs:
        text = str(ref).strip()
        if not (text.isascii() and text.isdigit()):
            raise NotFound(f"no article {ref!r} (ids are numbers; see `newstui list`)")
        out.append(int(text))
    return list(dict.fromkeys(out))


def fetch_full_texts(
    lib: Library, cfg: Config, refs: Sequence[int | str], *, force: bool = False
) -> list[FulltextResult]:
    """Fetch the full text of each article (one of them unknown: NotFound, before any
    fetch). Articles with a full text saved are left alone unless ``force``. A page that
    gives none, or less text than the feed, is reported in its result's ``problem``."""
    return fetch_articles(lib, _ids(refs), cfg, force=force)


def with_full_text(lib: Library, cfg: Config, ref: int | str) -> FulltextResult:
    """The article with its full text, fetched now when none is saved (``show --full``)."""
    (result,) = fetch_full_texts(lib, cfg, [ref])
    return result
