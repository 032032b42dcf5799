"""The ``newstui`` command: a thin face over the library's functions.

Subcommands live in modules by concern; each has a ``register(subparsers)`` function.
``newstui CMD …`` imports and registers only the module(s) that define CMD (``COMMANDS``),
so a quick command such as ``list`` does not pay for importing and building every other
command at start-up; ``newstui --help``, an unknown command or anything unusual before the
command builds the whole parser, as before.
Errors a user can cause print one line to stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from newstui import __version__
from newstui.cli.context import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from newstui.cli.queryargs import QueryAwareParser
from newstui.errors import NewstuiError

if TYPE_CHECKING:
    import logging
    from types import ModuleType

__all__ = ["COMMANDS", "EXIT_ERROR", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "build_parser", "main"]

# The command modules, in the order `newstui --help` lists their commands.
MODULES = (
    "library",
    "feeds",
    "bookmarks",
    "maintenance",
    "config_cmd",
    "reading",
    "source_cmd",
    "fulltext_cmd",
    "sync",
)
# Each command and the modules to register for it. The bookmarks module always comes with
# feeds: it adds `export bookmarks` to the `export` command that feeds registers.
# tests/test_cli_commands.py checks that this table and the register functions agree.
COMMANDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("tui", "demo", "import", "list", "show", "tag", "read", "unread", "sources", "help-query"),
        ("library",),
    ),
    **dict.fromkeys(("add", "remove", "refresh"), ("feeds",)),
    "export": ("feeds", "bookmarks"),
    **dict.fromkeys(("bookmark", "unbookmark", "bookmarks", "note", "tags"), ("feeds", "bookmarks")),
    **dict.fromkeys(("doctor", "compact"), ("maintenance",)),
    "config": ("config_cmd",),
    **dict.fromkeys(("mark-read", "undo"), ("reading",)),
    "source": ("source_cmd",),
    "fulltext": ("fulltext_cmd",),
    **dict.fromkeys(("account", "accounts", "sync"), ("sync",)),
}
# Commands that only read and print: they set up the log file only if they fail (the
# import of `logging` costs more than a quick `list` on a large library spends listing).
_NO_LOG_UNLESS_FAILING = frozenset({"list", "show", "sources", "help-query"})
# Commands that only read the library and print, run as the `newstui` program: no garbage
# collection while they run (they make no reference cycles worth finding, and the
# collector's passes over every object the imports made cost more) and, once the output
# is flushed and the library closed, no interpreter tear-down that frees every object one
# by one (``_exit_now``). Together about 4% of `list`'s instructions on a large library.
_QUICK = frozenset({"list", "sources", "help-query"})
# Commands run as the program that end with ``os._exit`` once their output and log are
# flushed, skipping the interpreter's tear-down of their heap (30-60 ms after a refresh
# of 500 feeds, all of it after the work is done): they have closed the library and
# stopped their threads and processes by then (checked: with any other thread still
# running, the usual exit is kept).
_ENDS_AT_ONCE = frozenset({"refresh"})
_DATA_DIR = "--data-dir"
# Commands that open the reader.
_READER = frozenset({"tui", "demo"})


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it: ``$COLUMNS``, else
    the terminal's own, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, given the width rather than asking ``shutil``: argparse makes
    a formatter for every argument it adds, and importing ``shutil`` (which imports its
    compression modules) for that cost more than a quick command spends parsing."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, _columns() - 2 if width is None else width
        )


class _Parser(QueryAwareParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # one line, status 2, like every other error
        self.exit(EXIT_USAGE, f"newstui: {message} (see `newstui --help`)\n")


def command_word(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (``list`` in ``--data-dir D list …``) when it is one of
    ``COMMANDS`` and only ``--data-dir`` comes before it; ``tui`` (the default) when there
    is nothing but ``--data-dir``; else None (``--help``, ``--version``, an unknown word or
    option: those get the whole parser)."""
    i = 0
    while i < len(argv):
        word = argv[i]
        name, eq, _ = word.partition("=")
        if len(name) > 2 and _DATA_DIR.startswith(name):  # argparse takes --data, --data-d=…
            i += 1 if eq else 2
            continue
        return word if word in COMMANDS else None
    return "tui"


def _modules(names: Sequence[str]) -> list[ModuleType]:
    return [importlib.import_module(f"newstui.cli.{name}") for name in names]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``newstui`` parser; with ``command`` (one of ``COMMANDS``), a parser that knows
    only the commands of that command's module(s), which parses that command's arguments
    exactly as the whole one does."""
    parser = _Parser(prog="newstui", description="A terminal news reader.")
    parser.add_argument("--version", action="version", version=f"newstui {__version__}")
    parser.add_argument(
        _DATA_DIR,
        metavar="DIR",
        help="keep the library, config, state and logs under DIR (default: the platform's user dirs)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    wanted = set(COMMANDS[command]) if command in COMMANDS else set(MODULES)
    for module in _modules([name for name in MODULES if name in wanted]):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command ``argv`` (default: the program's arguments) and return its exit
    status; run as the program (no ``argv``), a ``_QUICK`` command ends the process."""
    words = sys.argv[1:] if argv is None else argv
    command = command_word(words)
    quick = argv is None and command in _QUICK
    if quick:
        gc.disable()
    if command in _READER:
        from newstui.tui import heap

        heap.hold_collector()  # for the reader's start: newstui/tui/heap.py
        try:
            status = _run(build_parser(command).parse_args(words))
        finally:  # the reader failed, or --help, before it settled the heap
            heap.release()
    else:
        status = _run(build_parser(command).parse_args(words))
    if quick and "logging" not in sys.modules:  # a failure logged: the usual exit closes the log
        _exit_now(status)
    threading = sys.modules.get("threading")  # never imported: no other thread either
    if argv is None and command in _ENDS_AT_ONCE and (threading is None or threading.active_count() == 1):
        if "logging" in sys.modules:
            import logging

            logging.shutdown()  # the log file flushed and closed, as the usual exit does
        _exit_now(status)
    return status


def _exit_now(status: int) -> NoReturn:
    """End the process with ``status`` once the output is flushed, without the
    interpreter's tear-down. Only for a command that has closed its library and has no
    other file, thread or log open: the flush is what the tear-down would have done."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader went away (`| head`): not an error, as in ``_run``
    except OSError as exc:  # e.g. a full disk under a redirect
        print(f"newstui: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        status = EXIT_ERROR
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(status)


def _run(args: argparse.Namespace) -> int:
    logs = args.command not in _NO_LOG_UNLESS_FAILING
    log_path = _setup_logging(args) if logs else None
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
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except sqlite3.Error as exc:
        log_path = log_path if logs else _setup_logging(args)
        _logger().exception("library error")
        print(f"newstui: library error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"newstui: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a bug: one line here, the whole story in the log
        log_path = log_path if logs else _setup_logging(args)
        _logger().exception("unexpected error")
        where = f" (details in {log_path})" if log_path else ""
        print(f"newstui: internal error: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return EXIT_ERROR


def _logger() -> logging.Logger:
    import logging

    return logging.getLogger("newstui")


def _setup_logging(args: argparse.Namespace) -> str | None:
    """Warnings and errors go to the log file (created only when something is logged)."""
    import logging  # here, not at the top: a quick read-only command never needs it

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
