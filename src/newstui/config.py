"""User configuration (``config.toml``), read with tomllib. Every key has a default."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from newstui.errors import NewstuiError


@dataclass
class Config:
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
    image_cache_mb: int = 200
    image_max_mb: int = 5
    auto_tags: dict[str, str] = field(default_factory=dict)
    saved_searches: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Config:
        if not path.exists():
            return cls()
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise NewstuiError(f"cannot read config {path}: {exc}") from None
        cfg = cls()
        feeds = data.get("feeds", {})
        ui = data.get("ui", {})
        flat = {**data, **feeds, **ui}
        for name in (
            "max_in_flight", "per_host", "feed_deadline", "connect_timeout", "read_timeout",
            "max_body_bytes", "retention_days", "refresh_minutes",
        ):
            if name in flat:
                setattr(cfg, name, type(getattr(cfg, name))(flat[name]))
        for name in ("mark_read_on_open", "refresh_on_start"):
            if name in flat:
                setattr(cfg, name, bool(flat[name]))
        if "theme" in flat:
            cfg.theme = str(flat["theme"])
        if ui.get("images") in ("auto", "blocks", "off"):
            cfg.images = ui["images"]
        images = data.get("images", {})
        for key, name in (("cache_mb", "image_cache_mb"), ("max_mb", "image_max_mb")):
            if isinstance(images, dict) and isinstance(images.get(key), int):
                setattr(cfg, name, images[key])
        tags = data.get("tag", data.get("auto_tags", {}))
        if isinstance(tags, dict):
            cfg.auto_tags = {str(k): str(v) for k, v in tags.items()}
        searches = data.get("searches", data.get("saved_searches", {}))
        if isinstance(searches, dict):
            cfg.saved_searches = {str(k): str(v) for k, v in searches.items()}
        return cfg
