"""OPML subscription lists: read (nested outlines become the source's category) and write."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from newstui.errors import NewstuiError

_ENTITY_DECL = re.compile(rb"<!ENTITY|<!DOCTYPE[^>]*\[", re.I)


class OpmlError(NewstuiError):
    """A malformed OPML document."""


@dataclass
class Subscription:
    url: str
    title: str = ""
    category: str = ""


def parse_opml(data: bytes) -> list[Subscription]:
    if _ENTITY_DECL.search(data):
        raise OpmlError("OPML declares XML entities (refused)")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"malformed OPML: {exc}") from None
    except (LookupError, ValueError) as exc:  # e.g. an unknown encoding in the XML declaration
        raise OpmlError(f"malformed OPML: {exc}") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"not OPML: the root element is <{root.tag}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError("malformed OPML: no <body> element")
    subs: dict[str, Subscription] = {}

    def walk(node: ET.Element, folder: str) -> None:
        for outline in node.findall("outline"):
            url = (outline.get("xmlUrl") or outline.get("xmlurl") or outline.get("url") or "").strip()
            name = (outline.get("title") or outline.get("text") or "").strip()
            if url and (outline.get("type") or "rss").lower() in ("rss", "atom", "feed", ""):
                if url not in subs:  # duplicates merge: the first keeps its folder
                    subs[url] = Subscription(url, name, folder)
            walk(outline, name if not url else folder)

    walk(body, "")
    return list(subs.values())


def write_opml(subs: list[Subscription], title: str = "newstui subscriptions") -> str:
    """OPML 2.0 with one folder level (the source's category)."""
    folders: dict[str, list[Subscription]] = {}
    for s in subs:
        folders.setdefault(s.category, []).append(s)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_esc(title)}</title></head>",
        "  <body>",
    ]

    def outline(s: Subscription, indent: str) -> str:
        t = quoteattr(s.title or s.url)
        return f'{indent}<outline type="rss" text={t} title={t} xmlUrl={quoteattr(s.url)}/>'

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
