"""Feed commands: add, refresh, export opml (filled in by the feeds work)."""

from __future__ import annotations

import argparse

from newstui.cli.context import library, out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("add", help="subscribe to a feed URL")
    p.add_argument("url")
    p.add_argument("--category", default="", help="folder for the feed")
    p.set_defaults(func=cmd_add)


def cmd_add(args: argparse.Namespace) -> int:
    from newstui.errors import NewstuiError

    url = args.url.strip()
    if not url.lower().startswith(("http://", "https://", "file://", "/")):
        raise NewstuiError(f"not a feed URL: {url!r} (want http://, https:// or a path)")
    with library(args) as lib:
        src, created = lib.add_source(url, category=args.category)
        out(f"{'added' if created else 'already subscribed'}: {src.id} {src.label}")
    return 0
