"""The backend protocol every feed-server adapter implements, and its plain records.

The engine (``sync/engine.py``) only speaks this protocol, so another server API (Miniflux's
REST API, Nextcloud News) is one more module implementing ``Backend``. Item ids are numbers:
servers spell them differently (the Google Reader API has a long hex and a short decimal
form) and each adapter turns them into the one integer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from newstui.errors import NewstuiError


class SyncError(NewstuiError):
    """A sync problem shown as one line: unreachable, refused, malformed, rate-limited."""


class AuthError(SyncError):
    """The server refused the credentials (a wrong user or password)."""


class Rejected(SyncError):
    """The server refused one request (HTTP 4xx other than 401/429): the data, not the session."""


@dataclass
class Subscription:
    """A feed the account is subscribed to. ``id`` is the server's stream id (``feed/…``)."""

    id: str
    title: str
    url: str
    site_url: str = ""
    folder: str = ""  # the first folder (label) the feed sits in; '' when none


@dataclass
class Item:
    """One item of a stream, with the state the server holds for it."""

    id: int
    feed: str  # the stream id of its subscription
    title: str
    link: str = ""
    author: str = ""
    content: str = ""  # HTML
    published: float | None = None
    crawled: float | None = None  # when the server stored it (seconds)
    categories: list[str] = field(default_factory=list)  # the feed's own categories
    labels: list[str] = field(default_factory=list)  # user labels (the folder left out)
    read: bool = False
    starred: bool = False
    enclosures: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Page:
    items: list[Item]
    continuation: str | None  # pass back to get the next page; None at the end


class Backend(Protocol):
    """What the engine needs from a feed server. Every method raises ``SyncError`` (one line)
    when the server cannot be reached or refuses; none returns partial results silently."""

    requests: int  # HTTP requests made so far (the bench counts them)

    async def login(self) -> None: ...

    async def subscriptions(self) -> list[Subscription]: ...

    async def labels(self) -> list[str]:
        """User labels (tags), without the folders."""
        ...

    async def stream(self, *, since: float | None, continuation: str | None, count: int) -> Page:
        """Items of the whole reading list crawled at or after ``since``, newest first."""
        ...

    async def stream_body(self, *, since: float | None, continuation: str | None, count: int) -> bytes:
        """``stream`` undecoded: ``page_parser`` turns the body into the ``Page``."""
        ...

    @property
    def page_parser(self) -> Callable[[bytes], Page]:
        """A module-level function (it is pickled for a worker process) that decodes a page
        body; raises ``SyncError`` when the body is malformed."""
        ...

    def continuation_hint(self, body: bytes) -> str | None:
        """The page's continuation read cheaply from its body, or ``None`` (then the next
        page waits for the page to be decoded). The decoded page has the final word."""
        ...

    async def items(self, ids: Sequence[int]) -> list[Item]:
        """The items with these ids (unknown ids are left out)."""
        ...

    async def unread_ids(self) -> set[int]: ...

    async def starred_ids(self) -> set[int]: ...

    async def label_ids(self, label: str) -> set[int]: ...

    async def set_read(self, ids: Iterable[int], read: bool) -> None: ...

    async def set_starred(self, ids: Iterable[int], starred: bool) -> None: ...

    async def set_label(self, ids: Iterable[int], label: str, on: bool) -> None: ...

    async def mark_all_read(self, stream: str, before: float) -> None: ...

    async def subscribe(self, url: str, *, title: str = "", folder: str = "") -> None: ...

    async def unsubscribe(self, feed: str) -> None: ...

    async def rename(self, feed: str, title: str) -> None: ...

    async def move(self, feed: str, folder: str, old_folder: str = "") -> None: ...

    async def close(self) -> None: ...
