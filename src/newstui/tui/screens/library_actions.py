"""What the reader does to the library as a whole: refresh feeds, add a feed, import files.

Each runs ``newstui.core`` (imported when first used, as are the dialogs: the feeds engine
and its HTTP client stay off the start-up path) in a thread worker with its own library connection (the
refresh with its own event loop), so it never blocks the interface; the refresh's
progress callback updates the status line.
"""

from __future__ import annotations

import asyncio
import threading
import time
from functools import partial
from typing import TYPE_CHECKING

from newstui.errors import NewstuiError
from newstui.models import Source
from newstui.tui.screens.host import ActionHost

if TYPE_CHECKING:
    from newstui.core.feeds import Stopper
    from newstui.sources.refresh import RefreshReport
    from newstui.store.library import Library
    from newstui.sync.engine import SyncReport


class LibraryActions:
    """Refresh, add a feed, import, for one screen."""

    def __init__(self, host: ActionHost) -> None:
        self.host = host
        self.ctx = host.ctx
        self.refreshing = False
        # Set as the screen goes: a refresh or an import still running stops.
        self._closing = threading.Event()
        self._stopper: Stopper | None = None  # the running refresh's (made in its worker)

    # ---------------------------------------------------------------- refresh
    def stop_work(self) -> None:
        """Stop a running refresh or import (the reader is closing): what is being written
        is committed whole, the rest is left for the next run, and the worker ends without
        a word."""
        self._closing.set()
        stopper = self._stopper
        if stopper is not None:
            stopper.stop()

    def refresh_all(self) -> None:
        self.start_refresh(None)

    def refresh_source(self, article_id: int | None) -> None:
        """Refresh the source chosen in the filter pane (when it has focus), else the
        source of ``article_id``."""
        pane = self.host.filter_pane
        if pane is not None and pane.has_focus and pane.selected_source is not None:
            self.start_refresh([pane.selected_source])
            return
        if article_id is None:
            self.host.notify("Choose an article or a source first.", timeout=3)
            return
        self.host.in_thread(partial(self._refresh_source_of, article_id), "dialogs")

    def _refresh_source_of(self, article_id: int) -> None:
        try:
            sid = self.ctx.reader.article(article_id).source_id
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        if sid is None:
            self.host.say("This article's source was removed.", "warning")
            return
        self.host.on_ui(self.start_refresh, [sid])

    def start_refresh(self, source_ids: list[int] | None) -> None:
        if self.refreshing:
            self.host.notify("A refresh is already running.", timeout=3)
            return
        self.refreshing = True
        self.host.set_status("Refreshing…")
        self.host.in_thread(partial(self._run_refresh, source_ids), "refresh")

    def _run_refresh(self, source_ids: list[int] | None) -> None:
        try:
            from newstui.core import feeds
        except ImportError:  # a broken install: say so rather than kill the worker
            self.host.say("Refreshing feeds is not available in this build.", "warning")
            self.host.on_ui(self._refresh_done)
            return
        shown = {"new": 0, "at": time.monotonic()}

        def progress(report: RefreshReport) -> None:
            self.host.on_ui(
                self.host.set_status, f"Refreshing {report.done}/{report.total} feeds · {report.new} new"
            )
            # The panes follow as feeds land, at most once a second.
            if report.new > shown["new"] and time.monotonic() - shown["at"] >= 1.0:
                shown.update(new=report.new, at=time.monotonic())
                self.host.on_ui(partial(self.host.after_change, reload_list=True))

        # Made here, with the core imported; a stop asked for before this still counts.
        self._stopper = stopper = feeds.Stopper()
        if self._closing.is_set():
            stopper.stop()
        try:
            lib = self.ctx.open_library()
            try:
                refs = [str(s) for s in source_ids] if source_ids else []
                report = feeds.refresh(lib, self.ctx.config, refs, on_progress=progress, stopper=stopper)
                synced = [] if refs else self._sync_accounts(lib)
            finally:
                lib.close()
            summary = report.summary()
            failed = report.failed
            if failed:
                summary += f" — {failed[0].label}: {failed[0].error}"
            summary += "".join(f" · {r.summary()}" for r in synced)
            trouble = bool(failed) or any(r.error for r in synced)
            self.host.say(summary[:1].upper() + summary[1:], "warning" if trouble else "information")
        except feeds.RefreshStopped:
            pass  # the reader is closing: nobody is left to tell
        except (NewstuiError, OSError) as exc:
            self.host.say(f"Refresh failed: {exc}", "error")
        finally:
            self._stopper = None
            self.host.on_ui(self._refresh_done)

    def _sync_accounts(self, lib: Library) -> list[SyncReport]:
        """Feed-server accounts sync with every full refresh (on this worker thread)."""
        from newstui.sync.engine import sync_accounts

        def progress(r: SyncReport) -> None:
            self.host.on_ui(self._syncing, r.account, f"Syncing {r.account}: {r.stage}")

        return sync_accounts(lib, self.ctx.paths.state_dir, progress=progress)

    def _syncing(self, account: str, status: str) -> None:
        """A sync's progress: in the status line, and the account marked in the filter pane."""
        self.host.set_status(status)
        self._mark_syncing(account)

    def _mark_syncing(self, account: str) -> None:
        """Mark ``account`` ("": none) as syncing in the filter pane, once it is there."""
        pane = self.host.filter_pane
        if pane is not None:
            pane.syncing = account

    def _refresh_done(self) -> None:
        self.refreshing = False
        self._mark_syncing("")
        self.host.set_status("")
        self.host.after_change(reload_list=True)

    # --------------------------------------------------------------- add feed
    def add_feed(self) -> None:
        from newstui.tui.screens.dialogs import add_feed_dialog

        self.host.push_screen(add_feed_dialog(self._add_feed))

    async def _add_feed(self, url: str) -> str | None:
        from newstui.tui.screens.dialogs import valid_feed_url

        problem = valid_feed_url(url)
        if problem:
            return problem
        return await asyncio.to_thread(self._add_feed_blocking, url.strip())

    def _add_feed_blocking(self, url: str) -> str | None:
        """Subscribe (the dialog shows the returned problem, if any, and stays open)."""
        from newstui.core import feeds

        lib = self.ctx.open_library()
        try:
            done = feeds.subscribe(lib, self.ctx.config, url)
        except NewstuiError as exc:
            return str(exc)
        finally:
            lib.close()
        label = done.source.label
        if not done.created:
            self.host.say(f"Already subscribed: {label}")
        elif done.first_error is not None:
            self.host.say(
                f"Added {label}, but its first fetch failed: {done.first_error} "
                "(kept; the next refresh tries again)",
                "warning",
            )
        else:
            self.host.say(f"Added {label} ({done.report.new if done.report else 0} articles)")
        self.host.on_ui(partial(self.host.after_change, reload_list=True))
        return None

    # ----------------------------------------------------------------- import
    def import_path(self) -> None:
        from newstui.tui.screens.dialogs import import_dialog

        self.host.push_screen(import_dialog(self._import))

    async def _import(self, text: str) -> str | None:
        from newstui.tui.screens.dialogs import valid_import_path

        problem = valid_import_path(text)
        if problem:
            return problem
        return await asyncio.to_thread(self._import_blocking, text.strip())

    def _import_blocking(self, text: str) -> str | None:
        from newstui.core import importing

        lib = self.ctx.open_library()
        try:
            done = importing.import_files(lib, self.ctx.config, [text], stop=self._closing)
        except importing.NothingImported as exc:
            return f"Nothing was imported: {exc.report.summary()}"
        except (NewstuiError, OSError) as exc:
            return str(exc)
        finally:
            lib.close()
        if done.report.stopped:
            return None  # the reader is closing: nobody is left to tell
        for problem in done.problems:
            self.host.say(problem, "warning")
        self.host.say(f"Import: {done.report.summary()}")
        self.host.on_ui(partial(self.host.after_change, reload_list=True))
        return None

    # -------------------------------------------------------- source settings
    def source_settings(self, source_id: int) -> None:
        """Open the settings dialog of a source; save what the user changed."""
        self.host.in_thread(partial(self._open_source_settings, source_id), "dialogs")

    def _open_source_settings(self, source_id: int) -> None:
        try:
            src = self.ctx.reader.source(source_id)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.host.on_ui(self._show_source_settings, src)

    def _show_source_settings(self, src: Source) -> None:
        # Imported when first shown: its widgets are not needed for the reader's first paint.
        from newstui.tui.screens.source_settings import SourceSettingsDialog

        def saved(changes: dict[str, object] | None) -> None:
            if changes:
                self.host.in_thread(partial(self._save_source_settings, src.id, changes), "write")

        self.host.push_screen(SourceSettingsDialog(src), saved)

    def _save_source_settings(self, source_id: int, changes: dict[str, object]) -> None:
        from newstui.core.sources import apply_settings

        try:
            src = apply_settings(self.ctx.library, source_id, changes)
        except NewstuiError as exc:
            self.host.say(str(exc), "error")
            return
        self.host.say(f"Saved the settings of {src.label}")
        self.host.on_ui(partial(self.host.after_change, reload_list=True))
