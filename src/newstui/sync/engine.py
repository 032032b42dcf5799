"""The sync engine: one account's local changes pushed, then the server's state pulled.

Order of one sync, chosen so that a kill at any moment loses nothing:

1. **Push** what the change journal holds for this account (its consumer ``sync:NAME``),
   collapsed to the last value per article and kind, in batches; subscriptions made here
   (sources with no server id yet) are subscribed. Then the journal is acknowledged. A
   kill before the acknowledgement pushes the same changes again next time, and every
   write is idempotent. A write the server refuses for some items is split until the
   refused items are found; those are recorded (``newstui accounts`` counts them) and the
   others still land.
2. **Pull** subscriptions (folders become the source's category), new items since the last
   crawl time seen (the first sync takes ``initial_days``), then the unread, starred and
   label id sets, which bring every change another device made without downloading
   content again. Unread or starred items not here yet are fetched by id, whatever their
   age. State from the server is applied with ``journal=False`` so it is not pushed back.

The conflict rule: a local change not yet pushed wins over the server's state seen in the
same sync (articles and sources with journal entries still pending are left alone by the
pull); once pushed, the server is the truth.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from newstui.errors import NewstuiError
from newstui.models import Account, JournalEntry
from newstui.store.articles import PreparedRow
from newstui.store.library import Library
from newstui.sync.backend import Backend, Item, Rejected, Subscription, SyncError
from newstui.sync.credentials import Credentials
from newstui.sync.greader import ITEM_PREFIX, GReader, item_number
from newstui.sync.pages import PagePool, PreparedPage, prepare_items
from newstui.sync.walk import PAGE, PageWalk
from newstui.textsafe import clean_line

log = logging.getLogger("newstui.sync")

TYPES = ("greader",)


@dataclass
class SyncReport:
    account: str
    error: str | None = None
    new: int = 0
    updated: int = 0
    pushed: int = 0
    rejected: int = 0
    changed: int = 0  # local read/star/label states the server changed
    subscriptions: int = 0
    requests: int = 0
    push_requests: int = 0  # of ``requests``, those the push made
    stage: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, object]:
        """The report as plain values (``newstui sync --format json``)."""
        return {"ok": self.ok, **asdict(self)}

    def summary(self) -> str:
        if self.error:
            return f"{self.account}: failed: {self.error}"
        parts = [f"{self.new} new", f"{self.changed} changed here", f"{self.pushed} pushed"]
        if self.rejected:
            parts.append(f"{self.rejected} refused by the server")
        return f"{self.account}: " + ", ".join(parts)


Progress = Callable[[SyncReport], None]


def consumer(account: Account) -> str:
    return f"sync:{account.name}"


def credentials(state_dir: Path, name: str) -> Credentials:
    return Credentials(state_dir / "accounts", name)


def open_backend(account: Account, creds: Credentials) -> Backend:
    """The backend for an account's type, wired to its cached session and password."""
    if account.type != "greader":
        raise NewstuiError(f"account {account.name!r}: unknown type {account.type!r}")
    return GReader(
        account.url,
        account.username,
        lambda: creds.password(account.password_command),
        auth=creds.token(),
        on_auth=creds.save_token,
        app=creds.app(),
    )


@dataclass
class _Pending:
    """What the journal holds for this account, collapsed to the last value of each thing."""

    upto: int | None = None
    read: dict[int, bool] = field(default_factory=dict)  # article id -> read
    star: dict[int, bool] = field(default_factory=dict)
    tags: dict[tuple[int, str], tuple[str, bool]] = field(default_factory=dict)  # (aid, fold) -> (name, on)
    titles: dict[int, str] = field(default_factory=dict)  # source id -> new title
    folders: dict[int, tuple[str, str]] = field(default_factory=dict)  # source id -> (first old, new)
    unsubscribed: list[str] = field(default_factory=list)  # urls

    @classmethod
    def collect(cls, entries: Sequence[JournalEntry]) -> _Pending:
        p = cls(upto=entries[-1].id if entries else None)
        for e in entries:
            if e.kind == "read" and e.article_id is not None:
                p.read[e.article_id] = e.new == "1"
            elif e.kind == "bookmark" and e.article_id is not None:
                p.star[e.article_id] = e.new == "1"
            elif e.kind == "tag" and e.article_id is not None:
                name = e.new if e.new is not None else e.old
                if name:
                    p.tags[(e.article_id, name.casefold())] = (name, e.new is not None)
            elif e.kind == "source_title" and e.source_id is not None and e.new:
                p.titles[e.source_id] = e.new
            elif e.kind == "source_category" and e.source_id is not None:
                old = p.folders.get(e.source_id, (e.old or "", ""))[0]
                p.folders[e.source_id] = (old, e.new or "")
            elif e.kind == "unsubscribe" and e.old:
                p.unsubscribed.append(e.old)
        return p

    @property
    def articles(self) -> set[int]:
        return set(self.read) | set(self.star) | {aid for aid, _ in self.tags}


