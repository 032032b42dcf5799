"""Tags: edit an article's tags, and rename, merge or delete a tag everywhere."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from newstui.models import Article
from newstui.store.library import Library


def tag_diff(current: Sequence[str], wanted: Sequence[str]) -> tuple[list[str], list[str]]:
    """(add, remove) that turn the tags ``current`` into ``wanted``, case-insensitively: a
    name in both, in any spelling, is left alone."""
    have = {t.casefold() for t in current}
    keep = {t.casefold() for t in wanted}
    add = [t for t in dict.fromkeys(wanted) if t.casefold() not in have]
    remove = [t for t in current if t.casefold() not in keep]
    return add, remove


def edit_tags(lib: Library, ref: int | str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Article:
    """Add user tags to and remove tags from one article; returns it as it is now."""
    return lib.tag(lib.article(ref).id, add=add, remove=remove)


def set_tags(lib: Library, ref: int | str, wanted: Sequence[str]) -> Article:
    """Give the article exactly the tags ``wanted`` (the tag editor's list)."""
    art = lib.article(ref)
    add, remove = tag_diff(art.tag_names, wanted)
    if not add and not remove:
        return art
    return lib.tag(art.id, add=add, remove=remove)


def rename_tag(lib: Library, old: str, new: str) -> int:
    """Rename a tag everywhere (merging into ``new`` when it exists); articles touched."""
    return lib.rename_tag(old, new)


def merge_tags(lib: Library, names: Iterable[str], into: str) -> int:
    """Merge tags into one (created if needed); articles touched."""
    return lib.merge_tags(names, into)


def delete_tag(lib: Library, name: str) -> int:
    """Remove a tag from every article; articles touched."""
    return lib.delete_tag(name)
