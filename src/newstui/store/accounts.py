"""Feed-server accounts in the library: the accounts, the sources they own, the server ids
of their articles and the pushes a server refused.

A source kept in sync by an account has kind 'remote': the server fetches it, the refresh
leaves it alone. Its ``remote_id`` is the server's stream id; NULL while a subscription made
here waits to be pushed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from newstui.errors import NewstuiError, NotFound
from newstui.store.connection import Connection, fold_name
from newstui.textsafe import clean_line, safe_url

if TYPE_CHECKING:
    from newstui.models import Account

_COLS = (
    "id, name, type, url, username, password_command, initial_days, added, cursor, last_sync, "
    "last_error, last_error_at"
)
_UPDATABLE = frozenset({"cursor", "last_sync", "last_error", "last_error_at", "password_command"})


class AccountStore(Connection):
    """Accounts and what the sync engine reads and writes about them."""

    def add_account(
        self,
        name: str,
        *,
        type: str,
        url: str,
        username: str,
        password_command: str | None = None,
        initial_days: int = 30,
    ) -> Account:
        with self.write() as c:
            if c.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise NewstuiError(f"an account named {name!r} exists already")
            c.execute(
                "INSERT INTO accounts (name, type, url, username, password_command, initial_days, added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, type, url, username, password_command, initial_days, time.time()),
            )
        return self.account(name)

    def account(self, name: str) -> Account:
        rows = self._read(f"SELECT {_COLS} FROM accounts WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"no account {name!r} (see `newstui accounts`)")
        from newstui.models import Account  # (the models are imported when first made)

        return self._with_counts([Account(*rows[0])])[0]

    def accounts(self) -> list[Account]:
        from newstui.models import Account

        return self._with_counts(
            [Account(*r) for r in self._read(f"SELECT {_COLS} FROM accounts ORDER BY name")]
        )

    def _with_counts(self, accounts: list[Account]) -> list[Account]:
        for acc in accounts:
            acc.sources = self._read("SELECT COUNT(*) FROM sources WHERE account_id = ?", (acc.id,))[0][0]
            acc.articles, acc.unread = self._read(
                "SELECT COUNT(*), COALESCE(SUM(a.read = 0), 0) FROM articles a "
                "JOIN sources s ON s.id = a.source_id WHERE s.account_id = ?",
                (acc.id,),
            )[0]
            acc.rejected = self._read("SELECT COUNT(*) FROM sync_rejects WHERE account_id = ?", (acc.id,))[0][
                0
            ]
        return accounts

    def update_account(self, account_id: int, **fields: object) -> None:
        if set(fields) - _UPDATABLE:
            raise ValueError(f"unknown account fields {set(fields) - _UPDATABLE}")
        if isinstance(fields.get("last_error"), str):
            fields["last_error"] = clean_line(fields["last_error"], 1000)  # type: ignore[arg-type]
        with self.write() as c:
            sets = ", ".join(f"{k} = ?" for k in fields)
            c.execute(f"UPDATE accounts SET {sets} WHERE id = ?", (*fields.values(), account_id))

    def remove_account(self, account_id: int, *, keep_articles: bool = False) -> int:
        """Forget an account. Its sources go with their articles (bookmarked ones stay,
        detached), or with ``keep_articles`` stay as plain feeds. Returns articles removed."""
        removed = 0
        if not keep_articles:
            for (sid,) in self._read("SELECT id FROM sources WHERE account_id = ?", (account_id,)):
                removed += self.remove_source(sid, journal=False)  # type: ignore[attr-defined]
        with self.write() as c:
            c.execute(
                "UPDATE sources SET kind = 'feed', account_id = NULL, remote_id = NULL WHERE account_id = ?",
                (account_id,),
            )
            c.execute("DELETE FROM accounts WHERE id = ?", (account_id,))
        return removed

    # ---------------------------------------------------------------- sources
    def account_sources(self, account_id: int) -> list[tuple[int, str, str | None, str, str]]:
        """(source id, url, remote id or None, title, category) of the account's sources."""
        return [
            tuple(r)
            for r in self._read(
                "SELECT id, url, remote_id, title, category FROM sources WHERE account_id = ?", (account_id,)
            )
        ]

    def source_accounts(self) -> dict[int, int]:
        """Source id -> account id, for every source a feed-server account keeps in sync."""
        return {
            int(sid): int(aid)
            for sid, aid in self._read("SELECT id, account_id FROM sources WHERE account_id IS NOT NULL")
        }

    def add_account_source(self, account_id: int, url: str, *, category: str = "") -> tuple[int, bool]:
        """A subscription made here, to push (remote id NULL). Returns (source id, created)."""
        url = clean_line(url, 4000)
        with self.write() as c:
            row = c.execute("SELECT id, account_id FROM sources WHERE url = ?", (url,)).fetchone()
            if row and row[1] == account_id:
                return row[0], False
            if row:
                raise NewstuiError(f"{url} is already a source here (id {row[0]}); remove it first")
            sid = c.execute(
                "INSERT INTO sources (url, kind, category, added, account_id) VALUES (?, 'remote', ?, ?, ?)",
                (url, clean_line(category, 200), time.time(), account_id),
            ).lastrowid
        return int(sid or 0), True

    def link_remote_source(
        self,
        account_id: int,
        remote_id: str,
        *,
        url: str,
        title: str,
        category: str,
        site_url: str,
        keep_title: bool = False,
        keep_category: bool = False,
    ) -> int:
        """The local source for a server subscription: found by remote id, then by URL (a
        subscription pushed from here, or a plain feed with the same URL, which the account
        takes over), else created. Title and folder follow the server unless kept."""
        url, title = clean_line(url, 4000), clean_line(title, 2000)
        category, site_url = clean_line(category, 200), safe_url(site_url)
        with self.write() as c:
            row = c.execute(
                "SELECT id, title, category, kind, site_url FROM sources "
                "WHERE account_id = ? AND remote_id = ?",
                (account_id, remote_id),
            ).fetchone()
            if row is not None:
                sid, old_title, old_category, kind, old_site = row
                if (
                    kind == "remote"
                    and (keep_title or old_title == title)
                    and (keep_category or old_category == category)
                    and old_site == site_url
                ):
                    return int(sid)  # nothing changed: no write (a sync links every feed)
            else:
                row = c.execute(
                    "SELECT id, title, category, kind, site_url FROM sources WHERE url = ? AND "
                    "(account_id IS NULL OR (account_id = ? AND remote_id IS NULL))",
                    (url, account_id),
                ).fetchone()
            if row is None:
                sid = c.execute(
                    "INSERT INTO sources (url, kind, title, category, site_url, added, account_id, "
                    "remote_id) VALUES (?, 'remote', ?, ?, ?, ?, ?, ?)",
                    (
                        url
                        if not c.execute("SELECT 1 FROM sources WHERE url = ?", (url,)).fetchone()
                        else f"{url}#{account_id}",
                        title,
                        category,
                        site_url,
                        time.time(),
                        account_id,
                        remote_id,
                    ),
                ).lastrowid
                return int(sid or 0)
            sid, old_title, old_category, _kind, _site = row
            c.execute(
                "UPDATE sources SET kind = 'remote', account_id = ?, remote_id = ?, title = ?, "
                "category = ?, site_url = ? WHERE id = ?",
                (
                    account_id,
                    remote_id,
                    old_title if keep_title else title,
                    old_category if keep_category else category,
                    site_url,
                    sid,
                ),
            )
            return int(sid)

    # ---------------------------------------------------------------- articles
    def account_articles(self, account_id: int) -> list[tuple[int, str, bool, bool]]:
        """(article id, key, read, bookmarked) of every article of the account's sources."""
        return [
            (r[0], r[1], bool(r[2]), bool(r[3]))
            for r in self._read(
                "SELECT a.id, a.key, a.read, b.article_id IS NOT NULL FROM articles a "
                "JOIN sources s ON s.id = a.source_id LEFT JOIN bookmarks b ON b.article_id = a.id "
                "WHERE s.account_id = ?",
                (account_id,),
            )
        ]

    def user_tagged(self, article_ids: Sequence[int], name: str) -> set[int]:
        """Which of these articles carry the user tag ``name``."""
        found: set[int] = set()
        ids = list(article_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            found.update(
                r[0]
                for r in self._read(
                    "SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id "
                    "WHERE t.fold = ? AND at.origin = 'user' "
                    f"AND at.article_id IN ({','.join('?' * len(chunk))})",
                    [fold_name(name), *chunk],
                )
            )
        return found

    # ----------------------------------------------------------------- rejects
    def record_reject(
        self,
        account_id: int,
        kind: str,
        reason: str,
        *,
        article_id: int | None = None,
        source_id: int | None = None,
        value: str | None = None,
    ) -> None:
        with self.write() as c:
            c.execute(
                "INSERT INTO sync_rejects (account_id, at, kind, article_id, source_id, value, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (account_id, time.time(), kind, article_id, source_id, value, clean_line(reason, 1000)),
            )

    def rejects(self, account_id: int) -> list[tuple[float, str, int | None, int | None, str | None, str]]:
        return [
            tuple(r)
            for r in self._read(
                "SELECT at, kind, article_id, source_id, value, reason FROM sync_rejects "
                "WHERE account_id = ? ORDER BY id",
                (account_id,),
            )
        ]
