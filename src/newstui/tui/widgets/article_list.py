"""The article list: two lines per article, drawn with the line API over windowed queries.

Each row is the title (after the unread and bookmark marks), then source · date, and the
other feeds its story was found in. Two lines give the title the list's whole width, so a
list half a wide screen wide still shows some 60 characters of it.

Nothing is built for rows that are off screen. ``virtual_size`` comes from a COUNT; the
rows on screen come from a small cache of pages (``PAGE`` rows each) that thread workers
fill from the library. A row whose page is not loaded yet draws as a dim placeholder and
is repainted when its page arrives. Line ``y`` of the list belongs to row ``y // LINES``.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import AbstractContextManager
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import get_current_worker

from newstui.errors import Interrupted, NewstuiError
from newstui.models import ArticleRow
from newstui.query import Compiled, compile_query
from newstui.render import format_date
from newstui.store.library import Library

PAGE = 100
MAX_PAGES = 24
LINES = 2  # screen lines per row
INDENT = 4  # " ●★ ": the marks before the title; the second line starts below the title
FIRST_SCAN = 200  # rows read at once when looking for the next unread beyond the cache
# Seconds a new query may hold back the screen's next paint while its first rows are read:
# the key (or the filter) that asked for them and the rows then show in one frame. Without
# it the key's frame goes out first and the rows wait for Textual's next frame slot (up to
# 1/60 s after it), on top of painting twice.
HOLD = 0.04


@dataclass(frozen=True)
class _LineStyles:
    """The styles of a list line, each already on top of the list's own."""

    base: Style
    mark: Style
    star: Style
    unread: Style
    read: Style
    meta: Style
    also: Style
    cursor: Style
    cursor_blurred: Style


def _truncated(pieces: list[tuple[str, Style | None]], base: Style, width: int) -> list[Segment]:
    """The segments Rich's ``Text`` of these pieces gives once truncated to ``width`` cells
    with "…": one per non-empty piece (``None``: the base style), the last piece kept
    running on over the "…"; only unstyled pieces left: one segment without a style."""
    plain = "".join(text for text, _ in pieces)
    cut = plain if cell_len(plain) <= width else set_cell_size(plain, width - 1) + "…"
    segments: list[Segment] = []
    styled = False
    start = 0
    for text, style in pieces:
        end = start + len(text)
        if start >= len(cut):
            break
        if end > start:
            segments.append(Segment(cut[start:end] if end < len(cut) else cut[start:], style or base))
            styled = styled or style is not None
        start = end
    return segments if styled else [Segment(cut)]


@dataclass(frozen=True)
class ListQuery:
    text: str
    sort: str
    compiled: Compiled


