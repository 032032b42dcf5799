"""Plain text out of stored bodies: what the search index holds and what lengths count.

Pure and cheap (regular expressions, no HTML parser), so the store, the renderer and the
full-text rules can all use it without importing one another.
"""

from __future__ import annotations

import html
import re

from newstui.textsafe import ACTIVE_HTML, clean

_TAGS = re.compile(r"<[^>]*>")
_BLOCK = re.compile(r"</?(p|div|br|li|h[1-6]|tr|blockquote|pre)\b[^>]*>", re.I)


def plain_text(content: str, content_type: str, limit: int = 200_000) -> str:
    """Text for the search index: HTML tags dropped and entities decoded (cheap, no parser)."""
    if not content:
        return ""
    content = content[: limit * 2]
    if content_type == "html":
        content = ACTIVE_HTML.sub(" ", content)
        content = _BLOCK.sub("\n", content)
        content = html.unescape(_TAGS.sub("", content))
    return clean(content, limit)


def index_texts(summary: str, content: str, content_type: str) -> tuple[str, str]:
    """(summary, body) as the search index holds them; a summary that stands in for a
    missing body is indexed once, as the body."""
    body = plain_text(content or summary, content_type)
    return (plain_text(summary, content_type, 20_000) if content else ""), body
