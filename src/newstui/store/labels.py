"""Tags and categories in the library."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from newstui.errors import NewstuiError, NotFound
from newstui.models import Article
from newstui.store.connection import Connection, fold_name
from newstui.textsafe import clean_line, clean_names


class LabelStore(Connection):
    """Tags (the user's and the source's) and category counts."""

    # -------------------------------------------------------------------- tags
    def tag(self, article_id: int, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Article:
        """Add user tags and remove tags (of either origin) from one article."""
        add_names, remove_names = clean_names(list(add)), clean_names(list(remove))
        with self.write() as c:
            self._require(c, article_id)
            for name in remove_names:
                c.execute(
                    "DELETE FROM article_tags WHERE article_id = ? AND tag_id IN "
                    "(SELECT id FROM tags WHERE fold = ?)",
                    (article_id, fold_name(name)),
                )
            ids = self._name_ids(c, "tags", add_names)
            c.executemany(
                "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) VALUES (?, ?, 'user')",
                ((ids[fold_name(n)], article_id) for n in add_names),
            )
            self._drop_unused(c)
        return self.article(article_id)

    def add_tag_to(self, ids: Sequence[int], name: str) -> int:
        """Give many articles one user tag. Returns how many gained it."""
        name = clean_line(name, 200)
        if not name or not ids:
            return 0
        with self.write() as c:
            tid = self._name_ids(c, "tags", [name])[fold_name(name)]
            before = c.total_changes
            c.executemany(
                "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) VALUES (?, ?, 'user')",
                ((tid, i) for i in ids),
            )
            return c.total_changes - before

    def _drop_unused(self, c: sqlite3.Connection) -> None:
        c.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM article_tags)")

    def rename_tag(self, old: str, new: str) -> int:
        """Rename a tag everywhere (merging into ``new`` if it exists). Returns articles touched."""
        new_name = clean_line(new, 200)
        if not new_name:
            raise NewstuiError("a tag needs a non-empty name")
        with self.write() as c:
            row = c.execute("SELECT id FROM tags WHERE fold = ?", (fold_name(old),)).fetchone()
            if not row:
                raise NotFound(f"no tag {old!r}")
            target = c.execute("SELECT id FROM tags WHERE fold = ?", (fold_name(new_name),)).fetchone()
            if target is None or target[0] == row[0]:
                c.execute(
                    "UPDATE tags SET name = ?, fold = ? WHERE id = ?",
                    (new_name, fold_name(new_name), row[0]),
                )
                return c.execute(
                    "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (row[0],)
                ).fetchone()[0]
            return self._merge(c, row[0], target[0])

    def merge_tags(self, sources: Iterable[str], into: str) -> int:
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
                    total += self._merge(c, row[0], target)
            self._drop_unused(c)
        return total

    def _merge(self, c: sqlite3.Connection, from_id: int, to_id: int) -> int:
        n = c.execute(
            "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (from_id,)
        ).fetchone()[0]
        c.execute(
            "INSERT OR IGNORE INTO article_tags (tag_id, article_id, origin) "
            "SELECT ?, article_id, origin FROM article_tags WHERE tag_id = ?",
            (to_id, from_id),
        )
        c.execute("DELETE FROM article_tags WHERE tag_id = ?", (from_id,))
        c.execute("DELETE FROM tags WHERE id = ?", (from_id,))
        return n

    def delete_tag(self, name: str) -> int:
        """Remove a tag from every article. Returns articles touched."""
        with self.write() as c:
            row = c.execute("SELECT id FROM tags WHERE fold = ?", (fold_name(name),)).fetchone()
            if not row:
                raise NotFound(f"no tag {name!r}")
            n = c.execute(
                "SELECT COUNT(DISTINCT article_id) FROM article_tags WHERE tag_id = ?", (row[0],)
            ).fetchone()[0]
            c.execute("DELETE FROM tags WHERE id = ?", (row[0],))
        return n

    def tag_counts(self) -> list[tuple[str, int, int]]:
        """(name, total, unread) for every tag, by name."""
        return self._label_counts("tags", "article_tags", "tag_id")

    def category_counts(self) -> list[tuple[str, int, int]]:
        """(name, total, unread) for every category, by name."""
        return self._label_counts("categories", "article_categories", "category_id")

    def _label_counts(self, table: str, link: str, col: str) -> list[tuple[str, int, int]]:
        rows = self._read(
            f"SELECT n.name, COUNT(DISTINCT l.article_id), "
            f"COUNT(DISTINCT CASE WHEN a.read = 0 THEN a.id END) "
            f"FROM {table} n JOIN {link} l ON l.{col} = n.id JOIN articles a ON a.id = l.article_id "
            f"GROUP BY n.id ORDER BY n.name COLLATE NOCASE"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def tag_names(self) -> list[str]:
        return [r[0] for r in self._read("SELECT name FROM tags ORDER BY name COLLATE NOCASE")]
