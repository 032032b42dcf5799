"""``newstui fulltext ID...``: fetch the whole article behind any article's link, and the
fetch ``newstui show ID --full`` does first."""

from __future__ import annotations

import argparse

from newstui.cli.context import EXIT_PARTIAL, config, library, out, warn
from newstui.models import Article
from newstui.store.library import Library


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fulltext", help="fetch the whole article from each article's link, for offline reading"
    )
    p.add_argument("ids", nargs="+", metavar="ID", help="article ids (see `newstui list`)")
    p.add_argument("--force", action="store_true", help="fetch again even when saved already")
    p.set_defaults(func=cmd_fulltext)


def cmd_fulltext(args: argparse.Namespace) -> int:
    # Imported here: it brings httpx and asyncio, which every other command would pay for
    # at start-up (`list` spent more time importing them than listing).
    from newstui.core.fulltext import fetch_full_texts

    with library(args) as lib:
        results = fetch_full_texts(lib, config(args), args.ids, force=args.force)
    failed = 0
    for res in results:
        art = res.article
        if res.problem:
            failed += 1
            out(f"{art.id}: not fetched, the feed's text stays ({res.problem}): {art.title}")
        elif res.fetched:
            out(f"{art.id}: full text saved ({len(art.fulltext or ''):,} characters): {art.title}")
        else:
            out(f"{art.id}: full text saved already: {art.title}")
    return EXIT_PARTIAL if failed else 0


def with_fulltext(lib: Library, art: Article, args: argparse.Namespace) -> Article:
    """``art`` with its full text, fetched now when it has none (``show --full``). When the
    page gives none, says why on stderr and returns the article as the feed gave it."""
    if art.fulltext:
        return art
    from newstui.core.fulltext import with_full_text  # see cmd_fulltext

    res = with_full_text(lib, config(args), art.id)
    if res.problem:
        warn(f"full text not fetched, showing the feed's text: {res.problem}")
    return res.article
