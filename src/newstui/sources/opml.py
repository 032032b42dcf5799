"""OPML subscription lists: read (nested outlines become the source's category) and write."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from newstui.errors import NewstuiError
from newstui.sources.decode import decode_text, wide_to_utf8

_ENTITY_DECL = re.compile(rb"<!ENTITY|<!DOCTYPE[^>]*\[", re.I)
# newstui's own outline attributes (a source's settings) live in this namespace, so other
# readers ignore them: <outline newstui:interval="2h" .../>.
NEWSTUI_NS = "urn:newstui:opml:1"
NEWSTUI_PREFIX = "newstui"
_SETTING_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_END = re.compile(rb"</opml\s*>(?:\s|<!--.*?-->)*$", re.I | re.S)


class OpmlError(NewstuiError):
    """A malformed OPML document."""


@dataclass
class Subscription:
    url: str
    title: str = ""
    category: str = ""
    settings: dict[str, str] = field(default_factory=dict)  # newstui: attributes, as text


@dataclass
class OpmlList:
    """What ``read_opml`` found: the subscriptions, and whether the tolerant pass was needed."""

    subscriptions: list[Subscription] = field(default_factory=list)
    recovered: bool = False  # True when the list was not well-formed XML
    problem: str = ""  # the strict parser's complaint (when ``recovered``)


# Outline types that name something other than a feed (a web page, another OPML list).
_NOT_FEEDS = frozenset({"link", "include", "html", "song", "audio"})
_FEED_SCHEME = re.compile(r"^feed:(//)?", re.I)


def _feed_url(raw: str) -> str:
    """An outline's feed URL as a reader can fetch it: white space inside dropped,
    ``feed://host/x`` and ``feed:https://host/x`` to http(s), ``//host/x`` to https."""
    url = "".join(raw.split())
    if _FEED_SCHEME.match(url):
        rest = _FEED_SCHEME.sub("", url)
        url = rest if rest.lower().startswith(("http://", "https://")) else "http://" + rest
    elif url.startswith("//"):
        url = "https:" + url
    return url


class _Collector:
    """Subscriptions in document order; duplicates merge (the first keeps its folder)."""

    def __init__(self) -> None:
        self.subs: dict[str, Subscription] = {}

    def outline(
        self,
        attrs: dict[str, str],
        folder: str,
        title_ok: bool = True,
        settings: dict[str, str] | None = None,
    ) -> str:
        """Take one outline's attributes (names lower-cased); returns the folder its
        children belong to."""
        kind = (attrs.get("type") or "").strip().lower()
        raw = attrs.get("xmlurl") or (attrs.get("url") if kind not in _NOT_FEEDS else "") or ""
        url = _feed_url(raw) if kind not in ("include",) else ""
        name = (attrs.get("title") or attrs.get("text") or "").strip() if title_ok else ""
        if url:
            if url not in self.subs:
                self.subs[url] = Subscription(url, name, folder, settings or {})
            return folder
        return name or folder


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def read_opml(data: bytes) -> OpmlList:
    """Read an OPML subscription list.

    Accepts well-formed OPML 1.0/2.0 (element and attribute names in any case, namespaced
    or not) and, when the strict XML parser refuses the document, lists with the usual
    export bugs (a bare ``&`` in a URL, unescaped quotes in a title): a tolerant HTML-style
    pass that never resolves entities or DTDs recovers every outline that carries a feed
    URL (a title broken by stray quotes is left empty; the feed's own title fills it).
    A list that is cut short (no closing ``</opml>``) is refused rather than half-read.
    Nested outlines become the category. Raises OpmlError when it is not OPML, declares
    entities, or nothing can be recovered.
    """
    if _ENTITY_DECL.search(data):
        raise OpmlError("OPML declares XML entities (refused)")
    data = wide_to_utf8(data)
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        return _recover(data, " ".join(str(exc).split()))
    if _local(root.tag) != "opml":
        raise OpmlError(f"not OPML: the root element is <{_local(root.tag)}>, not <opml>")
    body = next((c for c in root if _local(c.tag) == "body"), None)
    if body is None:
        raise OpmlError("malformed OPML: no <body> element")
    found = _Collector()

    def walk(node: ET.Element, folder: str) -> None:
        for outline in node:
            if _local(outline.tag) != "outline":
                continue
            attrs = {k.rsplit("}", 1)[-1].lower(): v for k, v in outline.attrib.items()}
            walk(outline, found.outline(attrs, folder, settings=newstui_settings(outline.attrib)))

    walk(body, "")
    return OpmlList(list(found.subs.values()))


