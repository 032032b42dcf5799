"""Feed documents (RSS 0.9x/1.0/2.0, Atom, RDF via feedparser; JSON Feed via json) to articles.

Runs in worker processes during a refresh, where it also prepares the store's rows: it
imports ``newstui.store.articles`` for that when it loads, so a forkserver that preloads
this module hands it to every worker (each worker imported it at its first feed, about
0.1 s of CPU).
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

from newstui.errors import NewstuiError
from newstui.models import ArticleIn
from newstui.sources.dates import parse_date
from newstui.sources.decode import GZIP_MAGIC, DecodeError, bom_encoding, gunzip, wide_to_utf8
from newstui.store.articles import prepare_row
from newstui.textsafe import ACTIVE_HTML

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_TAG = re.compile(r"<[^>]*>")
# An active element left open (no end tag) hides everything after it.
_ACTIVE_OPEN = re.compile(r"<(script|style|iframe|noscript|template|object|embed)\b.*", re.I | re.S)
# Encoded content (entity-escaped HTML) that wraps its HTML in CDATA once more.
_CDATA = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|$)", re.S)
_NUMERIC = re.compile(r"^\s*v?\d+(\.\d+)*\s*$", re.I)
MAX_BODY = 16 * 1024 * 1024  # a gzip body's cap when the caller names none (the fetch cap)


class FeedError(NewstuiError):
    """A document that is not a usable feed; the message is recorded on the source."""


@dataclass
class ParsedFeed:
    title: str = ""
    site_url: str = ""
    entries: list[ArticleIn] = field(default_factory=list)
    problem: str | None = None  # the parser's complaint about a malformed but usable feed
    rows: list | None = None  # store.articles.PreparedRow of each entry (``parse_rows_job``)


def _abs(base: str, link: str) -> str:
    if not link:
        return ""
    link = link.strip()
    if link.startswith(("http://", "https://")) or not base.startswith(("http://", "https://")):
        return link  # already absolute (the common case: urljoin is costly), or no base
    return urljoin(base, link)


def _text(value: str | None, is_html: bool = True) -> str:
    """A one-line field (title, author) as plain text: for HTML, active elements dropped
    with their content (a ``<script>`` in a title is code, not words), tags removed and
    entities decoded."""
    if not value:
        return ""
    if "<![CDATA[" in value:
        value = unwrap_cdata(value)
    if "<" not in value:
        return html.unescape(value) if is_html else value
    # Even a title declared as plain text loses whole script/style elements: feeds put
    # escaped markup in "text" titles, and code is never the title's words.
    value = ACTIVE_HTML.sub("", value)
    if is_html:
        value = _TAG.sub("", _ACTIVE_OPEN.sub("", value))
        return html.unescape(value)
    return value


def unwrap_cdata(value: str) -> str:
    """``<![CDATA[...]]>`` left inside already-decoded content, replaced by what it holds."""
    return _CDATA.sub(lambda m: m.group(1), value)


def parse_feed(body: bytes, url: str = "", max_bytes: int = MAX_BODY, content_type: str = "") -> ParsedFeed:
    """Parse one feed document. Raises FeedError for what cannot be a feed.

    Accepts RSS 0.9x/1.0/2.0, Atom and RDF (through feedparser, which follows the
    encoding a document declares or implies) and JSON Feed; a gzip body (a stored
    ``.gz`` file, or a server that compressed without saying so) is decompressed first,
    into at most ``max_bytes``, and UTF-16/32 without a BOM is recognised. ``content_type``
    is the HTTP header, whose charset feedparser weighs with the document's own."""
    if body.startswith(GZIP_MAGIC):
        try:
            body = gunzip(body, max_bytes)
        except DecodeError as exc:
            raise FeedError(str(exc)) from None
    body = wide_to_utf8(body)
    codec = bom_encoding(body)
    head = body[:4096]
    if codec is not None:
        head = head.decode(codec, errors="ignore").encode("utf-8", "replace")
    head = head.lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"{", b"[")):
        return parse_json_feed(body, url)
    probe = body if len(body) < 1_000_000 else body[:1_000_000]
    if _ENTITY_DECL.search(probe) or _ENTITY_DECL.search(probe.replace(b"\x00", b"")):
        raise FeedError("feed declares XML entities in a DTD (refused: entity expansion attack)")
    import feedparser  # imported lazily: it is slow to import and only refreshes need it

    try:
        d = feedparser.parse(
            io.BytesIO(body),
            sanitize_html=False,
            resolve_relative_uris=False,
            response_headers={"content-type": content_type} if content_type else None,
        )
    except Exception as exc:  # feedparser raises on some character references (#591, #599)
        raise FeedError(f"cannot parse feed: {type(exc).__name__}: {exc}") from None
    problem = None
    if d.get("bozo"):
        bozo = d.get("bozo_exception")
        problem = f"malformed feed: {bozo}" if bozo else "malformed feed"
        if "CharacterEncoding" in type(bozo).__name__:
            problem = f"encoding problem: {bozo}"
    if not d.entries:
        if problem:  # malformed and nothing usable in it: an error, not an empty feed
            raise FeedError(f"{problem} (no entries)")
        if d.get("version") or d.feed.get("title"):
            return ParsedFeed(
                title=_text(d.feed.get("title")),
                site_url=_abs(url, d.feed.get("link", "")),
                entries=[],
                problem=problem,
            )
        raise FeedError(problem or "not a feed (no entries, no feed title)")
    feed = d.feed
    out = ParsedFeed(
        title=_text(feed.get("title")),
        site_url=_abs(url, feed.get("link", "")),
        problem=problem,
    )
    for e in d.entries:
        out.entries.append(_entry(e, url))
    _separate_shared_links(out.entries)
    return out


