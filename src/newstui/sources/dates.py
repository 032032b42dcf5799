"""Dates found in files and feeds, to UTC timestamps."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: object) -> float | None:
    """A timestamp from ISO 8601, RFC 822, a date, or a datetime; None if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        d = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return d.timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    if isinstance(value, int | float):
        return float(value) if 0 < value < 4e9 else None
    text = str(value).strip()
    if not text:
        return None
    try:
        if _DATE_ONLY.match(text):
            return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()
        d = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (d if d.tzinfo else d.replace(tzinfo=dt.UTC)).timestamp()
    except ValueError:
        pass
    try:
        d = email.utils.parsedate_to_datetime(text)
        return (d if d.tzinfo else d.replace(tzinfo=dt.UTC)).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
