"""Write the README's screenshots: ``python tests/make_screenshots.py [OUT_DIR]``.

Opens the bundled demo library at a fixed terminal size and saves SVGs of the main views
to ``screenshots/`` (or OUT_DIR). The demo's articles are given fixed dates and the clock is
UTC, so the same code makes the same pictures on every machine; the snapshot tests in
``tests/test_tui_snapshots.py`` take the same steps.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from newstui.paths import Paths
from newstui.tui.app import NewstuiApp
from support import Step, fixed_demo, steps, use_utc

SCREENSHOTS = Path(__file__).parent.parent / "screenshots"


async def _shoot(data: Path, name: str, size: tuple[int, int], step: Step, out: Path) -> Path:
    """Open the app on ``data``, take ``step`` and save the screen as ``out/name.svg``."""
    paths = Paths.resolve(data)
    paths.state.unlink(missing_ok=True)  # every picture starts from a fresh state
    app = NewstuiApp(paths, network=False)
    target = out / f"{name}.svg"
    async with app.run_test(size=size) as pilot:
        await step(pilot)
        svg = app.export_screenshot(title=f"newstui — {name}")
    target.write_text(svg, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    """Write every picture of :func:`support.steps` to OUT_DIR (default: the repository's
    ``screenshots/``). Returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else SCREENSHOTS
    out.mkdir(parents=True, exist_ok=True)
    use_utc()
    with tempfile.TemporaryDirectory(prefix="newstui-shots-") as tmp:
        data = fixed_demo(Path(tmp))
        for name, size, step in steps():
            path = asyncio.run(_shoot(data, name, size, step, out))
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
