"""The one check every outgoing link passes before it reaches a browser or the clipboard."""

from __future__ import annotations

from urllib.parse import urlsplit


def openable(url: str | None) -> str | None:
    """The URL if it is safe to hand to a browser (http/https with a host), else None.

    A URL that starts with ``-`` could be read as an option by a browser command line.
    """
    if not url:
        return None
    url = url.strip()
    if not url or url.startswith("-") or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
