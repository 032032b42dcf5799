"""Articles in the library: writes, queries and read state."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from newstui.canonical import hasher, story_keys
from newstui.errors import NotFound
from newstui.plaintext import index_texts
from newstui.query import FTS_MEMBER, UNREAD, Compiled, compile_query
from newstui.render import iso
from newstui.store import records
from newstui.store.connection import (
    ROW_SELECT,
    SOURCE_NAME,
    Connection,
    fold_name,
    library_error,
)
from newstui.store.counts import KEPT_TOTAL, add_written
from newstui.store.journal import record
from newstui.store.matches import MATCHED, MatchTable
from newstui.store.packing import pack, unpack
from newstui.store.stories import also_in, join_stories, story_members
from newstui.textsafe import clean, clean_line, clean_names, safe_url

if TYPE_CHECKING:
    from newstui.models import Article, ArticleIn, ArticleRow, Tag, UpsertResult


class PreparedRow(NamedTuple):
    """An article as the store writes it (made by ``prepare_row``)."""

    key: str
    digest: str
    title: str
    link: str
    author: str
    summary: str | bytes  # as stored (store.packing): compressed when long
    content: str | bytes
    ctype: str
    published: float
    estimated: int
    updated: float | None
    enclosures: str
    cats: list[str]
    tags: list[str]
    body: str  # index text of the body
    summary_text: str  # index text of the summary
    title_derived: int = 0  # 1: the entry had no title; this is the opening of its text
    story: int | None = None  # story keys (newstui.canonical.story_keys)
    guid_key: int | None = None


DERIVED_TITLE_CHARS = 80


def opening_words(text: str, limit: int = DERIVED_TITLE_CHARS) -> str:
    """The first words of ``text`` on one line, at most ``limit`` characters, cut at a
    word boundary ("…" marks the cut and counts). "" when the text has no words."""
    line = clean_line(text, limit * 4)
    if len(line) <= limit:
        return line
    room = limit - 1  # for the "…"
    cut = line[: room + 1]  # a space right after the room still ends a word inside it
    space = cut.rfind(" ")
    head = cut[:space] if space > room // 3 else line[:room]  # one very long word: cut it
    return head.rstrip(" ,;:.-–—") + "…"


def prepare_row(item: ArticleIn, source_url: str, now: float) -> PreparedRow:
    """One article as the row the store writes: cleaned, keyed, hashed, with its index text.

    Pure (no database), so a refresh runs it in the parser processes."""
    sha1 = hasher("sha1")
    title = clean_line(item.title)
    link = safe_url(item.link)
    author = clean_line(item.author, 300)
    ctype = item.content_type if item.content_type in ("html", "text", "markdown") else "text"
    summary = clean(item.summary, 200_000)
    content = clean(item.content)
    estimated = item.published is None or item.date_estimated
    published = item.published if item.published is not None else now
    cats = clean_names(item.categories)
    tags = clean_names(item.tags)
    enclosures = (
        json.dumps(
            [
                {
                    "url": safe_url(str(e.get("url", ""))),
                    "type": clean_line(str(e.get("type", "")), 100),
                    "length": int(str(e["length"])) if str(e.get("length", "")).isdigit() else None,
                }
                for e in item.enclosures
                if safe_url(str(e.get("url", "")))
            ]
        )
        if item.enclosures
        else ""
    )
    guid = clean_line(item.guid, 2000)
    key = guid or link
    if not key:
        # Entries with neither id nor link (legal in RSS) are told apart by their content
        # too: several title-less, date-less items of one feed are different articles.
        basis = "\x00".join((source_url, title, "" if estimated else repr(published), summary, content))
        key = "sha1:" + sha1(basis.encode("utf-8", "surrogatepass")).hexdigest()
    # feedparser gives an Atom entry without a summary its content as the summary too: it
    # is kept (and indexed) once, as the body. The digest below still sees both, so
    # libraries made before this are not rewritten on the next refresh.
    repeated = summary == content
    summary_text, body = index_texts("" if repeated else summary, content, ctype)
    derived = 0
    if not title:
        # Title-less items (microblogs, Mastodon): the opening words of their text, marked
        # as derived. Nothing else is invented; with no text either it stays "(untitled)".
        title = opening_words(body or summary_text)
        derived = int(bool(title))
        title = title or "(untitled)"
    story, guid_key = story_keys(link, item.guid)
    # Fields joined by a separator that clean() keeps out of every one of them (0x1f).
    digest = sha1(
        "\x1f".join(
            (
                title,
                link,
                author,
                summary,
                content,
                ctype,
                "" if estimated else repr(published),
                repr(item.updated),
                enclosures,
                "\x1e".join(cats),
                "\x1e".join(tags),
                *(("derived",) if derived else ()),
            )
        ).encode("utf-8", "surrogatepass")
    ).hexdigest()
    if repeated:
        summary = ""
    return PreparedRow(
        key,
        digest,
        title,
        link,
        author,
        # Compressed here, in the parser or import worker that made the row, not by the writer.
        pack(summary),
        pack(content),
        ctype,
        published,
        int(estimated),
        item.updated,
        enclosures,
        cats,
        tags,
        body,
        summary_text,
        derived,
        story,
        guid_key,
    )


FTS_INSERT = "INSERT INTO articles_fts (rowid, title, author, summary, body) VALUES (?,?,?,?,?)"
_FTS_DELETE = (
    "INSERT INTO articles_fts (articles_fts, rowid, title, author, summary, body) "
    "VALUES ('delete', ?, ?, ?, ?, ?)"
)


def unindex(store: Connection, c: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Take articles out of the search index; call it before their rows change or go.

    The index keeps no copy of the texts (contentless), so FTS5's 'delete' command gets the
    text it indexed, recomputed from the row. Ids not in the index are skipped: deleting
    one would corrupt the index's totals. So the index's inserts a bulk write of ``store``
    holds back (``Connection.write_last``) go in first: an article written earlier in the
    same bulk write is then in the index to be taken out, not added after it is gone."""
    store.run_last(c)
    wanted = list(ids)
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = c.execute(
            "SELECT id, title, author, summary, content, content_type FROM articles "
            f"WHERE id IN ({marks}) AND id IN (SELECT id FROM articles_fts_docsize)",
            chunk,
        ).fetchall()
        c.executemany(
            _FTS_DELETE,
            [
                (aid, title, author, *index_texts(unpack(summary), unpack(content), ctype))
                for aid, title, author, summary, content, ctype in rows
            ],
        )


