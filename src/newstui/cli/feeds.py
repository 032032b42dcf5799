"""Feed commands: add, remove, refresh, export opml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newstui.cli.context import EXIT_PARTIAL, config, library, out, warn

if TYPE_CHECKING:
    from newstui.config import Config
    from newstui.sources.refresh import RefreshReport
    from newstui.store.library import Library

# `newstui export WHAT`: other command modules add their WHAT here (bookmarks registers
# after feeds, so this is set by then).
EXPORT_SUBPARSERS: argparse._SubParsersAction | None = None


def register(sub: argparse._SubParsersAction) -> None:
    global EXPORT_SUBPARSERS

    p = sub.add_parser("add", help="subscribe to a feed (or the feed a web page announces)")
    p.add_argument("url", help="a feed URL, a web page that announces a feed, or a feed file")
    p.add_argument("--category", default="", help="folder for the feed")
    p.add_argument("--account", metavar="NAME", help="subscribe on this feed-server account")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="unsubscribe from a source (bookmarked articles stay)")
    p.add_argument("source", help="the source's id, URL or title")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("refresh", help="fetch new articles from all feeds (or those named)")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="id, URL or title")
    p.add_argument("--quiet", "-q", action="store_true", help="print only a one-line summary")
    p.add_argument(
        "--force",
        action="store_true",
        help="also fetch gone and waiting feeds, and parse unchanged ones",
    )
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("export", help="export subscriptions (opml) and more")
    EXPORT_SUBPARSERS = p.add_subparsers(
        dest="export_what", metavar="WHAT", required=True, parser_class=type(p)
    )
    e = EXPORT_SUBPARSERS.add_parser("opml", help="subscriptions as OPML 2.0")
    e.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    e.set_defaults(func=cmd_export_opml)


def cmd_add(args: argparse.Namespace) -> int:
    from newstui.core.feeds import subscribe

    if args.account:
        from newstui.cli.sync import add_to_account

        return add_to_account(args)

    with library(args) as lib:
        done = subscribe(lib, config(args), args.url, category=args.category)
        src = done.source
        if not done.created:
            out(f"already subscribed: {src.id} {src.label}")
            return 0
        out(f"added: {src.id} {src.label} ({done.report.new if done.report else 0} articles)")
        for other in done.others:
            out(f"  also found: {other}  (add it with `newstui add {other}`)")
        if done.first_error is not None:
            warn(f"the first fetch failed: {done.first_error} (kept; the next refresh tries again)")
            return EXIT_PARTIAL
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from newstui.core.feeds import unsubscribe

    with library(args) as lib:
        src, removed = unsubscribe(lib, args.source)
        out(f"removed: {src.id} {src.label} ({removed} articles; bookmarked ones kept)")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from newstui.core.feeds import refresh

    cfg = config(args)
    interactive = not args.quiet and sys.stdout.isatty()
    with library(args) as lib:
        if interactive:
            report = _refresh_with_bar(lib, cfg, args)
        else:
            report = refresh(lib, cfg, args.sources, force=args.force)
        # Without feed-server accounts there is nothing to sync: skip the sync's imports
        # and its second opening of the library.
        has_accounts = bool(lib.accounts())
    if interactive:
        for o in report.failed:
            warn(f"failed: {o.label}: {o.error}")
    line = report.summary()
    if report.errors:
        line += " (see `newstui sources`)"
    out(line)
    synced = True
    if has_accounts and not args.sources:
        from newstui.cli.sync import run_sync  # feed-server accounts are part of a refresh

        synced = run_sync(args, [], quiet=args.quiet)
    return EXIT_PARTIAL if report.errors or not synced else 0


def _refresh_with_bar(lib: Library, cfg: Config, args: argparse.Namespace) -> RefreshReport:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from newstui.core.feeds import refresh

    bar = Progress(
        TextColumn("Refreshing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[new]} new, {task.fields[errors]} failed"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("refresh", total=None, new=0, errors=0)

    def progress(r: RefreshReport) -> None:
        bar.update(task, total=r.total, completed=r.done, new=r.new, errors=r.errors)

    with bar:
        return refresh(lib, cfg, args.sources, force=args.force, on_progress=progress)


def cmd_export_opml(args: argparse.Namespace) -> int:
    from newstui.source_settings import non_default
    from newstui.sources.opml import Subscription, write_opml

    with library(args) as lib:
        subs = [
            Subscription(s.url, s.title, s.category, non_default(s))
            for s in lib.sources()
            if s.kind == "feed"
        ]
    text = write_opml(subs)
    if args.output:
        path = Path(args.output).expanduser()
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        print(f"newstui: exported {len(subs)} subscriptions to {path}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
