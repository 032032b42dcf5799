"""The README screenshot script still runs (its steps are the snapshot tests' steps)."""

from __future__ import annotations

from pathlib import Path

from make_screenshots import _shoot
from support import fixed_demo, steps, use_utc


async def test_the_script_writes_a_picture(tmp_path: Path) -> None:
    use_utc()
    data = fixed_demo(tmp_path / "demo")
    name, size, step = next(s for s in steps() if s[0] == "help")
    out = tmp_path / "shots"
    out.mkdir()
    target = await _shoot(data, name, size, step, out)
    assert target == out / "help.svg"
    svg = target.read_text(encoding="utf-8").replace("&#160;", " ")
    assert svg.startswith("<svg") and "newstui — help" in svg  # the title
    assert "Article list" in svg  # a heading of the help screen: the step ran
