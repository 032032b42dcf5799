"""One picture in the article view: a placeholder line until it is loaded, then the picture
drawn by textual-image, with its alt text as the caption.

``[ui] images`` chooses how pictures are drawn:

- ``"blocks"`` (the default): coloured half-cell blocks (``▀``), which look right in every
  terminal, in tmux and over ssh;
- ``"auto"``: the best the terminal offers (kitty graphics or Sixel, else blocks), as
  textual-image detects it;
- ``"off"``: no pictures; they stay links in the text.

textual-image asks the terminal what it supports the first time it is imported, which only
works before Textual owns the terminal. So ``prepare_terminal("auto")`` runs that question
before the app starts, and for blocks, which need no question, the library is imported
with a stand-in standard output that is not a terminal: nothing is written to the screen,
and the half-cell renderer sizes pictures for the usual 1:2 cell.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from newstui.render import ImageRef

if TYPE_CHECKING:
    from PIL.Image import Image

    from newstui.images.loader import LoadedImage

MODES = ("auto", "blocks", "off")
_probed = False  # the terminal was asked (before the app started) what it can draw


def prepare_terminal(mode: str) -> None:
    """Before the app runs: with ``"auto"``, let textual-image ask the terminal whether it
    draws kitty graphics or Sixel (it can only ask before Textual takes over)."""
    global _probed
    if mode != "auto" or "textual_image.widget" in sys.modules:
        return
    try:
        import textual_image.widget  # noqa: F401 - importing it asks the terminal
    except Exception:  # noqa: BLE001 - an odd terminal: blocks will do
        return
    _probed = True


def picture_widget(picture: Image, mode: str) -> Widget:
    """The textual-image widget for ``picture``: the detected protocol for ``"auto"`` (when
    the terminal was asked in time), half-cell blocks otherwise."""
    if mode == "auto" and _probed:
        from textual_image.widget import Image as AutoImage

        return AutoImage(picture)
    _import_without_terminal()
    from textual_image.widget import HalfcellImage

    return HalfcellImage(picture)


def cell_size() -> tuple[int, int]:
    """Pixels per terminal cell as textual-image counts them (10×20 unless the terminal
    said otherwise before the app started)."""
    _import_without_terminal()
    from textual_image._terminal import get_cell_size

    size = get_cell_size()
    return max(1, size.width), max(1, size.height)


def _import_without_terminal() -> None:
    if "textual_image.widget" in sys.modules:
        return
    real = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment] # not a terminal: no questions
    try:
        import textual_image.widget  # noqa: F401
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


class ArticleImage(Vertical):
    """A picture of the article at its place in the text."""

    DEFAULT_CSS = """
    ArticleImage {
        height: auto;
        padding: 0 1;
        margin: 0 0 1 0;
        .image-line { color: $text-muted; }
        .image-picture { width: auto; height: auto; }
        .image-caption { color: $text-muted; text-style: italic; }
        .-hidden { display: none; }
    }
    """

    def __init__(self, ref: ImageRef, mode: str) -> None:
        super().__init__()
        self.ref = ref
        self.mode = mode
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static(self._line("loading"), classes="image-line", markup=False)
        yield Static(Content(self.ref.alt), classes="image-caption -hidden", markup=False)

    def _line(self, state: str, reason: str = "") -> Content:
        """``▣ alt — state: reason``, built from plain strings (the alt text is untrusted)."""
        return Content.assemble(
            ("▣ ", "bold"), self.ref.alt or "picture", f" — {state}", f": {reason}" if reason else ""
        )

    async def show_loaded(self, loaded: LoadedImage) -> None:
        """Draw the picture, or say in one line why there is none."""
        line = self.query_one(".image-line", Static)
        if loaded.picture is None:
            line.update(self._line("not shown", loaded.error or "unavailable"))
            return
        picture = picture_widget(loaded.picture, self.mode)
        picture.add_class("image-picture")
        cell_width, _ = cell_size()
        picture.styles.max_width = max(4, -(-loaded.picture.width // cell_width))
        await self.mount(picture, before=line)
        line.add_class("-hidden")
        self.query_one(".image-caption").set_class(not self.ref.alt, "-hidden")
        self.loaded = True
