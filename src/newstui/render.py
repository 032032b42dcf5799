"""Articles to Markdown and plain text for display and export (no Textual here).

HTML goes through markdownify (a maintained HTML-to-Markdown converter); scripts, styles,
frames and forms are dropped, images become ``[image: alt](src)`` links, and only http(s)
links survive. Plain text is escaped so it is never read as Markdown syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urljoin

from newstui.fulltext_status import status_line
from newstui.plaintext import plain_text
from newstui.textsafe import ACTIVE_HTML, ACTIVE_HTML_TAG, clean, clean_line, safe_url

if TYPE_CHECKING:
    from bs4 import Tag
    from markdownify import MarkdownConverter

    from newstui.models import Article

_STRIP = [
    "script",
    "style",
    "iframe",
    "noscript",
    "template",
    "object",
    "embed",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "svg",
    "canvas",
    "frame",
    "frameset",
    "head",
]
# The patterns are kept as strings: `re` compiles each on first use and caches it, so a
# command that never renders an article (`newstui list`) does not pay for compiling them.
_MD_SPECIAL = r"([\\`*_{}\[\]<>#|~])"
_LINE_START = r"(?m)^(\s*)([-+=>]|\d+[.)])(?=\s)"
_BLANKS = r"\n{3,}"
_HTML_TAG = (
    r"(?i)</?(a|abbr|area|audio|b|base|bdi|bdo|big|blink|body|br|button|canvas|center|cite|code|"
    r"col|dd|del|details|dfn|dialog|div|dl|dt|em|fieldset|figcaption|figure|font|footer|form|"
    r"frame|frameset|h[1-6]|head|header|hr|html|i|img|input|ins|kbd|label|li|link|main|map|"
    r"mark|marquee|meta|meter|nav|ol|p|picture|pre|q|s|samp|section|select|small|source|span|"
    r"strike|strong|sub|summary|sup|svg|table|tbody|td|textarea|tfoot|th|thead|time|tr|track|"
    r"tt|u|ul|var|video|wbr|math|base|body)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
)
# Markdown links and reference definitions, so a javascript:/data:/file: target is dropped.
_MD_LINK = r"(!?)\[([^\]\n]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
_MD_REFDEF = r"(?m)^( {0,3}\[[^\]\n]+\]:[ \t]*)<?([^\s>]*)>?"
_MD_AUTOLINK = r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>"
_converter_cls: Callable[[str], MarkdownConverter] | None = None


def _converter(base_url: str) -> MarkdownConverter:
    """A markdownify converter that resolves links against ``base_url`` and keeps only
    http(s) targets (the class is built on first use: markdownify is imported lazily)."""
    global _converter_cls
    if _converter_cls is None:
        from markdownify import MarkdownConverter

        class SafeConverter(MarkdownConverter):
            def __init__(self, base: str = "") -> None:
                super().__init__(heading_style="ATX", bullets="-", escape_misc=False, code_language="")
                self.base = base

            def escape(self, text: str, parent_tags: set[str]) -> str:
                # Brackets in the page's text are text: unescaped, "[x](javascript:y)"
                # in a paragraph would become a link, and a "[" in a link's text would
                # end it early (markdownify escapes them only with all of escape_misc).
                text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
                # (markdownify's stubs leave out ``escape``, which its converter has.)
                return str(super().escape(text, parent_tags))  # type: ignore[misc]

            def _url(self, href: object) -> str:
                if not href or not isinstance(href, str):
                    return ""
                if self.base.startswith(("http://", "https://")):
                    href = urljoin(self.base, href.strip())
                return safe_url(href)

            def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
                href = self._url(el.get("href"))
                text = (text or "").strip()
                if not href:
                    return text
                return f"[{text or href}]({href})"

            def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
                alt = " ".join(str(el.get("alt") or el.get("title") or "").split()) or "image"
                alt = escape_md(alt)
                src = self._url(el.get("src"))
                return f"[image: {alt}]({src})" if src else f"[image: {alt}]"

        _converter_cls = SafeConverter
    return _converter_cls(base_url)


def html_to_markdown(html: str, base_url: str = "") -> str:
    if not html or not html.strip():
        return ""
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(html, "html.parser")
        for el in soup(_STRIP):
            el.decompose()  # the element and everything inside it
        for el in soup.find_all(True):
            for attr in [a for a in el.attrs if a.lower().startswith("on")]:
                del el[attr]
        md = _converter(base_url).convert_soup(soup)
    except (RecursionError, ValueError, AssertionError):
        # Pathologically nested or broken markup: fall back to the text alone.
        md = text_to_markdown(plain_text(html, "html"))
    return re.sub(_BLANKS, "\n\n", clean(md)).strip()


def escape_md(text: str) -> str:
    """One line of untrusted text as literal Markdown."""
    return re.sub(_MD_SPECIAL, r"\\\1", text)


def text_to_markdown(text: str) -> str:
    """Plain text as Markdown that shows exactly that text."""
    if not text:
        return ""
    escaped = escape_md(clean(text))
    escaped = re.sub(_LINE_START, lambda m: m.group(1) + "\\" + m.group(2), escaped)
    # Single newlines inside a paragraph stay line breaks.
    paragraphs = [p.replace("\n", "  \n") for p in escaped.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p.strip())


def safe_markdown_links(md: str) -> str:
    """Markdown whose link and image targets are http(s) only; other links keep their text."""

    def link(m: re.Match[str]) -> str:
        url = safe_url(m.group(3))
        if m.group(1):
            return f"![{m.group(2)}]({url})" if url else f"[image: {m.group(2) or 'image'}]"
        return f"[{m.group(2)}]({url})" if url else m.group(2)

    md = re.sub(_MD_LINK, link, md)
    md = re.sub(_MD_REFDEF, lambda m: m.group(1) + safe_url(m.group(2)), md)
    return re.sub(_MD_AUTOLINK, lambda m: f"<{m.group(1)}>" if safe_url(m.group(1)) else m.group(1), md)


def body_markdown(content: str, content_type: str, base_url: str = "") -> str:
    if content_type == "html":
        return html_to_markdown(content, base_url)
    if content_type == "markdown":
        # Raw HTML inside Markdown is left as text: the Markdown widget does not render HTML
        # tokens, and converting would garble bodies that merely mention "<tag>". Active
        # elements go whole, contents included, so no script or style text is ever shown.
        content = ACTIVE_HTML_TAG.sub("", ACTIVE_HTML.sub("", content))
        content = re.sub(_HTML_TAG, "", content)  # other tags of real elements: text stays
        return safe_markdown_links(clean(content))
    return text_to_markdown(content)


def article_body(art: Article) -> str:
    """The best body of an article as Markdown: full text, else content, else summary."""
    if art.fulltext:
        return clean(art.fulltext)
    if art.content.strip():
        body = body_markdown(art.content, art.content_type, art.link)
    else:
        body = ""
    if not body and art.summary:
        body = body_markdown(art.summary, "html" if "<" in art.summary else "text", art.link)
    return body


def iso(ts: float | None) -> str | None:
    """A timestamp as ISO 8601 in UTC (``2025-01-31T08:00:00Z``), for JSON and exports."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def format_date(ts: float | None, with_time: bool = True) -> str:
    if ts is None:
        return ""
    d = datetime.fromtimestamp(ts, UTC).astimezone()
    return d.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def reading_minutes(text: str) -> int:
    return max(1, round(len(text.split()) / 220))