def _recover(data: bytes, problem: str) -> OpmlList:
    """The tolerant pass over a list that is not well-formed XML."""
    from bs4 import BeautifulSoup, Tag  # only for broken lists

    from newstui.sources.sniff import head_text, root_element

    if root_element(head_text(data)) != "opml":
        raise OpmlError(f"malformed OPML: {problem}")
    if not _END.search(data[-4096:].replace(b"\x00", b"")):
        # A list cut short (an interrupted download or save) may be missing any part of
        # itself: importing what is left would pass a partial list off as the whole.
        raise OpmlError(f"malformed OPML: {problem} (the list is cut short: no </opml> at the end)")
    try:
        text = decode_text(data)
    except NewstuiError as exc:
        raise OpmlError(f"malformed OPML: {exc}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bs4 warns that this looks like XML: we know
        soup = BeautifulSoup(text, "html.parser")
    found = _Collector()

    def walk(node: Tag, folder: str) -> None:
        for outline in node.find_all("outline", recursive=False):
            attrs = {k.lower(): v if isinstance(v, str) else " ".join(v) for k, v in outline.attrs.items()}
            # An unescaped quote ends a value early and leaves words as stray attributes.
            title_ok = not any('"' in k or "'" in k for k in attrs)
            walk(outline, found.outline(attrs, folder, title_ok, newstui_settings(attrs)))

    walk(soup.find("body") or soup, "")
    if not found.subs:
        raise OpmlError(f"malformed OPML: {problem} (no subscriptions could be recovered)")
    return OpmlList(list(found.subs.values()), recovered=True, problem=problem)


def newstui_settings(attrs: dict[str, str]) -> dict[str, str]:
    """An outline's attributes in the newstui namespace as {name: text}: ``{urn}name``
    from the XML parser, ``newstui:name`` from the tolerant pass. Values are not checked
    here (the importer reads them with ``newstui.source_settings``)."""
    out: dict[str, str] = {}
    for key, value in attrs.items():
        if key.startswith("{"):
            ns, _, name = key[1:].partition("}")
            if ns != NEWSTUI_NS:
                continue
        else:
            prefix, colon, name = key.partition(":")
            if not colon or prefix.lower() != NEWSTUI_PREFIX:
                continue
        name = name.lower()
        if _SETTING_NAME.fullmatch(name):
            out[name] = value
    return out


def parse_opml(data: bytes) -> list[Subscription]:
    """The subscriptions of an OPML list (see ``read_opml``)."""
    return read_opml(data).subscriptions


def write_opml(subs: list[Subscription], title: str = "newstui subscriptions") -> str:
    """OPML 2.0 with one folder level (the source's category); a subscription's settings
    become ``newstui:`` attributes."""
    folders: dict[str, list[Subscription]] = {}
    for s in subs:
        folders.setdefault(s.category, []).append(s)
    ns = f" xmlns:{NEWSTUI_PREFIX}={quoteattr(NEWSTUI_NS)}" if any(s.settings for s in subs) else ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<opml version="2.0"{ns}>',
        f"  <head><title>{_esc(title)}</title></head>",
        "  <body>",
    ]

    def outline(s: Subscription, indent: str) -> str:
        t = quoteattr(s.title or s.url)
        extra = "".join(
            f" {NEWSTUI_PREFIX}:{k}={quoteattr(v)}"
            for k, v in sorted(s.settings.items())
            if _SETTING_NAME.fullmatch(k)
        )
        return f'{indent}<outline type="rss" text={t} title={t} xmlUrl={quoteattr(s.url)}{extra}/>'

    for folder in sorted(folders, key=str.casefold):
        if folder:
            q = quoteattr(folder)
            lines.append(f"    <outline text={q} title={q}>")
            lines.extend(outline(s, "      ") for s in folders[folder])
            lines.append("    </outline>")
        else:
            lines.extend(outline(s, "    ") for s in folders[folder])
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
