"""Reading one file for ``newstui import``: its type, its articles and their rows.

The reading half of an import, with no library: it runs in worker processes when many
files are imported (and in the importing process for a few), while the importer writes.

The type comes from the content where the content says it: a document whose root element
is ``<opml>`` is a subscription list and one whose root is ``<rss>``, ``<feed>`` or
``<rdf:RDF>`` (or a JSON Feed) is a feed, whatever its name (``subscriptions.xml``,
``feed.php``). Gzip files (``.gz``, or gzip bytes under any name) are decompressed first,
under the same size cap. Otherwise the extension decides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from newstui.models import ArticleIn
from newstui.sources.decode import GZIP_MAGIC, DecodeError, SkipFile, decode_text, gunzip, looks_binary
from newstui.sources.sniff import sniff
from newstui.store.articles import PreparedRow, prepare_row

TEXT_EXT = {".txt", ".text"}
MARKDOWN_EXT = {".md", ".markdown", ".mdown"}
HTML_EXT = {".html", ".htm", ".xhtml"}
FEED_EXT = {".xml", ".rss", ".atom", ".rdf", ".json"}
OPML_EXT = {".opml"}
SUPPORTED = TEXT_EXT | MARKDOWN_EXT | HTML_EXT | FEED_EXT | OPML_EXT
MAX_FILE = 64 * 1024 * 1024
SNIFF_BYTES = 65_536  # how much of a file with an unknown extension is read to tell its type


@dataclass
class Loaded:
    """One file read: what the importer stores.

    ``kind`` is "article" (``row``, and ``restore`` when the file carries bookmark state),
    "feed" (``title``, ``site_url``, ``problem``, ``rows``, ``entries``), "opml" (``data``)
    or "skip" (``reason``)."""

    kind: str
    reason: str = ""
    row: PreparedRow | None = None
    restore: ArticleIn | None = None  # an article with a bookmark, note, user tags or origin
    title: str = ""
    site_url: str = ""
    problem: str | None = None
    rows: list[PreparedRow] = field(default_factory=list)
    entries: int = 0
    data: bytes = b""


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes (only the first ``limit`` when given)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE and limit is None:
            raise SkipFile(f"too large ({size // 1_048_576} MiB)")
        with path.open("rb") as f:
            return f.read(limit if limit is not None else -1)
    except PermissionError:
        raise SkipFile("permission denied") from None
    except IsADirectoryError:
        raise SkipFile("is a folder") from None
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from None


def article_from(path: Path, data: bytes, ext: str) -> ArticleIn:
    """A local text, Markdown or HTML file as an article (its file's date when it has none)."""
    text = decode_text(data)
    if ext in MARKDOWN_EXT:
        from newstui.sources.markdownfile import parse_markdown

        art = parse_markdown(text)
    elif ext in HTML_EXT:
        from newstui.sources.htmlfile import parse_html

        art = parse_html(text)
    else:
        from newstui.sources.textfile import parse_text

        art = parse_text(text)
    if not art.guid:
        art.guid = path.absolute().as_uri()
    if art.published is None:
        art.published = path.stat().st_mtime
        art.date_estimated = True
    return art


def load_file(path: Path) -> Loaded:
    """Read and parse one file. Raises SkipFile (with the one-line reason) for a file that
    is not imported."""
    ext = path.suffix.lower()
    compressed = ext == ".gz"
    if compressed:
        ext = Path(path.stem).suffix.lower()  # feed.xml.gz is a feed.xml
    if ext not in SUPPORTED and not compressed:
        # Only the start of a file of unknown type is read to tell what it is.
        head = read_bytes(path, SNIFF_BYTES)
        if not head.startswith(GZIP_MAGIC) and sniff(head) not in ("feed", "opml"):
            raise SkipFile(f"unsupported file type {ext or '(none)'} (not a feed or OPML by its content)")
    data = read_bytes(path)
    if data.startswith(GZIP_MAGIC):
        try:
            data = gunzip(data, MAX_FILE)
        except DecodeError as exc:
            raise SkipFile(str(exc)) from None
    elif compressed:
        raise SkipFile("not gzip data (the name ends in .gz)")
    kind = sniff(data)
    if kind == "opml":
        return Loaded("opml", data=data)
    if kind == "feed" or (ext in FEED_EXT and kind != "html"):
        return _load_feed(path, data)
    if ext in OPML_EXT:
        return Loaded("opml", data=data)
    if ext not in SUPPORTED:
        raise SkipFile(f"unsupported file type {ext or '(none)'} (not a feed or OPML by its content)")
    if kind == "html" and ext not in MARKDOWN_EXT | TEXT_EXT:
        ext = ".html"  # an HTML page saved as .xml
    art = article_from(path, data, ext)
    keep = art.bookmarked or art.source_title or art.user_tags
    return Loaded("article", row=prepare_row(art, "", time.time()), restore=art if keep else None)


def _load_feed(path: Path, data: bytes) -> Loaded:
    from newstui.sources.feedparse import FeedError, parse_feed

    if not data.strip():
        raise SkipFile("empty file")
    if looks_binary(data):
        raise SkipFile("binary file, not a feed")
    url = str(path.absolute())
    try:
        parsed = parse_feed(data, url, max_bytes=MAX_FILE)
    except FeedError as exc:
        raise SkipFile(str(exc)) from None
    now = time.time()
    return Loaded(
        "feed",
        title=parsed.title,
        site_url=parsed.site_url,
        problem=parsed.problem,
        rows=[prepare_row(e, url, now) for e in parsed.entries],
        entries=len(parsed.entries),
    )


def load_or_skip(path: Path) -> Loaded:
    """``load_file``, with a file that is not imported as a "skip" (never raises SkipFile)."""
    try:
        return load_file(path)
    except SkipFile as exc:
        return Loaded("skip", reason=str(exc))


def load_chunk(paths: list[str]) -> list[Loaded]:
    """Worker job: several files, in order (one round trip to the worker for all of them)."""
    return [load_or_skip(Path(p)) for p in paths]
