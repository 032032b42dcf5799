"""Bookmark, note, tag-management and bookmark-export commands."""

from __future__ import annotations

import argparse
import json
import sys

from newstui.cli.context import config, library, out, paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bookmark", help="bookmark an article (a full offline copy)")
    p.add_argument("id")
    p.add_argument("--note", default=None, help="a short note kept with the bookmark")
    p.add_argument(
        "--no-fetch",
        action="store_true",
        help="do not fetch the full text now (it is fetched on the next refresh)",
    )
    p.set_defaults(func=cmd_bookmark)

    p = sub.add_parser("unbookmark", help="remove a bookmark")
    p.add_argument("id")
    p.set_defaults(func=cmd_unbookmark)

    p = sub.add_parser("bookmarks", help="list bookmarks, newest bookmarked first")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_bookmarks)

    p = sub.add_parser("note", help="set the note of a bookmark (bookmarks the article)")
    p.add_argument("id")
    p.add_argument("text", help='the note ("" clears it)')
    p.set_defaults(func=cmd_note)

    p = sub.add_parser("tags", help="list tags with counts; rename, merge or delete a tag")
    p.set_defaults(func=cmd_tags)
    tags = p.add_subparsers(dest="tags_command", metavar="ACTION", parser_class=type(p))
    t = tags.add_parser("rename", help="rename a tag everywhere")
    t.add_argument("old")
    t.add_argument("new")
    t.set_defaults(func=cmd_tags_rename)
    t = tags.add_parser("merge", help="merge tags into one")
    t.add_argument("names", nargs="+", metavar="NAME")
    t.add_argument("--into", required=True, metavar="TAG", help="the tag they become")
    t.set_defaults(func=cmd_tags_merge)
    t = tags.add_parser("delete", help="remove a tag from every article")
    t.add_argument("name")
    t.set_defaults(func=cmd_tags_delete)

    from newstui.cli.feeds import EXPORT_SUBPARSERS

    if EXPORT_SUBPARSERS is None:  # the feeds commands register `export` first
        raise RuntimeError("newstui.cli.feeds must be registered before newstui.cli.bookmarks")
    e = EXPORT_SUBPARSERS.add_parser(
        "bookmarks", help="bookmarks as Markdown files, one HTML page, or JSON lines"
    )
    e.add_argument("--format", choices=("markdown", "html", "json"), default="markdown")
    e.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="a folder for markdown; a file (or - for stdout) for html and json",
    )
    e.set_defaults(func=cmd_export_bookmarks)


def cmd_bookmark(args: argparse.Namespace) -> int:
    from newstui.core.bookmarking import bookmark, complete_fulltext
    from newstui.fulltext_status import status_line

    with library(args) as lib:
        art = bookmark(lib, args.id, note=args.note)
        out(f"bookmarked {art.id}: {art.title}")
        if art.fulltext_status in ("pending", "failed") and not args.no_fetch:
            out("fetching the full text…")
            art = complete_fulltext(lib, config(args), art.id)
        out(status_line(art))
    return 0


def cmd_unbookmark(args: argparse.Namespace) -> int:
    from newstui.core.bookmarking import unbookmark
    from newstui.images.store import ImageStore

    with library(args) as lib:
        art = unbookmark(lib, args.id, pictures=ImageStore.for_paths(paths(args)))
        out(f"removed bookmark {art.id}: {art.title}")
    return 0


def cmd_bookmarks(args: argparse.Namespace) -> int:
    from newstui.bookmarks.export import bookmarked_articles, record
    from newstui.render import format_date

    with library(args) as lib:
        for art in bookmarked_articles(lib):
            if args.format == "json":
                rec = record(lib, art, body=False)
                sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
                continue
            full = {"ok": "F", "pending": "…", "failed": "!"}.get(art.fulltext_status, " ")
            out(
                f"{art.id:>7}  {format_date(art.bookmarked_at, False)}  {full}  "
                f"{art.source[:24]:<24}  {art.title}"
            )
            if art.note:
                out(f"{'':>7}  note: {art.note}")
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    from newstui.core.bookmarking import set_note

    with library(args) as lib:
        was = lib.article(args.id).bookmarked
        art = set_note(lib, args.id, args.text)
        out(f"{'' if was else 'bookmarked and '}noted {art.id}: {art.note or '(no note)'}")
    return 0


def cmd_tags(args: argparse.Namespace) -> int:
    with library(args) as lib:
        for name, total, unread in lib.tag_counts():
            out(f"{total:>6} {unread:>6}  {name}")
    return 0


def cmd_tags_rename(args: argparse.Namespace) -> int:
    from newstui.core.tagging import rename_tag

    with library(args) as lib:
        n = rename_tag(lib, args.old, args.new)
    out(f"renamed {args.old!r} to {args.new!r} on {n} articles")
    return 0


def cmd_tags_merge(args: argparse.Namespace) -> int:
    from newstui.core.tagging import merge_tags

    with library(args) as lib:
        n = merge_tags(lib, args.names, args.into)
    out(f"merged {', '.join(repr(x) for x in args.names)} into {args.into!r} ({n} articles)")
    return 0


def cmd_tags_delete(args: argparse.Namespace) -> int:
    from newstui.core.tagging import delete_tag

    with library(args) as lib:
        n = delete_tag(lib, args.name)
    out(f"deleted tag {args.name!r} from {n} articles")
    return 0


def cmd_export_bookmarks(args: argparse.Namespace) -> int:
    from newstui.bookmarks.export import export_bookmarks

    with library(args) as lib:
        n = export_bookmarks(lib, args.format, args.output)
    if args.output != "-":
        out(f"exported {n} bookmarks to {args.output}")
    return 0
