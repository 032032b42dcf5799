"""Markdown articles with optional YAML front matter (title, date, author, categories, tags, link).

An exported bookmark also carries source, note, bookmarked, bookmarked_at and user_tags, so
importing an export restores the bookmark (see ``Importer``).
"""

from __future__ import annotations

import re

from newstui.models import ArticleIn
from newstui.sources.dates import parse_date
from newstui.sources.decode import SkipFile

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",")]
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if v is not None]
    return [str(value)]


def parse_markdown(text: str) -> ArticleIn:
    import yaml  # only when a Markdown file is imported

    meta: dict[str, object] = {}
    body = text
    m = _FRONT.match(text)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 2})" if mark else ""
            raise SkipFile(f"front matter is not valid YAML{where}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise SkipFile("front matter is not a YAML mapping")
        meta = {str(k).lower(): v for k, v in (loaded or {}).items()}
        body = text[m.end() :]
    title = str(meta.get("title") or "").strip()
    if not title:
        h = _HEADING.search(body)
        if h:
            title = h.group(1)
            body = body[: h.start()] + body[h.end() :]
        else:
            first = next((line.strip() for line in body.split("\n") if line.strip()), "")
            if not first:
                raise SkipFile("no title and no text")
            title = first.lstrip("# ").strip()
    published = parse_date(meta.get("date") or meta.get("published"))
    marked_at = parse_date(meta.get("bookmarked_at") or meta.get("bookmarked-at"))
    flag = meta.get("bookmarked")
    marked = marked_at is not None if flag is None else str(flag).lower() in ("true", "yes", "1")
    return ArticleIn(
        title=title,
        guid=str(meta.get("id") or meta.get("guid") or ""),
        link=str(meta.get("link") or meta.get("url") or ""),
        author=str(meta.get("author") or ""),
        content=body.strip(),
        content_type="markdown",
        published=published,
        categories=_names(meta.get("categories", meta.get("category"))),
        tags=_names(meta.get("tags", meta.get("keywords"))),
        summary=str(meta.get("summary") or meta.get("description") or ""),
        source_title=str(meta.get("source") or ""),
        bookmarked=marked,
        bookmarked_at=marked_at if marked else None,
        note=str(meta.get("note") or ""),
        user_tags=_names(meta.get("user_tags", meta.get("user-tags"))),
    )
