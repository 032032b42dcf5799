"""The article view: title, meta line, labels, bookmark state, body (Markdown), link.

Every string here comes from a feed or a file, so every one is built into ``Content``
from plain text. The body is Markdown produced by ``newstui.render`` (HTML converted by
markdownify, only http(s) links kept); link clicks are handed to the app's ``open_url``,
which refuses anything but http(s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from newstui.models import Article
from newstui.render import ImageRef, body_parts, image_enclosures
from newstui.tui.widgets.article_image import ArticleImage

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from newstui.images.loader import ImageLoader

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


def enclosures_markdown(article: Article, skip_images: bool = False) -> str:
    """Podcast audio and video of an article as links (already http(s)-only in the store);
    with ``skip_images``, not the pictures (the view shows those)."""
    from newstui.render import escape_md

    lines = []
    for enc in article.enclosures:
        url = str(enc.get("url") or "")
        if skip_images and str(enc.get("type") or "").lower().startswith("image"):
            continue
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
        #article-also { color: $text-accent; padding: 0 1; }
        #article-labels { padding: 0 1; }
        #article-status { color: $text-warning; padding: 0 1; }
        #article-body { padding: 0 1; margin: 1 0 0 0; }
        #article-more { height: auto; }
        #article-more.-lead { margin: 1 0 0 0; }
        #article-more > Markdown { padding: 0 1; }
        #article-link { color: $text-accent; padding: 0 1 1 1; }
        #article-link:hover { text-style: underline; }
        #article-empty { color: $text-muted; padding: 2 2; }
        .-hidden { display: none; }
    }
    """

    def __init__(
        self, *, id: str | None = None, images: ImageLoader | None = None, image_mode: str = "off"
    ) -> None:
        super().__init__(id=id)
        self.article: Article | None = None
        # Pictures: drawn only with a loader and a mode other than "off".
        self.images = images if image_mode != "off" else None
        self.image_mode = image_mode
        self._pictures: list[ImageRef] = []

    def compose(self) -> ComposeResult:
        # Only the empty view's words: the article's widgets are mounted when the first
        # article opens (``_article_widgets``), so the first paint composes one widget here.
        yield Static(
            Content.assemble(
                ("No article open.\n\n", "bold"),
                "Choose one in the list and press Enter (or click it).\n"
                "Press ? for every key and the search language.",
            ),
            id="article-empty",
        )

    def _article_widgets(self) -> None:
        """Mount the widgets an article is shown in, once, after the empty view's words.
        (Not awaited: they are in the tree at once, so what ``show`` sets before its first
        await lands in them, and a label update arriving meanwhile finds them.)"""
        if self.query("#article-title"):
            return
        self.mount_all(
            [
                Static(id="article-title", classes="-hidden", markup=False),
                Static(id="article-meta", classes="-hidden", markup=False),
                Static(id="article-also", classes="-hidden", markup=False),
                Static(id="article-labels", classes="-hidden", markup=False),
                Static(id="article-status", classes="-hidden", markup=False),
                Vertical(id="article-more"),
                LinkLine(id="article-link", classes="-hidden", markup=False),
            ]
        )

    async def show(self, article: Article, body: str, meta: str) -> None:
        """Show ``article`` with its Markdown ``body`` and ``meta`` line."""
        self._article_widgets()
        self.article = article
        self._pictures = []
        self.query_one("#article-empty").set_class(True, "-hidden")
        title = self.query_one("#article-title", Static)
        title.update(Content(article.title))
        self.query_one("#article-meta", Static).update(Content(meta))
        also = self.query_one("#article-also", Static)
        also.update(Content("also in: " + ", ".join(article.also_in)) if article.also_in else "")
        also.set_class(not article.also_in, "-hidden")
        self.show_labels(article)
        self.show_status(article)
        if len(body) > MAX_BODY:
            body = body[:MAX_BODY] + "\n\n*(The article is longer; press o to read it all.)*"
        body, parts = self._parts(article, body)
        markdown = await self._markdown()
        link = self.query_one("#article-link", LinkLine)
        link.update(Content.assemble(("Link: ", "bold"), article.link) if article.link else "")
        for widget in (title, self.query_one("#article-meta"), markdown):
            widget.set_class(False, "-hidden")
        markdown.set_class(bool(parts) and not body, "-hidden")
        self.query_one("#article-more").set_class(bool(parts) and not body, "-lead")
        link.set_class(not article.link, "-hidden")
        self.scroll_home(animate=False)
        await self._show_parts(article, parts)
        await markdown.update(body or ("" if parts else "*(This article has no text.)*"))

    # ---------------------------------------------------------------- pictures
    def _parts(self, article: Article, body: str) -> tuple[str, list[str | ImageRef]]:
        """The text before the first picture, then the pictures and the text after it.
        Without pictures (none, or pictures off) that is the whole body and nothing more,
        with the enclosures listed at its end."""
        if self.images is not None:
            parts = body_parts(body, image_enclosures(article))
            if any(isinstance(p, ImageRef) for p in parts):
                extra = enclosures_markdown(article, skip_images=True)
                if extra:
                    parts.append(extra.strip())
                first = parts[0]
                return (first, parts[1:]) if isinstance(first, str) else ("", parts)
        return body + enclosures_markdown(article), []

    async def _show_parts(self, article: Article, parts: list[str | ImageRef]) -> None:
        """Mount the pictures and the text after the first picture; start loading."""
        from textual.widgets import Markdown

        more = self.query_one("#article-more", Vertical)
        await more.remove_children()
        self._pictures = [p for p in parts if isinstance(p, ImageRef)]
        widgets = [
            ArticleImage(p, self.image_mode) if isinstance(p, ImageRef) else Markdown(p, open_links=False)
            for p in parts
        ]
        if widgets:
            await more.mount_all(widgets)
        if self.images is not None and self._pictures:
            self._keep_pins(article)
            self._load_pictures(article)
        else:  # the previous article's pictures are no longer wanted
            self.workers.cancel_group(self, "article-pictures")

    # A picture that fails must never take the reader down: the loader reports failures
    # as lines, and anything unforeseen ends this worker only.
    @work(exclusive=True, group="article-pictures", exit_on_error=False)
    async def _load_pictures(self, article: Article) -> None:
        """Fetch (or read from the cache) and draw the article's pictures, one by one."""
        if self.images is None:
            return
        widgets = list(self.query(ArticleImage))
        urls = [w.ref.url for w in widgets]
        async for loaded in self.images.load_many(urls, article_id=article.id, pinned=article.bookmarked):
            if self.article is not article:
                return
            for widget in widgets:
                if widget.ref.url == loaded.url and widget.is_attached:
                    await widget.show_loaded(loaded)

    def _keep_pins(self, article: Article) -> None:
        """A bookmark keeps its pictures (pinned beside the library); an article that is no
        longer bookmarked gives them back to the cache."""
        if self.images is None:
            return
        if article.bookmarked and self._pictures:
            self._pin(article.id, [p.url for p in self._pictures], True)
        elif not article.bookmarked:
            self._pin(article.id, [], False)

    @work(thread=True, group="image-pins", exit_on_error=False)
    def _pin(self, article_id: int, urls: list[str], keep: bool) -> None:
        if self.images is None:
            return
        if keep:
            self.images.store.pin(article_id, urls)
        else:
            self.images.store.unpin(article_id)

    async def _markdown(self) -> Markdown:
        """The body widget, made on first use (Markdown parsing loads at the first open)."""
        from textual.widgets import Markdown

        found = self.query("#article-body")
        if found:
            return found.first(Markdown)
        markdown = Markdown(id="article-body", open_links=False)
        await self.mount(markdown, before=self.query_one("#article-more"))
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
        if self.article is not None and self.article.id == article.id and self._pictures:
            self._keep_pins(article)
        status = self.query_one("#article-status", Static)
        if not article.bookmarked:  # only a full text asked for has a line
            words = fulltext_words(article)
            status.update(Content(words))
            status.set_class(not words, "-hidden")
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
