"""What the reader does to the library as a whole: refresh feeds, add a feed, import files.

The feeds engine (``newstui.sources.refresh``) runs in a thread worker with its own event
loop and its own library connection, so a refresh never blocks the interface; its progress
callback updates the status line. If this build has no feeds engine, the keys say so.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import TYPE_CHECKING, Any

from textual import work
from textual.widgets import Static

from newstui.errors import NewstuiError
from newstui.store.library import Library
from newstui.tui.screens.dialogs import (
    add_feed_dialog,
    import_dialog,
    valid_feed_url,
    valid_import_path,
)
from newstui.tui.widgets.filter_pane import FilterPane

if TYPE_CHECKING:
    from newstui.sync.engine import SyncReport
    from newstui.tui.app import NewstuiApp


class LibraryActions:
    """Refresh, add feed, import. Needs ``after_change`` and ``target_id`` (MainScreen)."""

    _refreshing: bool = False

    if TYPE_CHECKING:
        app: NewstuiApp

        def query_one(self, *args: Any, **kwargs: Any) -> Any: ...
        def notify(self, *args: Any, **kwargs: Any) -> None: ...
        def after_change(self, *, reload_list: bool = False) -> None: ...
        def target_id(self) -> int | None: ...
        def _say(self, message: str, severity: str = "information") -> None: ...

    # ---------------------------------------------------------------- refresh
    def action_refresh_all(self) -> None:
        self.start_refresh(None)

    def action_refresh_source(self) -> None:
        pane = self.query_one(FilterPane)
        if pane.has_focus and pane.selected_source is not None:
            self.start_refresh([pane.selected_source])
            return
        aid = self.target_id()
        if aid is None:
            self.notify("Choose an article or a source first.", timeout=3)
            return
        self._refresh_source_of(aid)

    @work(thread=True, group="dialogs")
    def _refresh_source_of(self, article_id: int) -> None:
        try:
            sid = self.app.reader.article(article_id).source_id
        except (NewstuiError, sqlite3.Error) as exc:
            self._say(str(exc), "error")
            return
        if sid is None:
            self._say("This article's source was removed.", "warning")
            return
        self.app.call_from_thread(self.start_refresh, [sid])

    def start_refresh(self, source_ids: list[int] | None) -> None:
        if self._refreshing:
            self.notify("A refresh is already running.", timeout=3)
            return
        self._refreshing = True
        self._set_status("Refreshing…")
        self._run_refresh(source_ids)

    def _set_status(self, text: str) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(bool(text), "-busy")

    @work(thread=True, group="refresh")
    def _run_refresh(self, source_ids: list[int] | None) -> None:
        try:
            try:
                from newstui.sources.refresh import RefreshReport, refresh
            except ImportError:  # a broken install: say so rather than kill the worker
                self._say("Refreshing feeds is not available in this build.", "warning")
                return

            shown = {"new": 0, "at": time.monotonic()}

            def progress(report: RefreshReport) -> None:
                self.app.call_from_thread(
                    self._set_status,
                    f"Refreshing {report.done}/{report.total} feeds · {report.new} new",
                )
                # The panes follow as feeds land, at most once a second.
                if report.new > shown["new"] and time.monotonic() - shown["at"] >= 1.0:
                    shown.update(new=report.new, at=time.monotonic())
                    self.app.call_from_thread(self.after_change, reload_list=True)

            lib = Library(self.app.paths.library)
            try:
                refs = [str(s) for s in source_ids] if source_ids else []
                report = refresh(lib, self.app.config_, refs, on_progress=progress)
                synced = [] if refs else self._sync_accounts(lib)
            finally:
                lib.close()
            summary = report.summary()
            failed = report.failed
            if failed:
                first = failed[0]
                summary += f" — {first.label}: {first.error}"
            summary += "".join(f" · {r.summary()}" for r in synced)
            trouble = bool(failed) or any(r.error for r in synced)
            self._say(summary[:1].upper() + summary[1:], "warning" if trouble else "information")
        except (NewstuiError, sqlite3.Error, OSError) as exc:
            self._say(f"Refresh failed: {exc}", "error")
        finally:
            self.app.call_from_thread(self._refresh_done)

    def _sync_accounts(self, lib: Library) -> list[SyncReport]:
        """Feed-server accounts sync with every full refresh (on this worker thread)."""
        from newstui.sync.engine import sync_accounts

        def progress(r: SyncReport) -> None:
            self.app.call_from_thread(self._set_status, f"Syncing {r.account}: {r.stage}")

        return sync_accounts(lib, self.app.paths.state_dir, progress=progress)

    def _refresh_done(self) -> None:
        self._refreshing = False
        self._set_status("")
        self.after_change(reload_list=True)

    # --------------------------------------------------------------- add feed
    def action_add_feed(self) -> None:
        self.app.push_screen(add_feed_dialog(self._add_feed))

    async def _add_feed(self, url: str) -> str | None:
        problem = valid_feed_url(url)
        if problem:
            return problem
        return await asyncio.to_thread(self._add_feed_blocking, url.strip())

    def _add_feed_blocking(self, url: str) -> str | None:
        from newstui.sources.discover import discover
        from newstui.sources.fetch import FetchLimits
        from newstui.sources.refresh import refresh

        cfg = self.app.config_
        try:
            found = discover(url, FetchLimits.from_config(cfg))
        except NewstuiError as exc:
            return str(exc)
        lib = Library(self.app.paths.library)
        try:
            src, created = lib.add_source(found.feeds[0])
            if not created:
                self._say(f"Already subscribed: {src.label}")
            else:
                report = refresh(lib, cfg, [str(src.id)])
                src = lib.source(src.id)
                if report.failed:
                    lib.remove_source(src.id)
                    return f"The feed could not be read: {report.failed[0].error}"
                self._say(f"Added {src.label} ({report.new} articles)")
        except (NewstuiError, sqlite3.Error) as exc:
            return str(exc)
        finally:
            lib.close()
        self.app.call_from_thread(self.after_change, reload_list=True)
        return None

    # ----------------------------------------------------------------- import
    def action_import_path(self) -> None:
        self.app.push_screen(import_dialog(self._import))

    async def _import(self, text: str) -> str | None:
        problem = valid_import_path(text)
        if problem:
            return problem
        return await asyncio.to_thread(self._import_blocking, text.strip())

    def _import_blocking(self, text: str) -> str | None:
        from pathlib import Path

        from newstui.sources.importer import import_paths
        from newstui.tags import apply_auto_tags

        lib = Library(self.app.paths.library)
        try:
            report = import_paths(lib, [Path(text).expanduser()])
            apply_auto_tags(lib, self.app.config_, report.new_ids)
        except (NewstuiError, sqlite3.Error, OSError) as exc:
            return str(exc)
        finally:
            lib.close()
        if not report.succeeded:
            return f"Nothing was imported: {report.summary()}"
        self._say(f"Import: {report.summary()}")
        self.app.call_from_thread(self.after_change, reload_list=True)
        return None
