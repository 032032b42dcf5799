"""Export bookmarks: Markdown files with YAML front matter, one HTML page, or JSON lines.

The Markdown export is what ``newstui import`` reads back: importing it into a fresh library
restores titles, links, categories, tags (user tags as the user's), notes, the source name
and the bookmarks with their times. File names come from the date and a slug of the title
and are safe on every file system.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from newstui.errors import NewstuiError
from newstui.models import Article
from newstui.plaintext import plain_text
from newstui.render import article_body, format_date, iso
from newstui.store.library import Library
from newstui.textsafe import clean_line

FORMATS = ("markdown", "html", "json")
MAX_STEM = 100  # characters
MAX_STEM_BYTES = 200  # UTF-8 bytes: most file systems allow 255 per name
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in range(1, 10)
}
_TRANSLIT = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "Oe",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
    }
)
_NOT_SLUG = re.compile(r"[\W_]+")


def _fold_latin(ch: str) -> str:
    """ "é" -> "e": a letter that is an ASCII letter plus accents loses the accents; letters
    of other scripts stay as they are."""
    parts = unicodedata.normalize("NFKD", ch)
    if parts[0].isascii() and all(unicodedata.combining(c) for c in parts[1:]):
        return parts[0]
    return ch


# ------------------------------------------------------------------ file names
def slugify(text: str, limit: int = 80) -> str:
    """Lower-case letters, digits and single hyphens; "" when nothing is left.

    Only word characters survive, so no separator, dot, control character or space can.
    """
    text = clean_line(text[: limit * 8]).translate(_TRANSLIT)
    text = "".join(_fold_latin(ch) for ch in unicodedata.normalize("NFC", text))
    slug = _NOT_SLUG.sub("-", text.lower()).strip("-")[:limit]
    while len(slug.encode("utf-8")) > MAX_STEM_BYTES:
        slug = slug[:-1]
    return slug.rstrip("-")


def safe_stem(text: str, limit: int = MAX_STEM) -> str:
    """A file name stem safe on Linux, macOS and Windows: no separators, no ``..``, no
    control characters, no reserved device names, no trailing dots or spaces, bounded."""
    stem = slugify(text, limit) or "untitled"
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"{stem}_"
    return stem


def bookmark_filename(art: Article) -> str:
    date = datetime.fromtimestamp(art.published, UTC).strftime("%Y-%m-%d")
    return f"{date}-{safe_stem(art.title, MAX_STEM - 11)}.md"


def _unique(name: str, taken: set[str]) -> str:
    """De-duplicate case-insensitively (Windows and macOS folders ignore case)."""
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    taken.add(candidate.casefold())
    return candidate


# -------------------------------------------------------------------- records
def bookmarked_articles(lib: Library) -> Iterator[Article]:
    """Every bookmark, newest bookmarked first."""
    for row in lib.list_articles("is:bookmarked", sort="bookmarked", limit=None):
        yield lib.article(row.id)


def front_matter(art: Article) -> dict[str, object]:
    meta: dict[str, object] = {
        "title": art.title,
        "link": art.link,
        "author": art.author,
        "source": art.source,
        "date": iso(art.published),
        "categories": list(art.categories),
        "tags": [t.name for t in art.tags],
        "user_tags": [t.name for t in art.tags if t.origin == "user"],
        "note": art.note,
        "bookmarked": art.bookmarked,
        "bookmarked_at": iso(art.bookmarked_at),
    }
    if art.fulltext:
        # The body is the fetched page; the feed's own summary is kept beside it.
        meta["summary"] = plain_text(art.summary, "html" if "<" in art.summary else "text", 5_000)
    return {k: v for k, v in meta.items() if v not in ("", None, [])}


def markdown_document(art: Article) -> str:
    import yaml

    head = yaml.safe_dump(
        front_matter(art),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )
    return f"---\n{head}---\n\n{article_body(art).strip()}\n"


def record(lib: Library, art: Article, *, body: bool = True) -> dict[str, object]:
    """One bookmark as a JSON-ready dict; ``body`` adds the Markdown body (converting HTML
    costs time, so a plain listing leaves it out)."""
    rec = lib.records(ids=[art.id])[0]
    rec.update(
        {
            "user_tags": [t.name for t in art.tags if t.origin == "user"],
            "note": art.note,
            "bookmarked_at": iso(art.bookmarked_at),
            "summary": art.summary,
            "fulltext_status": art.fulltext_status,
        }
    )
    if body:
        rec["body_markdown"] = article_body(art)
    return rec


# -------------------------------------------------------------------- writers
def export_markdown(lib: Library, directory: Path) -> list[Path]:
    """One ``.md`` file per bookmark in ``directory`` (created if needed)."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NewstuiError(f"{directory} is a file; the Markdown export needs a folder")
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written: list[Path] = []
    for art in bookmarked_articles(lib):
        path = directory / _unique(bookmark_filename(art), taken)
        path.write_text(markdown_document(art), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def export_json(lib: Library, stream: IO[str]) -> int:
    n = 0
    for art in bookmarked_articles(lib):
        stream.write(json.dumps(record(lib, art), ensure_ascii=False) + "\n")
        n += 1
    return n


def export_html(lib: Library, stream: IO[str]) -> int:
    arts = list(bookmarked_articles(lib))
    stream.write(html_document(arts))
    return len(arts)


def export_bookmarks(lib: Library, fmt: str, target: str | Path) -> int:
    """Write the export; ``target`` is a folder (markdown) or a file, "-" for stdout."""
    if fmt not in FORMATS:
        raise NewstuiError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "markdown":
        if str(target) == "-":
            raise NewstuiError("the Markdown export writes one file per bookmark: give -o FOLDER")
        return len(export_markdown(lib, Path(target)))
    writer = export_json if fmt == "json" else export_html
    if str(target) == "-":
        import sys

        return writer(lib, sys.stdout)
    path = Path(target)
    if path.is_dir():
        raise NewstuiError(f"{path} is a folder; the {fmt} export writes one file")
    with path.open("w", encoding="utf-8", newline="\n") as f:
        return writer(lib, f)


# ----------------------------------------------------------------------- HTML
_CSS = """
body { font: 17px/1.6 Georgia, "Times New Roman", serif; max-width: 44em; margin: 2em auto;
       padding: 0 1em; color: #222; background: #fdfdfb; }
h1, h2, h3, nav, .meta, .labels, .note { font-family: system-ui, sans-serif; }
nav ol { padding-left: 1.4em; } nav li { margin: .2em 0; }
article { border-top: 1px solid #ccc; margin-top: 2.5em; padding-top: 1em; }
.meta, .labels { color: #666; font-size: .85em; }
.note { background: #fff7d6; border-left: 4px solid #e0b800; padding: .5em 1em; }
pre { overflow-x: auto; background: #f3f3f3; padding: .8em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2em .5em; }
img { max-width: 100%; } blockquote { border-left: 3px solid #ccc; margin-left: 0; padding-left: 1em; }
@media (prefers-color-scheme: dark) { body { background: #1c1c1c; color: #ddd; }
  .note { background: #3a3520; } pre { background: #2a2a2a; } a { color: #8ab4f8; } }
"""


def _markdown_to_html(md: str) -> str:
    """Markdown to HTML with raw HTML off (shown as text) and only safe link schemes."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table").render(md)


def _section(art: Article) -> str:
    e = html.escape
    meta = [p for p in (art.author, art.source, format_date(art.published, False)) if p]
    if art.bookmarked_at:
        meta.append("bookmarked " + format_date(art.bookmarked_at, False))
    parts = [
        f'<article id="b{art.id}">',
        f"<h2>{e(art.title)}</h2>",
        f'<p class="meta">{e(" · ".join(meta))}</p>',
    ]
    labels = []
    if art.categories:
        labels.append("Categories: " + ", ".join(art.categories))
    if art.tags:
        labels.append("Tags: " + ", ".join(t.name for t in art.tags))
    if labels:
        parts.append(f'<p class="labels">{e(" · ".join(labels))}</p>')
    if art.note:
        parts.append(f'<p class="note">{e(art.note).replace(chr(10), "<br>")}</p>')
    parts.append(_markdown_to_html(article_body(art)))
    if art.link:
        parts.append(f'<p class="meta"><a href="{e(art.link)}">{e(art.link)}</a></p>')
    parts.append('<p class="meta"><a href="#contents">↑ contents</a></p></article>')
    return "\n".join(parts)


def html_document(arts: Iterable[Article], title: str = "newstui bookmarks") -> str:
    arts = list(arts)
    e = html.escape
    toc = "\n".join(f'<li><a href="#b{a.id}">{e(a.title)}</a></li>' for a in arts)
    sections = "\n".join(_section(a) for a in arts)
    stamp = format_date(datetime.now(UTC).timestamp())
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        # No scripts, frames or plugins may run, whatever slipped into a body.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src http: https: data:; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<h1>{e(title)}</h1>\n<p class="meta">{len(arts)} bookmarks · exported {e(stamp)}</p>\n'
        f'<nav id="contents"><h2>Contents</h2>\n<ol>\n{toc}\n</ol>\n</nav>\n{sections}\n'
        "</body>\n</html>\n"
    )