def meta_line(art: Article, body: str | None = None) -> str:
    body = article_body(art) if body is None else body
    parts = [p for p in (art.author, art.source) if p]
    date = format_date(art.published)
    if date:
        parts.append(date + (" (file date)" if art.date_estimated else ""))
    parts.append(f"{reading_minutes(body)} min read")
    return " · ".join(parts)


def article_markdown(art: Article) -> str:
    """The whole article as a Markdown document (title, meta, labels, body, link)."""
    body = article_body(art)
    lines = [f"# {escape_md(art.title)}", "", f"*{escape_md(meta_line(art, body))}*", ""]
    if art.categories:
        lines += ["Categories: " + ", ".join(art.categories), ""]
    if art.tags:
        lines += ["Tags: " + ", ".join(t.name for t in art.tags), ""]
    lines += [body, ""]
    for enc in art.enclosures:
        url = safe_url(str(enc.get("url", "")))
        if url:
            lines += [f"Enclosure: [{enc.get('type') or 'media'}]({url})", ""]
    if art.link:
        lines += [f"Link: <{art.link}>", ""]
    return "\n".join(lines).strip() + "\n"


def article_text(art: Article) -> str:
    """Readable plain text for ``newstui show``."""
    body = article_body(art)
    lines = [art.title, "=" * min(len(art.title), 80), meta_line(art, body)]
    if art.categories:
        lines.append("Categories: " + ", ".join(art.categories))
    if art.tags:
        lines.append(
            "Tags: " + ", ".join(t.name + (" (yours)" if t.origin == "user" else "") for t in art.tags)
        )
    if art.bookmarked:
        lines.append("Bookmarked" + (f" — note: {art.note}" if art.note else ""))
        lines.append(status_line(art))
    elif status_line(art):  # a full text asked for: whether it is there
        lines.append(status_line(art))
    lines += ["", _unescape_md(body), ""]
    for enc in art.enclosures:
        lines.append(f"Enclosure: {enc.get('url')} ({enc.get('type') or 'media'})")
    if art.link:
        lines.append(f"Link: {art.link}")
    return clean("\n".join(lines)).rstrip() + "\n"


