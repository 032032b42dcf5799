"""Schema and ordered migrations; the version lives in ``PRAGMA user_version``.

Each migration moves the library one version up inside one transaction, so a library
made by any older newstui opens in this one. Never edit a released migration: add one.
"""

from __future__ import annotations

import sqlite3

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

MIGRATIONS: list[str] = [V1, V2, JOURNAL, TITLE_DERIVED, V_FTS_CONTENTLESS]
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
    for target in range(current + 1, upto + 1):
        script = MIGRATIONS[target - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version(conn)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]
