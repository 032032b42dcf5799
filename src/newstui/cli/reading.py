"""`mark-read QUERY` and `undo`: a whole list read at once, and put back.

The ids a ``mark-read`` changed are kept in ``undo.json`` in the state folder (beside the
reader's ``state.json``), so the next ``undo`` can mark exactly those unread again; the
reader keeps them in memory for its ``u`` key. Both call the same core functions.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from newstui.cli.context import library, out, paths
from newstui.core.reading import mark_list_read, undo_mark_read
from newstui.errors import NewstuiError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mark-read", help="mark every unread article a query matches read (undo: `undo`)")
    p.add_argument("query", nargs="*", help="filter query (see `newstui help-query`); none: everything")
    p.set_defaults(func=cmd_mark_read)

    p = sub.add_parser("undo", help="mark the articles the last `mark-read` changed unread again")
    p.set_defaults(func=cmd_undo)


def _undo_file(args: argparse.Namespace) -> Path:
    return paths(args).state_dir / "undo.json"


def cmd_mark_read(args: argparse.Namespace) -> int:
    with library(args) as lib:
        ids = mark_list_read(lib, " ".join(args.query))
    if ids:
        target = _undo_file(args)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps({"mark_read": ids}), encoding="utf-8")
        os.replace(tmp, target)
    out(f"marked {len(ids)} read" + (" (undo with `newstui undo`)" if ids else ""))
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    target = _undo_file(args)
    try:
        ids = [int(i) for i in json.loads(target.read_text(encoding="utf-8"))["mark_read"]]
    except FileNotFoundError:
        raise NewstuiError("nothing to undo") from None
    except (ValueError, KeyError, TypeError):
        raise NewstuiError(f"cannot read {target}; nothing was changed") from None
    with library(args) as lib:
        changed = undo_mark_read(lib, ids)
    target.unlink(missing_ok=True)
    out(f"marked {len(changed)} unread again")
    return 0