class ArticleList(ScrollView, can_focus=True):
    """Articles matching the current query, one per line."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.cursor_down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.cursor_up"),
        Binding("g,home", "top", "Top", show=False, id="list.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="list.bottom"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("enter", "open", "Open", id="list.open"),
    ]

    COMPONENT_CLASSES = {
        "article-list--cursor",
        "article-list--cursor-blurred",
        "article-list--unread",
        "article-list--read",
        "article-list--mark",
        "article-list--star",
        "article-list--meta",
        "article-list--also",
        "article-list--placeholder",
    }

    DEFAULT_CSS = """
    ArticleList {
        overflow-x: hidden;
        overflow-y: auto;
        & > .article-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .article-list--cursor-blurred { background: $block-cursor-blurred-background; }
        & > .article-list--unread { color: $foreground; text-style: bold; }
        & > .article-list--read { color: $foreground-muted; }
        & > .article-list--mark { color: $accent; }
        & > .article-list--star { color: $warning; }
        & > .article-list--meta { color: $text-muted; }
        & > .article-list--also { color: $text-accent; }
        & > .article-list--placeholder { color: $text-disabled; }
    }
    """

    # No repaint of its own: ``watch_cursor`` repaints the two rows that change.
    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)

    class Highlighted(Message):
        """The cursor moved to a row (``None`` when the list is empty)."""

        def __init__(self, row: ArticleRow | None) -> None:
            super().__init__()
            self.row = row

    class Opened(Message):
        """Enter or a click on a row: show this article."""

        def __init__(self, row: ArticleRow) -> None:
            super().__init__()
            self.row = row

    class Loaded(Message):
        """Rows of a query arrived: ``count`` rows match; while ``exact`` is False it is a
        lower bound (the exact count follows), and None means nothing is known yet."""

        def __init__(self, query: str, count: int | None, exact: bool) -> None:
            super().__init__()
            self.query = query
            self.count = count
            self.exact = exact

    class Failed(Message):
        """The query could not run; ``message`` is one line for the user."""

        def __init__(self, query: str, message: str) -> None:
            super().__init__()
            self.query = query
            self.message = message

    def __init__(self, reader: Library, *, collapse: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reader = reader
        self.collapse = collapse  # list a story found in several feeds once
        self.list_query: ListQuery | None = None
        self.count = 0
        self._generation = 0
        self._pages: OrderedDict[int, list[ArticleRow]] = OrderedDict()
        self._pending: set[int] = set()
        self._query_running = False
        self._line_styles: _LineStyles | None = None
        self._release_after = 0
        self._hold: tuple[AbstractContextManager[None], Timer] | None = None

    # ------------------------------------------------------------------ loading
    def load(self, text: str, sort: str = "date", *, keep_id: int | None = None, anchor: int = 0) -> None:
        """Show the articles matching ``text``; keep ``keep_id`` selected if it is near
        ``anchor`` in the new order, else put the cursor at ``anchor`` (clamped)."""
        query = self._new_query(text, sort)
        if query is not None:
            self._send(query, keep_id, anchor)

    def _new_query(self, text: str, sort: str) -> ListQuery | None:
        """``text`` compiled (None, and the failure told, when it does not compile); the
        last query's workers are stale from here on: their results are dropped (by
        generation) and what they still run is cut short, so the connection is free."""
        try:
            compiled = compile_query(text, collapse=self.collapse)
        except NewstuiError as exc:
            self._tell_screen(self.Failed(text, str(exc)))
            return None
        self._generation += 1
        if self._query_running:
            self.reader.interrupt()
        return ListQuery(text, sort, compiled)

    def _send(self, query: ListQuery, keep_id: int | None, anchor: int) -> None:
        """Read ``query``'s first rows in a worker."""
        self._query_running = True
        self._hold_paint()
        # Until this query's first rows land, the header must not show the last one's count.
        self._tell_screen(self.Loaded(query.text, None, False))
        self._run_query(self._generation, query, keep_id, anchor)

    def reload(self) -> None:
        """Run the current query again, keeping the selected article if it is still there."""
        if self.list_query is None:
            return
        row = self.current_row
        self.load(
            self.list_query.text,
            self.list_query.sort,
            keep_id=row.id if row else None,
            anchor=self.cursor,
        )

    def load_now(
        self,
        text: str,
        sort: str = "date",
        *,
        keep_id: int | None = None,
        anchor: int = 0,
        budget: float = 0.05,
    ) -> None:
        """``load``, with the first rows read on the spot when that takes less than
        ``budget`` seconds, so the screen's first paint already shows them (the count, if
        it needs its own query, still comes from a worker). A slower query goes to the
        worker as ``load`` sends it."""
        query = self._new_query(text, sort)
        if query is None:
            return
        try:
            with self.reader.time_limit(budget):
                offset, rows, count, exact = self._first_rows(query, keep_id, anchor)
        except NewstuiError:  # too slow (Interrupted) or failing: the worker says why
            self._send(query, keep_id, anchor)
            return
        self._query_running = True
        gen = self._generation
        self._query_loaded(gen, query, offset, rows, count, exact, keep_id, anchor)
        if not exact:
            self._run_count(gen, query)

    def _first_rows(
        self, query: ListQuery, keep_id: int | None, anchor: int
    ) -> tuple[int, list[ArticleRow], int | None, bool]:
        """The rows around ``anchor`` (from its page's predecessor on), their offset, the
        count to show with them and whether it is exact. When the rows end the list, their
        count is; otherwise a lower bound from this query's own rows, never the previous
        query's count (no rows past an anchor: nothing is known yet)."""
        first_page = max(0, anchor // PAGE - 1) if keep_id is not None or anchor else 0
        offset = first_page * PAGE
        limit = 3 * PAGE if first_page or anchor else PAGE
        rows = self.reader.with_also_in(
            self.reader.list_articles(query.compiled, sort=query.sort, limit=limit, offset=offset)
        )
        if len(rows) < limit and (rows or offset == 0):
            return offset, rows, offset + len(rows), True
        return offset, rows, offset + len(rows) if rows else None, False

    @work(thread=True, exclusive=True, group="list-query")
    def _run_query(self, gen: int, query: ListQuery, keep_id: int | None, anchor: int) -> None:
        worker = get_current_worker()
        for attempt in range(2):
            try:
                offset, rows, count, exact = self._first_rows(query, keep_id, anchor)
                if worker.is_cancelled or gen != self._generation:
                    return
                self.app.call_from_thread(
                    self._query_loaded, gen, query, offset, rows, count, exact, keep_id, anchor
                )
                if not exact:
                    self._count(gen, query)
                return
            except Interrupted as exc:
                if gen != self._generation or worker.is_cancelled:
                    return
                if attempt == 0:
                    continue  # interrupted on behalf of an older query: run ours again
                self.app.call_from_thread(self._query_failed, gen, query.text, str(exc))
                return
            except NewstuiError as exc:
                self.app.call_from_thread(self._query_failed, gen, query.text, str(exc))
                return

    @work(thread=True, exclusive=True, group="list-query")
    def _run_count(self, gen: int, query: ListQuery) -> None:
        try:
            self._count(gen, query)
        except Interrupted:
            return  # a newer query took over
        except NewstuiError as exc:
            self.app.call_from_thread(self._query_failed, gen, query.text, str(exc))

    def _count(self, gen: int, query: ListQuery) -> None:
        """The exact count of ``query``'s list, to the header (in a worker thread)."""
        count = self.reader.count(query.compiled)
        if get_current_worker().is_cancelled or gen != self._generation:
            return
        self.app.call_from_thread(self._count_loaded, gen, count)

    def _tell_screen(self, message: Message) -> None:
        """Post ``message`` straight to the screen (it bubbles on to the app from there):
        every count and failure of the list takes the same path, so they arrive in order,
        and the rows' frame can wait for the screen to have handled them."""
        self.screen.post_message(message)

    def _hold_paint(self) -> None:
        """Hold the screen's paints until this query's first rows land (``HOLD`` at most)."""
        if self._hold is None and self.is_mounted and self.screen.is_current:
            batch = self.app.batch_update()
            batch.__enter__()
            self._hold = (batch, self.set_timer(HOLD, self._release_paint))

    def _paint_ready(self) -> None:
        self._release_after -= 1
        if self._release_after <= 0:
            self._release_paint()

    def _release_paint(self) -> None:
        if self._hold is not None:
            (batch, timer), self._hold = self._hold, None
            timer.stop()
            batch.__exit__(None, None, None)

    def on_unmount(self) -> None:
        self._release_paint()

    def _query_failed(self, gen: int, text: str, message: str) -> None:
        if gen == self._generation:
            self._release_paint()
            self._query_running = False
            self._tell_screen(self.Failed(text, message))

    def _query_loaded(
        self,
        gen: int,
        query: ListQuery,
        offset: int,
        rows: list[ArticleRow],
        count: int | None,
        exact: bool,
        keep_id: int | None,
        anchor: int,
    ) -> None:
        if gen != self._generation:
            return
        previous = self.current_row
        shown = self._shown()
        self.list_query = query
        self._pages.clear()
        self._pending.clear()
        for i in range(0, len(rows), PAGE):
            self._pages[(offset + i) // PAGE] = rows[i : i + PAGE]
        self._set_count(offset + len(rows) if count is None else count, repaint=False)
        cursor = min(anchor, max(0, self.count - 1))
        if keep_id is not None:
            for i, row in enumerate(rows):
                if row.id == keep_id:
                    cursor = offset + i
                    break
        if exact:
            self._query_running = False
        self._place_cursor(cursor, center=keep_id is not None)
        current = self.current_row
        if current is None or previous is None or current.id != previous.id:
            self.post_message(self.Highlighted(current))
        self._repaint_changed(shown)
        # Straight to the screen, and the paint is let go once the screen has handled it
        # (the header then shows the new count in the frame with the rows).
        self._tell_screen(self.Loaded(query.text, count, exact))
        self._release_after = 2
        self.call_later(self._paint_ready)
        self.screen.call_later(self._paint_ready)

    @work(thread=True, group="list-warm")
    def warm_search(self) -> None:
        """Open the full-text index once, off the UI thread, so the first keystroke in the
        search box does not pay for loading it."""
        try:
            self.reader.warm_search()
        except NewstuiError:
            pass

    def _count_loaded(self, gen: int, count: int) -> None:
        if gen != self._generation or self.list_query is None:
            return
        self._query_running = False
        self._set_count(count)
        self._tell_screen(self.Loaded(self.list_query.text, count, True))

    def _set_count(self, count: int, *, repaint: bool = True) -> None:
        shown = self._shown()
        self.count = count
        size = Size(0, count * LINES)
        # Assigning ``virtual_size`` lays the whole screen out again and repaints every
        # pane (10-40 ms), twice per search typed (the first rows, then the exact count).
        # The list's own size never depends on its rows: set quietly, only the scrollbar
        # follows, and the screen is laid out only when the scrollbar comes or goes.
        self.set_reactive(ArticleList.virtual_size, size)
        self._scroll_update(size)
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        # Only rows between the old and the new count change (blank or "…"): an exact
        # count that lands below the screen repaints nothing.
        if repaint:
            self._repaint_changed(shown)
        if self.cursor >= count:
            self.cursor = max(0, count - 1)

    def _shown(self) -> tuple[int, list[ArticleRow | bool]]:
        """What the rows on screen show: the first row's index, then each row (True: the
        "…" of a row not loaded yet, False: blank past the end of the list)."""
        first = int(self.scroll_offset.y) // LINES
        shown: list[ArticleRow | bool] = []
        for index in range(first, first + self.rows_per_screen + 1):
            row = self.row_at(index) if index < self.count else None
            shown.append(row if row is not None else index < self.count)
        return first, shown

    def _repaint_changed(self, before: tuple[int, list[ArticleRow | bool]]) -> None:
        """Repaint the rows on screen that show something else than ``before`` (from
        ``_shown``): Textual keeps the other lines it drew, so a new search that changes
        a few rows does not draw the whole list again."""
        after = self._shown()
        if after[0] != before[0] or len(after[1]) != len(before[1]):
            self.refresh()
            return
        first = after[0]
        changed = [i for i, (old, new) in enumerate(zip(before[1], after[1], strict=True)) if old != new]
        for i in changed:
            self.refresh_lines((first + i) * LINES, LINES)

    def _request_page(self, page: int) -> None:
        if page in self._pending or self.list_query is None:
            return
        self._pending.add(page)
        self._load_page(self._generation, self.list_query, page)

    @work(thread=True, group="list-pages")
    def _load_page(self, gen: int, query: ListQuery, page: int) -> None:
        if gen != self._generation:
            return
        top = int(self.scroll_offset.y) // LINES // PAGE
        bottom = (int(self.scroll_offset.y) + self.size.height) // LINES // PAGE
        if not (top - 1 <= page <= bottom + 1) and not (page * PAGE <= self.cursor < (page + 1) * PAGE):
            # Scrolled past before we got to it: let the next paint ask again.
            self.app.call_from_thread(self._pending.discard, page)
            return
        start, count = page * PAGE, self.count
        try:
            if not self._query_running and count // 2 < start < count:
                # The second half of a long list is read from its end (G is instant), once
                # the count is exact.
                end = min(count, start + PAGE)
                rows = self.reader.list_articles(
                    query.compiled,
                    sort=query.sort,
                    limit=end - start,
                    offset=count - end,
                    from_end=True,
                )
            else:
                rows = self.reader.list_articles(query.compiled, sort=query.sort, limit=PAGE, offset=start)
            rows = self.reader.with_also_in(rows)
        except NewstuiError:
            rows = None
        self.app.call_from_thread(self._page_loaded, gen, page, rows)

    def _page_loaded(self, gen: int, page: int, rows: list[ArticleRow] | None) -> None:
        if gen != self._generation:
            return
        self._pending.discard(page)
        if rows is None:
            return
        self._pages[page] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        start = page * PAGE
        self.refresh_lines(start * LINES, len(rows) * LINES)
        if start <= self.cursor < start + PAGE:
            self.post_message(self.Highlighted(self.current_row))

    def row_at(self, index: int) -> ArticleRow | None:
        if not 0 <= index < self.count:
            return None
        page = self._pages.get(index // PAGE)
        if page is None:
            return None
        self._pages.move_to_end(index // PAGE)
        i = index % PAGE
        return page[i] if i < len(page) else None

    @property
    def current_row(self) -> ArticleRow | None:
        return self.row_at(self.cursor)

    def update_rows(
        self,
        ids: set[int] | list[int],
        *,
        read: bool | None = None,
        bookmarked: bool | None = None,
    ) -> None:
        """Change the read/bookmark marks of loaded rows in place (after a write)."""
        wanted = set(ids)
        for page in self._pages.values():
            for row in page:
                if row.id in wanted:
                    if read is not None:
                        row.read = read
                    if bookmarked is not None:
                        row.bookmarked = bookmarked
        self.refresh()

    # ---------------------------------------------------------------- rendering
    def render_line(self, y: int) -> Strip:
        line = int(self.scroll_offset.y) + y
        index, part = divmod(line, LINES)
        width = self.scrollable_content_region.width  # the scrollbar would hide the "…"
        if index >= self.count:
            return Strip.blank(width, self._styles().base)
        row = self.row_at(index)
        if row is None:
            self._request_page(index // PAGE)
            style = self.get_component_rich_style("article-list--placeholder")
            return Strip([Segment(("   …" if part == 0 else "").ljust(width), style)], width)
        return self._render_line(row, part, index == self.cursor, width)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._line_styles = None  # looked up once per repaint rather than once per line
        return super().render_lines(crop)

    def _styles(self) -> _LineStyles:
        if self._line_styles is None:
            base = self.rich_style
            get = self.get_component_rich_style
            self._line_styles = _LineStyles(
                base=base,
                mark=base + get("article-list--mark"),
                star=base + get("article-list--star"),
                unread=base + get("article-list--unread"),
                read=base + get("article-list--read"),
                meta=base + get("article-list--meta"),
                also=base + get("article-list--also"),
                cursor=get("article-list--cursor"),
                cursor_blurred=get("article-list--cursor-blurred"),
            )
        return self._line_styles

    def _render_line(self, row: ArticleRow, part: int, is_cursor: bool, width: int) -> Strip:
        """Line ``part`` of ``row``: 0 is marks and title, 1 is source · date · also in.

        Drawn as segments directly (a Rich ``Text`` per line cost half the list's paint):
        the same segments and styles a ``Text`` of these pieces, truncated with "…", gives."""
        st = self._styles()
        base = st.base
        pieces: list[tuple[str, Style | None]]
        if part == 0:
            pieces = [
                (" ", None),
                ("●" if not row.read else " ", st.mark),
                ("★" if row.bookmarked else " ", st.star),
                (" ", None),
                (strip_control_codes(row.title), st.read if row.read else st.unread),
            ]
        else:
            meta = " · ".join(p for p in (row.source, format_date(row.published, False)) if p)
            pieces = [(" " * INDENT, None), (strip_control_codes(meta), st.meta)]
            if row.also_in:
                pieces.append((" · also in: ", st.meta))
                pieces.append((strip_control_codes(", ".join(row.also_in)), st.also))
        segments = _truncated(pieces, base, width)
        fill = base
        if is_cursor:
            cursor = st.cursor if self.has_focus else st.cursor_blurred
            overlay = Style(
                bgcolor=cursor.bgcolor,
                color=cursor.color if self.has_focus else None,
                bold=cursor.bold if part == 0 else None,
            )
            segments = [Segment(s.text, (s.style or Style()) + overlay) for s in segments]
            fill = base + overlay
        return Strip(segments).adjust_cell_length(width, fill)

    # ------------------------------------------------------------------ cursor
    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_lines(old * LINES, LINES)
        self.refresh_lines(new * LINES, LINES)

    @property
    def rows_per_screen(self) -> int:
        return max(1, self.scrollable_content_region.height // LINES)

    def _place_cursor(self, index: int, *, center: bool = False) -> None:
        index = max(0, min(index, self.count - 1)) if self.count else 0
        self.cursor = index
        height = self.rows_per_screen
        top = -(-int(self.scroll_offset.y) // LINES)  # the first row shown whole
        if center and not top <= index < top + height:
            self.scroll_to(y=max(0, index - height // 2) * LINES, animate=False, immediate=True)
        elif index < top:
            self.scroll_to(y=index * LINES, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=(index - height + 1) * LINES, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        if not self.count:
            return
        before = self.cursor
        self._place_cursor(index)
        if self.cursor != before or self.current_row is None:
            row = self.current_row
            if row is None:
                self._request_page(self.cursor // PAGE)
            self.post_message(self.Highlighted(row))

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_top(self) -> None:
        self.move_to(0)

    def action_bottom(self) -> None:
        self.move_to(self.count - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.rows_per_screen - 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.rows_per_screen - 1))

    # ------------------------------------------------------------ next unread
    def goto_unread(self, step: int, *, open_it: bool = False) -> None:
        """Move the cursor to the next (``step`` 1) or previous (-1) unread row of the list,
        and open it when ``open_it``. Rows in the cache are looked at first; past them a
        worker reads the list onwards in growing windows."""
        index = self.cursor + step
        while 0 <= index < self.count:
            row = self.row_at(index)
            if row is None:
                break
            if not row.read:
                self._unread_found(self._generation, index, row, open_it)
                return
            index += step
        else:
            self._unread_found(self._generation, None, None, open_it)
            return
        if self.list_query is not None:
            self._scan_unread(self._generation, self.list_query, index, step, open_it)

    @work(thread=True, exclusive=True, group="list-unread")
    def _scan_unread(self, gen: int, query: ListQuery, start: int, step: int, open_it: bool) -> None:
        found: tuple[int, ArticleRow] | None = None
        size = FIRST_SCAN
        try:
            if step > 0:
                offset = start
                while found is None:
                    rows = self.reader.list_articles(
                        query.compiled, sort=query.sort, limit=size, offset=offset
                    )
                    found = next(((offset + i, r) for i, r in enumerate(rows) if not r.read), None)
                    if len(rows) < size or gen != self._generation:
                        break
                    offset, size = offset + size, size * 2
            else:
                end = start + 1
                while found is None and end > 0 and gen == self._generation:
                    begin = max(0, end - size)
                    rows = self.reader.list_articles(
                        query.compiled, sort=query.sort, limit=end - begin, offset=begin
                    )
                    found = next(
                        ((begin + i, r) for i, r in reversed(list(enumerate(rows))) if not r.read),
                        None,
                    )
                    end, size = begin, size * 2
        except NewstuiError:
            return
        index, row = found if found is not None else (None, None)
        self.app.call_from_thread(self._unread_found, gen, index, row, open_it)

    def _unread_found(self, gen: int, index: int | None, row: ArticleRow | None, open_it: bool) -> None:
        if gen != self._generation:
            return
        if index is None or row is None:
            self.notify("No more unread articles in this list.", timeout=2)
            return
        self.move_to(index)
        if open_it:
            self.post_message(self.Opened(row))

    def action_open(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Opened(row))

    def on_click(self, event: events.Click) -> None:
        index = (int(self.scroll_offset.y) + event.y) // LINES
        if 0 <= index < self.count:
            self.move_to(index)
            row = self.current_row
            if row is not None:
                self.post_message(self.Opened(row))

    def on_focus(self) -> None:
        self.refresh_lines(self.cursor * LINES, LINES)

    def on_blur(self) -> None:
        self.refresh_lines(self.cursor * LINES, LINES)