class Sync:
    """One sync of one account (see the module docstring for the order)."""

    def __init__(
        self,
        lib: Library,
        account: Account,
        backend: Backend,
        *,
        progress: Progress | None = None,
        now: float | None = None,
    ) -> None:
        self.lib = lib
        self.acc = account
        self.backend = backend
        self.report = SyncReport(account.name)
        self.progress = progress
        self.now = time.time() if now is None else now
        self.subs: list[Subscription] = []
        self.feed_sources: dict[str, int] = {}  # server stream id -> source id
        self.pool = PagePool()

    def _stage(self, stage: str) -> None:
        self.report.stage = stage
        self.report.requests = self.backend.requests
        if self.progress:
            self.progress(self.report)

    async def run(self) -> SyncReport:
        try:
            return await self._run()
        finally:
            self.pool.close()

    async def _run(self) -> SyncReport:
        self.lib.journal_register(consumer(self.acc))
        if self.acc.cursor is None:
            self.pool.start()  # a first sync: the worker warms up during the first requests
        self._stage("logging in")
        self.subs = await self.backend.subscriptions()
        self._stage("pushing")
        before = self.backend.requests
        changed = await self.push()
        self.report.push_requests = self.backend.requests - before
        if changed:
            self.subs = await self.backend.subscriptions()
        self._stage("pulling subscriptions")
        self.pull_subscriptions()
        self._stage("pulling items")
        await self.pull_items()
        self._stage("pulling states")
        await self.pull_states()
        self.lib.update_account(self.acc.id, last_sync=time.time(), last_error=None, last_error_at=None)
        self._stage("done")
        return self.report

    # ------------------------------------------------------------------ push
    def _articles(self) -> dict[int, int]:
        """article id -> server item id, for the account's articles that came from it."""
        return {aid: iid for iid, (aid, _read, _bm) in self._local().items()}

    async def push(self) -> bool:
        """Push the journal and the new subscriptions; True when subscriptions changed."""
        name = consumer(self.acc)
        pending = _Pending.collect(self.lib.journal_pending(name))
        sources = {
            sid: (url, remote, title, cat)
            for sid, url, remote, title, cat in self.lib.account_sources(self.acc.id)
        }
        items = self._articles() if pending.articles else {}
        changed = await self._push_subscriptions(pending, sources)
        for flag in (True, False):
            await self._push_ids(
                "read",
                [a for a, v in pending.read.items() if v is flag],
                items,
                partial(self.backend.set_read, read=flag),
                "1" if flag else "0",
            )
            await self._push_ids(
                "bookmark",
                [a for a, v in pending.star.items() if v is flag],
                items,
                partial(self.backend.set_starred, starred=flag),
                "1" if flag else "0",
            )
        by_tag: dict[tuple[str, bool], list[int]] = {}
        for (aid, _fold), (tag, on) in pending.tags.items():
            by_tag.setdefault((tag, on), []).append(aid)
        for (tag, on), aids in by_tag.items():
            await self._push_ids(
                "tag",
                aids,
                items,
                partial(self.backend.set_label, label=tag, on=on),
                tag,
            )
        if pending.upto is not None:
            self.lib.journal_ack(name, pending.upto)
        return changed

    async def _push_ids(
        self,
        kind: str,
        aids: list[int],
        items: dict[int, int],
        call: Callable[[list[int]], Awaitable[None]],
        value: str,
    ) -> None:
        ids = [items[a] for a in aids if a in items]  # others are not this account's
        if not ids:
            return
        by_item = {items[a]: a for a in aids if a in items}
        await self._bisect(kind, ids, call, by_item, value)

    async def _bisect(
        self,
        kind: str,
        ids: list[int],
        call: Callable[[list[int]], Awaitable[None]],
        by_item: dict[int, int],
        value: str,
    ) -> None:
        """Push ``ids``; when the server refuses the batch, find the refused items by halves."""
        try:
            await call(ids)
            self.report.pushed += len(ids)
        except Rejected as exc:
            if len(ids) == 1:
                self.report.rejected += 1
                self.lib.record_reject(
                    self.acc.id, kind, str(exc), article_id=by_item.get(ids[0]), value=value
                )
                return
            half = len(ids) // 2
            await self._bisect(kind, ids[:half], call, by_item, value)
            await self._bisect(kind, ids[half:], call, by_item, value)

    async def _push_subscriptions(
        self, pending: _Pending, sources: dict[int, tuple[str, str | None, str, str]]
    ) -> bool:
        changed = False
        server_urls = {s.url: s for s in self.subs}
        local_urls = {url for url, *_ in sources.values()}
        for sid, (url, remote, title, cat) in sources.items():
            if remote is None and url not in server_urls:
                changed |= await self._write_sub(
                    "subscribe", sid, url, self.backend.subscribe(url, title=title, folder=cat)
                )
        for url in dict.fromkeys(pending.unsubscribed):
            sub = server_urls.get(url)
            if sub is not None and url not in local_urls:
                changed |= await self._write_sub("unsubscribe", None, url, self.backend.unsubscribe(sub.id))
        remotes = {sid: remote for sid, (_u, remote, _t, _c) in sources.items() if remote}
        for sid, title in pending.titles.items():
            if sid in remotes:
                changed |= await self._write_sub(
                    "source_title", sid, title, self.backend.rename(remotes[sid], title)
                )
        for sid, (old, new) in pending.folders.items():
            if sid in remotes:
                changed |= await self._write_sub(
                    "source_category", sid, new, self.backend.move(remotes[sid], new, old)
                )
        return changed

    async def _write_sub(self, kind: str, sid: int | None, value: str, call: object) -> bool:
        try:
            await call  # type: ignore[misc]
        except Rejected as exc:
            self.report.rejected += 1
            self.lib.record_reject(self.acc.id, kind, str(exc), source_id=sid, value=value)
            if kind == "subscribe" and sid is not None:
                # Not subscribed anywhere: the source goes, the reason stays in the record.
                self.lib.remove_source(sid, journal=False)
            return False
        self.report.pushed += 1
        return True

    # ------------------------------------------------------------------ pull
    def _protected(self) -> _Pending:
        """Changes made here while this sync ran: they win over what the server said."""
        return _Pending.collect(self.lib.journal_pending(consumer(self.acc)))

    def pull_subscriptions(self) -> None:
        with self.lib.write():  # one transaction, not one per subscription
            self._pull_subscriptions()

    def _pull_subscriptions(self) -> None:
        mine = self._protected()
        known = {remote: sid for sid, _u, remote, _t, _c in self.lib.account_sources(self.acc.id) if remote}
        seen: set[int] = set()
        for sub in self.subs:
            sid_before = known.get(sub.id)
            sid = self.lib.link_remote_source(
                self.acc.id,
                sub.id,
                url=sub.url,
                title=sub.title,
                category=sub.folder,
                site_url=sub.site_url,
                keep_title=sid_before in mine.titles,
                keep_category=sid_before in mine.folders,
            )
            self.feed_sources[sub.id] = sid
            seen.add(sid)
        for sid, _url, remote, _t, _c in self.lib.account_sources(self.acc.id):
            if remote is not None and sid not in seen:
                self.lib.remove_source(sid, journal=False)  # unsubscribed elsewhere
        self.report.subscriptions = len(seen)

    def _store(self, items: list[Item]) -> None:
        self._write([prepare_items(items, self.now)])

    def _write(self, pages: Sequence[PreparedPage]) -> None:
        """Store prepared pages in one transaction, one upsert per source (on a worker thread
        while the next pages download)."""
        groups: dict[int, list[PreparedRow]] = {}
        for page in pages:
            for feed, rows in page.rows.items():
                sid = self.feed_sources.get(feed)
                if sid is not None:
                    groups.setdefault(sid, []).extend(rows)
        if not groups:
            return
        with self.lib.write():
            for sid, rows in groups.items():
                result = self.lib.upsert_articles(sid, (), rows=rows)
                self.report.new += result.new
                self.report.updated += result.updated

    async def pull_items(self) -> None:
        """New items, newest first. The server filters by crawl time in whole seconds
        (``ot``), and may store thousands of items in one second, so paging stops at the
        first item at or before the newest one already here rather than at the last page."""
        known = self.acc.cursor
        since = known or (self.now - self.acc.initial_days * 86400)
        walk = PageWalk(
            self.backend,
            self.pool,
            self._write,
            partial(self._stage, "pulling items"),
            host=clean_line(self.acc.url, 200),
            now=self.now,
        )
        # Never backwards: pages may hold only items crawled before ``known`` (a purged
        # newest item, or a server that ignores ``ot``).
        newest = max(known or 0.0, await walk.run(since, known))
        if newest:
            self.lib.update_account(self.acc.id, cursor=newest)

    def _local(self) -> dict[int, tuple[int, bool, bool]]:
        """server item id -> (article id, read, bookmarked) for the account's articles."""
        out: dict[int, tuple[int, bool, bool]] = {}
        for aid, key, read, bm in self.lib.account_articles(self.acc.id):
            # Keys are written as long_id() makes them: the prefix and 16 hex digits.
            if key.startswith(ITEM_PREFIX):
                try:
                    out[item_number(key)] = (aid, read, bm)
                except ValueError:
                    continue
        return out

    async def pull_states(self) -> None:
        # The id sets are independent requests: asked for together, one round trip.
        unread, starred, labels = await asyncio.gather(
            self.backend.unread_ids(), self.backend.starred_ids(), self.backend.labels()
        )
        label_sets = dict(
            zip(labels, await asyncio.gather(*map(self.backend.label_ids, labels)), strict=True)
        )
        local = self._local()
        missing = sorted((unread | starred) - set(local))
        if missing:
            self._stage("pulling unread and starred items")
            fetched = await self.backend.items(missing)
            for i in range(0, len(fetched), PAGE):
                self._store(fetched[i : i + PAGE])
            local = self._local()
        mine = self._protected()
        to_read = [
            aid
            for iid, (aid, read, _) in local.items()
            if not read and iid not in unread and aid not in mine.read
        ]
        to_unread = [
            aid for iid, (aid, read, _) in local.items() if read and iid in unread and aid not in mine.read
        ]
        changed = len(self.lib.set_read(to_read, True, journal=False)) if to_read else 0
        changed += len(self.lib.set_read(to_unread, False, journal=False)) if to_unread else 0
        for iid, (aid, _read, bm) in local.items():
            if aid in mine.star or bm == (iid in starred):
                continue
            if bm:
                self.lib.unbookmark(aid, journal=False)
            else:
                self.lib.bookmark(aid, journal=False)  # a full bookmark: copy and full text
            changed += 1
        tagged_here = {aid for aid, _ in mine.tags}
        all_aids = [aid for aid, _r, _b in local.values()]
        for lab, ids in label_sets.items():
            on_server = {local[i][0] for i in ids if i in local}
            here = self.lib.user_tagged(all_aids, lab)
            add = sorted(on_server - here - tagged_here)
            if add:
                changed += self.lib.add_tag_to(add, lab, journal=False)
            for aid in sorted(here - on_server - tagged_here):
                self.lib.tag(aid, remove=[lab], journal=False)
                changed += 1
        self.report.changed += changed


