"""What the reader does to one article (or the current list): open, read state, bookmark,
tags, note, link. Each action calls ``newstui.core`` in a thread worker of the screen and
shows the result; the screen's key bindings call these methods. The core's bookmark,
full-text and tag modules and the dialogs are imported when first used: the reader's
first paint does without them.
"""

from __future__ import annotations

from functools import partial

from newstui import render
from newstui.core import reading
from newstui.errors import NewstuiError
from newstui.models import Article
from newstui.tui.screens.host import ActionHost


class ArticleActions:
    """Actions on the current article and the current list, for one screen."""

    def __init__(self, host: ActionHost) -> None:
        self.host = host
        self.ctx = host.ctx
        self.undo_ids: list[int] = []  # what the last "mark all read" changed

    # ---------------------------------------------------------------- targets
    def target_id(self) -> int | None:
        """The article an action applies to: the one being read when the view has focus
        (or fills the screen), else the highlighted row."""
        view = self.host.article_view
        if view.article is not None and (view.has_focus_within or self.host.reading):
            return view.article.id
        row = self.host.article_list.current_row
        if row is not None:
            return row.id
        return view.article.id if view.article is not None else None

    def _run(self, job: partial[None], group: str = "write", *, exclusive: bool = False) -> None:
        self.host.in_thread(job, group, exclusive=exclusive)

    # ------------------------------------------------------------------ open
    def open_article(self, article_id: int) -> None:
        self._run(partial(self._load_article, article_id), "open-article", exclusive=True)

    def _load_article(self, article_id: int) -> None:
        try:
            art, marked = reading.open_article(
                self.ctx.library, article_id, mark_read=self.ctx.config.mark_read_on_open
            )
            body = render.article_body(art)
            meta = render.meta_line(art, body)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.host.on_ui(self._show_article, art, body, meta, marked)

    async def _show_article(self, art: Article, body: str, meta: str, marked: list[int]) -> None:
        await self.host.article_view.show(art, body, meta)
        if marked:
            self.host.article_list.update_rows(marked, read=True)
            self.host.after_change()

    def refresh_view(self, article_id: int) -> None:
        view = self.host.article_view
        if view.article is not None and view.article.id == article_id:
            self._run(partial(self._reload_view_labels, article_id), "view-labels")

    def _reload_view_labels(self, article_id: int) -> None:
        try:
            art = self.ctx.reader.article(article_id)
        except NewstuiError:
            return
        self.host.on_ui(self._update_view_labels, art)

    def _update_view_labels(self, art: Article) -> None:
        view = self.host.article_view
        if view.article is not None and view.article.id == art.id:
            view.article = art
            view.show_labels(art)
            view.show_status(art)

    # ------------------------------------------------------------- read state
    def toggle_read(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._run(partial(self._toggle_read, aid))

    def _toggle_read(self, article_id: int) -> None:
        try:
            read, changed = reading.toggle_read(self.ctx.library, article_id)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.host.on_ui(self._read_changed, changed or [article_id], read)

    def _read_changed(self, ids: list[int], read: bool) -> None:
        self.host.article_list.update_rows(ids, read=read)
        view = self.host.article_view
        if view.article is not None and view.article.id in ids:
            view.article.read = read
        self.host.after_change(reload_list="unread" in self.host.current_query)

    def mark_all_read(self) -> None:
        self._run(partial(self._mark_all_read, self.host.current_query))

    def _mark_all_read(self, query: str) -> None:
        try:
            ids = reading.mark_list_read(self.ctx.library, query)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.undo_ids = ids
        if not ids:
            self.host.say("Nothing unread here.")
            return
        self.host.on_ui(self._read_changed, ids, True)
        self.host.say(f"Marked {len(ids):,} read. Press u to undo.")

    def undo(self) -> None:
        if not self.undo_ids:
            self.host.notify("Nothing to undo.", timeout=2)
            return
        ids, self.undo_ids = self.undo_ids, []
        self._run(partial(self._undo, ids))

    def _undo(self, ids: list[int]) -> None:
        try:
            changed = reading.undo_mark_read(self.ctx.library, ids)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.host.on_ui(self._read_changed, changed, False)
        self.host.say(f"Marked {len(changed):,} unread again.")

    # --------------------------------------------------------------- bookmark
    def toggle_bookmark(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._run(partial(self._toggle_bookmark, aid))

    def _toggle_bookmark(self, article_id: int) -> None:
        from newstui.core import bookmarking

        try:
            art = bookmarking.toggle_bookmark(self.ctx.library, article_id)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.host.on_ui(self._bookmark_changed, article_id, art.bookmarked)
        self.host.say(("Bookmarked: " if art.bookmarked else "Removed bookmark: ") + art.title)
        if art.bookmarked and self.ctx.network:
            self._fetch_fulltext(article_id)

    def _bookmark_changed(self, article_id: int, bookmarked: bool) -> None:
        self.host.article_list.update_rows([article_id], bookmarked=bookmarked)
        self.refresh_view(article_id)
        self.host.after_change(reload_list="bookmark" in self.host.current_query)

    def _fetch_fulltext(self, article_id: int) -> None:
        """Fetch a new bookmark's full text now (the view shows how it went)."""
        from newstui.core import bookmarking

        lib = self.ctx.open_library()
        try:
            bookmarking.complete_fulltext(lib, self.ctx.config, article_id)
        except Exception:  # noqa: BLE001 - full text is a bonus; the bookmark stands
            pass
        finally:
            lib.close()
        self.host.on_ui(self.refresh_view, article_id)

    # -------------------------------------------------------------- full text
    def fetch_full_text(self) -> None:
        """Fetch the whole article for the current one (the key asks, so no setting stops it)."""
        aid = self.target_id()
        if aid is None:
            self.host.notify("Choose an article first.", timeout=3)
            return
        self.host.notify("Fetching the full text…", timeout=2)
        self._run(partial(self._fetch_full_text, aid), "fulltext")

    def _fetch_full_text(self, article_id: int) -> None:
        from newstui.core import fulltext

        lib = self.ctx.open_library()
        try:
            res = fulltext.with_full_text(lib, self.ctx.config, article_id)
        except (NewstuiError, OSError) as exc:
            self.host.say(str(exc), "error")
            return
        finally:
            lib.close()
        if res.problem:
            self.host.say(f"Full text not fetched; the feed's text stays: {res.problem}", "warning")
        else:
            self.host.say("Full text saved for offline reading" if res.fetched else "Full text saved already")
        self.host.on_ui(self._show_full_text, article_id)

    def _show_full_text(self, article_id: int) -> None:
        view = self.host.article_view
        if view.article is not None and view.article.id == article_id:
            self.open_article(article_id)

    # ------------------------------------------------------------------- tags
    def edit_tags(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._run(partial(self._open_tags, aid), "dialogs")

    def _open_tags(self, article_id: int) -> None:
        from newstui.tui.screens.dialogs import parse_tags, tag_dialog

        try:
            current = self.ctx.reader.article(article_id).tag_names
            known = self.ctx.reader.tag_names()
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return

        def done(value: str | None) -> None:
            if value is not None:
                self._run(partial(self._save_tags, article_id, parse_tags(value)))

        self.host.on_ui(self.host.push_screen, tag_dialog(current, known), done)

    def _save_tags(self, article_id: int, wanted: list[str]) -> None:
        from newstui.core import tagging

        try:
            tagging.set_tags(self.ctx.library, article_id, wanted)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.host.on_ui(self._tags_changed, article_id)

    def _tags_changed(self, article_id: int) -> None:
        self.refresh_view(article_id)
        self.host.after_change(reload_list="tag:" in self.host.current_query)

    # ------------------------------------------------------------------- note
    def edit_note(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._run(partial(self._open_note, aid), "dialogs")

    def _open_note(self, article_id: int) -> None:
        from newstui.tui.screens.dialogs import note_dialog

        try:
            note = self.ctx.reader.article(article_id).note
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return

        def done(value: str | None) -> None:
            if value is not None:
                self._run(partial(self._save_note, article_id, value))

        self.host.on_ui(self.host.push_screen, note_dialog(note), done)

    def _save_note(self, article_id: int, note: str) -> None:
        from newstui.core import bookmarking

        try:
            bookmarking.set_note(self.ctx.library, article_id, note)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.host.on_ui(self._bookmark_changed, article_id, True)

    # ------------------------------------------------------------------- link
    def open_link(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._run(partial(self._with_link, aid, "open"), "link")

    def copy_link(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._run(partial(self._with_link, aid, "copy"), "link")

    def _with_link(self, article_id: int, what: str) -> None:
        try:
            link = self.ctx.reader.article(article_id).link
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        if not link:
            self.host.say("This article has no link.", "warning")
            return
        self.host.on_ui(self.host.open_url if what == "open" else self.host.copy_link, link)
