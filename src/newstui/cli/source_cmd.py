"""``newstui source SOURCE [set key=value...]``: one source's settings, shown or changed."""

from __future__ import annotations

import argparse
import json

from newstui.cli.context import library, out
from newstui.core.sources import change_settings
from newstui.source_settings import SETTINGS, SettingError, parse_assignments, values


def register(sub: argparse._SubParsersAction) -> None:
    keys = ", ".join(SETTINGS)
    p = sub.add_parser(
        "source",
        help="show a source's settings, or change them with `set key=value...`",
        description=f"Show a source's settings, or change them: `newstui source SOURCE set "
        f"key=value...`. Settings: {keys}.",
    )
    p.add_argument("source", help="the source's id, URL or title")
    p.add_argument("action", nargs="?", metavar="set", help="set: change the settings given")
    p.add_argument("assignments", nargs="*", metavar="KEY=VALUE", help=f"settings: {keys}")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_source)


def cmd_source(args: argparse.Namespace) -> int:
    if args.action not in (None, "set"):
        raise SettingError("to change settings, write `newstui source SOURCE set key=value...`")
    if args.action == "set" and not args.assignments:
        raise SettingError(f"set what? give key=value (settings: {', '.join(SETTINGS)})")
    parse_assignments(args.assignments)  # a bad key or value stops before the library opens
    with library(args) as lib:
        src, changes = change_settings(lib, args.source, args.assignments)
        shown = values(src)
    if args.format == "json":
        out(
            json.dumps(
                {"id": src.id, "url": src.url, "feed_title": src.feed_title, **shown},
                ensure_ascii=False,
            )
        )
        return 0
    if changes:
        changed = [s.key for s in SETTINGS.values() if s.column in changes]
        out(f"source {src.id} {src.label}: " + ", ".join(f"{k} = {shown[k]}" for k in changed))
        return 0
    out(f"source {src.id}: {src.label}")
    out(f"  url: {src.url}")
    if src.feed_title and src.feed_title != src.title:
        out(f"  the feed calls itself: {src.feed_title}")
    width = max(len(k) for k in SETTINGS)
    for key, setting in SETTINGS.items():
        value = shown[key] or "(none)"
        out(f"  {key:<{width}} = {value}    # {setting.help}")
    return 0
