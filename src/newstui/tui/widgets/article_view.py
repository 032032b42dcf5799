"""The article view: title, meta line, labels, bookmark state, body (Markdown), link.

Every string here comes from a feed or a file, so every one is built into ``Content``
from plain text. The body is Markdown produced by ``newstui.render`` (HTML converted by
markdownify, only http(s) links kept); link clicks are handed to the app's ``open_url``,
which refuses anything but http(s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from newstui.models import Article

if TYPE_CHECKING:
    from textual.widgets import Markdown

MAX_BODY = 300_000  # characters of Markdown shown; the rest is one keypress away (o)

def fulltext_words(article: Article) -> str:
    from newstui.fulltext_status import status_line

    return status_line(article)


class LinkLine(Static):
    """The article's link, clickable (through the same check as the ``o`` key)."""

    class Clicked(Message):
        pass

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Clicked())


def enclosures_markdown(article: Article) -> str:
    """Podcast audio and video of an article as links (already http(s)-only in the store)."""
    from newstui.render import escape_md

    lines = []
    for enc in article.enclosures:
        url = str(enc.get("url") or "")
        if url:
            kind = escape_md(str(enc.get("type") or "media"))
            size = enc.get("length")
            extra = f", {int(size) // 1_000_000} MB" if isinstance(size, int) and size > 0 else ""
            lines.append(f"**Enclosure** ({kind}{extra}): [{escape_md(url)}]({url})")
    return "\n\n" + "\n\n".join(lines) if lines else ""


class ArticleView(VerticalScroll, can_focus=True):
    """One article, scrollable."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="view.scroll_down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="view.scroll_up"),
        Binding("g", "scroll_home", "Top", show=False, id="view.scroll_home"),
        Binding("G", "scroll_end", "Bottom", show=False, id="view.scroll_end"),
        Binding("space", "page_down", "Page down", show=False, id="view.page_down"),
    ]

    DEFAULT_CSS = """
    ArticleView {
        padding: 0 1;
        #article-title { text-style: bold; color: $text; padding: 1 1 0 1; }
        #article-meta { color: $text-muted; padding: 0 1; }
        #article-labels { padding: 0 1; }
        #article-status { color: $text-warning; padding: 0 1; }
        #article-body { padding: 0 1; margin: 1 0 0 0; }
        #article-link { color: $text-accent; padding: 0 1 1 1; }
        #article-link:hover { text-style: underline; }
        #article-empty { color: $text-muted; padding: 2 2; }
        .-hidden { display: none; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article: Article | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("No article open.\n\n", "bold"),
                "Choose one in the list and press Enter (or click it).\n"
                "Press ? for every key and the search language.",
            ),
            id="article-empty",
        )
        yield Static(id="article-title", classes="-hidden", markup=False)
        yield Static(id="article-meta", classes="-hidden", markup=False)
        yield Static(id="article-labels", classes="-hidden", markup=False)
        yield Static(id="article-status", classes="-hidden", markup=False)
        yield LinkLine(id="article-link", classes="-hidden", markup=False)

    async def show(self, article: Article, body: str, meta: str) -> None:
        """Show ``article`` with its Markdown ``body`` and ``meta`` line."""
        self.article = article
        self.query_one("#article-empty").set_class(True, "-hidden")
        title = self.query_one("#article-title", Static)
        title.update(Content(article.title))
        self.query_one("#article-meta", Static).update(Content(meta))
        self.show_labels(article)
        self.show_status(article)
        if len(body) > MAX_BODY:
            body = body[:MAX_BODY] + "\n\n*(The article is longer; press o to read it all.)*"
        body += enclosures_markdown(article)
        markdown = await self._markdown()
        link = self.query_one("#article-link", LinkLine)
        link.update(Content.assemble(("Link: ", "bold"), article.link) if article.link else "")
        for widget in (title, self.query_one("#article-meta"), markdown):
            widget.set_class(False, "-hidden")
        link.set_class(not article.link, "-hidden")
        self.scroll_home(animate=False)
        await markdown.update(body or "*(This article has no text.)*")

    async def _markdown(self) -> Markdown:
        """The body widget, made on first use (Markdown parsing loads at the first open)."""
        from textual.widgets import Markdown

        found = self.query("#article-body")
        if found:
            return found.first(Markdown)
        markdown = Markdown(id="article-body", open_links=False)
        await self.mount(markdown, before=self.query_one("#article-link"))
        return markdown

    def show_labels(self, article: Article) -> None:
        labels = self.query_one("#article-labels", Static)
        parts: list[Content | tuple[str, str] | str] = []
        for name in article.categories:
            parts += [(f" {name} ", "$text-primary on $primary-muted"), " "]
        for tag in article.tags:
            mark = "#" if tag.origin == "user" else ""
            parts += [(f" {mark}{tag.name} ", "$text-accent on $accent-muted"), " "]
        labels.update(Content.assemble(*parts) if parts else "")
        labels.set_class(not parts, "-hidden")

    def show_status(self, article: Article) -> None:
        status = self.query_one("#article-status", Static)
        if not article.bookmarked:
            status.update("")
            status.set_class(True, "-hidden")
            return
        words = fulltext_words(article)
        parts: list[Content | tuple[str, str] | str] = [("★ Bookmarked", "bold"), f" · {words}"]
        if article.note:
            parts += ["\nNote: ", Content(article.note)]
        status.update(Content.assemble(*parts))
        status.set_class(False, "-hidden")

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.app.open_url(event.href)

    def on_link_line_clicked(self, event: LinkLine.Clicked) -> None:
        event.stop()
        if self.article is not None:
            self.app.open_url(self.article.link)
