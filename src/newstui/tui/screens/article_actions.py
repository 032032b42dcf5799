"""What the reader does to one article (or the current list): open, read state, bookmark,
tags, note, link. Mixed into the main screen; every library call runs in a thread worker.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from textual import work

from newstui.errors import NewstuiError
from newstui.models import Article
from newstui.store.library import Library
from newstui.tui.screens.dialogs import note_dialog, parse_tags, tag_dialog
from newstui.tui.widgets.article_list import ArticleList
from newstui.tui.widgets.article_view import ArticleView

if TYPE_CHECKING:
    from newstui.tui.app import NewstuiApp


class ArticleActions:
    """Actions on the current article. Needs ``after_change`` and ``reload_list`` (MainScreen)."""

    _undo_ids: list[int]

    if TYPE_CHECKING:
        app: NewstuiApp

        def query_one(self, *args: Any, **kwargs: Any) -> Any: ...
        def notify(self, *args: Any, **kwargs: Any) -> None: ...
        def after_change(self, *, reload_list: bool = False) -> None: ...
        def reload_list(self, *, keep: bool = False) -> None: ...
        @property
        def current_query(self) -> str: ...
        reading: bool

    # ---------------------------------------------------------------- targets
    def target_id(self) -> int | None:
        """The article an action applies to: the one being read when the view has focus
        (or fills the screen), else the highlighted row."""
        view = self.query_one(ArticleView)
        if view.article is not None and (view.has_focus_within or self.reading):
            return view.article.id
        row = self.query_one(ArticleList).current_row
        if row is not None:
            return row.id
        return view.article.id if view.article is not None else None

    def _say(self, message: str, severity: str = "information") -> None:
        """Notify from any thread; the message may hold untrusted text: never markup."""
        self.app.call_from_thread(self.notify, message, severity=severity, markup=False)

    # ------------------------------------------------------------------ open
    def open_article(self, article_id: int) -> None:
        self._load_article(article_id, self.app.config_.mark_read_on_open)

    @work(thread=True, exclusive=True, group="open-article")
    def _load_article(self, article_id: int, mark_read: bool) -> None:
        from newstui import render  # markdownify/bs4 load on first open, not at start-up

        try:
            art = self.app.reader.article(article_id)
            body = render.article_body(art)
            meta = render.meta_line(art, body)
            marked = False
            if mark_read and not art.read:
                marked = bool(self.app.library.set_read(article_id, True))
                art.read = True
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        self.app.call_from_thread(self._show_article, art, body, meta, marked)

    async def _show_article(self, art: Article, body: str, meta: str, marked: bool) -> None:
        await self.query_one(ArticleView).show(art, body, meta)
        if marked:
            self.query_one(ArticleList).update_rows([art.id], read=True)
            self.after_change()

    def _refresh_view(self, article_id: int) -> None:
        view = self.query_one(ArticleView)
        if view.article is not None and view.article.id == article_id:
            self._reload_view_labels(article_id)

    @work(thread=True, group="view-labels")
    def _reload_view_labels(self, article_id: int) -> None:
        try:
            art = self.app.reader.article(article_id)
        except (NewstuiError, sqlite3.Error):
            return
        self.app.call_from_thread(self._update_view_labels, art)

    def _update_view_labels(self, art: Article) -> None:
        view = self.query_one(ArticleView)
        if view.article is not None and view.article.id == art.id:
            view.article = art
            view.show_labels(art)
            view.show_status(art)

    # ------------------------------------------------------------- read state
    def action_toggle_read(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._toggle_read(aid)

    @work(thread=True, group="write")
    def _toggle_read(self, article_id: int) -> None:
        try:
            read = not self.app.reader.article(article_id).read
            self.app.library.set_read(article_id, read)
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        self.app.call_from_thread(self._read_changed, [article_id], read)

    def _read_changed(self, ids: list[int], read: bool) -> None:
        self.query_one(ArticleList).update_rows(ids, read=read)
        view = self.query_one(ArticleView)
        if view.article is not None and view.article.id in ids:
            view.article.read = read
        self.after_change(reload_list="unread" in self.current_query)

    def action_mark_all_read(self) -> None:
        self._mark_all_read(self.current_query)

    @work(thread=True, group="write")
    def _mark_all_read(self, query: str) -> None:
        try:
            ids = self.app.library.mark_all_read(query)
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        self._undo_ids = ids
        if not ids:
            self._say("Nothing unread here.")
            return
        self.app.call_from_thread(self._read_changed, ids, True)
        self._say(f"Marked {len(ids):,} read. Press u to undo.")

    def action_undo(self) -> None:
        ids = getattr(self, "_undo_ids", [])
        if not ids:
            self.notify("Nothing to undo.", timeout=2)
            return
        self._undo_ids = []
        self._undo(ids)

    @work(thread=True, group="write")
    def _undo(self, ids: list[int]) -> None:
        try:
            changed = self.app.library.set_read(ids, False)
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        self.app.call_from_thread(self._read_changed, changed, False)
        self._say(f"Marked {len(changed):,} unread again.")

    # --------------------------------------------------------------- bookmark
    def action_bookmark(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._toggle_bookmark(aid)

    @work(thread=True, group="write")
    def _toggle_bookmark(self, article_id: int) -> None:
        lib = self.app.library
        try:
            art = self.app.reader.article(article_id)
            bookmarked = not art.bookmarked
            if bookmarked:
                lib.bookmark(article_id)
            else:
                lib.unbookmark(article_id)
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        self.app.call_from_thread(self._bookmark_changed, article_id, bookmarked)
        self._say(("Bookmarked: " if bookmarked else "Removed bookmark: ") + art.title)
        if bookmarked:
            self._fetch_fulltext(article_id)

    def _bookmark_changed(self, article_id: int, bookmarked: bool) -> None:
        self.query_one(ArticleList).update_rows([article_id], bookmarked=bookmarked)
        self._refresh_view(article_id)
        self.after_change(reload_list="bookmark" in self.current_query)

    def _fetch_fulltext(self, article_id: int) -> None:
        """Fetch a new bookmark's full text now (the view shows how it went)."""
        if not self.app.network:
            return
        from newstui.bookmarks.fulltext import fetch_fulltext

        lib = Library(self.app.paths.library)
        try:
            fetch_fulltext(lib, article_id, self.app.config_)
        except Exception:  # noqa: BLE001 - full text is a bonus; the bookmark stands
            pass
        finally:
            lib.close()
        self.app.call_from_thread(self._refresh_view, article_id)

    # -------------------------------------------------------------- full text
    def action_full_text(self) -> None:
        aid = self.target_id()
        if aid is None:
            self.notify("Choose an article first.", timeout=3)
            return
        self.notify("Fetching the full text…", timeout=2)
        self._fetch_article_text(aid)

    @work(thread=True, group="fulltext")
    def _fetch_article_text(self, article_id: int) -> None:
        """Fetch any article's full text (the key asks for it, so no setting stops it)."""
        from newstui.sources.articletext import fetch_articles

        lib = Library(self.app.paths.library)
        try:
            (res,) = fetch_articles(lib, [article_id], self.app.config_)
        except (NewstuiError, sqlite3.Error, OSError) as exc:
            self._say(str(exc), "error")
            return
        finally:
            lib.close()
        if res.problem:
            self._say(f"Full text not fetched; the feed's text stays: {res.problem}", "warning")
        else:
            self._say("Full text saved for offline reading" if res.fetched else "Full text saved already")
        self.app.call_from_thread(self._show_fetched_text, article_id)

    def _show_fetched_text(self, article_id: int) -> None:
        view = self.query_one(ArticleView)
        if view.article is not None and view.article.id == article_id:
            self._load_article(article_id, False)

    # ------------------------------------------------------------------- tags
    def action_tags(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._open_tags(aid)

    @work(thread=True, group="dialogs")
    def _open_tags(self, article_id: int) -> None:
        try:
            art = self.app.reader.article(article_id)
            known = self.app.reader.tag_names()
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        current = art.tag_names

        def done(value: str | None) -> None:
            if value is not None:
                wanted = parse_tags(value)
                folded = {t.casefold() for t in wanted}
                remove = [t for t in current if t.casefold() not in folded]
                have = {t.casefold() for t in current}
                add = [t for t in wanted if t.casefold() not in have]
                if add or remove:
                    self._save_tags(article_id, add, remove)

        self.app.call_from_thread(self.app.push_screen, tag_dialog(current, known), done)

    @work(thread=True, group="write")
    def _save_tags(self, article_id: int, add: list[str], remove: list[str]) -> None:
        try:
            self.app.library.tag(article_id, add=add, remove=remove)
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        self.app.call_from_thread(self._tags_changed, article_id)

    def _tags_changed(self, article_id: int) -> None:
        self._refresh_view(article_id)
        self.after_change(reload_list="tag:" in self.current_query)

    # ------------------------------------------------------------------- note
    def action_note(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._open_note(aid)

    @work(thread=True, group="dialogs")
    def _open_note(self, article_id: int) -> None:
        try:
            note = self.app.reader.article(article_id).note
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return

        def done(value: str | None) -> None:
            if value is not None:
                self._save_note(article_id, value)

        self.app.call_from_thread(self.app.push_screen, note_dialog(note), done)

    @work(thread=True, group="write")
    def _save_note(self, article_id: int, note: str) -> None:
        try:
            self.app.library.bookmark(article_id, note=note)
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        self.app.call_from_thread(self._bookmark_changed, article_id, True)

    # ------------------------------------------------------------------- link
    def action_open_link(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._with_link(aid, "open")

    def action_copy_link(self) -> None:
        aid = self.target_id()
        if aid is not None:
            self._with_link(aid, "copy")

    @work(thread=True, group="link")
    def _with_link(self, article_id: int, what: str) -> None:
        try:
            link = self.app.reader.article(article_id).link
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        if not link:
            self._say("This article has no link.", "warning")
            return
        if what == "open":
            self.app.call_from_thread(self.app.open_url, link)
        else:
            self.app.call_from_thread(self.app.copy_link, link)
