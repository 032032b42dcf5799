"""What a document is, by its content rather than its file name.

A subscription list saved as ``subscriptions.xml`` is OPML, and a feed saved as
``feed.php`` or ``index.cgi`` is a feed; the root element (or a JSON Feed's shape) says
which. Only the first few kilobytes are looked at.
"""

from __future__ import annotations

import json
import re

from newstui.sources.decode import bom_encoding, wide_encoding

HEAD = 16_384  # bytes looked at
# What may come before the root element: white space, the XML declaration, processing
# instructions, comments and a DOCTYPE (with or without an internal subset).
_PROLOG = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.S | re.I)
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})


def head_text(data: bytes) -> str:
    """The first bytes of ``data`` as text, good enough to find the root element."""
    head = data[:HEAD]
    codec = bom_encoding(head) or wide_encoding(head)
    if codec:
        return head.decode(codec, errors="ignore").lstrip("\ufeff")
    return head.decode("latin-1")  # ASCII-compatible: markup reads the same in any of them


def root_element(text: str) -> str | None:
    """The local name of the root element, lower-cased (None when none is found)."""
    pos = 0
    while True:
        m = _PROLOG.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    m = _ROOT.match(text, pos)
    if not m:
        return None
    return m.group(1).rsplit(":", 1)[-1].lower()


def is_json_feed(data: bytes) -> bool:
    """A JSON object with an ``items`` list, or a jsonfeed.org version."""
    text = head_text(data).lstrip()
    if not text.startswith("{"):
        return False
    if "jsonfeed.org/version" in text:
        return True
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurd nesting
        return False
    return isinstance(doc, dict) and isinstance(doc.get("items"), list)


def sniff(data: bytes) -> str | None:
    """``"opml"``, ``"feed"``, ``"html"`` or None (not a document this knows by content)."""
    text = head_text(data)
    if text.lstrip().startswith("{"):
        return "feed" if is_json_feed(data) else None
    root = root_element(text)
    if root == "opml":
        return "opml"
    if root in FEED_ROOTS:
        return "feed"
    if root == "html":
        return "html"
    return None