def _unescape_md(md: str) -> str:
    return re.sub(r"\\([\\`*_{}\[\]<>#|~+=.()!-])", r"\1", md).replace("  \n", "\n")


# ---------------------------------------------------------------------- pictures
# Bodies name their images as ``[image: alt](src)`` (HTML through the converter above) or
# ``![alt](src)`` (Markdown), possibly wrapped in a link. A line holding only images is where
# pictures stand in the text; an image inside a sentence, a list or a table stays a link.
MAX_IMAGES = 40  # pictures shown per article; later ones stay links


class ImageRef(NamedTuple):
    """One picture of an article: where to get it and its text (plain, untrusted). (A named
    tuple: this module is loaded by every listing, and a frozen dataclass compiles six
    methods when it is defined.)"""

    url: str
    alt: str = ""
    link: str = ""  # where the picture links to, if anywhere


def _image_pattern(tag: str) -> str:
    text = r"(?:\\.|[^\]\\\n])*"
    url = r"(?:[^()\s<>]|\([^()\s]*\))+"
    return (
        rf"(?:!\[(?P<a{tag}>{text})\]|\[image: (?P<b{tag}>{text})\])"
        rf"\(\s*<?(?P<u{tag}>{url})>?(?:\s+\"[^\"\n]*\")?\s*\)"
    )


_IMAGE = _image_pattern("0")
_LINKED_IMAGE = r"\[" + _image_pattern("1") + r"\]\(\s*<?(?P<href>(?:[^()\s<>]|\([^()\s]*\))+)>?\s*\)"
_FENCE = r"^ {0,3}(```|~~~)"


def _image_ref(m: re.Match[str], tag: str, link: str = "") -> ImageRef | None:
    url = safe_url(m.group(f"u{tag}"))
    if not url:
        return None
    alt = m.group(f"a{tag}") if m.group(f"a{tag}") is not None else m.group(f"b{tag}")
    alt = clean_line(re.sub(r"\\(.)", r"\1", alt or ""), 300)
    return ImageRef(url, "" if alt == "image" else alt, safe_url(link))


def line_images(line: str) -> list[ImageRef] | None:
    """The pictures of a Markdown line that holds nothing but pictures, else None."""
    text = line.strip()
    if not text or len(line) - len(line.lstrip(" ")) > 3:
        return None
    refs: list[ImageRef] = []
    pos = 0
    while pos < len(text):
        m = re.compile(_LINKED_IMAGE).match(text, pos)
        ref = _image_ref(m, "1", m.group("href")) if m else None
        if m is None:
            m = re.compile(_IMAGE).match(text, pos)
            ref = _image_ref(m, "0") if m else None
        if m is None or ref is None:
            return None
        refs.append(ref)
        pos = m.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
    return refs


def image_enclosures(art: Article) -> list[ImageRef]:
    """A feed's picture for the article: image enclosures, media thumbnails."""
    refs = []
    for enc in art.enclosures:
        kind = str(enc.get("type") or "").lower()
        url = safe_url(str(enc.get("url") or ""))
        if url and (kind == "image" or kind.startswith("image/")):
            refs.append(ImageRef(url))
    return refs


def body_parts(body: str, lead: list[ImageRef] | None = None) -> list[str | ImageRef]:
    """The Markdown ``body`` cut at its pictures: Markdown text and ``ImageRef`` in reading
    order. ``lead`` pictures (a feed's thumbnail) come first unless the body shows them."""
    parts: list[str | ImageRef] = []
    lines: list[str] = []
    seen: set[str] = set()
    fence = ""

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        if text.strip():
            parts.append(text)
        lines.clear()

    for line in body.split("\n"):
        m = re.match(_FENCE, line)
        if m and (not fence or m.group(1) == fence):
            fence = "" if fence else m.group(1)
        refs = None if fence or len(seen) >= MAX_IMAGES else line_images(line)
        if refs is None:
            lines.append(line)
            continue
        flush()
        parts.extend(refs)
        seen.update(r.url for r in refs)
    flush()
    first = [r for r in (lead or []) if r.url not in seen]
    return [*dict.fromkeys(first), *parts]
