"""User configuration (``config.toml``), read with tomllib and checked key by key.

Every key is optional and has a default. The file is checked as a whole before anything is
used: an unknown table or key, a value of the wrong type or out of range, or a TOML syntax
error is one :class:`~newstui.errors.NewstuiError` line naming the file and the key (or the
line), so a typo never turns silently into a default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from newstui.errors import NewstuiError

Scalar = bool | int | float | str


# The descriptions of the settings are named tuples rather than frozen dataclasses: every
# command loads this module, and a frozen dataclass compiles six methods when it is made.
class Setting(NamedTuple):
    """One scalar setting: where it lives in the file and what it accepts."""

    table: str  # the TOML table it belongs in: "feeds", "ui" or "images"
    key: str  # its name in that table
    attr: str  # the :class:`Config` attribute it sets
    kind: type[bool] | type[int] | type[float] | type[str]
    minimum: float | None = None  # inclusive lower bound for numbers
    positive: bool = False  # numbers that must be more than 0
    choices: tuple[str, ...] = ()  # the only strings allowed, when not empty

    @property
    def name(self) -> str:
        """The dotted name used in messages and in ``newstui config``: ``feeds.per_host``."""
        return f"{self.table}.{self.key}"


class Table(NamedTuple):
    """A table of user-named entries whose values are all strings (``[tag]``, ``[keys]``)."""

    key: str
    attr: str
    meaning: str  # what each value is, for the type error: "a query", "a key"


SETTINGS: tuple[Setting, ...] = (
    Setting("feeds", "max_in_flight", "max_in_flight", int, minimum=1),
    Setting("feeds", "per_host", "per_host", int, minimum=1),
    Setting("feeds", "feed_deadline", "feed_deadline", float, positive=True),
    Setting("feeds", "connect_timeout", "connect_timeout", float, positive=True),
    Setting("feeds", "read_timeout", "read_timeout", float, positive=True),
    Setting("feeds", "max_body_bytes", "max_body_bytes", int, minimum=1),
    Setting("feeds", "retention_days", "retention_days", int, minimum=0),
    Setting("ui", "mark_read_on_open", "mark_read_on_open", bool),
    Setting("ui", "refresh_on_start", "refresh_on_start", bool),
    Setting("ui", "refresh_minutes", "refresh_minutes", int, minimum=0),
    Setting("ui", "theme", "theme", str),
    Setting("ui", "images", "images", str, choices=("auto", "blocks", "off")),
    Setting("ui", "collapse_duplicates", "collapse_duplicates", bool),
    Setting("images", "cache_mb", "image_cache_mb", int, minimum=0),
    Setting("images", "max_mb", "image_max_mb", int, minimum=1),
)

TABLES: tuple[Table, ...] = (
    Table("tag", "auto_tags", "a query"),
    Table("searches", "saved_searches", "a query"),
    Table("keys", "keys", "a key or comma-separated keys"),
)

_ATTRS = frozenset([*(s.attr for s in SETTINGS), *(t.attr for t in TABLES)])
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(s.table for s in SETTINGS))

_TYPE_NAMES: dict[type, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    dict: "a table",
    list: "an array",
}


class Config:
    """The effective settings. ``Config()`` is every default, ``Config(per_host=2)`` one
    changed; :meth:`load` reads a file.

    A plain class rather than a dataclass: every command loads its configuration, and a
    dataclass would import ``dataclasses`` (and ``inspect`` with it) and compile its
    methods first, a tenth of a quick `newstui list`. The defaults are class attributes;
    the tables are made per instance."""

    max_in_flight: int = 256
    per_host: int = 6
    feed_deadline: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    max_body_bytes: int = 16 * 1024 * 1024
    retention_days: int = 90
    mark_read_on_open: bool = True
    refresh_on_start: bool = False
    refresh_minutes: int = 0
    theme: str = ""
    images: str = "blocks"  # "auto" | "blocks" | "off"
    collapse_duplicates: bool = True
    image_cache_mb: int = 200
    image_max_mb: int = 5
    auto_tags: dict[str, str]
    saved_searches: dict[str, str]
    keys: dict[str, str]  # binding id -> key(s), e.g. "B"

    def __init__(self, **changes: Any) -> None:
        self.auto_tags = {}
        self.saved_searches = {}
        self.keys = {}
        for name, value in changes.items():
            if name not in _ATTRS:
                raise TypeError(f"Config has no setting {name!r}")
            setattr(self, name, value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and all(getattr(self, a) == getattr(other, a) for a in _ATTRS)

    __hash__ = None  # type: ignore[assignment]  # changeable, so not hashable

    def __repr__(self) -> str:
        changed = ", ".join(
            f"{a}={getattr(self, a)!r}" for a in sorted(_ATTRS) if getattr(self, a) != getattr(Config, a, {})
        )
        return f"Config({changed})"

    @classmethod
    def load(cls, path: Path) -> Config:
        """Read ``path`` (a missing file means every default). Raises NewstuiError on any
        problem in the file."""
        return cls.load_explained(path)[0]

    @classmethod
    def load_explained(cls, path: Path) -> tuple[Config, frozenset[str]]:
        """Like :meth:`load`, and also return the dotted names the file set
        (``feeds.per_host``, ``tag.payments``); every other value is a default."""
        cfg = cls()
        if not path.exists():
            return cfg, frozenset()
        data = _read_toml(path)
        set_here: set[str] = set()
        _check_top_level(path, data)
        for setting in SETTINGS:
            section = data.get(setting.table, {})
            if setting.key in section:
                setattr(cfg, setting.attr, _checked(path, setting, section[setting.key]))
                set_here.add(setting.name)
        for table in TABLES:
            entries = _checked_table(path, table, data.get(table.key, {}))
            setattr(cfg, table.attr, entries)
            set_here.update(f"{table.key}.{k}" for k in entries)
        return cfg, frozenset(set_here)


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; a syntax error becomes one line with the file and the line."""
    import tomllib  # here: most runs have no config file, and every command starts up

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise NewstuiError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise NewstuiError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's message ends in "(at line L, column C)"; say it the usual way.
        text = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)$", text)
        if where is None:
            raise NewstuiError(f"{path}: invalid TOML: {text}") from None
        reason = text[: where.start()].strip()
        line, column = where.groups()
        raise NewstuiError(
            f"{path}, line {line}: invalid TOML: {reason[:1].lower()}{reason[1:]} (column {column})"
        ) from None


