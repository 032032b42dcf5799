"""A Python script whose stderr has no file descriptor, as inside the Textual app (it
swaps stderr for a capture object whose ``fileno()`` is -1)."""

from __future__ import annotations

import textwrap

_PRELUDE = """\
import sys, threading
class Capture:
    def write(self, text): return len(text)
    def flush(self): pass
    def fileno(self): return -1
if __name__ == "__main__":
    sys.stderr = Capture()
"""


def without_stderr_fd(body: str) -> str:
    """``body`` (any indentation) as the main block of a script whose stderr is a
    descriptor-less capture object."""
    return _PRELUDE + textwrap.indent(textwrap.dedent(body), "    ")
