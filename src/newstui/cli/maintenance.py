"""Maintenance commands (doctor, compact)."""

from __future__ import annotations

import argparse

from newstui.cli.context import library, out
from newstui.errors import NewstuiError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check the library and its search index; rebuild the index if needed")
    p.add_argument("--check-only", action="store_true", help="report problems, repair nothing")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser(
        "compact", help="give the library's unused space back to the disk (after an upgrade or big deletions)"
    )
    p.set_defaults(func=cmd_compact)


def cmd_doctor(args: argparse.Namespace) -> int:
    from newstui.store.doctor import diagnose

    with library(args) as lib:
        moved_aside = lib.notice
        report = diagnose(lib, repair=not args.check_only)
        out(f"library: {lib.path}")
        for line in report.lines():
            out(line)
        from newstui.bookmarks.fulltext import extractor_problem

        out(extractor_problem() or "full-text extraction: ok")
    if moved_aside:
        raise NewstuiError("the library was damaged beyond repair and was moved aside (see above)")
    if report.damaged and args.check_only:
        raise NewstuiError("the library needs repair: run `newstui doctor`")
    if report.integrity:
        raise NewstuiError(
            "the library is damaged beyond repair; copy what you can with "
            f"`sqlite3 {lib.path} .recover`, then move the file aside"
        )
    if report.damaged:
        raise NewstuiError("the search index could not be rebuilt (see above)")
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from newstui.store.doctor import compact, megabytes

    with library(args) as lib:
        done = compact(lib)
        out(f"library: {lib.path}")
        saved = megabytes(done.before - done.after)
        out(f"compacted: {megabytes(done.before)} before, {megabytes(done.after)} now ({saved} given back)")
    return 0
