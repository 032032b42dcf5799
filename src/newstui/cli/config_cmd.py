"""``newstui config``: the effective configuration and where each value came from.

The text form is itself a valid ``config.toml`` (paths and origins are comments), so it can
be copied into the file as a starting point. A broken config file fails here with the same
one-line error as every other command, which makes this the way to check it.
"""

from __future__ import annotations

import argparse
import json

from newstui.cli.context import out, paths
from newstui.config import SETTINGS, TABLES, Config, Scalar, format_key, format_value
from newstui.paths import Paths

DEFAULT = "default"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="show the effective config and where each value came from")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_config)


def cmd_config(args: argparse.Namespace) -> int:
    where = paths(args)
    cfg, set_in_file = Config.load_explained(where.config)
    file_origin = str(where.config)
    files = _files(where, Paths.origins(getattr(args, "data_dir", None)))
    tables: dict[str, dict[str, tuple[Scalar, str]]] = {}
    for setting in SETTINGS:
        origin = file_origin if setting.name in set_in_file else DEFAULT
        tables.setdefault(setting.table, {})[setting.key] = (getattr(cfg, setting.attr), origin)
    for table in TABLES:
        entries: dict[str, str] = getattr(cfg, table.attr)
        tables[table.key] = {name: (value, file_origin) for name, value in entries.items()}
    if args.format == "json":
        settings = {
            name: {key: {"value": value, "from": origin} for key, (value, origin) in rows.items()}
            for name, rows in tables.items()
        }
        out(json.dumps({"files": files, "settings": settings}, indent=2, ensure_ascii=False))
        return 0
    for name, info in files.items():
        state = "" if info["exists"] else ", not present"
        out(f"# {name + ':':<8} {info['path']}  (from {info['from']}{state})")
    for name, rows in tables.items():
        out()
        out(f"[{name}]")
        if not rows:
            out("# (none)")
        lines = [(f"{format_key(k)} = {format_value(v)}", origin) for k, (v, origin) in rows.items()]
        width = max((len(text) for text, _ in lines), default=0)
        for text, origin in lines:
            out(f"{text:<{width}}  # {origin}")
    return 0


def _files(where: Paths, origins: dict[str, str]) -> dict[str, dict[str, object]]:
    """The files newstui uses, each with its path, origin and whether it exists yet."""
    files = {
        "config": (where.config, origins["config_dir"]),
        "library": (where.library, origins["data_dir"]),
        "state": (where.state, origins["state_dir"]),
        "log": (where.log, origins["log_dir"]),
        "images": (where.cache_dir / "images", origins["cache_dir"]),
    }
    return {
        name: {"path": str(path), "from": origin, "exists": path.exists()}
        for name, (path, origin) in files.items()
    }
