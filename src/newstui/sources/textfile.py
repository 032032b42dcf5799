"""Plain-text articles: a title line, paragraphs, an optional byline and label lines.

Title of the article

Paragraph one ...

Title of the article - repeated      <- a picture caption: dropped

Jana Beispiel, Freiburg              <- byline: Jana Beispiel is the author

Kategorien: Payment, Etsy & Co.      <- categories (commas only split)
Schlagworte: wero, paypal            <- tags (empty entries yield nothing)
"""

from __future__ import annotations

import difflib
import re

from newstui.models import ArticleIn
from newstui.sources.decode import SkipFile

_CATEGORY = re.compile(r"^\s*(kategorien|kategorie|categories|category)\s*:(.*)$", re.I)
_TAGS = re.compile(r"^\s*(schlagworte|schlagwörter|stichworte|tags|tag)\s*:(.*)$", re.I)
_BYLINE = re.compile(
    r"^(?:von |by )?(?P<name>[^\W\d_][\w.'’-]*(?:[ \u00a0][^\W\d_][\w.'’-]*){1,4}),\s*"
    r"(?P<place>[^\W\d_][\w .'’/-]{1,60})$"
)
_NORMAL = re.compile(r"\([^)]*\)|[^\w]+")
CAPTION_SIMILARITY = 0.85  # difflib ratio from which a line counts as the title repeated


def _norm(text: str) -> str:
    return " ".join(_NORMAL.sub(" ", text.casefold()).split())


def is_caption(line: str, title: str) -> bool:
    """A short standalone line that repeats or nearly repeats the title."""
    if "\n" in line or len(line) > max(200, len(title) * 1.5):
        return False
    a, b = _norm(line), _norm(title)
    if not a or not b:
        return False
    if a == b:
        return True
    # ratio() is bounded above by quick_ratio(), itself bounded by real_quick_ratio()
    # (lengths only): most paragraphs are ruled out by a bound, without the costly match.
    if 2.0 * min(len(a), len(b)) / (len(a) + len(b)) < CAPTION_SIMILARITY:
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= CAPTION_SIMILARITY and matcher.ratio() >= CAPTION_SIMILARITY


def split_names(value: str) -> list[str]:
    """Names on a label line: split on commas only (``Etsy & Co.`` is one name)."""
    return [n.strip() for n in value.split(",") if n.strip()]


def parse_text(text: str) -> ArticleIn:
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    categories: list[str] = []
    tags: list[str] = []
    # Label lines sit at the end, possibly with blank lines between them.
    while lines:
        last = lines[-1].strip()
        if not last:
            lines.pop()
            continue
        if m := _CATEGORY.match(last):
            categories = split_names(m.group(2)) + categories
        elif m := _TAGS.match(last):
            tags = split_names(m.group(2)) + tags
        else:
            break
        lines.pop()
    body_start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if body_start is None:
        raise SkipFile("no title line")
    title = lines[body_start].strip()
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines[body_start + 1 :] + [""]:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current).strip())
            current = []
    paragraphs = [p for p in paragraphs if not is_caption(p, title)]
    author = ""
    if paragraphs and "\n" not in paragraphs[-1] and (m := _BYLINE.match(paragraphs[-1].strip())):
        author = m.group("name").strip()
        paragraphs.pop()
    return ArticleIn(
        title=title,
        author=author,
        content="\n\n".join(paragraphs),
        content_type="text",
        categories=categories,
        tags=tags,
    )
