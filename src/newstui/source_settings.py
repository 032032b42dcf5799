"""Per-source settings: their names, how values are written, and how they are read back.

One table of settings serves the CLI (``newstui source SOURCE set key=value``), the TUI's
source dialog and OPML (``newstui:key="value"`` attributes). Each setting parses the text a
person types into the value the library stores, and formats a stored value back into text
that parses to the same value, so an OPML export reads back exactly.

Pure: no database, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from newstui.errors import NewstuiError, QueryError
from newstui.models import Source
from newstui.query import compile_query
from newstui.textsafe import clean_line

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
MAX_INTERVAL = 365 * 86_400
MAX_RETENTION = 100 * 365


class SettingError(NewstuiError):
    """A setting name or value that cannot be used."""

    exit_code = 2


@dataclass(frozen=True)
class Setting:
    """One setting: the name people type, the ``sources`` column, and its text forms."""

    key: str
    column: str
    help: str
    parse: Callable[[str], object]
    format: Callable[[object], str]


def _text(limit: int) -> Callable[[str], object]:
    def parse(value: str) -> object:
        return clean_line(value, limit)

    return parse


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def parse_bool(value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("wants yes or no (true/false, on/off, 1/0)")


def _format_bool(value: object) -> str:
    return "yes" if value else "no"


def parse_interval(value: str) -> int | None:
    """``30m``, ``2h``, ``1d``, ``1h30m`` as seconds; ``off``/``0``/empty: None (every refresh)."""
    text = value.strip().lower().replace(" ", "")
    if text in ("", "off", "none", "0"):
        return None
    pos, total = 0, 0
    while pos < len(text):
        m = _DURATION.match(text, pos)
        if not m:
            raise ValueError("wants a duration like 30m, 2h, 1d or 1h30m (or off)")
        total += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not 0 < total <= MAX_INTERVAL:
        raise ValueError("wants a duration between 1s and 365d (or off)")
    return total


def format_interval(value: object) -> str:
    if not value:
        return "off"
    seconds = int(value)  # type: ignore[call-overload]
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        n, seconds = divmod(seconds, _UNITS[unit])
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts)


def parse_retention(value: str) -> int | None:
    """Days to keep articles: ``30`` or ``30d``; ``forever``/``0``: keep all; ``default``/empty:
    the config's ``retention_days``."""
    text = value.strip().lower()
    if text in ("", "default"):
        return None
    if text in ("forever", "never", "off", "0"):
        return 0
    days = text.removesuffix("d").strip()
    if not days.isascii() or not days.isdigit() or not 0 < int(days) <= MAX_RETENTION:
        raise ValueError("wants a number of days like 30, or forever, or default")
    return int(days)


def format_retention(value: object) -> str:
    if value is None:
        return "default"
    return "forever" if value == 0 else str(value)


def parse_ignore(value: str) -> str:
    """A query in the filter language (checked here, so a bad one is refused at once)."""
    text = clean_line(value, 1000)
    if text:
        try:
            compile_query(text)
        except QueryError as exc:
            raise ValueError(str(exc)) from None
    return text


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "title",
            "title",
            "the name shown for the source (empty: the feed's own title)",
            _text(2000),
            _plain,
        ),
        Setting("category", "category", "the folder the source is filed under", _text(200), _plain),
        Setting(
            "interval",
            "refresh_interval",
            "least time between fetches, like 30m, 2h or 1d (off: every refresh)",
            parse_interval,
            format_interval,
        ),
        Setting(
            "retention",
            "retention_days",
            "days to keep its articles (forever, or default for the config's)",
            parse_retention,
            format_retention,
        ),
        Setting(
            "fulltext",
            "always_fulltext",
            "fetch the full text of every new article on refresh (yes/no)",
            parse_bool,
            _format_bool,
        ),
        Setting(
            "ignore",
            "ignore_rule",
            "a query; new articles matching it are not stored (empty: none)",
            parse_ignore,
            _plain,
        ),
        Setting(
            "paused",
            "paused",
            "skip this source when refreshing everything (yes/no)",
            parse_bool,
            _format_bool,
        ),
    )
}


def parse_setting(key: str, value: str) -> tuple[str, object]:
    """One ``key`` and its text value as (column, stored value); SettingError when the key
    is unknown or the value does not fit."""
    setting = SETTINGS.get(key.strip().lower())
    if setting is None:
        raise SettingError(f"unknown setting {key!r}; settings are: {', '.join(SETTINGS)}")
    try:
        return setting.column, setting.parse(value)
    except ValueError as exc:
        raise SettingError(f"{setting.key}: {exc}, not {clean_line(value, 60)!r}") from None


def parse_assignments(pairs: Iterable[str]) -> dict[str, object]:
    """``key=value`` words as {column: value}; SettingError for the first bad one."""
    changes: dict[str, object] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq:
            raise SettingError(f"{pair!r}: wants key=value (settings are: {', '.join(SETTINGS)})")
        column, parsed = parse_setting(key, value)
        changes[column] = parsed
    return changes


def parse_mapping(values: Mapping[str, str]) -> dict[str, object]:
    """{key: text} (e.g. OPML attributes) as {column: value}; SettingError for a bad one."""
    return parse_assignments(f"{k}={v}" for k, v in values.items())


def values(source: Source) -> dict[str, str]:
    """Every setting of ``source`` as {key: text} that ``parse_setting`` reads back."""
    return {s.key: s.format(getattr(source, s.column)) for s in SETTINGS.values()}


def non_default(source: Source) -> dict[str, str]:
    """The settings a user changed from their defaults (what OPML carries), as {key: text}.

    ``title`` and ``category`` are OPML's own attributes, so they are left out."""
    blank = Source(0, "", "feed", "")
    return {
        s.key: s.format(getattr(source, s.column))
        for s in SETTINGS.values()
        if s.key not in ("title", "category") and getattr(source, s.column) != getattr(blank, s.column)
    }
