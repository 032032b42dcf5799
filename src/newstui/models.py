"""Plain records passed between the sources, the store and the faces."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleIn:
    """An article as a parser produced it, before it is stored.

    ``guid`` is the feed's guid/id (or a file's path); when empty the store falls back to
    the link, then to a hash of source + title + date + content.
    """

    title: str
    guid: str = ""
    link: str = ""
    author: str = ""
    summary: str = ""
    content: str = ""
    content_type: str = "text"  # "html" | "text" | "markdown"
    published: float | None = None
    date_estimated: bool = False
    updated: float | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    enclosures: list[dict[str, object]] = field(default_factory=list)
    # Read from an exported bookmark's front matter so an import restores it.
    source_title: str = ""
    bookmarked: bool = False
    bookmarked_at: float | None = None
    note: str = ""
    user_tags: list[str] = field(default_factory=list)


@dataclass
class Source:
    """A subscription (a feed URL or file, or a folder of local articles), its fetch state,
    the user's settings for it and its article counts."""

    id: int
    url: str
    kind: str  # "feed" (a URL or a local feed file) or "folder" (local articles)
    title: str
    category: str = ""
    site_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_fetched: float | None = None
    last_success: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    failures: int = 0
    gone: bool = False
    retry_after: float | None = None
    added: float = 0.0
    # Settings the user chose for this source (see newstui.source_settings).
    feed_title: str = ""  # what the feed calls itself; ``title`` may override it
    refresh_interval: int | None = None  # seconds between fetches; None: every refresh
    retention_days: int | None = None  # None: the config's; 0: keep forever
    always_fulltext: bool = False
    ignore_rule: str = ""  # a query; new articles matching it are not stored
    paused: bool = False
    total: int = 0
    unread: int = 0

    @property
    def label(self) -> str:
        return self.title or self.url


@dataclass
class ArticleRow:
    """One line of the article list: only what the list shows."""

    id: int
    title: str
    source: str
    published: float
    read: bool
    bookmarked: bool
    also_in: list[str] = field(default_factory=list)  # other sources of the same story


@dataclass
class Tag:
    """A tag on an article and who gave it: the feed ("source") or the user ("user")."""

    name: str
    origin: str  # "source" or "user"


@dataclass
class Article:
    """One stored article in full, with its labels, bookmark, note and full-text state."""

    id: int
    source_id: int | None
    source: str
    key: str
    title: str
    link: str
    author: str
    summary: str
    content: str
    content_type: str
    published: float
    date_estimated: bool
    updated: float | None
    first_seen: float
    read: bool
    enclosures: list[dict[str, object]]
    categories: list[str]
    tags: list[Tag]
    bookmarked: bool = False
    bookmarked_at: float | None = None
    note: str = ""
    fulltext: str | None = None
    fulltext_status: str = "none"  # none | pending | ok | failed (see bookmarks.fulltext)
    fulltext_error: str | None = None
    fulltext_attempts: int = 0
    also_in: list[str] = field(default_factory=list)  # other sources of the same story
    title_derived: bool = False  # the entry had no title: this one is its opening words

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]


@dataclass
class UpsertResult:
    """What storing a batch of articles did: counts, and the ids of the new ones."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_ids: list[int] = field(default_factory=list)
    ignored: int = 0  # new articles a source's ignore rule dropped (counted out of ``new``)

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.ignored += other.ignored
        self.new_ids.extend(other.new_ids)
        return self


@dataclass
class JournalEntry:
    """One change of user state, as the change journal keeps it (``store/journal.py``).

    ``kind`` is one of ``read``, ``bookmark`` (old/new '0'/'1'), ``note`` (text), ``tag``
    (add: old None, new the name; remove: old the name, new None), ``subscribe`` (new the
    URL), ``unsubscribe`` (old the URL), ``source_title`` and ``source_category`` (old and
    new). ``article_id`` or ``source_id`` says what changed.
    """

    id: int
    at: float
    kind: str
    article_id: int | None
    source_id: int | None
    old: str | None
    new: str | None


@dataclass
class Account:
    """A feed-server account (the password is never here: see sync/credentials.py)."""

    id: int
    name: str
    type: str  # "greader"
    url: str
    username: str
    password_command: str | None = None
    initial_days: int = 30
    added: float = 0.0
    cursor: float | None = None  # crawl time up to which items were pulled
    last_sync: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    sources: int = 0
    articles: int = 0
    unread: int = 0
    rejected: int = 0
