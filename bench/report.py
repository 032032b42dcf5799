"""Result rows, the printed table and ``results.json``."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Row:
    id: str
    scenario: str
    target: str
    unit: str = "s"
    values: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    newsboat_ratio: float | None = None
    floor_ratio: float | None = None
    met: bool | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)  # figures beyond the timings

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def min(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def max(self) -> float | None:
        return max(self.values) if self.values else None

    @property
    def rss_median(self) -> float | None:
        return statistics.median(self.rss_mb) if self.rss_mb else None

    def fail(self, reason: str) -> Row:
        self.error = " ".join(reason.split())[:200]
        self.met = None
        return self

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.update(median=self.median, min=self.min, max=self.max, peak_rss_mb=self.rss_median)
        return d


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.3g}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def render(rows: Sequence[Row]) -> str:
    head = ["id", "scenario", "target", "median", "min", "max", "peak RSS", "vs newsboat", "vs floor", "met"]
    table: list[list[str]] = [head]
    for r in rows:
        if r.error:
            table.append([r.id, r.scenario, r.target, f"n/a: {r.error}", "", "", "", "", "", "-"])
            continue
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        table.append(
            [
                r.id,
                r.scenario,
                r.target,
                _num(r.median, r.unit),
                _num(r.min, r.unit),
                _num(r.max, r.unit),
                _num(r.rss_median, "MB"),
                _ratio(r.newsboat_ratio),
                _ratio(r.floor_ratio),
                met,
            ]
        )
    widths = [max(len(row[i]) for row in table if len(row) > i) for i in range(len(head))]
    widths[3] = max(len(row[3]) for row in table if not row[3].startswith("n/a"))
    lines = []
    for n, row in enumerate(table):
        if row[3].startswith("n/a"):
            cells = [row[i].ljust(widths[i]) for i in range(3)] + [row[3]]
        else:
            cells = [row[i].ljust(widths[i]) for i in range(len(head))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {r.id}: {note}" for r in rows for note in r.notes]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def write_json(path: Path, rows: Sequence[Row], meta: dict[str, object]) -> None:
    doc = {
        "meta": {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": __import__("os").cpu_count(),
            **meta,
        },
        "rows": [r.as_dict() for r in rows],
    }
    path.write_text(json.dumps(doc, indent=1) + "\n")
