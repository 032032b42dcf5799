"""The filter pane: All, Unread, Bookmarks, then Categories, Tags, Sources, Accounts (when
the library has a feed-server account: each with its folders and feeds, its last sync error
and a mark while it syncs) and Saved searches.

Each node's data is the query it stands for; choosing a node posts ``FilterPane.Changed``.
Counts are read in a thread worker after the first paint, on the reader's connection (the
article list has its own, which a search interrupts), from the counts the library keeps
(``store/counts.py``): a row per label, whatever the library's size. Only the first use
of a library made before them counts everything once. Labels are built as plain ``Text``: a
category called ``[b]x[/]`` shows exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Tree
from textual.widgets._tree import TOGGLE_STYLE
from textual.widgets.tree import TreeNode

from newstui.core.accounts import AccountFolders, SourceLayout, lay_out
from newstui.errors import NewstuiError
from newstui.models import Source
from newstui.store.library import Library

GROUPS = ("categories", "tags", "sources", "searches")
GROUP_TITLES = {
    "categories": "Categories",
    "tags": "Tags",
    "sources": "Sources",
    "accounts": "Accounts",
    "searches": "Saved searches",
}


def quote_value(value: str) -> str:
    """A field value for the query language: bare if it can be, else quoted."""
    if value and not any(ch.isspace() or ch in '()"' for ch in value):
        return value
    return '"' + value.replace('"', "") + '"'


@dataclass
class FilterCounts:
    """Everything the pane shows, loaded in one worker."""

    stats: dict[str, int] = field(default_factory=dict)
    categories: list[tuple[str, int, int]] = field(default_factory=list)
    tags: list[tuple[str, int, int]] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    searches: list[tuple[str, str]] = field(default_factory=list)
    layout: SourceLayout = field(default_factory=SourceLayout)


@dataclass(frozen=True)
class Filter:
    """What a node filters by: the query and a short name for the header."""

    query: str
    label: str
    source_id: int | None = None


# An account's subtree, counts aside: (filter, last error, folders with their feeds, the
# feeds in no folder); a feed is (source id, label).
_Shape = tuple[Filter, str | None, list[tuple[str, list[tuple[int, str]]]], list[tuple[int, str]]]


class FilterPane(Tree[Filter | None]):
    """A tree of filters with counts."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="filters.cursor_down"),
        Binding("k", "cursor_up", "Up", show=False, id="filters.cursor_up"),
        Binding("g", "scroll_home", "Top", show=False, id="filters.scroll_home"),
        Binding("G", "scroll_end", "Bottom", show=False, id="filters.scroll_end"),
        Binding(
            "e",
            "source_settings",
            "Source settings",
            tooltip="This source's settings",
            id="filters.source_settings",
        ),
    ]

    COMPONENT_CLASSES = Tree.COMPONENT_CLASSES | {"filter-pane--count", "filter-pane--failed"}

    syncing: reactive[str] = reactive("")
    """The account a sync is running for ("" when none): marked in the pane."""

    DEFAULT_CSS = """
    FilterPane {
        & > .filter-pane--count { color: $text-muted; }
        & > .filter-pane--failed { color: $error; text-style: bold; }
    }
    """

    class Changed(Message):
        """The user chose a filter."""

        def __init__(self, filter: Filter) -> None:
            super().__init__()
            self.filter = filter

    class SettingsRequested(Message):
        """The user asked for the settings of the source under the cursor."""

        def __init__(self, source_id: int) -> None:
            super().__init__()
            self.source_id = source_id

    class CountsLoaded(Message):
        """Fresh counts arrived (the app shows the totals in its header)."""

        def __init__(self, counts: FilterCounts) -> None:
            super().__init__()
            self.counts = counts

    def __init__(
        self,
        reader: Library,
        extra_searches: dict[str, str] | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__("Filters", id=id)
        self.reader = reader
        self.extra_searches = dict(extra_searches or {})
        self.show_root = False
        self.guide_depth = 2
        self.counts = FilterCounts()
        self._fixed: dict[str, TreeNode[Filter | None]] = {}
        self._groups: dict[str, TreeNode[Filter | None]] = {}
        self._tails: dict[int, tuple[int, bool]] = {}  # node id -> (name length, failing)
        self._errors: dict[int, str] = {}  # node id -> the account's last error, in full
        self._accounts: dict[str, TreeNode[Filter | None]] = {}  # account name -> its node
        self._account_shape: list[_Shape] = []  # what the Accounts subtrees were built from
        self.selected_query = ""

    def process_label(self, label: str | Text) -> Text:  # type: ignore[override]
        # Never parse markup: labels are names from feeds and files.
        text = Text(label) if isinstance(label, str) else label
        return text.split()[0] if text.plain else text

    def on_mount(self) -> None:
        for key, title, query in (
            ("all", "All", ""),
            ("unread", "Unread", "is:unread"),
            ("bookmarks", "Bookmarks", "is:bookmarked"),
        ):
            self._fixed[key] = self.root.add_leaf(title, data=Filter(query, title))
        for key in GROUPS:
            self._groups[key] = self.root.add(GROUP_TITLES[key], data=None, expand=False)
        self.root.expand()
        # Counts after the first paint: their queries would compete with it for the CPU.
        self.call_after_refresh(self.reload)

    # ------------------------------------------------------------------ counts
    def reload(self) -> None:
        self._load_counts()

    @work(thread=True, exclusive=True, group="filter-counts")
    def _load_counts(self) -> None:
        try:
            sources = self.reader.sources()
            counts = FilterCounts(
                stats=self.reader.stats(),
                categories=self.reader.category_counts(),
                tags=self.reader.tag_counts(),
                sources=sources,
                searches=self.reader.saved_searches(),
                layout=lay_out(self.reader.accounts(), sources, self.reader.source_accounts()),
            )
        except NewstuiError:
            return
        self.app.call_from_thread(self._counts_loaded, counts)

    def _counts_loaded(self, counts: FilterCounts) -> None:
        self.counts = counts
        self.populate(counts)
        self.post_message(self.CountsLoaded(counts))

    def _ink(self, component: str) -> Style:
        """A component's colour only: the background is the tree's to paint."""
        style = self.get_component_rich_style(component)
        return Style(color=style.color, bold=style.bold)

    def _label(self, name: str, count: str, failed: bool = False) -> Text:
        """``name [!] count`` as plain text; the marks are coloured when drawn."""
        return Text(name + (" !" if failed else "") + f" {count}")

    def _remember(self, node: TreeNode[Filter | None], name: str, failed: bool = False) -> None:
        self._tails[node.id] = (len(name), failed)

    def render_label(self, node: TreeNode[Filter | None], base_style: Style, style: Style) -> Text:
        # Colour the count (and the failure mark) at draw time, so it always matches
        # the current theme and state instead of whatever held when the label was made.
        tail = getattr(self, "_tails", {}).get(node.id)  # (the root is drawn in __init__)
        if tail is None:
            if node.id in getattr(self, "_errors", ()):
                label = node._label.copy()
                label.stylize(self._ink("filter-pane--failed"))
                label.stylize(style)
                return label
            return super().render_label(node, base_style, style)
        start, failed = tail
        label = node._label.copy()
        if failed:
            label.stylize(self._ink("filter-pane--failed"), start, start + 2)
            start += 2
        label.stylize(self._ink("filter-pane--count"), start)
        label.stylize(style)
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            return Text.assemble((icon, base_style + TOGGLE_STYLE), label)
        return label

    def populate(self, counts: FilterCounts) -> None:
        """Rebuild the entries with fresh counts, keeping what was open and chosen."""
        stats = counts.stats
        for key, name, stat in (
            ("all", "All", "articles"),
            ("unread", "Unread", "unread"),
            ("bookmarks", "Bookmarks", "bookmarks"),
        ):
            self._fixed[key].set_label(self._label(name, f"{stats.get(stat, 0):,}"))
            self._remember(self._fixed[key], name)
        groups = self._groups
        self._fill(
            groups["categories"],
            [
                (name, f"{total:,}", False, Filter(f"category:{quote_value(name)}", f"category {name}"))
                for name, total, _unread in counts.categories
            ],
        )
        self._fill(
            groups["tags"],
            [
                (name, f"{total:,}", False, Filter(f"tag:{quote_value(name)}", f"tag {name}"))
                for name, total, _unread in counts.tags
            ],
        )
        self._fill(
            groups["sources"],
            [_source_entry(s) for s in (counts.layout.local if counts.layout.accounts else counts.sources)],
        )
        self._fill_accounts(counts.layout.accounts)
        searches = dict(self.extra_searches)
        searches.update(dict(counts.searches))
        self._fill(
            groups["searches"],
            [(name, None, False, Filter(query, name)) for name, query in sorted(searches.items())],
        )
        for key in groups:
            n = len(groups[key].children)
            groups[key].set_label(self._label(GROUP_TITLES[key], f"{n:,}"))
            self._remember(groups[key], GROUP_TITLES[key])
        self.select_query(self.selected_query, announce=False)

    def _fill(
        self,
        group: TreeNode[Filter | None],
        entries: list[tuple[str, str | None, bool, Filter]],
    ) -> None:
        """Entries are (name, count or None, failing, filter)."""
        existing = list(group.children)
        # Reuse nodes where the queries are unchanged, so the tree does not flicker.
        if [n.data for n in existing] != [e[3] for e in entries]:
            for node in existing:
                self._tails.pop(node.id, None)
            group.remove_children()
            existing = [group.add_leaf("", data=e[3]) for e in entries]
        for node, (name, count, failed, _) in zip(existing, entries, strict=True):
            if count is None:
                node.set_label(Text(name))
            else:
                node.set_label(self._label(name, count, failed))
                self._remember(node, name, failed)

    # ---------------------------------------------------------------- accounts
    def _fill_accounts(self, accounts: list[AccountFolders]) -> None:
        """The Accounts group: each account, its folders and their feeds, then its feeds in
        no folder. The group is there only while the library has an account."""
        group = self._groups.get("accounts")
        if not accounts:
            if group is not None:
                self._forget(group)
                group.remove()
                del self._groups["accounts"]
            self._accounts.clear()
            self._account_shape = []
            return
        if group is None:
            group = self.root.add(GROUP_TITLES["accounts"], data=None, after=self._groups["sources"])
            self._groups["accounts"] = group
        shape = [_shape(a) for a in accounts]
        if shape != self._account_shape or len(group.children) != len(accounts):
            # Rebuild when more than the counts changed, keeping open what was open.
            opened = {n.data.query for n in self._walk_from(group) if n.is_expanded and n.data}
            self._forget(group)
            group.remove_children()
            for owner in accounts:
                self._add_account(group, owner, opened)
            self._account_shape = shape
        self._accounts = {a.account.name: n for a, n in zip(accounts, group.children, strict=True)}
        for owner, node in zip(accounts, group.children, strict=True):
            self._label_account(node, owner)

    def _add_account(self, group: TreeNode[Filter | None], owner: AccountFolders, opened: set[str]) -> None:
        """An account's subtree: its last error (if any), its folders, its feeds in none."""
        acc = owner.account
        name = quote_value(acc.name)
        flt = Filter(f"account:{name}", f"account {acc.name}")
        node = group.add("", data=flt, expand=flt.query in opened)
        if acc.last_error:
            error = node.add_leaf(Text(f"sync failed: {acc.last_error[:300]}"), data=None)
            self._errors[error.id] = f"{acc.name}: the last sync failed: {acc.last_error}"
        for folder in owner.folders:
            query = f"account:{name} category:{quote_value(folder.name)}"
            fnode = node.add("", data=Filter(query, f"{acc.name} › {folder.name}"), expand=query in opened)
            for src in folder.sources:
                fnode.add_leaf("", data=_source_entry(src)[3])
        for src in owner.unfiled:
            node.add_leaf("", data=_source_entry(src)[3])
        node.allow_expand = bool(node.children)

    def _label_account(self, node: TreeNode[Filter | None], owner: AccountFolders) -> None:
        """Label an account's subtree (built by ``_add_account``) with its current counts."""
        acc = owner.account
        failed = bool(acc.last_error)
        name = acc.name + (" ⟳ syncing" if self.syncing == acc.name else "")
        node.set_label(self._label(name, f"{acc.unread:,}/{acc.articles:,}", failed))
        self._remember(node, name, failed)
        children = [n for n in node.children if n.id not in self._errors]
        leaves = [(f, f.sources) for f in owner.folders]
        for child, (folder, sources) in zip(children, leaves, strict=False):
            self._set(child, folder.name, f"{folder.unread:,}/{folder.total:,}", False)
            for leaf, src in zip(child.children, sources, strict=True):
                self._set(leaf, *_source_entry(src)[:3])
        for leaf, src in zip(children[len(leaves) :], owner.unfiled, strict=True):
            self._set(leaf, *_source_entry(src)[:3])

    def _set(self, node: TreeNode[Filter | None], name: str, count: str | None, failed: bool) -> None:
        node.set_label(self._label(name, count or "", failed))
        self._remember(node, name, failed)

    def watch_syncing(self) -> None:
        for owner in self.counts.layout.accounts:
            node = self._accounts.get(owner.account.name)
            if node is not None and node.tree is self:
                self._label_account(node, owner)

    def _forget(self, top: TreeNode[Filter | None]) -> None:
        for node in self._walk_from(top):
            self._tails.pop(node.id, None)
            self._errors.pop(node.id, None)

    # ---------------------------------------------------------------- choosing
    def select_query(self, query: str, *, announce: bool = False) -> bool:
        """Move the cursor to the node for ``query`` (opening its group); True if found.
        If it is not there yet (counts still loading), it is chosen when they arrive."""
        self.selected_query = query
        for node in self._walk():
            if node.data is not None and node.data.query == query:
                parent = node.parent
                while parent is not None and parent is not self.root:
                    parent.expand()  # accounts nest feeds two levels down
                    parent = parent.parent
                self.call_after_refresh(self._move_to, node)
                if announce:
                    self.post_message(self.Changed(node.data))
                return True
        return False

    def _move_to(self, node: TreeNode[Filter | None], tries: int = 3) -> None:
        if node.tree is not self:
            return
        if node.line < 0:  # the tree has not laid out its lines yet
            if tries:
                self.call_after_refresh(self._move_to, node, tries - 1)
            return
        self.move_cursor(node, animate=False)

    def _walk(self) -> list[TreeNode[Filter | None]]:
        return self._walk_from(self.root)

    def _walk_from(self, top: TreeNode[Filter | None]) -> list[TreeNode[Filter | None]]:
        """Every node under ``top``, in the order they are drawn."""
        out: list[TreeNode[Filter | None]] = []
        stack = list(reversed(top.children))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    @property
    def selected_source(self) -> int | None:
        node = self.cursor_node
        return node.data.source_id if node is not None and node.data is not None else None

    def action_source_settings(self) -> None:
        source_id = self.selected_source
        if source_id is None:
            self.notify("Choose a source (under Sources) to change its settings.", timeout=3)
            return
        self.post_message(self.SettingsRequested(source_id))

    def on_tree_node_selected(self, event: Tree.NodeSelected[Filter | None]) -> None:
        event.stop()
        error = self._errors.get(event.node.id)
        if error is not None:  # the pane is narrow: say the whole error when it is chosen
            self.notify(error, severity="error", markup=False, timeout=8)
        data = event.node.data
        if data is not None:
            self.selected_query = data.query
            self.post_message(self.Changed(data))


def _source_entry(s: Source) -> tuple[str, str | None, bool, Filter]:
    return (
        s.label,
        f"{s.unread:,}/{s.total:,}",
        _failing(s),
        Filter(f"source:{s.id}", f"source {s.label}", s.id),
    )


def _shape(owner: AccountFolders) -> _Shape:
    """What an account's subtree is made of, counts aside: (filter, error, folders, feeds)."""
    acc = owner.account
    return (
        Filter(f"account:{quote_value(acc.name)}", f"account {acc.name}"),
        acc.last_error,
        [(f.name, [(s.id, s.label) for s in f.sources]) for f in owner.folders],
        [(s.id, s.label) for s in owner.unfiled],  # a renamed feed's filter names it anew
    )


def _failing(source: Source) -> bool:
    return bool(source.gone or (source.last_error and source.failures))
