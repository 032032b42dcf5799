"""Bookmark and tag-management commands."""

from __future__ import annotations

import argparse

from newstui.cli.context import library, out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bookmark", help="bookmark an article (a full offline copy)")
    p.add_argument("id")
    p.add_argument("--note", default=None, help="a short note kept with the bookmark")
    p.set_defaults(func=cmd_bookmark)

    p = sub.add_parser("unbookmark", help="remove a bookmark")
    p.add_argument("id")
    p.set_defaults(func=cmd_unbookmark)


def cmd_bookmark(args: argparse.Namespace) -> int:
    with library(args) as lib:
        art = lib.bookmark(lib.article(args.id).id, note=args.note)
        out(f"bookmarked {art.id}: {art.title}")
    return 0


def cmd_unbookmark(args: argparse.Namespace) -> int:
    with library(args) as lib:
        lib.unbookmark(lib.article(args.id).id)
    return 0