async def sync_account(
    lib: Library,
    account: Account,
    creds: Credentials,
    *,
    progress: Progress | None = None,
    backend: Backend | None = None,
) -> SyncReport:
    """Sync one account; a failure is recorded on the account and returned, never raised."""
    report = SyncReport(account.name)
    try:
        creds.check()
        backend = backend or open_backend(account, creds)
    except NewstuiError as exc:
        report.error = str(exc)
        lib.update_account(account.id, last_error=report.error, last_error_at=time.time())
        return report
    job = Sync(lib, account, backend, progress=progress)
    try:
        report = await job.run()
    except NewstuiError as exc:  # SyncError included: unreachable, refused, malformed
        report = job.report
        report.error = str(exc)
    except (OSError, ValueError) as exc:
        log.exception("sync of %s failed", account.name)
        report = job.report
        report.error = f"{type(exc).__name__}: {exc}"
    finally:
        report.requests = backend.requests
        await backend.close()
    if report.error:
        lib.update_account(account.id, last_error=report.error, last_error_at=time.time())
        log.warning("sync of %s failed: %s", account.name, report.error)
    return report


async def sync_accounts_async(
    lib: Library, state_dir: Path, names: Sequence[str] = (), *, progress: Progress | None = None
) -> list[SyncReport]:
    """Sync the named accounts (all when none is named), one after another."""
    accounts = [lib.account(n) for n in names] if names else lib.accounts()
    reports = []
    for acc in accounts:
        reports.append(await sync_account(lib, acc, credentials(state_dir, acc.name), progress=progress))
    return reports


def sync_accounts(
    lib: Library, state_dir: Path, names: Sequence[str] = (), *, progress: Progress | None = None
) -> list[SyncReport]:
    return asyncio.run(sync_accounts_async(lib, state_dir, names, progress=progress))


__all__ = ["SyncError", "SyncReport", "sync_account", "sync_accounts", "sync_accounts_async"]
