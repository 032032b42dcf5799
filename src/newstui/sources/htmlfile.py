"""HTML pages: title, author, date and tags from the usual meta tags; text without chrome."""

from __future__ import annotations

from newstui.models import ArticleIn
from newstui.sources.dates import parse_date
from newstui.sources.decode import SkipFile

_DROP = (
    "script",
    "style",
    "noscript",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "template",
    "svg",
    "object",
    "embed",
    "button",
)


def parse_html(text: str) -> ArticleIn:
    from bs4 import BeautifulSoup  # only when an HTML file is imported

    soup = BeautifulSoup(text, "html.parser")

    def meta(*names: str) -> list[str]:
        out = []
        for name in names:
            for tag in soup.find_all("meta", attrs={"name": name}) + soup.find_all(
                "meta", attrs={"property": name}
            ):
                if tag.get("content"):
                    out.append(str(tag["content"]).strip())
        return out

    h1 = soup.find("h1")
    title = ""
    for candidate in meta("og:title") + [
        soup.title.get_text(" ", strip=True) if soup.title else "",
        h1.get_text(" ", strip=True) if h1 else "",
    ]:
        if candidate:
            title = candidate
            break
    if not title:
        raise SkipFile("HTML page without a title")
    tags: list[str] = meta("article:tag")  # then keywords; clean_names merges repeats
    for kw in meta("keywords", "news_keywords"):
        tags.extend(k.strip() for k in kw.split(","))
    published = None
    for value in meta("article:published_time", "date", "dc.date", "pubdate"):
        published = parse_date(value)
        if published:
            break
    if published is None and (t := soup.find("time", attrs={"datetime": True})):
        published = parse_date(t["datetime"])
    link = next(iter(meta("og:url")), "")
    canonical = soup.find("link", attrs={"rel": "canonical"})
    if not link and canonical and canonical.get("href"):
        link = str(canonical["href"])
    for tag in soup.find_all(_DROP):
        tag.decompose()
    main = soup.find("article") or soup.find("main") or soup.body or soup
    if main is h1 or (h1 is not None and h1.get_text(" ", strip=True) == title):
        if h1 is not None and not h1.decomposed:
            h1.decompose()
    description = next(iter(meta("description", "og:description")), "")
    return ArticleIn(
        title=title,
        link=link,
        author=next(iter(meta("author", "article:author", "dc.creator")), ""),
        summary=description,
        content=str(main.decode_contents() if hasattr(main, "decode_contents") else main),
        content_type="html",
        published=published,
        categories=meta("article:section"),
        tags=tags,
    )
