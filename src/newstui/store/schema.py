"""Schema and ordered migrations; the version lives in ``PRAGMA user_version``.

Each migration moves the library one version up inside one transaction, so a library
made by any older newstui opens in this one. Never edit a released migration: add one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import lru_cache

from newstui.canonical import guid_key_sql, story_key_sql
from newstui.plaintext import index_texts
from newstui.store.packing import MIN_PACKED, pack_sql, unpack

V1 = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'feed',
    title TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    site_url TEXT NOT NULL DEFAULT '',
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    last_fetched REAL,
    last_success REAL,
    last_error TEXT,
    last_error_at REAL,
    failures INTEGER NOT NULL DEFAULT 0,
    added REAL NOT NULL
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    key TEXT NOT NULL,
    hash TEXT NOT NULL DEFAULT '',
    source_title TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT 'text',
    published REAL NOT NULL,
    date_estimated INTEGER NOT NULL DEFAULT 0,
    updated REAL,
    first_seen REAL NOT NULL,
    enclosures TEXT NOT NULL DEFAULT '',
    read INTEGER NOT NULL DEFAULT 0,
    read_at REAL,
    UNIQUE (source_id, key)
);
CREATE INDEX articles_published ON articles(published DESC);
CREATE INDEX articles_source ON articles(source_id, published DESC);
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    fold TEXT NOT NULL UNIQUE
);
CREATE TABLE article_categories (
    category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (category_id, article_id)
) WITHOUT ROWID;
CREATE INDEX article_categories_article ON article_categories(article_id);
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    fold TEXT NOT NULL UNIQUE
);
CREATE TABLE article_tags (
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    origin TEXT NOT NULL CHECK (origin IN ('source', 'user')),
    PRIMARY KEY (tag_id, article_id, origin)
) WITHOUT ROWID;
CREATE INDEX article_tags_article ON article_tags(article_id);
CREATE TABLE bookmarks (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    created REAL NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, author, summary, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""

# v2: source health (gone, back-off), unread index, saved searches, bookmark copies.
V2 = """
ALTER TABLE sources ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN retry_after REAL;
CREATE INDEX articles_unread ON articles(read, published DESC);
CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    query TEXT NOT NULL
);
ALTER TABLE bookmarks ADD COLUMN snapshot TEXT NOT NULL DEFAULT '';
ALTER TABLE bookmarks ADD COLUMN fulltext TEXT;
ALTER TABLE bookmarks ADD COLUMN fulltext_status TEXT NOT NULL DEFAULT 'none';
ALTER TABLE bookmarks ADD COLUMN fulltext_error TEXT;
ALTER TABLE bookmarks ADD COLUMN fulltext_attempts INTEGER NOT NULL DEFAULT 0;
"""

# The change journal (store/journal.py): every change of user state, kept only while a
# consumer (a sync account) has not yet taken it.
JOURNAL = """
CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    article_id INTEGER,
    source_id INTEGER,
    old TEXT,
    new TEXT
);
CREATE TABLE journal_consumers (
    name TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL DEFAULT 0
);
"""

# Titles made from the opening words of an entry that had none are marked as such.
TITLE_DERIVED = """
ALTER TABLE articles ADD COLUMN title_derived INTEGER NOT NULL DEFAULT 0;
"""

# Search index without its own copy of the texts (contentless): the index text is derived
# from the articles (HTML stripped), so keeping it twice doubled the library. Deletes use
# FTS5's 'delete' command with the text recomputed from the article row
# (``store.articles.unindex``). The old table's stored texts fill the new index (an index
# that is contentless already gives no texts: `doctor` then finds the articles missing).
V_FTS_CONTENTLESS = """
CREATE VIRTUAL TABLE articles_fts_new USING fts5(
    title, author, summary, body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO articles_fts_new (rowid, title, author, summary, body)
    SELECT rowid, title, author, summary, body FROM articles_fts WHERE title IS NOT NULL;
DROP TABLE articles_fts;
ALTER TABLE articles_fts_new RENAME TO articles_fts
"""

# stories: the keys that make two articles one story (see newstui.canonical), and the
# copies of each story beside its primary (its earliest article). Existing rows are keyed
# here by the SQL functions ``migrate`` registers; their copies are grouped by link key.
STORIES = """
ALTER TABLE articles ADD COLUMN story INTEGER;
ALTER TABLE articles ADD COLUMN guid_key INTEGER;
UPDATE articles SET story = newstui_story_key(link, key), guid_key = newstui_guid_key(link, key);
CREATE INDEX articles_story ON articles(story) WHERE story IS NOT NULL;
CREATE INDEX articles_guid_key ON articles(guid_key) WHERE guid_key IS NOT NULL;
CREATE TABLE story_copies (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    primary_id INTEGER NOT NULL  -- kept by the trigger below: a deleted primary hands over
);
CREATE INDEX story_copies_primary ON story_copies(primary_id);
INSERT INTO story_copies (article_id, primary_id)
SELECT a.id, (SELECT p.id FROM articles p WHERE p.story = a.story ORDER BY p.published, p.id LIMIT 1)
FROM articles a WHERE a.story IN (
    SELECT story FROM articles WHERE story IS NOT NULL GROUP BY story HAVING COUNT(*) > 1
);
DELETE FROM story_copies WHERE article_id = primary_id;
-- One story is never unread twice: read copies make the primary read, then its copies.
UPDATE articles SET read = 1, read_at = COALESCE(read_at, first_seen) WHERE read = 0 AND id IN (
    SELECT c.article_id FROM story_copies c JOIN articles p ON p.id = c.primary_id WHERE p.read = 1
    UNION ALL
    SELECT c.primary_id FROM story_copies c JOIN articles x ON x.id = c.article_id WHERE x.read = 1
);
UPDATE articles SET read = 1, read_at = COALESCE(read_at, first_seen) WHERE read = 0 AND id IN (
    SELECT c.article_id FROM story_copies c JOIN articles p ON p.id = c.primary_id WHERE p.read = 1
);
-- (The trigger's statements share lines: migrations are split at a semicolon that ends a line.)
CREATE TRIGGER story_primary_deleted AFTER DELETE ON articles
WHEN EXISTS (SELECT 1 FROM story_copies WHERE primary_id = OLD.id)
BEGIN
    UPDATE story_copies SET primary_id = (
        SELECT c.article_id FROM story_copies c JOIN articles a ON a.id = c.article_id
        WHERE c.primary_id = OLD.id ORDER BY a.published, a.id LIMIT 1
    ) WHERE primary_id = OLD.id AND article_id != (
        SELECT c.article_id FROM story_copies c JOIN articles a ON a.id = c.article_id
        WHERE c.primary_id = OLD.id ORDER BY a.published, a.id LIMIT 1
    ); DELETE FROM story_copies WHERE primary_id = OLD.id; END
"""

# Per-source settings, and full text fetched for any article (not only
# bookmarks), kept beside the article in its own table so list queries stay narrow.
SOURCE_SETTINGS = """
ALTER TABLE sources ADD COLUMN feed_title TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN refresh_interval INTEGER;
ALTER TABLE sources ADD COLUMN retention_days INTEGER;
ALTER TABLE sources ADD COLUMN always_fulltext INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN ignore_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
UPDATE sources SET feed_title = title;
CREATE TABLE fulltexts (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending',
    text TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    queued REAL NOT NULL
);
CREATE INDEX fulltexts_waiting ON fulltexts(status, queued);
"""

# sync: feed-server accounts, server ids of sources, pushes a server refused.
V_SYNC = """
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    url TEXT NOT NULL,
    username TEXT NOT NULL,
    password_command TEXT,
    initial_days INTEGER NOT NULL DEFAULT 30,
    added REAL NOT NULL,
    cursor REAL,
    last_sync REAL,
    last_error TEXT,
    last_error_at REAL
);
ALTER TABLE sources ADD COLUMN account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL;
ALTER TABLE sources ADD COLUMN remote_id TEXT;
CREATE INDEX sources_account ON sources(account_id);
CREATE TABLE sync_rejects (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    article_id INTEGER,
    source_id INTEGER,
    value TEXT,
    reason TEXT NOT NULL
);
"""

# Counts for the filter pane, kept by triggers in the same transaction as every change:
# per source, category and tag (articles, unread ones) and for the whole library
# (kind 'all', id 0). Counting them afresh read every article row: seconds at 100,000
# articles. The table starts empty and is filled on first use (``store/counts.py``); until
# then the triggers' updates are thrown away with it. An article's labels go before it
# (the BEFORE DELETE trigger), so their triggers still see whether it was read. (Trigger
# statements are joined by "; " at the start of a line: migrations are split at a
# semicolon that ends a line.)
LABEL_COUNTS = """
CREATE TABLE label_counts (
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TRIGGER label_counts_article_added AFTER INSERT ON articles
BEGIN
    INSERT INTO label_counts (kind, id, total, unread)
        SELECT 'source', NEW.source_id, 1, NEW.read = 0 WHERE NEW.source_id IS NOT NULL
        ON CONFLICT (kind, id) DO UPDATE SET total = total + 1, unread = unread + excluded.unread
    ; UPDATE label_counts SET total = total + 1, unread = unread + (NEW.read = 0)
        WHERE kind = 'all' AND id = 0
    ; END;
CREATE TRIGGER label_counts_article_leaving BEFORE DELETE ON articles
BEGIN
    DELETE FROM article_categories WHERE article_id = OLD.id
    ; DELETE FROM article_tags WHERE article_id = OLD.id
    ; END;
CREATE TRIGGER label_counts_article_deleted AFTER DELETE ON articles
BEGIN
    UPDATE label_counts SET total = total - 1, unread = unread - (OLD.read = 0)
        WHERE kind = 'source' AND id = OLD.source_id
    ; UPDATE label_counts SET total = total - 1, unread = unread - (OLD.read = 0)
        WHERE kind = 'all' AND id = 0
    ; END;
CREATE TRIGGER label_counts_article_moved AFTER UPDATE OF source_id ON articles
WHEN OLD.source_id IS NOT NEW.source_id
BEGIN
    UPDATE label_counts SET total = total - 1, unread = unread - (OLD.read = 0)
        WHERE kind = 'source' AND id = OLD.source_id
    ; INSERT INTO label_counts (kind, id, total, unread)
        SELECT 'source', NEW.source_id, 1, NEW.read = 0 WHERE NEW.source_id IS NOT NULL
        ON CONFLICT (kind, id) DO UPDATE SET total = total + 1, unread = unread + excluded.unread
    ; END;
CREATE TRIGGER label_counts_article_read AFTER UPDATE OF read ON articles
WHEN (OLD.read = 0) IS NOT (NEW.read = 0)
BEGIN
    UPDATE label_counts SET unread = unread + (NEW.read = 0) - (OLD.read = 0)
        WHERE kind = 'source' AND id = NEW.source_id AND NEW.source_id IS OLD.source_id
    ; UPDATE label_counts SET unread = unread + (NEW.read = 0) - (OLD.read = 0)
        WHERE kind = 'all' AND id = 0
    ; UPDATE label_counts SET unread = unread + (NEW.read = 0) - (OLD.read = 0)
        WHERE kind = 'category'
        AND id IN (SELECT category_id FROM article_categories WHERE article_id = NEW.id)
    ; UPDATE label_counts SET unread = unread + (NEW.read = 0) - (OLD.read = 0)
        WHERE kind = 'tag' AND id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id)
    ; END;
CREATE TRIGGER label_counts_category_added AFTER INSERT ON article_categories
BEGIN
    INSERT INTO label_counts (kind, id, total, unread)
        SELECT 'category', NEW.category_id, 1, COALESCE(read = 0, 0) FROM articles WHERE id = NEW.article_id
        ON CONFLICT (kind, id) DO UPDATE SET total = total + 1, unread = unread + excluded.unread
    ; END;
CREATE TRIGGER label_counts_category_removed AFTER DELETE ON article_categories
BEGIN
    UPDATE label_counts SET total = total - 1,
        unread = unread - COALESCE((SELECT read = 0 FROM articles WHERE id = OLD.article_id), 0)
        WHERE kind = 'category' AND id = OLD.category_id
    ; END;
CREATE TRIGGER label_counts_tag_added AFTER INSERT ON article_tags
WHEN NOT EXISTS (
    SELECT 1 FROM article_tags
    WHERE tag_id = NEW.tag_id AND article_id = NEW.article_id AND origin != NEW.origin
)
BEGIN
    INSERT INTO label_counts (kind, id, total, unread)
        SELECT 'tag', NEW.tag_id, 1, COALESCE(read = 0, 0) FROM articles WHERE id = NEW.article_id
        ON CONFLICT (kind, id) DO UPDATE SET total = total + 1, unread = unread + excluded.unread
    ; END;
CREATE TRIGGER label_counts_tag_removed AFTER DELETE ON article_tags
WHEN NOT EXISTS (SELECT 1 FROM article_tags WHERE tag_id = OLD.tag_id AND article_id = OLD.article_id)
BEGIN
    UPDATE label_counts SET total = total - 1,
        unread = unread - COALESCE((SELECT read = 0 FROM articles WHERE id = OLD.article_id), 0)
        WHERE kind = 'tag' AND id = OLD.tag_id
    ; END;
CREATE TRIGGER label_counts_source_deleted AFTER DELETE ON sources
BEGIN
    DELETE FROM label_counts WHERE kind = 'source' AND id = OLD.id
    ; END;
CREATE TRIGGER label_counts_category_deleted AFTER DELETE ON categories
BEGIN
    DELETE FROM label_counts WHERE kind = 'category' AND id = OLD.id
    ; END;
CREATE TRIGGER label_counts_tag_deleted AFTER DELETE ON tags
BEGIN
    DELETE FROM label_counts WHERE kind = 'tag' AND id = OLD.id
    ; END
"""

# A prefix index of 3 letters in the search index. Search as you type prefix-matches from
# three letters (``newstui.query``); without it FTS5 merges the posting list of every word
# that starts with the 3 letters before it yields a row (most of the library for "the"),
# with it those 3 letters are one posting list, read lazily like a word's. It roughly
# doubles the index (one more entry per word of 3 letters or more); longer prefixes are
# rarer words, and their merges are shared per search by the store. The index is
# contentless, so its texts are recomputed from the articles (the functions ``migrate``
# registers run ``newstui.plaintext.index_texts``); only articles indexed before are.
V_FTS_PREFIX = """
CREATE VIRTUAL TABLE articles_fts_new USING fts5(
    title, author, summary, body,
    content = '',
    prefix = '3',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO articles_fts_new (rowid, title, author, summary, body)
    SELECT id, title, author, newstui_index_summary(summary, content, content_type),
        newstui_index_body(summary, content, content_type)
    FROM articles WHERE id IN (SELECT id FROM articles_fts_docsize);
DROP TABLE articles_fts;
ALTER TABLE articles_fts_new RENAME TO articles_fts
"""

# Article texts compressed (store/packing.py): they were about half the library and are
# read only to show, export or re-index one article. Run in the migration's one
# transaction (a library is all old or all migrated), a batch of article ids per
# statement: SQLite keeps the pages a statement changes in temporary storage until the
# statement ends, held in memory on this connection (``store/connection.py``), and for
# one statement over a million articles that was the whole table, 1.6 GB. Rows shrink in
# place; the file itself shrinks only with `newstui compact` (VACUUM), left to the user
# because rewriting gigabytes at first open would hold up the reader for minutes.
PACK_TEXTS_BATCH = 5_000
PACK_TEXTS_SQL = f"""
UPDATE articles SET summary = newstui_pack(summary), content = newstui_pack(content)
WHERE id >= ? AND id < ? AND (
    (typeof(content) = 'text' AND length(content) >= {MIN_PACKED})
    OR (typeof(summary) = 'text' AND length(summary) >= {MIN_PACKED})
)
"""


def pack_texts(conn: sqlite3.Connection) -> None:
    """The migration that compresses every article's texts (``PACK_TEXTS_SQL``)."""
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0]
    for low in range(0, top + 1, PACK_TEXTS_BATCH):
        conn.execute(PACK_TEXTS_SQL, (low, low + PACK_TEXTS_BATCH))


# Counts of new articles and their feed labels are added once per batch by the code that
# writes them (``store.counts.add_written``: one aggregated upsert per source, category and
# tag), not by a trigger per row: the triggers were most of a refresh's writing (a row in
# ``label_counts`` updated, and the article's read flag looked up, for every label row).
# Articles and categories are written only by ``upsert_articles``; source tags only there
# too. User tags keep a trigger (they come one article or one tag at a time), and so do
# deletes, moves and read flips. A tag merge recounts the tag it merged into.
BATCH_COUNTS = """
DROP TRIGGER label_counts_article_added;
DROP TRIGGER label_counts_category_added;
DROP TRIGGER label_counts_tag_added;
CREATE TRIGGER label_counts_user_tag_added AFTER INSERT ON article_tags
WHEN NEW.origin = 'user' AND NOT EXISTS (
    SELECT 1 FROM article_tags
    WHERE tag_id = NEW.tag_id AND article_id = NEW.article_id AND origin != NEW.origin
)
BEGIN
    INSERT INTO label_counts (kind, id, total, unread)
        SELECT 'tag', NEW.tag_id, 1, COALESCE(read = 0, 0) FROM articles WHERE id = NEW.article_id
        ON CONFLICT (kind, id) DO UPDATE SET total = total + 1, unread = unread + excluded.unread
    ; END
"""

# Retention (``store.retention``) looks for feed articles first seen before its cutoff,
# source by source, through this index. It used to walk each source's articles older than
# the cutoff by date instead, and those kept for having been first seen lately (a feed's
# archive just subscribed or imported) were walked again by every refresh for the whole
# retention period: 2.2-2.6 s a refresh on a 1,000,000-article library imported the same
# day, inside the refresh's write transaction.
RETENTION_SEEN = """
CREATE INDEX articles_source_seen ON articles(source_id, first_seen)
"""

# A migration is an SQL script (statements end a line with ";"), or a function that runs
# inside the migration's transaction.
Migration = str | Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = [
    V1,
    V2,
    JOURNAL,
    TITLE_DERIVED,
    V_FTS_CONTENTLESS,
    STORIES,
    SOURCE_SETTINGS,
    V_SYNC,
    LABEL_COUNTS,
    V_FTS_PREFIX,
    pack_texts,
    BATCH_COUNTS,
    RETENTION_SEEN,
]
LATEST = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, upto: int = LATEST) -> int:
    """Apply every migration above the library's version, each in its own transaction."""
    current = version(conn)
    if current > LATEST:
        from newstui.errors import NewstuiError

        raise NewstuiError(
            f"library schema version {current} is newer than this newstui ({LATEST}); upgrade newstui"
        )
    # The stories migration keys existing rows with the same code that keys new ones.
    conn.create_function("newstui_story_key", 2, story_key_sql, deterministic=True)
    conn.create_function("newstui_guid_key", 2, guid_key_sql, deterministic=True)
    # The search index migration recomputes the texts the index holds.
    conn.create_function("newstui_index_summary", 3, _index_summary, deterministic=True)
    conn.create_function("newstui_index_body", 3, _index_body, deterministic=True)
    # The texts migration compresses existing texts with the code that compresses new ones.
    conn.create_function("newstui_pack", 1, pack_sql, deterministic=True)
    for target in range(current + 1, upto + 1):
        script = MIGRATIONS[target - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            if callable(script):
                script(conn)
            else:
                for statement in _statements(script):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    if current and upto > current:
        # A migration that rewrote much of the library left a log as big: give it back.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return version(conn)


@lru_cache(maxsize=1)  # the two functions are called one after the other on one row
def _index_texts(summary: str | bytes, content: str | bytes, content_type: str) -> tuple[str, str]:
    return index_texts(unpack(summary), unpack(content), content_type)


def _index_summary(summary: str | bytes, content: str | bytes, content_type: str) -> str:
    return _index_texts(summary, content, content_type)[0]


def _index_body(summary: str | bytes, content: str | bytes, content_type: str) -> str:
    return _index_texts(summary, content, content_type)[1]


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]