def _check_top_level(path: Path, data: Mapping[str, object]) -> None:
    """Only the known tables may appear at the top level, and each must be a table."""
    allowed = [*SECTIONS, *(t.key for t in TABLES)]
    for key, value in data.items():
        if key not in allowed:
            home = [s.table for s in SETTINGS if s.key == key]
            if home:
                raise NewstuiError(f"{path}: '{key}' belongs in the [{home[0]}] table")
            raise NewstuiError(
                f"{path}: unknown table [{key}]{_near(key, allowed, '[{}]')}; "
                f"allowed: {', '.join(f'[{a}]' for a in allowed)}"
            )
        if not isinstance(value, dict):
            raise NewstuiError(f"{path}: {key} must be a table ([{key}]), not {_kind(value)}")
        if key in SECTIONS:
            known = [s.key for s in SETTINGS if s.table == key]
            for name in value:
                if name not in known:
                    home = [s.table for s in SETTINGS if s.key == name]
                    hint = f" ('{name}' belongs in [{home[0]}])" if home else _near(name, known)
                    raise NewstuiError(
                        f"{path}: unknown key '{name}' in [{key}]{hint}; allowed there: {', '.join(known)}"
                    )


def _checked(path: Path, setting: Setting, value: object) -> Scalar:
    """``value`` if it has the setting's type and range (an integer is a fine float)."""
    kind = setting.kind
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        raise NewstuiError(f"{path}: {setting.name} must be {_TYPE_NAMES[kind]}, not {_kind(value)}")
    if setting.choices and value not in setting.choices:
        raise NewstuiError(
            f"{path}: {setting.name} must be one of {', '.join(map(_quote, setting.choices))}, "
            f"not {_quote(str(value))}"
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise NewstuiError(f"{path}: {setting.name} must be a finite number, not {value}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if setting.positive and value <= 0:
            raise NewstuiError(f"{path}: {setting.name} must be more than 0, not {value}")
        if setting.minimum is not None and value < setting.minimum:
            raise NewstuiError(f"{path}: {setting.name} must be at least {setting.minimum:g}, not {value}")
    assert isinstance(value, bool | int | float | str)
    return value


def _checked_table(path: Path, table: Table, entries: Mapping[str, object]) -> dict[str, str]:
    """A copy of a string-valued table, or one line naming the first bad entry."""
    out: dict[str, str] = {}
    for name, value in entries.items():
        if not isinstance(value, str):
            raise NewstuiError(
                f"{path}: {table.key}.{format_key(name)} must be a string ({table.meaning}), "
                f"not {_kind(value)}"
            )
        if table.key == "keys" and not value.strip():
            raise NewstuiError(f"{path}: keys.{format_key(name)} must name at least one key")
        out[name] = value
    return out


def _near(word: str, choices: list[str], shape: str = "'{}'") -> str:
    """`` (did you mean 'x'?)`` for a near miss, else nothing."""
    import difflib  # here: only a mistyped key needs it, and every command loads the config

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {shape.format(close[0])}?)" if close else ""


def _kind(value: object) -> str:
    """What a TOML value is, for messages: ``a string ("6")``, ``an array``."""
    if isinstance(value, dict | list):
        return _TYPE_NAMES[type(value)]
    if isinstance(value, bool):
        return f"a boolean ({format_value(value)})"  # "not true or false (true)" reads badly
    if isinstance(value, int | float | str):
        return f"{_TYPE_NAMES[type(value)]} ({format_value(value)[:40]})"
    return f"a date or time ({value})"


def _quote(text: str) -> str:
    """A TOML basic string: double quotes, with backslash escapes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch.isprintable() else _escape(ch) for ch in escaped)
    return f'"{escaped}"'


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def format_key(name: str) -> str:
    """A key as TOML writes it: bare when it can be, quoted otherwise."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _quote(name)


def format_value(value: Scalar) -> str:
    """A value as TOML writes it (``true``, ``30.0``, ``"x"``), for messages and
    ``newstui config``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value)
    return repr(value)