# A search with many matches, sorted by date, is served from the date index: SQLite
# collects the matching ids once and reads article rows only for the page. Left to itself
# it would read every matching row (wide rows: the published date sits after the texts)
# and sort them all, seconds for a common word. Few matches: reading them is cheaper than
# walking the index, so the plan depends on a capped count of the matches.
_FTS_BY_DATE = "+" + FTS_MEMBER  # the unary + keeps the planner off rowid lookups
MANY_MATCHES = 2_000
# A word in most articles ("the" while typing "there"): collecting all its matches costs
# in proportion to the library (half a second at a million articles), while walking the
# date index and asking the search index about each article in turn ("probing") stops at
# the first page. A probe costs about as much as collecting PROBE_COST matches, so the
# walk wins when (rows needed / density) * PROBE_COST < matches. The density is measured
# on the newest DENSITY_WINDOW article ids. Probing is only cheap where a prefix is one
# posting list (the prefix index; store/schema.py): a longer prefix would be merged anew
# on every probe.
_FTS_PROBE = FTS_MEMBER.replace("a.id IN (SELECT rowid FROM", "EXISTS (SELECT 1 FROM").replace(
    "MATCH ?)", "MATCH ? AND rowid = a.id)"
)
PROBE_COST = 300
DENSITY_WINDOW = 2_000
PROBED_PREFIX = 3  # the prefix index's length (store/schema.py)
# What is left of a query made only of search words once the words are taken out.
_WORDS_ONLY = re.compile(r"(?:[() ]|AND|OR|NOT)*")
_PREFIX_PHRASE = re.compile(r'".*?(\S+)"\*', re.DOTALL)  # an FTS phrase ending in a prefix


def _flip(term: str) -> str:
    """One ORDER BY term in the other direction."""
    if term.endswith(" DESC"):
        return term[: -len(" DESC")] + " ASC"
    return term.removesuffix(" ASC") + " DESC"


