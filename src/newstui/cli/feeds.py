"""Feed commands: add, remove, refresh, export opml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newstui.cli.context import config, library, out, warn
from newstui.errors import NewstuiError

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
        "--force", action="store_true",
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
    from newstui.sources.fetch import FetchLimits, is_http

    if args.account:
        from newstui.cli.sync import add_to_account

        return add_to_account(args)

    url = args.url.strip()
    cfg = config(args)
    others: list[str] = []
    if is_http(url):
        from newstui.sources.discover import discover

        found = discover(url, FetchLimits.from_config(cfg))
        url, others = found.feeds[0], found.feeds[1:]
    else:
        url = _local_feed(url)
    from newstui.sources.refresh import refresh

    with library(args) as lib:
        src, created = lib.add_source(url, category=args.category)
        if not created:
            out(f"already subscribed: {src.id} {src.label}")
            return 0
        report = refresh(lib, cfg, [str(src.id)])
        src = lib.source(src.id)
        out(f"added: {src.id} {src.label} ({report.new} articles)")
        for other in others:
            out(f"  also found: {other}  (add it with `newstui add {other}`)")
        if report.errors:
            warn(f"the first fetch failed: {report.failed[0].error}")
            from newstui.cli import EXIT_PARTIAL

            return EXIT_PARTIAL
    return 0


def _local_feed(url: str) -> str:
    from newstui.sources.refresh import local_path

    path = local_path(url)
    if path is None:
        raise NewstuiError(f"not a feed URL: {url!r} (want http://, https://, file:// or a path)")
    if not path.exists():
        hint = f" (did you mean https://{url}?)" if "." in url and "/" not in url else ""
        raise NewstuiError(f"no such file: {path}{hint}")
    if not path.is_file():
        raise NewstuiError(f"not a feed file: {path}")
    return str(path.absolute())


def cmd_remove(args: argparse.Namespace) -> int:
    with library(args) as lib:
        src = lib.source(args.source)
        removed = lib.remove_source(src.id)
        out(f"removed: {src.id} {src.label} ({removed} articles; bookmarked ones kept)")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from newstui.cli import EXIT_PARTIAL
    from newstui.sources.refresh import refresh

    cfg = config(args)
    interactive = not args.quiet and sys.stdout.isatty()
    with library(args) as lib:
        if interactive:
            report = _refresh_with_bar(lib, cfg, args)
        else:
            report = refresh(lib, cfg, args.sources, force=args.force)
    if interactive:
        for o in report.failed:
            warn(f"failed: {o.label}: {o.error}")
    line = report.summary()
    if report.errors:
        line += " (see `newstui sources`)"
    out(line)
    from newstui.cli.sync import run_sync  # feed-server accounts are part of a refresh

    synced = args.sources or run_sync(args, [], quiet=args.quiet)
    return EXIT_PARTIAL if report.errors or not synced else 0


def _refresh_with_bar(lib: object, cfg: object, args: argparse.Namespace) -> object:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from newstui.sources.refresh import RefreshReport, refresh

    bar = Progress(
        TextColumn("Refreshing"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[new]} new, {task.fields[errors]} failed"), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )
    task = bar.add_task("refresh", total=None, new=0, errors=0)

    def progress(r: RefreshReport) -> None:
        bar.update(task, total=r.total, completed=r.done, new=r.new, errors=r.errors)

    with bar:
        return refresh(lib, cfg, args.sources, force=args.force, on_progress=progress)  # type: ignore[arg-type]


def cmd_export_opml(args: argparse.Namespace) -> int:
    from newstui.sources.opml import Subscription, write_opml

    with library(args) as lib:
        subs = [
            Subscription(s.url, s.title, s.category)
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
