"""Where newstui keeps its library, config, state and logs.

platformdirs honours the XDG_* variables; ``--data-dir`` puts everything under one folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APP = "newstui"


@dataclass(frozen=True)
class Paths:
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
