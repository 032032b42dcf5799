"""Tags and categories in the library."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from newstui.errors import NewstuiError, NotFound
from newstui.store.connection import fold_name
from newstui.store.counts import CountStore, recount_tag
from newstui.store.journal import Change, record
from newstui.textsafe import clean_line, clean_names

if TYPE_CHECKING:
    from newstui.models import Article


class LabelStore(CountStore):
    """Tags (the user's and the source's) and category counts."""

    if TYPE_CHECKING:
        # Provided by ArticleStore, the sibling this part is assembled with in Library.
        def article(self, article_id: int | str) -> Article: ...
        def _require(self, c: sqlite3.Connection, aid: int) -> None: ...
        def _name_ids(self, c: sqlite3.Connection, table: str, names: Iterable[str]) -> dict[str, int]: ...

    # -------------------------------------------------------------------- tags
    def tag(
        self,
        article_id: int,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        *,
        journal: bool = True,
    ) -> Article:
        """Add user tags and remove tags (of either origin) from one article.

        Each user tag actually added or removed is journaled (source tags are the feed's,
        not the user's state)."""
        add_names, remove_names = clean_names(list(add)), clean_names(list(remove))
        changes: list[Change] = []
        with self.write() as c:
            self._require(c, article_id)
            for name in remove_names:
                removed = c.execute(
                    "DELETE FROM article_tags WHERE article_id = ? AND tag_id IN "
                    "(SELECT id FROM tags WHERE fold = ?) RETURNING tag_id, origin",
                    (article_id, fold_name(name)),
                ).fetchall()
                for tag_id, origin in removed:
                    if origin == "user":
                        stored = c.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()
                        changes.append(("tag", article_id, None, stored[0], None))
            ids = self._name_ids(c, "tags", add_names)
            for n in add_names:
                added = c.execute(
                    "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) "
                    "VALUES (?, ?, 'user') RETURNING tag_id",
                    (ids[fold_name(n)], article_id),
                ).fetchall()
                if added:
                    changes.append(("tag", article_id, None, None, self._tag_name(c, added[0][0])))
            record(c, changes, enabled=journal)
            self._drop_unused(c)
        return self.article(article_id)

    @staticmethod
    def _tag_name(c: sqlite3.Connection, tag_id: int) -> str:
        return str(c.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()[0])

    def add_tag_to(self, ids: Sequence[int], name: str, *, journal: bool = True) -> int:
        """Give many articles one user tag. Returns how many gained it (each one journaled)."""
        name = clean_line(name, 200)
        if not name or not ids:
            return 0
        with self.write() as c:
            tid = self._name_ids(c, "tags", [name])[fold_name(name)]
            had = set(self._user_articles(c, tid))
            gained = [i for i in dict.fromkeys(ids) if i not in had]
            c.executemany(
                "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) VALUES (?, ?, 'user')",
                ((tid, i) for i in gained),
            )
            stored = self._tag_name(c, tid)
            record(c, (("tag", aid, None, None, stored) for aid in gained), enabled=journal)
            return len(gained)

    @staticmethod
    def _user_articles(c: sqlite3.Connection, tag_id: int) -> list[int]:
        return [
            r[0]
            for r in c.execute(
                "SELECT article_id FROM article_tags WHERE tag_id = ? AND origin = 'user' "
                "ORDER BY article_id",
                (tag_id,),
            )
        ]

    def _drop_unused(self, c: sqlite3.Connection) -> None:
        c.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")

    def rename_tag(self, old: str, new: str, *, journal: bool = True) -> int:
        """Rename a tag everywhere (merging into ``new`` if it exists). Returns articles touched.

        Journaled per article that has it as a user tag: the old name removed, the new added."""
        new_name = clean_line(new, 200)
        if not new_name:
            raise NewstuiError("a tag needs a non-empty name")
        with self.write() as c:
            row = c.execute("SELECT id, name FROM tags WHERE fold = ?", (fold_name(old),)).fetchone()
            if not row:
                raise NotFound(f"no tag {old!r}")
            target = c.execute("SELECT id FROM tags WHERE fold = ?", (fold_name(new_name),)).fetchone()
            if target is None or target[0] == row[0]:
                c.execute(
                    "UPDATE tags SET name = ?, fold = ? WHERE id = ?",
                    (new_name, fold_name(new_name), row[0]),
                )
                if new_name != row[1]:
                    changes: list[Change] = []
                    for aid in self._user_articles(c, row[0]):
                        changes += [("tag", aid, None, row[1], None), ("tag", aid, None, None, new_name)]
                    record(c, changes, enabled=journal)
                return int(
                    c.execute(
                        "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (row[0],)
                    ).fetchone()[0]
                )
            return self._merge(c, row[0], target[0], journal)

    def merge_tags(self, sources: Iterable[str], into: str, *, journal: bool = True) -> int:
        """Merge tags into ``into`` (created if needed). Returns articles touched."""
        into_name = clean_line(into, 200)
        if not into_name:
            raise NewstuiError("a tag needs a non-empty name")
        total = 0
        with self.write() as c:
            target = self._name_ids(c, "tags", [into_name])[fold_name(into_name)]
            for name in sources:
                row = c.execute("SELECT id FROM tags WHERE fold = ?", (fold_name(name),)).fetchone()
                if not row:
                    raise NotFound(f"no tag {name!r}")
                if row[0] != target:
                    total += self._merge(c, row[0], target, journal)
            self._drop_unused(c)
        return total

    def _merge(self, c: sqlite3.Connection, from_id: int, to_id: int, journal: bool) -> int:
        n: int = c.execute(
            "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (from_id,)
        ).fetchone()[0]
        from_name, to_name = self._tag_name(c, from_id), self._tag_name(c, to_id)
        had = set(self._user_articles(c, to_id))
        changes: list[Change] = []
        for aid in self._user_articles(c, from_id):
            changes.append(("tag", aid, None, from_name, None))
            if aid not in had:
                changes.append(("tag", aid, None, None, to_name))
        record(c, changes, enabled=journal)
        c.execute(
            "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) "
            "SELECT ?, article_id, origin FROM article_tags WHERE tag_id = ?",
            (to_id, from_id),
        )
        recount_tag(c, to_id)  # the feed's tags copied here have no trigger counting them
        c.execute("DELETE FROM article_tags WHERE tag_id = ?", (from_id,))
        c.execute("DELETE FROM tags WHERE id = ?", (from_id,))
        return n

    def delete_tag(self, name: str, *, journal: bool = True) -> int:
        """Remove a tag from every article. Returns articles touched (journaled per article
        that had it as a user tag)."""
        with self.write() as c:
            row = c.execute("SELECT id, name FROM tags WHERE fold = ?", (fold_name(name),)).fetchone()
            if not row:
                raise NotFound(f"no tag {name!r}")
            n: int = c.execute(
                "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (row[0],)
            ).fetchone()[0]
            record(
                c,
                (("tag", aid, None, row[1], None) for aid in self._user_articles(c, row[0])),
                enabled=journal,
            )
            c.execute("DELETE FROM tags WHERE id = ?", (row[0],))
        return n

    def tag_counts(self) -> list[tuple[str, int, int]]:
        """(name, total, unread) for every tag, by name."""
        return self._label_counts("tag", "tags")

    def category_counts(self) -> list[tuple[str, int, int]]:
        """(name, total, unread) for every category, by name."""
        return self._label_counts("category", "categories")

    def _label_counts(self, kind: str, table: str) -> list[tuple[str, int, int]]:
        """(name, total, unread) of each label of ``kind`` that has articles, from the kept
        counts (``store/counts.py``); a story found more than once under the label counts
        once."""
        kept = self.label_counts(kind)
        hidden = self.story_copies(kind)
        out: list[tuple[str, int, int]] = []
        for lid, name in self._read(f"SELECT id, name FROM {table} ORDER BY name COLLATE NOCASE"):
            total, unread = kept.get(lid, (0, 0))
            less, less_unread = hidden.get(lid, (0, 0))
            if total - less > 0:
                out.append((name, total - less, unread - less_unread))
        return out

    def tag_names(self) -> list[str]:
        return [r[0] for r in self._read("SELECT name FROM tags ORDER BY name COLLATE NOCASE")]
