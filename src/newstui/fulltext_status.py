"""When a bookmark needs its full text, and how its full-text state reads: pure rules.

The fetching lives in ``newstui.bookmarks.fulltext``; the store (queueing a new bookmark)
and the renderer (the status line) need only these rules, not the network code.

A bookmark's full-text status is one of:

- ``none``: nothing to fetch (the stored text is already the whole article, or no link);
- ``pending``: queued, fetched by ``complete_pending`` (the refresh and the TUI call it);
- ``ok``: the full text is stored;
- ``failed``: the last attempt failed (``fulltext_error`` says why); retried until
  ``MAX_ATTEMPTS`` attempts have been made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newstui.plaintext import plain_text

if TYPE_CHECKING:
    from newstui.models import Article

SHORT_TEXT = 1_500  # characters of plain text: less than this is a summary, not an article
MAX_ATTEMPTS = 5


def stored_text_length(art: Article) -> int:
    """Characters of readable text the feed or file gave (content, else summary)."""
    content = art.content if art.content.strip() else art.summary
    kind = art.content_type if art.content.strip() else ("html" if "<" in art.summary else "text")
    return len(plain_text(content, kind, SHORT_TEXT * 2))


def needs_fulltext(art: Article) -> bool:
    """True when the article has a link but only a summary's worth of text stored."""
    return bool(art.link) and not art.fulltext and stored_text_length(art) < SHORT_TEXT


def status_line(art: Article) -> str:
    """One line for the view: whether the full text is there."""
    if not art.bookmarked:
        return _article_status_line(art)
    if art.fulltext_status == "ok":
        return "full text saved for offline reading"
    if art.fulltext_status == "pending":
        return "full text queued: fetched on the next refresh"
    if art.fulltext_status == "failed":
        retry = "will retry" if art.fulltext_attempts < MAX_ATTEMPTS else "gave up"
        return f"full text not fetched ({art.fulltext_error or 'failed'}; {retry})"
    return "saved for offline reading"


def _article_status_line(art: Article) -> str:
    """The line for an article that is not bookmarked: only once a full text was asked for."""
    if art.fulltext_status == "ok":
        return "full text saved for offline reading"
    if art.fulltext_status == "pending":
        return "full text queued: fetched on the next refresh"
    if art.fulltext_status == "failed":
        return f"full text not fetched ({art.fulltext_error or 'failed'}); showing the feed's text"
    return ""
