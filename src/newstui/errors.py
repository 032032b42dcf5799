"""The one exception type whose message is shown to users as a single line."""


class NewstuiError(Exception):
    """A user-facing error: the CLI prints its message on one line, the TUI notifies it."""

    exit_code = 1

    def __str__(self) -> str:  # always one line, whatever the cause carried
        return " ".join(super().__str__().split())


class QueryError(NewstuiError):
    """A malformed filter query."""

    exit_code = 2


class NotFound(NewstuiError):
    """An unknown article, source or tag."""


class LibraryError(NewstuiError):
    """The library file failed a read or a write (SQLite's error, in one line)."""


class Interrupted(LibraryError):
    """A query was cut short by ``Library.interrupt()`` (a newer one replaces it)."""