def _separate_shared_links(entries: list[ArticleIn]) -> None:
    """Entries without an id that share one link (often the site's home page) would
    collapse into one article keyed by that link: key each by its link and its content."""
    counts: dict[str, int] = {}
    for e in entries:
        if not e.guid and e.link:
            counts[e.link] = counts.get(e.link, 0) + 1
    for e in entries:
        if not e.guid and counts.get(e.link, 0) > 1:
            basis = "\x1f".join((e.title, e.summary, e.content))
            e.guid = f"{e.link}#sha1:{hashlib.sha1(basis.encode('utf-8', 'replace')).hexdigest()}"


def _entry(entry: dict, base: str) -> ArticleIn:
    # Plain dict lookups: FeedParserDict.get maps aliases and warns on fallbacks, which
    # costs more than the mapping itself on a refresh of many feeds. The stored items are
    # copied as stored (dict.items): for the stored keys read here, FeedParserDict's own
    # item lookup answers the same, one Python call per key slower.
    e = dict(dict.items(entry))
    get = e.get
    # The nested parts (content, details, tags, links) are FeedParserDicts too: read them
    # with dict.get for keys FeedParserDict does not map ("url" it does: read as before).
    field = dict.get
    content = ""
    ctype = "html"
    for c in get("content") or ():
        value = field(c, "value") or ""
        if len(value) > len(content):
            content = value
            ctype = "html" if "html" in (field(c, "type") or "html") else "text"
    summary = get("summary") or ""
    if not content:
        content, summary = summary, ""
        detail = get("summary_detail") or {}
        ctype = "html" if "html" in (field(detail, "type") or "text/html") else "text"
    if "<![CDATA[" in content:
        content = unwrap_cdata(content)
    if "<![CDATA[" in summary:
        summary = unwrap_cdata(summary)
    title_detail = get("title_detail") or {}
    title = _text(get("title") or "", "html" in (field(title_detail, "type") or "text/html"))
    published = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = get(key)
        if parsed:
            published = _timestamp(parsed)
            break
    updated = _timestamp(get("updated_parsed"))
    author = field(get("author_detail") or {}, "name") or get("author") or ""
    cats = []
    for t in get("tags") or ():
        name = field(t, "label") or field(t, "term")
        if name:
            cats.append(name)
    enclosures = []
    for link in get("links") or ():
        if field(link, "rel") == "enclosure":
            href = field(link, "href") or link.get("url")
            if href:
                enclosures.append(
                    {
                        "url": _abs(base, href),
                        "type": field(link, "type", ""),
                        "length": field(link, "length"),
                    }
                )
    enclosures += _media_images(e, base, {str(x["url"]) for x in enclosures})
    return ArticleIn(
        title=title,
        guid=get("id") or "",
        link=_abs(base, get("link") or ""),
        author=_text(author),
        summary=summary,
        content=content,
        content_type=ctype,
        published=published,
        updated=updated,
        categories=cats,
        enclosures=enclosures,
    )


