"""Where newstui keeps its library, config, state and logs.

platformdirs honours the XDG_* variables; ``--data-dir`` puts everything under one folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

APP = "newstui"

# The variables platformdirs reads on Linux and the BSDs (the log dir is under the state dir).
_XDG = {
    "data_dir": "XDG_DATA_HOME",
    "config_dir": "XDG_CONFIG_HOME",
    "state_dir": "XDG_STATE_HOME",
    "log_dir": "XDG_STATE_HOME",
    "cache_dir": "XDG_CACHE_HOME",
}


class Paths(NamedTuple):
    """The folders newstui keeps its files in, and the files' paths. (A named tuple: every
    command makes one, and a frozen dataclass compiles six methods when it is defined.)"""

    data_dir: Path
    config_dir: Path
    state_dir: Path
    log_dir: Path
    cache_dir: Path  # what may be deleted at any time (downloaded images)

    @property
    def library(self) -> Path:
        return self.data_dir / "library.db"

    @property
    def config(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def state(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def log(self) -> Path:
        return self.log_dir / "newstui.log"

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None) -> Paths:
        if data_dir is not None:
            root = Path(data_dir).expanduser().absolute()
            return cls(root, root, root, root / "logs", root / "cache")
        import platformdirs

        return cls(
            Path(platformdirs.user_data_dir(APP, appauthor=False)),
            Path(platformdirs.user_config_dir(APP, appauthor=False)),
            Path(platformdirs.user_state_dir(APP, appauthor=False)),
            Path(platformdirs.user_log_dir(APP, appauthor=False)),
            Path(platformdirs.user_cache_dir(APP, appauthor=False)),
        )

    @classmethod
    def origins(cls, data_dir: str | Path | None = None) -> dict[str, str]:
        """Where each directory of ``resolve(data_dir)`` came from, by field name:
        ``"--data-dir"``, ``"environment (XDG_DATA_HOME)"`` or ``"default"``."""
        if data_dir is not None:
            return dict.fromkeys(cls._fields, "--data-dir")
        resolved = cls.resolve()
        found: dict[str, str] = {}
        for name in cls._fields:
            var = _XDG[name]
            value = os.environ.get(var, "")
            inside = bool(value) and getattr(resolved, name).is_relative_to(Path(value).absolute())
            found[name] = f"environment ({var})" if inside else "default"
        return found
