"""Cost curves for the README from bench results: ``python -m bench.plot [RESULTS.json ...]``.

Draws first paint, search, refresh and import against library size or feed count into
``bench/curves.svg`` (``--out`` to change). Later files override rows of earlier ones, so a
default run and a ``--scale`` run can be drawn together. Needs matplotlib (the ``bench``
extra: ``pip install -e '.[bench]'``); newstui itself never imports it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

BENCH_DIR = Path(__file__).resolve().parent


def load_rows(paths: Sequence[Path]) -> tuple[dict[str, dict], dict]:
    rows: dict[str, dict] = {}
    meta: dict = {}
    for path in paths:
        doc = json.loads(path.read_text())
        meta = doc.get("meta", meta)
        for row in doc.get("rows", []):
            if row.get("median") is not None:
                rows[row["id"]] = row
    return rows, meta


def _points(
    rows: dict[str, dict], pairs: Sequence[tuple[str, float]], key: str = "median"
) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for rid, x in pairs:
        row = rows.get(rid)
        if row and row.get(key) is not None:
            xs.append(x)
            ys.append(row[key])
    return xs, ys


def _newsboat(rows: dict[str, dict], pairs: Sequence[tuple[str, float]]) -> tuple[list[float], list[float]]:
    """newsboat's seconds on the same workload: a row keeps newstui's median and the ratio
    of newstui to newsboat."""
    xs, ys = [], []
    for rid, x in pairs:
        row = rows.get(rid) or {}
        if row.get("median") is not None and row.get("newsboat_ratio"):
            xs.append(x)
            ys.append(row["median"] / row["newsboat_ratio"])
    return xs, ys


def _plain(value: float, _pos: object = None) -> str:
    """A tick label as people write numbers: 0.3, 20, 1,000,000 (not 3x10^-1)."""
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _readable(ax: Axes) -> None:
    """Plain numbers on an axis's log scales, ticks at 1, 2 and 5 of each decade (at 1
    only where the axis spans more than two decades, so the labels do not run together)."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for axis, scale, limits in (
        (ax.xaxis, ax.get_xscale(), ax.get_xlim()),
        (ax.yaxis, ax.get_yscale(), ax.get_ylim()),
    ):
        if scale != "log":
            continue
        low, high = sorted(limits)
        decades = math.log10(high / low) if low > 0 else 0.0
        axis.set_major_locator(LogLocator(base=10, subs=(1.0,) if decades > 2 else (1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(_plain))
        axis.set_minor_formatter(NullFormatter())


def draw(rows: dict[str, dict], sizes: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    (paint, search), (refresh, imp) = axes
    small, lib, scale = (
        sizes.get("small_articles", 1000),
        sizes.get("lib_articles", 100_000),
        sizes.get("scale_articles", 1_000_000),
    )

    xs, ys = _points(rows, [("P1b", small), ("P1", lib), ("P1m", scale)])
    paint.plot(xs, ys, "o-", label="newstui")
    nb_x, nb_y = _newsboat(rows, [("P1b", small), ("P1", lib), ("P1m", scale)])
    if nb_x:  # newsboat's first paint is seconds where newstui's is tenths: log scale
        paint.plot(nb_x, nb_y, "D--", color="tab:purple", label="newsboat (its feed list)")
    if "B1" in rows:
        b1 = rows["B1"]["median"]
        paint.axhline(b1, color="grey", ls=":", label="bare Textual app")
        paint.axhline(1.5 * b1, color="tab:red", ls="--", lw=0.8, label="target 1.5x bare")
    paint.set(xscale="log", title="First paint", xlabel="articles in the library", ylabel="seconds")
    if nb_x:
        paint.set_yscale("log")
    else:
        paint.set_ylim(0, None)

    for key, label, style in (("median", "keystroke, median", "o-"), ("max", "keystroke, worst", "s--")):
        xs, ys = _points(rows, [("P2", lib), ("P2m", scale)], key)
        search.plot(xs, ys, style, label=label)
    counts = [
        (x, max(rows[r].get("extra", {}).get("count_ms") or [0]))
        for r, x in (("P2", lib), ("P2m", scale))
        if r in rows
    ]
    if counts:
        search.plot(
            [c[0] for c in counts], [c[1] for c in counts], "^-.", label="exact count of a common word, worst"
        )
    search.axhline(50, color="tab:red", ls="--", lw=0.8, label="target 50 ms median")
    search.axhline(150, color="tab:orange", ls=":", lw=0.8, label="target 150 ms worst")
    search.set_ylim(10, 1000)  # room above the lines for the legend
    search.set(
        xscale="log",
        yscale="log",
        title="Search as you type",
        xlabel="articles in the library",
        ylabel="milliseconds",
    )

    feeds, big = sizes.get("feeds", 500), sizes.get("big_feeds", 2000)
    xs, ys = _points(rows, [("P3", feeds), ("P8", big)])
    refresh.plot(xs, ys, "o-", label="newstui first refresh")
    xs, ys = _points(rows, [("F3", feeds), ("F8", big)])
    refresh.plot(xs, ys, "s:", color="grey", label="floor: bare fetch + parse")
    nb_x, nb_y = _newsboat(rows, [("P3", feeds), ("P8", big)])
    if nb_x:
        refresh.plot(nb_x, nb_y, "D--", color="tab:purple", label="newsboat -x reload")
    refresh.set(title="Refresh (loopback server, 100-300 ms latency)", xlabel="feeds", ylabel="seconds")
    if nb_x:
        refresh.set_yscale("log")
    else:
        refresh.set_ylim(0, None)

    texts, scale_texts = sizes.get("texts", 10_000), sizes.get("scale_texts", 100_000)
    xs, ys = _points(rows, [("P6", texts), ("P6m", scale_texts)])
    imp.plot(xs, ys, "o-", label="newstui import")
    if xs:
        imp.plot(
            [xs[0], xs[-1]],
            [ys[0], ys[0] * xs[-1] / xs[0]],
            color="grey",
            ls=":",
            label="linear from the smallest",
        )
    imp.set(
        xscale="log", yscale="log", title="Import of local text articles", xlabel="articles", ylabel="seconds"
    )
    for ax in axes.flat:
        if not any(
            len(line.get_xdata()) > 1 or ax.get_xscale() == "linear"
            for line in ax.get_lines()
            if line.get_label() and len(line.get_xdata())
        ):
            ax.set_xscale("linear")
            ax.set_yscale("linear")
            ax.text(
                0.5,
                0.5,
                "not measured in this run",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="grey",
            )
        _readable(ax)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right" if ax is search else "best")
    fig.tight_layout()
    fig.savefig(out, format="svg" if out.suffix == ".svg" else None)
    plt.close(fig)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.plot", description=__doc__)
    p.add_argument("results", nargs="*", type=Path, default=[BENCH_DIR / "results.json"])
    p.add_argument("--out", type=Path, default=BENCH_DIR / "curves.svg")
    args = p.parse_args(argv)
    rows, meta = load_rows(args.results)
    print(draw(rows, meta.get("sizes", {}), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
