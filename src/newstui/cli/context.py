"""What every command needs: the paths, the config and an open library.

The store and the config are imported when a command first asks for
them, not with this module: ``newstui.cli`` imports it for the exit codes, and its ``main``
decides how the process runs (``_QUICK``) before the bulk of the imports happens.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from newstui.textsafe import clean

if TYPE_CHECKING:
    from newstui.config import Config
    from newstui.paths import Paths
    from newstui.store.library import Library

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3  # a refresh where some feeds failed (the others are saved)


def paths(args: argparse.Namespace) -> Paths:
    from newstui.paths import Paths

    return Paths.resolve(getattr(args, "data_dir", None))


def config(args: argparse.Namespace) -> Config:
    from newstui.config import Config

    return Config.load(paths(args).config)


@contextmanager
def library(args: argparse.Namespace) -> Iterator[Library]:
    from newstui.store.library import Library

    lib = Library(paths(args).library)
    if lib.notice:
        warn(lib.notice)
    try:
        yield lib
    finally:
        lib.close()


def warn(message: str) -> None:
    print(f"newstui: {' '.join(clean(message).split())}", file=sys.stderr)


def out(text: str = "") -> None:
    """Print untrusted text: control characters were stripped on entry; strip again on exit."""
    sys.stdout.write(clean(text) + "\n")
