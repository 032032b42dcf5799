"""The ``newstui`` command: a thin face over the library's functions.

Subcommands live in modules by concern; each has a ``register(subparsers)`` function.
Errors a user can cause print one line to stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from typing import NoReturn

from newstui import __version__
from newstui.cli.context import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from newstui.cli.queryargs import QueryAwareParser
from newstui.errors import NewstuiError

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "build_parser", "main"]


class _Parser(QueryAwareParser):
    def error(self, message: str) -> NoReturn:  # one line, status 2, like every other error
        self.exit(EXIT_USAGE, f"newstui: {message} (see `newstui --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from newstui.cli import (
        bookmarks,
        config_cmd,
        feeds,
        fulltext_cmd,
        library,
        maintenance,
        reading,
        source_cmd,
        sync,
    )

    parser = _Parser(prog="newstui", description="A terminal news reader.")
    parser.add_argument("--version", action="version", version=f"newstui {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the library, config, state and logs under DIR (default: the platform's user dirs)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (
        library,
        feeds,
        bookmarks,
        maintenance,
        config_cmd,
        reading,
        source_cmd,
        fulltext_cmd,
        sync,
    ):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log_path = _setup_logging(args)
    func = getattr(args, "func", None)
    if func is None:
        from newstui.cli.library import cmd_tui

        func = cmd_tui
    try:
        return int(func(args) or 0)
    except NewstuiError as exc:
        from newstui.textsafe import clean_line

        # Messages can quote a file, a feed or a server: never let them act on the terminal.
        print(f"newstui: {clean_line(str(exc), 2000)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("newstui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): not an error worth a message.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except sqlite3.Error as exc:
        logging.getLogger("newstui").exception("library error")
        print(f"newstui: library error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"newstui: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a bug: one line here, the whole story in the log
        logging.getLogger("newstui").exception("unexpected error")
        where = f" (details in {log_path})" if log_path else ""
        print(f"newstui: internal error: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return EXIT_ERROR


def _setup_logging(args: argparse.Namespace) -> str | None:
    """Warnings and errors go to the log file (created only when something is logged)."""
    from newstui.paths import Paths

    path = Paths.resolve(getattr(args, "data_dir", None)).log
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    handler = logging.FileHandler(path, delay=True, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("newstui")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return str(path)
