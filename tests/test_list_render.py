"""The article list draws its lines as segments directly: the same segments a Rich
``Text`` of the same pieces, truncated with "…", gives."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from newstui.tui.widgets.article_list import _truncated

BASE = Style(color="white", bgcolor="black")
MARK = BASE + Style(color="blue")
TITLE = BASE + Style(bold=True)
META = BASE + Style(dim=True)

TITLES = ["Plain title", "", "漢字のタイトルがここにあります", "a" * 90, "mixed 漢x漢y 🎉 party", "x"]


def _rich(pieces: list[tuple[str, Style | None]], width: int) -> list[Segment]:
    text = Text(style=BASE, no_wrap=True, end="")
    for piece, style in pieces:
        text.append(piece, style)
    text.truncate(width, overflow="ellipsis")
    return list(text.render(Console()))


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("width", [0, 1, 2, 3, 4, 5, 6, 9, 14, 20, 40, 120])
def test_a_title_line_is_what_rich_would_draw(title: str, width: int) -> None:
    pieces: list[tuple[str, Style | None]] = [
        (" ", None),
        ("●", MARK),
        (" ", MARK),
        (" ", None),
        (title, TITLE),
    ]
    assert _truncated(pieces, BASE, width) == _rich(pieces, width)


@pytest.mark.parametrize("meta", ["", "Source · 2 Jan", "長いソース名" * 4])
@pytest.mark.parametrize("also", ["", "Other feed, 漢字"])
@pytest.mark.parametrize("width", [0, 3, 4, 5, 8, 17, 30, 200])
def test_a_meta_line_is_what_rich_would_draw(meta: str, also: str, width: int) -> None:
    pieces: list[tuple[str, Style | None]] = [("    ", None), (meta, META)]
    if also:
        pieces += [(" · also in: ", META), (also, MARK)]
    assert _truncated(pieces, BASE, width) == _rich(pieces, width)
