"""The local SQLite library: schema, migrations and every read and write."""

from newstui.store.library import Library

__all__ = ["Library"]
