"""Canonical links and story keys: how two articles are recognised as one story.

Pure functions (no project imports): the parser processes of a refresh run them while
preparing rows, and the schema migration uses them to key the articles already stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a click came from; they never change the article.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "wt_mc",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking(name: str) -> bool:
    """True for a query parameter that only tracks the reader (``utm_source``, ``fbclid``…)."""
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def canonical_link(url: str | None, *, keep_fragment: bool = False) -> str:
    """The form of an http(s) URL that two copies of one article share, or "" for anything
    that is not an http(s) URL.

    Scheme and host are lower-cased, a default port, user info, the fragment (unless
    ``keep_fragment``) and tracking parameters are dropped, the remaining parameters are
    sorted, and a trailing slash is dropped from the path (an empty path becomes ``/``)."""
    url = (url or "").strip()
    if not url:
        return ""
    simple = _simple_canonical(url)
    return simple if simple is not None else _general_canonical(url, keep_fragment)


def _general_canonical(url: str, keep_fragment: bool) -> str:
    """``canonical_link`` of any stripped, non-empty URL (through urllib)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed port or IPv6 literal: not a link we can compare
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return ""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k))
    fragment = parts.fragment if keep_fragment else ""
    return urlunsplit((scheme, netloc, path, urlencode(query), fragment))


# A character that sends a URL to urllib (a set's isdisjoint hashes every character).
_NOT_SIMPLE = re.compile(r"[?#@\[\]\\%\t\r\n]")


def _simple_canonical(url: str) -> str | None:
    """``canonical_link`` of the common URL (``http(s)://host[:port]/path`` with a
    lower-case host and no user info, query or fragment) and of a URL that cannot be
    http(s), by plain string work; None sends it to urllib. A refresh keys every article
    (its link and its guid), so urlsplit/urlunsplit showed in its profile."""
    if url.startswith("https://"):
        scheme, rest = "https", url[8:]
    elif url.startswith("http://"):
        scheme, rest = "http", url[7:]
    elif (
        url[0] > " " and url[:4].lower() != "http" and "\t" not in url and "\r" not in url and "\n" not in url
    ):
        return ""  # another scheme (urn:, tag:, mailto:) or none: never an http(s) link
    else:
        return None
    if not rest.isascii() or _NOT_SIMPLE.search(rest) is not None:
        return None
    host, slash, path = rest.partition("/")
    host, colon, port = host.partition(":")
    if not host or host != host.lower() or host.endswith(".") or not host[0].isalnum():
        return None
    if colon:
        if not port.isdigit() or int(port) > 65535:
            return None
        if int(port) != DEFAULT_PORTS[scheme]:
            host += f":{int(port)}"
    path = slash + path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return f"{scheme}://{host}{path}"


@cache
def hasher(name: str) -> Callable[..., Any]:
    """hashlib's ``name`` (``"sha1"``, ``"blake2b"``), imported at its first use: hashlib
    loads OpenSSL, which a listing or the reader's start never needs (an import statement
    in every key or row cost 0.6 us; this call 0.03)."""
    import hashlib

    return getattr(hashlib, name)  # type: ignore[no-any-return]


def key_of(text: str) -> int:
    """A signed 64-bit key for ``text`` (what SQLite stores as an INTEGER)."""
    digest = hasher("blake2b")(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def story_keys(link: str | None, guid: str | None) -> tuple[int | None, int | None]:
    """The keys an article is recognised by: ``(story, guid_key)``.

    ``story`` is the key of the canonical link (of the guid when there is no link, if the
    guid is a URL), ``None`` when neither is an http(s) URL. ``guid_key`` is the key of a
    guid that is a URL other than the link, else ``None``. Two articles are one story when
    any of their keys are equal.

    A guid keeps its fragment: it is an identifier, and feeds tell entries apart by one
    (``https://example.org/feed#42``)."""
    canon_link = canonical_link(link)
    canon_guid = canonical_link(guid, keep_fragment=True)
    if not canon_link:
        return (key_of(canon_guid) if canon_guid else None), None
    guid_key = key_of(canon_guid) if canon_guid and canon_guid != canon_link else None
    return key_of(canon_link), guid_key


def story_key_sql(link: str | None, key: str | None) -> int | None:
    """``story`` of a stored row (its link and its key, the guid or link it was stored by)."""
    return story_keys(link, key)[0]


def guid_key_sql(link: str | None, key: str | None) -> int | None:
    """``guid_key`` of a stored row (see ``story_key_sql``)."""
    return story_keys(link, key)[1]
