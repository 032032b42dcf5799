"""Tags beyond the store's records: auto-tag rules from the config, and suggestions.

A rule in ``config.toml`` gives a tag to every article its query matches::

    [tag]
    payments = "category:Payment OR wero"

Rules run on import and refresh and give *user* tags, so a later refresh never takes them
away. Renaming, merging and deleting tags are ``Library.rename_tag`` / ``merge_tags`` /
``delete_tag``; user and source tags are kept apart by their origin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from newstui.config import Config
from newstui.errors import NewstuiError, QueryError
from newstui.query import Compiled, compile_query
from newstui.store.library import Library


def compiled_rules(cfg: Config) -> tuple[list[tuple[str, Compiled]], list[str]]:
    """The config's tag rules, compiled; and a one-line problem for each broken one."""
    rules: list[tuple[str, Compiled]] = []
    problems: list[str] = []
    for tag, text in cfg.auto_tags.items():
        if not tag.strip() or not text.strip():
            problems.append(f"tag rule {tag!r}: needs a tag name and a query")
            continue
        try:
            rules.append((tag, compile_query(text)))
        except QueryError as exc:
            problems.append(f"tag rule {tag!r}: {exc}")
    return rules, problems


def apply_auto_tags(
    lib: Library,
    cfg: Config,
    article_ids: Sequence[int] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> int:
    """Give each rule's tag (as a user tag) to the articles its query matches; only to
    ``article_ids`` when given (the new ones). Returns how many tags were added.

    A broken rule does not stop the others: its problem goes to ``on_error``, or is raised
    as a NewstuiError after the good rules ran when there is no ``on_error``.
    """
    rules, problems = compiled_rules(cfg)
    total = 0
    if rules and (article_ids is None or article_ids):
        for tag, q in rules:
            total += lib.add_tag_to(lib.article_ids(q, within=article_ids), tag)
    for problem in problems:
        if on_error is None:
            raise NewstuiError(problem)
        on_error(problem)
    return total


def suggestions(lib: Library, typed: str = "", exclude: Sequence[str] = (), limit: int = 10) -> list[str]:
    """Tag names for a completion list: those starting with ``typed`` first, then those
    containing it, each group most used first; ``exclude`` (the article's tags) left out."""
    typed_fold = typed.strip().casefold()
    skip = {n.casefold() for n in exclude}
    starts: list[tuple[int, str]] = []
    contains: list[tuple[int, str]] = []
    for name, total, _unread in lib.tag_counts():
        fold = name.casefold()
        if fold in skip:
            continue
        if fold.startswith(typed_fold):
            starts.append((-total, name))
        elif typed_fold in fold:
            contains.append((-total, name))
    ranked = sorted(starts, key=lambda t: (t[0], t[1].casefold())) + sorted(
        contains, key=lambda t: (t[0], t[1].casefold())
    )
    return [name for _, name in ranked[:limit]]
