"""Tag rules from the config: ``[tag] payments = "category:Payment OR wero"``."""

from __future__ import annotations

from collections.abc import Sequence

from newstui.config import Config
from newstui.store.library import Library


def apply_auto_tags(lib: Library, cfg: Config, article_ids: Sequence[int] | None = None) -> int:
    """Give each rule's tag (as a user tag) to the articles its query matches. Returns count."""
    if not cfg.auto_tags:
        return 0
    from newstui.query import compile_query

    wanted = set(article_ids) if article_ids is not None else None
    if wanted is not None and not wanted:
        return 0
    total = 0
    for tag, text in cfg.auto_tags.items():
        q = compile_query(text)
        ids = [i for i in lib.article_ids(q) if wanted is None or i in wanted]
        total += lib.add_tag_to(ids, tag)
    return total
