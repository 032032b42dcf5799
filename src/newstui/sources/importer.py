"""``newstui import``: files and folders (recursively) into the library.

Each file is read by the parser for its type; files that cannot be read are skipped with a
one-line reason and the import goes on. Articles are written in batches, one transaction each.

The type comes from the content where the content says it: a document whose root element
is ``<opml>`` is a subscription list and one whose root is ``<rss>``, ``<feed>`` or
``<rdf:RDF>`` (or a JSON Feed) is a feed, whatever its name (``subscriptions.xml``,
``feed.php``). Gzip files (``.gz``, or gzip bytes under any name) are decompressed first,
under the same size cap. Otherwise the extension decides.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newstui.errors import NewstuiError
from newstui.models import ArticleIn
from newstui.sources.decode import GZIP_MAGIC, DecodeError, SkipFile, decode_text, gunzip, looks_binary
from newstui.sources.sniff import sniff
from newstui.store.library import Library
from newstui.textsafe import clean_line

TEXT_EXT = {".txt", ".text"}
MARKDOWN_EXT = {".md", ".markdown", ".mdown"}
HTML_EXT = {".html", ".htm", ".xhtml"}
FEED_EXT = {".xml", ".rss", ".atom", ".rdf", ".json"}
OPML_EXT = {".opml"}
SUPPORTED = TEXT_EXT | MARKDOWN_EXT | HTML_EXT | FEED_EXT | OPML_EXT
MAX_FILE = 64 * 1024 * 1024
SNIFF_BYTES = 65_536  # how much of a file with an unknown extension is read to tell its type
BATCH = 1000


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    sources_added: int = 0
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    recovered: list[tuple[str, str]] = field(default_factory=list)  # (file, what was recovered)
    new_ids: list[int] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.files > 0

    def summary(self) -> str:
        parts = [f"{self.imported} imported", f"{self.updated} updated"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.sources_added:
            parts.append(f"{self.sources_added} feeds added")
        parts.append(f"{len(self.skipped)} skipped")
        line = ", ".join(parts)
        # File names and reasons quote the disk and the files: untrusted, cleaned here.
        if self.recovered:
            line += "; recovered: " + "; ".join(
                f"{clean_line(what, 300)} from {clean_line(path, 500)}" for path, what in self.recovered
            )
        if self.skipped:
            line += "; skipped: " + "; ".join(
                f"{n} × {clean_line(reason, 300)}"
                if n > 1
                else f"{clean_line(path, 500)} ({clean_line(reason, 300)})"
                for reason, (n, path) in _by_reason(self.skipped).items()
            )
        return line


def _by_reason(skipped: list[tuple[str, str]]) -> dict[str, tuple[int, str]]:
    """Skips grouped by reason: (how many, the first path), in order of first appearance."""
    groups: dict[str, tuple[int, str]] = {}
    for path, reason in skipped:
        n, first = groups.get(reason, (0, path))
        groups[reason] = (n + 1, first)
    return groups


def walk(paths: Iterable[str | Path], report: ImportReport) -> Iterator[Path]:
    """Every file under ``paths`` (sorted, hidden entries left out); missing paths reported."""
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            report.skipped.append((str(raw), "no such file or folder"))
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path


def _read(path: Path, limit: int | None = None) -> bytes:
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


def _article_from(path: Path, data: bytes, ext: str) -> ArticleIn:
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


class Importer:
    def __init__(
        self,
        lib: Library,
        on_skip: Callable[[str, str], None] | None = None,
        on_file: Callable[[Path], None] | None = None,
    ) -> None:
        self.lib = lib
        self.report = ImportReport()
        self.on_skip = on_skip
        self.on_file = on_file
        self._folders: dict[Path, int] = {}
        self._pending: dict[int, list[ArticleIn]] = {}
        self._pending_count = 0

    def skip(self, path: str, reason: str) -> None:
        self.report.skipped.append((path, reason))
        if self.on_skip:
            self.on_skip(path, reason)

    def run(self, paths: Iterable[str | Path]) -> ImportReport:
        before = len(self.report.skipped)
        for path in walk(paths, self.report):
            if self.on_file:
                self.on_file(path)
            try:
                self.import_file(path)
            except SkipFile as exc:
                self.skip(str(path), str(exc))
        self.flush()
        if self.on_skip:
            for p, r in self.report.skipped[before:]:
                if r == "no such file or folder":
                    self.on_skip(p, r)
        return self.report

    def import_file(self, path: Path) -> None:
        ext = path.suffix.lower()
        compressed = ext == ".gz"
        if compressed:
            ext = Path(path.stem).suffix.lower()  # feed.xml.gz is a feed.xml
        if ext not in SUPPORTED and not compressed:
            # Only the start of a file of unknown type is read to tell what it is.
            head = _read(path, SNIFF_BYTES)
            if not head.startswith(GZIP_MAGIC) and sniff(head) not in ("feed", "opml"):
                raise SkipFile(f"unsupported file type {ext or '(none)'} (not a feed or OPML by its content)")
        data = _read(path)
        if data.startswith(GZIP_MAGIC):
            try:
                data = gunzip(data, MAX_FILE)
            except DecodeError as exc:
                raise SkipFile(str(exc)) from None
        elif compressed:
            raise SkipFile("not gzip data (the name ends in .gz)")
        kind = sniff(data)
        if kind == "opml":
            self._import_opml(path, data)
        elif kind == "feed" or (ext in FEED_EXT and kind != "html"):
            self._import_feed(path, data)
        elif ext in OPML_EXT:
            self._import_opml(path, data)
        elif ext not in SUPPORTED:
            raise SkipFile(f"unsupported file type {ext or '(none)'} (not a feed or OPML by its content)")
        else:
            if kind == "html" and ext not in MARKDOWN_EXT | TEXT_EXT:
                ext = ".html"  # an HTML page saved as .xml
            art = _article_from(path, data, ext)
            folder = path.parent.absolute()
            sid = self._folders.get(folder)
            if sid is None:
                src, _ = self.lib.add_source(str(folder), kind="folder", title=folder.name or str(folder))
                sid = self._folders[folder] = src.id
            self._pending.setdefault(sid, []).append(art)
            self._pending_count += 1
            if self._pending_count >= BATCH:
                self.flush()
        self.report.files += 1

    def flush(self) -> None:
        for sid, items in self._pending.items():
            self.report_upsert(sid, items, "")
            self._restore_bookmarks(sid, items)
        self._pending.clear()
        self._pending_count = 0

    def _restore_bookmarks(self, sid: int, items: list[ArticleIn]) -> None:
        """An imported bookmark export: the original source name, user tags and bookmark."""
        for item in items:
            if not (item.bookmarked or item.source_title or item.user_tags):
                continue
            aid = self.lib.article_id_for(sid, item)
            if aid is None:
                continue
            if item.source_title:
                self.lib.set_source_title(aid, item.source_title)
            if item.user_tags:
                self.lib.tag(aid, add=item.user_tags)
            if item.bookmarked:
                self.lib.bookmark(aid, item.note or None, created=item.bookmarked_at)

    def report_upsert(self, sid: int, items: list[ArticleIn], url: str) -> None:
        res = self.lib.upsert_articles(sid, items, source_url=url)
        self.report.imported += res.new
        self.report.updated += res.updated
        self.report.unchanged += res.unchanged
        self.report.new_ids.extend(res.new_ids)

    def _import_feed(self, path: Path, data: bytes) -> None:
        from newstui.sources.feedparse import FeedError, parse_feed

        if not data.strip():
            raise SkipFile("empty file")
        if looks_binary(data):
            raise SkipFile("binary file, not a feed")
        try:
            parsed = parse_feed(data, str(path.absolute()), max_bytes=MAX_FILE)
        except FeedError as exc:
            raise SkipFile(str(exc)) from None
        if parsed.problem and parsed.entries:
            self.report.recovered.append(
                (str(path), f"{len(parsed.entries)} entries of a malformed feed ({parsed.problem})")
            )
        src, created = self.lib.add_source(str(path.absolute()), kind="feed", title=parsed.title or path.stem)
        self.lib.update_source(
            src.id,
            title=src.title or parsed.title or path.stem,
            site_url=parsed.site_url,
            last_error=parsed.problem,
            last_error_at=None,
        )
        self.report_upsert(src.id, parsed.entries, str(path.absolute()))

    def _import_opml(self, path: Path, data: bytes) -> None:
        from newstui.sources.opml import OpmlError, read_opml

        try:
            found = read_opml(data)
        except OpmlError as exc:
            raise SkipFile(str(exc)) from None
        subs = found.subscriptions
        if found.recovered:
            self.report.recovered.append(
                (
                    str(path),
                    f"{len(subs)} subscriptions of an OPML list that is not well-formed XML "
                    f"({found.problem})",
                )
            )
        from newstui.textsafe import safe_url

        for sub in subs:
            if not safe_url(sub.url):  # a stranger's list must not point refresh at local files
                self.skip(sub.url, "OPML subscription is not an http(s) URL")
                continue
            src, created = self.lib.add_source(sub.url, kind="feed", title=sub.title, category=sub.category)
            self.report.sources_added += int(created)
            if created and sub.settings:
                self._apply_settings(src.id, sub.url, sub.settings)

    def _apply_settings(self, source_id: int, url: str, settings: dict[str, str]) -> None:
        """A new source's settings from its OPML ``newstui:`` attributes. Names this newstui
        does not know are left alone (a newer one wrote them); a bad value is skipped with
        its reason and the others still apply."""
        from newstui.source_settings import SETTINGS, SettingError, parse_setting

        changes: dict[str, object] = {}
        for key, text in settings.items():
            if key not in SETTINGS or key in ("title", "category"):  # OPML's own attributes
                continue
            try:
                column, value = parse_setting(key, text)
            except SettingError as exc:
                self.skip(url, f"OPML setting not used: {exc}")
                continue
            changes[column] = value
        if changes:
            self.lib.set_source_settings(source_id, changes)


def import_paths(
    lib: Library,
    paths: Iterable[str | Path],
    on_skip: Callable[[str, str], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> ImportReport:
    paths = list(paths)
    if not paths:
        raise NewstuiError("import needs at least one file or folder")
    return Importer(lib, on_skip, on_file).run(paths)