def _media_images(entry: dict, base: str, known: set[str]) -> list[dict[str, object]]:
    """Media RSS pictures (``media:content`` of medium image, ``media:thumbnail``) as image
    enclosures, so the article view can show the feed's picture."""
    found: list[dict[str, object]] = []
    contents = entry.get("media_content") or ()
    thumbs = entry.get("media_thumbnail") or ()
    for media, is_thumb in [*((m, False) for m in contents), *((m, True) for m in thumbs)]:
        if not isinstance(media, dict) or not media.get("url"):
            continue
        kind = str(media.get("type") or "")
        if not (is_thumb or media.get("medium") == "image" or kind.startswith("image/")):
            continue
        url = _abs(base, str(media["url"]))
        if url not in known:
            known.add(url)
            found.append({"url": url, "type": kind or "image", "length": None})
    return found


def _timestamp(parsed: object) -> float | None:
    if not parsed:
        return None
    try:
        return float(calendar.timegm(parsed))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def parse_json_feed(body: bytes, url: str = "") -> ParsedFeed:
    """A JSON Feed (1.0/1.1). The version may be the jsonfeed.org URL, a bare number
    (``"1.1"`` or ``1.1``), or missing when the document has an ``items`` list."""
    try:
        data = json.loads(body)  # bytes: json detects UTF-8/16/32 and skips a UTF-8 BOM
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"not a JSON Feed: {exc}") from None
    except RecursionError:
        raise FeedError("not a JSON Feed: nested too deeply") from None
    if not isinstance(data, dict):
        raise FeedError("not a JSON Feed (not a JSON object)")
    version = data.get("version")
    items = data.get("items")
    if version is None or isinstance(version, int | float) or _NUMERIC.match(str(version)):
        if not isinstance(items, list):
            raise FeedError("not a JSON Feed (no jsonfeed.org version and no items list)")
    elif "jsonfeed.org/version" not in str(version):
        raise FeedError(f"not a JSON Feed (version {str(version)[:80]!r})")
    if not isinstance(items, list):
        raise FeedError("JSON Feed without an items list")
    feed_author = _json_author(data)
    out = ParsedFeed(
        title=str(data.get("title") or ""), site_url=_abs(url, str(data.get("home_page_url") or ""))
    )
    for item in items:
        if not isinstance(item, dict):
            continue
        html_body = item.get("content_html")
        text_body = item.get("content_text")
        tags = item.get("tags")
        if not isinstance(tags, list):
            tags = []
        attachments = item.get("attachments")
        if not isinstance(attachments, list):
            attachments = []
        out.entries.append(
            ArticleIn(
                title=str(item.get("title") or ""),
                guid=str(item.get("id") or ""),
                link=_abs(url, str(item.get("url") or item.get("external_url") or "")),
                author=_json_author(item) or feed_author,
                summary=str(item.get("summary") or ""),
                content=str(html_body if html_body else text_body or ""),
                content_type="html" if html_body else "text",
                published=parse_date(item.get("date_published")),
                updated=parse_date(item.get("date_modified")),
                tags=[str(t) for t in tags if t is not None],
                enclosures=[
                    {
                        "url": _abs(url, str(a.get("url") or "")),
                        "type": str(a.get("mime_type") or ""),
                        "length": a.get("size_in_bytes"),
                    }
                    for a in attachments
                    if isinstance(a, dict) and a.get("url")
                ],
            )
        )
    _separate_shared_links(out.entries)
    return out


def _json_author(obj: dict) -> str:
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return str(authors[0].get("name") or "")
    author = obj.get("author")
    if isinstance(author, dict):
        return str(author.get("name") or "")
    return ""


# ------------------------------------------------------------------ worker side
# The refresh runs these in a process pool (spawn-safe: top level, light imports).


def warm_worker() -> None:
    """Pool initializer: pay feedparser's import once per worker, before the first feed."""
    import feedparser  # noqa: F401


def parse_job(body: bytes, url: str, content_type: str = "") -> ParsedFeed | str:
    """Parse in a worker: the feed, or the one-line reason it is not one."""
    try:
        return parse_feed(body, url, content_type=content_type)
    except FeedError as exc:
        return str(exc)
    except Exception as exc:  # a worker must answer, not die: the refresh records this
        return f"cannot parse feed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"


def parse_rows_job(body: bytes, url: str, content_type: str = "") -> ParsedFeed | str:
    """``parse_job`` that also prepares the store's rows (cleaning, keys, hashes, index
    text) in the worker, so the refresh's main process only runs SQL."""
    parsed = parse_job(body, url, content_type)
    if isinstance(parsed, str):
        return parsed
    now = time.time()
    parsed.rows = [prepare_row(e, url, now) for e in parsed.entries]
    parsed.entries = []  # not sent back twice
    return parsed