class ArticleStore(Connection):
    """Articles: writing them in batches, querying, read state."""

    _match_table: MatchTable | None = None  # made on the first merged search (_merged)

    # ---------------------------------------------------------------- articles
    def upsert_articles(
        self,
        source_id: int,
        items: Iterable[ArticleIn],
        *,
        source_url: str = "",
        rows: Iterable[PreparedRow] | None = None,
    ) -> UpsertResult:
        """Insert new articles and update changed ones, in one transaction.

        ``rows`` may replace ``items``: rows made by ``prepare_row`` elsewhere (a refresh
        prepares them in its parser processes). Read state, bookmarks and user tags are never
        touched; source tags and categories of a changed article are replaced by the new ones.
        """
        now = time.time()
        if rows is None:
            rows = (prepare_row(item, source_url, now) for item in items)
        prepared: dict[str, PreparedRow] = {}
        for row in rows:
            prepared.setdefault(row.key, row)  # the first of two entries with one id wins
        from newstui.models import UpsertResult  # (the models are imported when first made)

        result = UpsertResult()
        if not prepared:
            return result
        with self.write() as c:
            # Only this batch's keys (by the (source_id, key) index): reading every article
            # of the source made a big folder's import quadratic, a batch at a time.
            existing: dict[str, tuple[int, str, int]] = {}
            keys = list(prepared)
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                existing.update(
                    (key, (aid, h, read))
                    for key, aid, h, read in c.execute(
                        "SELECT key, id, hash, read FROM articles "
                        f"WHERE source_id = ? AND key IN ({','.join('?' * len(chunk))})",
                        (source_id, *chunk),
                    )
                )
            # New articles take the ids SQLite would give them one by one (the next after the
            # largest; this transaction is the only writer), so they go in with one statement.
            next_id = int(c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM articles").fetchone()[0])
            inserts: list[tuple[Any, ...]] = []
            labels: list[tuple[int, list[str], list[str], bool]] = []  # (id, categories, tags, unread)
            fts: list[tuple[Any, ...]] = []
            changed_ids: list[tuple[int]] = []
            updates: list[tuple[Any, ...]] = []
            story_keys_written: list[int | None] = []  # of every article written (join_stories)
            for key, row in prepared.items():
                (
                    _,
                    h,
                    title,
                    link,
                    author,
                    summary,
                    content,
                    ctype,
                    published,
                    estimated,
                    updated,
                    enclosures,
                    cats,
                    tags,
                    body,
                    summary_text,
                    derived,
                    story,
                    guid_key,
                ) = row
                old = existing.get(key)
                if old is None:
                    aid = next_id
                    next_id += 1
                    inserts.append(
                        (
                            aid,
                            source_id,
                            key,
                            h,
                            title,
                            link,
                            author,
                            summary,
                            content,
                            ctype,
                            published,
                            estimated,
                            updated,
                            now,
                            enclosures,
                            derived,
                            story,
                            guid_key,
                        )
                    )
                    result.new += 1
                    result.new_ids.append(aid)
                elif old[1] == h:
                    result.unchanged += 1
                    continue
                else:
                    aid = old[0]
                    updates.append(
                        (
                            h,
                            title,
                            link,
                            author,
                            summary,
                            content,
                            ctype,
                            published,
                            estimated,
                            updated,
                            enclosures,
                            derived,
                            aid,
                            story,
                            guid_key,
                        )
                    )
                    changed_ids.append((aid,))
                    result.updated += 1
                labels.append((aid, cats, tags, old is None or old[2] == 0))
                fts.append((aid, title, author, summary_text, body))
                story_keys_written.append(story)
                story_keys_written.append(guid_key)
            c.executemany(
                "INSERT INTO articles (id, source_id, key, hash, title, link, author, summary, "
                "content, content_type, published, date_estimated, updated, first_seen, "
                "enclosures, title_derived, story, guid_key) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                inserts,
            )
            if updates:
                unindex(self, c, [aid for (aid,) in changed_ids])  # needs the rows' old texts
                # An estimated date (the source gave none) keeps the first one seen.
                c.executemany(
                    "UPDATE articles SET hash=?, title=?, link=?, author=?, summary=?, content=?, "
                    "content_type=?, published = CASE WHEN ? THEN published ELSE ? END, "
                    "date_estimated = CASE WHEN ? THEN date_estimated ELSE 0 END, updated=?, "
                    "enclosures=?, title_derived=?, story=?, guid_key=? WHERE id=?",
                    [(*u[:7], u[8], u[7], u[8], u[9], u[10], u[11], u[13], u[14], u[12]) for u in updates],
                )
                c.executemany("DELETE FROM article_categories WHERE article_id = ?", changed_ids)
                c.executemany(
                    "DELETE FROM article_tags WHERE article_id = ? AND origin = 'source'",
                    changed_ids,
                )
            self.write_last(c, FTS_INSERT, fts)
            cat_counts, tag_counts = self._write_labels(c, labels, bool(changed_ids))
            # Counted before join_stories, which may mark some of them read.
            add_written(c, source_id, result.new, cat_counts, tag_counts)
            join_stories(c, [*result.new_ids, *(i for (i,) in changed_ids)], story_keys_written)
        return result

    def _name_ids(self, c: sqlite3.Connection, table: str, names: Iterable[str]) -> dict[str, int]:
        folds: dict[str, str] = {}
        for n in dict.fromkeys(names):  # each spelling folded once
            folds.setdefault(fold_name(n), n)  # the first spelling seen names the label
        if not folds:
            return {}
        ids: dict[str, int] = {}
        wanted = list(folds)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            ids.update(c.execute(f"SELECT fold, id FROM {table} WHERE fold IN ({marks})", chunk))
        missing = [f for f in folds if f not in ids]
        for f in missing:
            ids[f] = c.execute(
                f"INSERT INTO {table} (name, fold) VALUES (?, ?) RETURNING id", (folds[f], f)
            ).fetchone()[0]
        return ids

    def _write_labels(
        self, c: sqlite3.Connection, labels: list[tuple[int, list[str], list[str], bool]], updated: bool
    ) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """Write the feed's categories and tags of articles that have none from the feed
        (new ones, or changed ones whose feed labels were just deleted). Returns what that
        adds to the counts, ``{label id: [articles, unread]}`` for categories and for tags
        (``store.counts.add_written``); ``updated``: some of the articles were there before
        (a tag they have from the user already counts)."""
        cat_ids = self._name_ids(c, "categories", (n for _, cats, _, _ in labels for n in cats))
        tag_ids = self._name_ids(c, "tags", (n for _, _, tags, _ in labels for n in tags))
        cat_rows = _label_rows(((aid, cats, unread) for aid, cats, _, unread in labels), cat_ids)
        tag_rows = _label_rows(((aid, tags, unread) for aid, _, tags, unread in labels), tag_ids)
        c.executemany(
            "INSERT INTO article_categories (category_id, article_id) VALUES (?, ?)", list(cat_rows)
        )
        counted = tag_rows
        if tag_rows and updated:
            users = _user_tagged(c, list({aid for _, aid in tag_rows}))
            counted = {pair: unread for pair, unread in tag_rows.items() if pair not in users}
        c.executemany(
            "INSERT INTO article_tags (tag_id, article_id, origin) VALUES (?, ?, 'source')", list(tag_rows)
        )
        return _per_label(cat_rows), _per_label(counted)

    # ----------------------------------------------------------------- queries
    @staticmethod
    def compiled(query: str | Compiled | None) -> Compiled:
        return query if isinstance(query, Compiled) else compile_query(query)

    def list_articles(
        self,
        query: str | Compiled | None = None,
        *,
        sort: str = "date",
        limit: int | None = 100,
        offset: int = 0,
        from_end: bool = False,
    ) -> list[ArticleRow]:
        """Articles matching ``query``, newest first (or by source, title, rank, bookmarking).

        ``from_end`` counts ``offset`` from the end of the list (the rows still come back in
        list order): the last pages of a long list cost as little as the first ones, where
        a large OFFSET would walk the whole index."""
        with self._lock:  # a merged search word's table is filled and read in one go
            rows = self._list_rows(self.compiled(query), sort, limit, offset, from_end)
        from newstui.models import ArticleRow

        return [ArticleRow(r[0], r[1], r[2] or "", r[3], bool(r[4]), bool(r[5])) for r in rows]

    def _list_rows(
        self,
        q: Compiled,
        sort: str,
        limit: int | None,
        offset: int,
        from_end: bool,
        select: str = ROW_SELECT,
    ) -> list[tuple[Any, ...]]:
        """The list's rows as ``select`` (``ROW_SELECT`` or one of its narrower forms)
        gives them, in list order."""
        sql, params = self._list_sql(q, sort, limit, offset, from_end, select)
        rows = self._read(sql, params)
        if from_end:
            rows.reverse()
        return rows

    def _list_sql(
        self, q: Compiled, sort: str, limit: int | None, offset: int, from_end: bool, select: str
    ) -> tuple[str, list[object]]:
        """The list's query and its parameters (``_list_rows``); a merged search word's
        table is filled now, so run it holding the lock."""
        merged = self._merged(q) if FTS_MEMBER in q.where else None
        if merged is not None:
            q, found = merged
        where = q.where
        if sort == "date" and limit is not None:
            if merged is not None and found >= MANY_MATCHES:
                where = where.replace(MATCHED, "+" + MATCHED)  # walk the date index
            elif FTS_MEMBER in where:
                where = where.replace(FTS_MEMBER, self._search_member(q, offset + limit))
        params: list[object] = []
        sql = select
        if sort == "rank" and q.rank_match:
            sql += (
                " LEFT JOIN (SELECT rowid AS rid, rank FROM articles_fts WHERE articles_fts MATCH ?)"
                " r ON r.rid = a.id"
            )
            params.append(q.rank_match)
        sql += f" WHERE {where}"
        params.extend(q.params)
        newest = ["a.published DESC", "a.id DESC"]
        if sort == "rank" and q.rank_match:
            order = ["r.rank", *newest]
        elif sort == "source":
            order = [f"{SOURCE_NAME} COLLATE NOCASE", *newest]
        elif sort == "title":
            order = ["a.title COLLATE NOCASE", "a.id"]
        elif sort == "bookmarked":
            order = ["b.created DESC", "a.id DESC"]
        else:
            order = newest
        if from_end:
            order = [_flip(term) for term in order]
        sql += f" ORDER BY {', '.join(order)}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        return sql, params

    def _search_member(self, q: Compiled, need: int) -> str:
        """The condition a search word of ``q`` becomes in a date-sorted list of which the
        first ``need`` rows are wanted (all plans give the same rows)."""
        if not self._many_matches(q):
            return FTS_MEMBER  # few matches: read them and sort them
        if not self._probe_is_cheap(q):
            return _FTS_BY_DATE
        assert q.rank_match is not None  # _many_matches found matches
        top = int(self._read("SELECT COALESCE(MAX(id), 0) FROM articles")[0][0])
        window = min(DENSITY_WINDOW, top)
        found: int = self._read(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ? AND rowid > ?",
            (q.rank_match, top - window),
        )[0][0]
        density = found / window if window else 0.0
        # (need / density) * PROBE_COST < density * top, without dividing by zero
        if need * PROBE_COST < density * density * top:
            return _FTS_PROBE
        return _FTS_BY_DATE

    @classmethod
    def _probe_is_cheap(cls, q: Compiled) -> bool:
        """Whether walking the date index and probing each article is safe for ``q``: it
        is made of search words only (no other filter thins the walk out), and each probe
        is cheap (``_probes_cheaply``)."""
        base = q.uncollapsed or q
        if _WORDS_ONLY.fullmatch(base.where.replace(FTS_MEMBER, "")) is None:
            return False
        return cls._probes_cheaply(base)

    @staticmethod
    def _probes_cheaply(q: Compiled) -> bool:
        """Whether asking the index about one article is cheap for each search word of
        ``q``: no word is a prefix longer than the prefix index (merged anew on every
        probe)."""
        for phrase in q.params:
            m = _PREFIX_PHRASE.fullmatch(phrase) if isinstance(phrase, str) else None
            # Only letters and digits: "a-b"* is the prefix "b"* to the tokenizer.
            if m and (len(m[1]) != PROBED_PREFIX or not m[1].isalnum()):
                return False
        return True

    def _merged(self, q: Compiled) -> tuple[Compiled, int] | None:
        """When ``q`` is one search word that FTS5 has to merge (a prefix longer than the
        prefix index), ``q`` reading its matches from the match table (filled now, or
        kept from the last call) and how many there are; else None. Hold the lock while
        the returned query runs: another search would refill the table."""
        base = q.uncollapsed or q
        if base.where != FTS_MEMBER or self._probes_cheaply(base):
            return None
        with self._lock:
            if self._match_table is None:
                self._match_table = MatchTable()
            try:
                found = self._match_table.fill(self.conn, str(base.params[0]))
            except sqlite3.Error as exc:
                raise library_error(exc) from exc
        # Every parameter of ``q`` is that word (the collapsed form names it twice).
        uncollapsed = q.uncollapsed
        return (
            Compiled(
                q.where.replace(FTS_MEMBER, MATCHED),
                [],
                q.rank_match,
                Compiled(uncollapsed.where.replace(FTS_MEMBER, MATCHED), [], uncollapsed.rank_match)
                if uncollapsed is not None
                else None,
            ),
            found,
        )

    def _many_matches(self, q: Compiled) -> bool:
        """Whether the search words of ``q`` match at least ``MANY_MATCHES`` articles."""
        if not q.rank_match:
            return False
        found: int = self._read(
            "SELECT COUNT(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)",
            (q.rank_match, MANY_MATCHES),
        )[0][0]
        return found >= MANY_MATCHES

    def records(
        self,
        query: str | Compiled | None = None,
        *,
        sort: str = "date",
        limit: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[dict[str, object]]:
        """Articles as plain dicts (the CLI's JSON lines): id, title, author, source, link,
        published (ISO 8601), categories, tags, read, bookmarked, title_derived (the title
        is the opening of the text: the entry had none)."""
        if ids is not None:
            order = list(ids)  # unknown ids are left out below
        else:
            order = [r.id for r in self.list_articles(query, sort=sort, limit=limit)]
        out: list[dict[str, object]] = []
        for i in range(0, len(order), 500):
            chunk = order[i : i + 500]
            marks = ",".join("?" * len(chunk))
            cats: dict[int, list[str]] = {}
            for aid, name in self._read(
                "SELECT ac.article_id, c.name FROM article_categories ac JOIN categories c "
                f"ON c.id = ac.category_id WHERE ac.article_id IN ({marks}) ORDER BY c.name",
                chunk,
            ):
                cats.setdefault(aid, []).append(name)
            others = self._also_in(chunk)
            tags: dict[int, list[str]] = {}
            for aid, name in self._read(
                "SELECT DISTINCT at.article_id, t.name FROM article_tags at JOIN tags t "
                f"ON t.id = at.tag_id WHERE at.article_id IN ({marks}) ORDER BY t.name",
                chunk,
            ):
                tags.setdefault(aid, []).append(name)
            rows = {
                r[0]: r
                for r in self._read(
                    f"SELECT a.id, a.title, a.author, {SOURCE_NAME}, a.link, a.published, "
                    "a.read, b.article_id IS NOT NULL, a.title_derived "
                    "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
                    f"LEFT JOIN bookmarks b ON b.article_id = a.id WHERE a.id IN ({marks})",
                    chunk,
                )
            }
            for aid in chunk:
                if aid not in rows:
                    continue
                r = rows[aid]
                out.append(
                    {
                        "id": r[0],
                        "title": r[1],
                        "author": r[2],
                        "source": r[3] or "",
                        "link": r[4],
                        "published": iso(r[5]),
                        "categories": cats.get(aid, []),
                        "tags": tags.get(aid, []),
                        "read": bool(r[6]),
                        "bookmarked": bool(r[7]),
                        "title_derived": bool(r[8]),
                        "also_in": others.get(aid, []),
                    }
                )
        return out

    def record_lines(
        self, query: str | Compiled | None = None, *, sort: str = "date", limit: int | None = None
    ) -> Iterator[str]:
        """The articles ``records`` gives, as JSON lines (no newline) built by SQLite, in
        list order (``store/records.py``): what ``newstui list --format json`` prints.

        One query, the list's own with the lines' columns, read a chunk at a time: SQLite
        sorts the lines' pieces (spilling a long list to a temporary file, so memory stays
        flat), and no ids go back to it. Iterate it to the end on one thread: it holds
        the library's lock until then (a search word's match table must stay put)."""
        q = self.compiled(query)
        names = records.Names()  # each distinct set of labels made JSON once per listing
        with self._lock:
            records.prepare(self.conn)
            sql, params = self._list_sql(q, sort, limit, 0, False, records.select(self.conn))
            try:
                cursor = self.conn.execute(sql, params)
                while rows := cursor.fetchmany(records.CHUNK):
                    yield from list(records.lines(self.conn, rows, names))
            except sqlite3.Error as exc:
                raise library_error(exc) from exc

    def count(self, query: str | Compiled | None = None) -> int:
        with self._lock:  # a merged search word's table is filled and read in one go
            return self._count(self.compiled(query))

    def _count(self, q: Compiled) -> int:
        found: int | None = None
        if FTS_MEMBER in q.where and (merged := self._merged(q)) is not None:
            q, found = merged
        if q.uncollapsed is not None:
            # A collapsed list: all of it less the copies it hides, counted from the copies
            # (CROSS JOIN keeps SQLite from starting at the articles instead).
            base = q.uncollapsed
            total = self._count(base) if found is None else found
            copies = int(self._read("SELECT COUNT(*) FROM story_copies")[0][0])
            if base.is_everything or not copies or not total:
                return total - (copies if base.is_everything else 0)
            hiding, shown = base.where, q.where
            if FTS_MEMBER in hiding and copies * PROBE_COST < total and self._probes_cheaply(base):
                # Fewer copies than matches: ask the index about each copy (and its primary)
                # rather than collect every match of the search twice.
                hiding, shown = hiding.replace(FTS_MEMBER, _FTS_PROBE), shown.replace(FTS_MEMBER, _FTS_PROBE)
            hidden: int = self._read(
                "SELECT COUNT(*) FROM story_copies c CROSS JOIN articles a ON a.id = c.article_id "
                f"WHERE ({hiding}) AND NOT ({shown})",
                [*base.params, *q.params],
            )[0][0]
            return total - hidden
        if found is not None:
            return found
        if q.is_everything or q.where == UNREAD:
            # The counts the triggers keep (store/counts.py), once filled: no pass over a
            # million index entries, which also filled this connection's page cache.
            kept = self._read(KEPT_TOTAL)
            if kept:
                return int(kept[0][0 if q.is_everything else 1])
            return int(self._read_lean(f"SELECT COUNT(*) FROM articles a WHERE {q.where}")[0][0])
        if q.where == FTS_MEMBER:
            # One search term: the index holds exactly the articles (doctor keeps it so),
            # so its own count needs no article row.
            return int(
                self._read("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", q.params)[0][0]
            )
        return int(self._read(f"SELECT COUNT(*) FROM articles a WHERE {q.where}", q.params)[0][0])

    def warm_search(self) -> None:
        """Page the search index in with one cheap search, so the first search typed does
        not pay for the cold start."""
        self.count('"newstuiwarmup"')

    def article_ids(
        self, query: str | Compiled | None = None, *, within: Sequence[int] | None = None
    ) -> list[int]:
        """Ids of the articles matching ``query`` (only among ``within`` when given)."""
        q = self.compiled(query)
        sql = f"SELECT a.id FROM articles a WHERE {q.where}"
        if within is None:
            return [r[0] for r in self._read(sql, q.params)]
        wanted = list(within)
        found: list[int] = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            found.extend(
                r[0]
                for r in self._read(f"{sql} AND a.id IN ({','.join('?' * len(chunk))})", [*q.params, *chunk])
            )
        return found

    def article(self, article_id: int | str) -> Article:
        try:
            aid = int(article_id)
        except (TypeError, ValueError):
            raise NotFound(f"no article {article_id!r} (ids are numbers; see `newstui list`)") from None
        rows = self._read(
            f"SELECT a.id, a.source_id, {SOURCE_NAME}, a.key, "
            "a.title, a.link, a.author, a.summary, a.content, a.content_type, a.published, "
            "a.date_estimated, a.updated, a.first_seen, a.read, a.enclosures, "
            "b.created, b.note, b.fulltext, b.fulltext_status, b.fulltext_error, "
            "b.fulltext_attempts, a.title_derived, f.text, f.status, f.error, f.attempts "
            "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
            "LEFT JOIN bookmarks b ON b.article_id = a.id "
            "LEFT JOIN fulltexts f ON f.article_id = a.id WHERE a.id = ?",
            (aid,),
        )
        if not rows:
            raise NotFound(f"no article {aid}")
        r = rows[0]
        fulltext = r[18:22]
        # The bookmark's full text, else the one fetched for the article (store/fulltexts.py).
        if r[24] is not None and (r[16] is None or (r[18] is None and r[23] is not None)):
            fulltext = r[23:27]
        cats = [
            n
            for (n,) in self._read(
                "SELECT c.name FROM article_categories ac JOIN categories c ON c.id = ac.category_id "
                "WHERE ac.article_id = ? ORDER BY c.name COLLATE NOCASE",
                (aid,),
            )
        ]
        from newstui.models import Article, Tag

        tags: dict[str, Tag] = {}
        for name, origin in self._read(
            "SELECT t.name, at.origin FROM article_tags at JOIN tags t ON t.id = at.tag_id "
            "WHERE at.article_id = ? ORDER BY t.name COLLATE NOCASE, at.origin",
            (aid,),
        ):
            # A tag both the source and the user gave counts as the user's: it survives refresh.
            if name.casefold() not in tags or origin == "user":
                tags[name.casefold()] = Tag(name, origin)
        return Article(
            id=r[0],
            source_id=r[1],
            source=r[2] or "",
            key=r[3],
            title=r[4],
            link=r[5],
            author=r[6],
            summary=unpack(r[7]),
            content=unpack(r[8]),
            content_type=r[9],
            published=r[10],
            date_estimated=bool(r[11]),
            updated=r[12],
            first_seen=r[13],
            read=bool(r[14]),
            enclosures=json.loads(r[15]) if r[15] else [],
            categories=cats,
            tags=list(tags.values()),
            bookmarked=r[16] is not None,
            bookmarked_at=r[16],
            note=r[17] or "",
            fulltext=fulltext[0],
            fulltext_status=fulltext[1] or "none",
            fulltext_error=fulltext[2],
            fulltext_attempts=fulltext[3] or 0,
            title_derived=bool(r[22]),
            also_in=self._also_in([aid]).get(aid, []),
        )

    def _also_in(self, ids: Sequence[int]) -> dict[int, list[str]]:
        with self._lock:
            try:
                return also_in(self.conn, ids)
            except sqlite3.Error as exc:
                raise library_error(exc) from exc

    def _require(self, c: sqlite3.Connection, aid: int) -> None:
        if not c.execute("SELECT 1 FROM articles WHERE id = ?", (aid,)).fetchone():
            raise NotFound(f"no article {aid}")

    # -------------------------------------------------------------- read state
    def set_read(self, ids: int | Iterable[int], read: bool = True, *, journal: bool = True) -> list[int]:
        """Mark articles read or unread; returns the ids whose state changed (for undo).

        Each change is journaled (one entry per article) in the same transaction."""
        id_list = [ids] if isinstance(ids, int) else list(ids)
        changed: list[int] = []
        with self.write() as c:
            if len(id_list) == 1:
                self._require(c, id_list[0])
            id_list = story_members(c, id_list)  # one story is read (or unread) as a whole
            for i in range(0, len(id_list), 500):
                chunk = id_list[i : i + 500]
                marks = ",".join("?" * len(chunk))
                changed.extend(
                    r[0]
                    for r in c.execute(
                        f"UPDATE articles SET read = ?, read_at = ? WHERE id IN ({marks}) "
                        f"AND read != ? RETURNING id",
                        (int(read), time.time() if read else None, *chunk, int(read)),
                    )
                )
            record(c, _read_changes(changed, read), enabled=journal)
        return changed

    def mark_all_read(self, query: str | Compiled | None = None, *, journal: bool = True) -> list[int]:
        """Mark everything matching ``query`` read; returns the ids that changed (for undo)."""
        q = self.compiled(query)
        with self.write() as c:
            changed = [
                r[0]
                for r in c.execute(
                    f"UPDATE articles AS a SET read = 1, read_at = ? WHERE a.read = 0 AND {q.where} "
                    "RETURNING id",
                    (time.time(), *q.params),
                )
            ]
            record(c, _read_changes(changed, True), enabled=journal)
            copies = story_members(c, changed)[len(changed) :]  # the rest of those stories
            return changed + (self.set_read(copies, True, journal=journal) if copies else [])


def _label_rows(
    labels: Iterable[tuple[int, list[str], bool]], ids: dict[str, int]
) -> dict[tuple[int, int], bool]:
    """``{(label id, article id): unread}`` of (article id, label names, unread), once
    each (two names of one article may fold to one label)."""
    of: dict[str, int] = {}  # label id by spelling: a feed repeats a few labels many times
    rows: dict[tuple[int, int], bool] = {}
    for aid, names, unread in labels:
        for name in names:
            lid = of.get(name)
            if lid is None:
                lid = of[name] = ids[fold_name(name)]
            rows[(lid, aid)] = unread
    return rows


def _user_tagged(c: sqlite3.Connection, ids: list[int]) -> set[tuple[int, int]]:
    """``(tag id, article id)`` of the user's tags on these articles."""
    found: set[tuple[int, int]] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found.update(
            c.execute(
                "SELECT tag_id, article_id FROM article_tags WHERE origin = 'user' "
                f"AND article_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return found


def _per_label(rows: dict[tuple[int, int], bool]) -> dict[int, list[int]]:
    """``{label id: [articles, unread]}`` of label rows."""
    out: dict[int, list[int]] = {}
    for (lid, _), unread in rows.items():
        n = out.setdefault(lid, [0, 0])
        n[0] += 1
        n[1] += unread
    return out


def _read_changes(ids: Iterable[int], read: bool) -> Iterable[tuple[str, int, None, str, str]]:
    old, new = ("0", "1") if read else ("1", "0")
    return (("read", aid, None, old, new) for aid in ids)
