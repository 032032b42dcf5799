"""What every command needs: the paths, the config and an open library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from newstui.config import Config
from newstui.paths import Paths
from newstui.store.library import Library
from newstui.textsafe import clean

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3  # a refresh where some feeds failed (the others are saved)


def paths(args: argparse.Namespace) -> Paths:
    return Paths.resolve(getattr(args, "data_dir", None))


def config(args: argparse.Namespace) -> Config:
    return Config.load(paths(args).config)


@contextmanager
def library(args: argparse.Namespace) -> Iterator[Library]:
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
