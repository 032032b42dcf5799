"""Library commands: open the TUI, demo, import, list, show, tag, read state, sources."""

from __future__ import annotations

import argparse
import json
import sys
from itertools import islice

from newstui.cli.context import config, library, out, paths, warn
from newstui.errors import NewstuiError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tui", help="open the reader (the default)")
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("demo", help="open the reader on a throwaway copy of the demo library")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import files and folders (text, Markdown, HTML, feeds, OPML)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("list", help="list articles matching a query, newest first")
    p.add_argument("query", nargs="*", help="filter query (see `newstui help-query`)")
    p.add_argument("--limit", "-n", type=int, default=None, help="at most N articles")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--sort", choices=("date", "source", "title", "rank"), default=None)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show one article")
    p.add_argument("id")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--full", action="store_true", help="fetch the whole article first if it is not saved")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("tag", help="add (+name) and remove (-name) tags on an article")
    p.add_argument("id")
    p.add_argument("changes", nargs=argparse.REMAINDER, metavar="+name|-name")
    p.set_defaults(func=cmd_tag)

    for name, read in (("read", True), ("unread", False)):
        p = sub.add_parser(name, help=f"mark articles {name}")
        p.add_argument("ids", nargs="+", metavar="ID")
        p.set_defaults(func=cmd_read, read=read)

    p = sub.add_parser("sources", help="list sources with counts and last error")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("help-query", help="explain the query language")
    p.set_defaults(func=cmd_help_query)


def cmd_tui(args: argparse.Namespace) -> int:
    from newstui.tui.app import run_app

    return run_app(paths(args), config(args)) or 0


def cmd_demo(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from newstui.demo import build_demo
    from newstui.demo.pictures import seed_pictures
    from newstui.paths import Paths
    from newstui.tui.app import run_app

    tmp = tempfile.mkdtemp(prefix="newstui-demo-")
    try:
        demo_paths = Paths.resolve(tmp)
        build_demo(demo_paths.library)
        seed_pictures(demo_paths)  # the demo's pictures, so they show offline
        return run_app(demo_paths, config(args)) or 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_import(args: argparse.Namespace) -> int:
    from newstui.core.importing import NothingImported, import_files

    def skipped(path: str, reason: str) -> None:
        warn(f"skipped {path}: {reason}")

    def summary(text: str) -> None:  # file names in it come from disk: cleaned on the way out
        if args.quiet:
            warn(text)
        else:
            out(f"newstui: {text}")

    with library(args) as lib:
        try:
            done = import_files(lib, config(args), args.paths, on_skip=skipped)
        except NothingImported as exc:
            summary(exc.report.summary())
            raise
    for problem in done.problems:
        warn(problem)
    summary(done.report.summary())
    return 0


def _query(args: argparse.Namespace) -> str:
    return " ".join(args.query) if isinstance(args.query, list) else (args.query or "")


def cmd_list(args: argparse.Namespace) -> int:
    from newstui.query import compile_query

    q = compile_query(_query(args), collapse=config(args).collapse_duplicates)
    sort = args.sort or ("rank" if q.rank_match else "date")
    if args.limit is not None and args.limit < 0:
        raise NewstuiError("--limit must be 0 or more")
    with library(args) as lib:
        if args.format == "json":
            lines = lib.record_lines(q, sort=sort, limit=args.limit)
            while batch := list(islice(lines, 500)):  # one write per line cost more than its line
                sys.stdout.write("\n".join(batch) + "\n")
            return 0
        from newstui.render import format_date

        for row in lib.with_also_in(lib.list_articles(q, sort=sort, limit=args.limit)):
            flags = ("N" if not row.read else " ") + ("B" if row.bookmarked else " ")
            also = f"  (also in: {', '.join(row.also_in)})" if row.also_in else ""
            out(
                f"{row.id:>7}  {format_date(row.published, False)}  {flags}  "
                f"{row.source[:24]:<24}  {row.title}{also}"
            )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from newstui import render

    with library(args) as lib:
        art = lib.article(args.id)
        if args.full:
            from newstui.cli.fulltext_cmd import with_fulltext

            art = with_fulltext(lib, art, args)
        if args.format == "json":
            rec = lib.records("", ids=[art.id])[0]
            rec["body_markdown"] = render.article_body(art)
            rec["summary"] = art.summary
            rec["note"] = art.note
            rec["enclosures"] = art.enclosures
            sys.stdout.write(json.dumps(rec, ensure_ascii=False, indent=2) + "\n")
        elif args.format == "markdown":
            out(render.article_markdown(art))
        else:
            out(render.article_text(art).rstrip("\n"))
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    add = [c[1:] for c in args.changes if c.startswith("+")]
    remove = [c[1:] for c in args.changes if c.startswith("-")]
    bad = [c for c in args.changes if not c.startswith(("+", "-"))]
    if bad or not args.changes:
        raise NewstuiError("tag changes look like +name or -name, e.g. `newstui tag 12 +later -news`")
    from newstui.core.tagging import edit_tags

    with library(args) as lib:
        art = edit_tags(lib, args.id, add=add, remove=remove)
        out(f"{art.id}: tags: {', '.join(art.tag_names) or '(none)'}")
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    from newstui.core.reading import set_read

    with library(args) as lib:
        set_read(lib, args.ids, args.read)
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    from newstui.render import format_date

    with library(args) as lib:
        for s in lib.sources():
            if args.format == "json":
                sys.stdout.write(
                    json.dumps(
                        {
                            "id": s.id,
                            "url": s.url,
                            "kind": s.kind,
                            "title": s.title,
                            "category": s.category,
                            "total": s.total,
                            "unread": s.unread,
                            "last_success": s.last_success,
                            "last_error": s.last_error,
                            "failures": s.failures,
                            "gone": s.gone,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                continue
            state = "gone" if s.gone else ("FAIL" if s.last_error and s.failures else "ok")
            line = f"{s.id:>5}  {s.unread:>5}/{s.total:<6} {state:<4}  {s.label}"
            if s.category:
                line += f"  [{s.category}]"
            if s.title and s.title != s.url:
                line += f"  <{s.url}>"
            out(line)
            if s.last_error:
                when = format_date(s.last_error_at) if s.last_error_at else ""
                out(f"       last error{f' ({when})' if when else ''}: {s.last_error}")
    return 0


def cmd_help_query(args: argparse.Namespace) -> int:
    from newstui import query

    out((query.__doc__ or "").strip())
    return 0
