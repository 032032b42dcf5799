"""The filter language shared by the CLI and the TUI, compiled to parameterised SQL.

    bare words      full-text search (FTS5, ranked; prefix-matched from 3 letters); "quoted phrase"
    tag:x  category:x  source:x  author:x  note:x     (quotes for spaces: tag:"a b")
    account:NAME    the articles of a feed-server account's sources
    is:unread  is:read  is:bookmarked  is:duplicate (every article of a story found twice)
    before:2025-01-01  after:2025-06  after:7d        (dates or N days/weeks ago)
    -term           negation
    a OR b          either; OR binds tighter than the implicit AND: ``x a OR b`` = x AND (a OR b)
    ( ... )         grouping

User text only ever reaches SQL as a bound parameter. The compiled WHERE clause refers to
the articles table as ``a``.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import NamedTuple

from newstui.errors import QueryError

MIN_PREFIX = 3
# A full-text term's condition (the store recognises it to plan date-sorted searches).
UNREAD = "a.read = 0"  # what ``is:unread`` compiles to (the kept counts answer it)
FTS_MEMBER = "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
FIELDS = ("tag", "category", "source", "author", "is", "before", "after", "note", "account")
STATES = ("unread", "read", "bookmarked", "duplicate")

# Articles that are copies of a story (newstui.store.stories), and their primaries.
COPIES = "SELECT article_id FROM story_copies"
DUPLICATE_SQL = f"(a.id IN ({COPIES}) OR a.id IN (SELECT primary_id FROM story_copies))"

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lpar>\() | (?P<rpar>\)) |
        (?P<field_only>-?[A-Za-z]+:)(?=\s|$|\)) |
        (?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)(?P<qend>"?)|(?P<bare>[^\s()"]+))
    )""",
    re.VERBOSE,
)


class Compiled:
    """A query as SQL: the WHERE clause over articles ``a``, its parameters, and what
    ranking and counting need. (A plain class: every command loads this module, and a
    dataclass would import ``dataclasses`` and compile its methods on the way.)"""

    __slots__ = ("where", "params", "rank_match", "uncollapsed")

    def __init__(
        self,
        where: str = "1",
        params: list[object] | None = None,
        rank_match: str | None = None,
        uncollapsed: Compiled | None = None,
    ) -> None:
        self.where = where
        self.params: list[object] = [] if params is None else params
        self.rank_match = rank_match  # FTS5 expression of the positive words, for ranking
        # The same query listing every copy of a story (set when ``where`` leaves copies
        # out): counting it and subtracting the few copies left out is cheaper than
        # counting ``where``.
        self.uncollapsed = uncollapsed

    def __repr__(self) -> str:
        return (
            f"Compiled(where={self.where!r}, params={self.params!r}, "
            f"rank_match={self.rank_match!r}, uncollapsed={self.uncollapsed!r})"
        )

    @property
    def is_everything(self) -> bool:
        return self.where == "1"


# The parse tree's nodes are named tuples (made once per query, never changed): cheaper to
# define than dataclasses, and this module is loaded by every command.
class _Term(NamedTuple):
    """One term: ``word``, ``"a phrase"`` or ``field:value``, maybe negated."""

    negated: bool
    field: str | None
    value: str
    quoted: bool


class _Group(NamedTuple):
    """A parenthesised part of the query, maybe negated."""

    negated: bool
    node: object


class _And(NamedTuple):
    """Terms that must all match."""

    items: list[object]


class _Or(NamedTuple):
    """Terms of which one must match."""

    items: list[object]


def _tokens(text: str) -> list[object]:
    out: list[object] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"cannot read the query near {text[pos : pos + 20]!r}")
        pos = m.end()
        if m.group("lpar"):
            out.append("(")
        elif m.group("rpar"):
            out.append(")")
        elif m.group("field_only"):
            raise QueryError(f"{m.group('field_only').lstrip('-')} needs a value")
        else:
            quoted = m.group("quoted") is not None
            if quoted and not m.group("qend"):
                raise QueryError("unclosed quote in the query")
            value = m.group("quoted") if quoted else m.group("bare")
            fld = m.group("field")
            negated = bool(m.group("neg"))
            if fld is not None and not quoted and value.startswith("//"):
                value, fld = f"{fld}:{value}", None  # a URL, searched as words
            if fld is not None:
                fld = fld.lower()
                if fld not in FIELDS:
                    raise QueryError(f"unknown field {fld!r} (known: {', '.join(f + ':' for f in FIELDS)})")
            if fld is None and not quoted and value == "OR" and not negated:
                out.append("OR")
                continue
            out.append(_Term(negated, fld, value, quoted))
    return out


class _Parser:
    def __init__(self, tokens: list[object]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> object | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> object:
        node = self.and_expr()
        if self.peek() is not None:
            raise QueryError("unbalanced ')' in the query")
        return node

    def and_expr(self) -> object:
        items = []
        while (tok := self.peek()) is not None and tok != ")":
            if tok == "OR":
                raise QueryError("OR needs a term on each side")
            items.append(self.or_expr())
        return _And(items)

    def or_expr(self) -> object:
        items = [self.unary()]
        while self.peek() == "OR":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt in (")", "OR"):
                raise QueryError("OR needs a term on each side")
            items.append(self.unary())
        return items[0] if len(items) == 1 else _Or(items)

    def unary(self) -> object:
        tok = self.peek()
        if tok == "(":
            self.i += 1
            inner = self.and_expr()
            if self.peek() != ")":
                raise QueryError("unclosed '(' in the query")
            self.i += 1
            return _Group(False, inner)
        self.i += 1
        return tok


def parse(text: str) -> object:
    # A leading "-(" negates a group: rewrite "-(" into a marker the tokenizer sees as "(".
    negated_groups = [m.start() for m in re.finditer(r"(?:(?<=\s)|^)-\(", text)]
    if negated_groups:
        raise QueryError("negating a group is not supported; negate each term instead")
    return _Parser(_tokens(text)).parse()


def fts_phrase(value: str, prefix: bool = True) -> str:
    """One FTS5 string: quoted so no user text is read as FTS syntax."""
    from newstui.textsafe import clean

    words = clean(value).replace('"', " ").split()  # controls (NUL!) break FTS5 MATCH
    if not words:
        return ""
    phrase = '"' + " ".join(words) + '"'
    # Prefix-match only from three letters on: "c*" would match most of a library and make
    # the first keystrokes of a search the slowest ones, for results nobody wants.
    return phrase + ("*" if prefix and len(words[-1]) >= MIN_PREFIX else "")


def _date(value: str, field_name: str) -> float:
    m = re.fullmatch(r"([0-9]{1,6})([dwmy])", value)  # ASCII, bounded: int() cannot fail
    if m:
        days = int(m.group(1)) * {"d": 1, "w": 7, "m": 30, "y": 365}[m.group(2)]
        return time.time() - days * 86400
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    raise QueryError(f"{field_name}: wants a date like 2025-01-31, 2025-01, 2025 or 7d, not {value!r}")


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _term_sql(term: _Term, out: Compiled) -> str:
    f, v = term.field, term.value
    if f is None:
        phrase = fts_phrase(v, prefix=not term.quoted)
        if not phrase:
            return "1"
        out.params.append(phrase)
        return FTS_MEMBER
    if not v.strip():
        raise QueryError(f"{f}: needs a value")
    if f == "tag":
        out.params.append(v.strip().casefold())
        return (
            "a.id IN (SELECT at.article_id FROM article_tags at "
            "JOIN tags t ON t.id = at.tag_id WHERE t.fold = ?)"
        )
    if f == "category":
        out.params.extend([v.strip().casefold(), v.strip()])
        return (
            "(a.id IN (SELECT ac.article_id FROM article_categories ac "
            "JOIN categories c ON c.id = ac.category_id WHERE c.fold = ?) "
            "OR a.source_id IN (SELECT id FROM sources WHERE category = ? COLLATE NOCASE))"
        )
    if f == "source":
        if v.isascii() and v.isdigit():  # "²".isdigit() is True but int("²") fails
            out.params.append(int(v))
            return "a.source_id = ?"
        out.params.extend([_like(v), _like(v)])
        return (
            "a.source_id IN (SELECT id FROM sources WHERE title LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\')"
        )
    if f == "account":
        out.params.append(v.strip())
        return (
            "a.source_id IN (SELECT s.id FROM sources s JOIN accounts ac ON ac.id = s.account_id "
            "WHERE ac.name = ? COLLATE NOCASE)"
        )
    if f == "author":
        out.params.append(_like(v))
        return "a.author LIKE ? ESCAPE '\\'"
    if f == "note":
        out.params.append(_like(v))
        return "a.id IN (SELECT article_id FROM bookmarks WHERE note LIKE ? ESCAPE '\\')"
    if f == "is":
        state = v.lower()
        if state == "unread":
            return UNREAD
        if state == "read":
            return "a.read = 1"
        if state in ("bookmarked", "bookmark", "saved"):
            return "a.id IN (SELECT article_id FROM bookmarks)"
        if state in ("duplicate", "duplicates", "dup"):
            return DUPLICATE_SQL
        raise QueryError(f"is: wants one of {', '.join(STATES)}, not {v!r}")
    if f == "before":
        out.params.append(_date(v, f))
        return "a.published < ?"
    if f == "after":
        out.params.append(_date(v, f))
        return "a.published >= ?"
    raise QueryError(f"unknown field {f!r}")  # pragma: no cover - guarded by the tokenizer


def _node_sql(node: object, out: Compiled, ranks: list[str] | None) -> str:
    if isinstance(node, _Term):
        sql = _term_sql(node, out)
        if node.field is None and not node.negated and ranks is not None:
            phrase = fts_phrase(node.value, prefix=not node.quoted)
            if phrase:
                ranks.append(phrase)
        return f"NOT ({sql})" if node.negated else sql
    if isinstance(node, _Group):
        return f"({_node_sql(node.node, out, ranks)})"
    if isinstance(node, _Or):
        return "(" + " OR ".join(_node_sql(n, out, None) for n in node.items) + ")"
    if isinstance(node, _And):
        parts = [_node_sql(n, out, ranks) for n in node.items]
        parts = [p for p in parts if p != "1"]
        if not parts:
            return "1"
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"
    raise QueryError("cannot read the query")  # pragma: no cover


def compile_query(text: str | None, *, collapse: bool = False) -> Compiled:
    """Parse ``text`` and compile it; raises QueryError with a one-line message.

    ``collapse`` lists a story found more than once once: a copy is left out when its
    story's primary (earliest article) matches too. A query that asks for ``is:duplicate``
    is never collapsed, so it finds every copy."""
    out = Compiled()
    if not text or not text.strip():
        if collapse:
            out.uncollapsed = Compiled()
            out.where = f"a.id NOT IN ({COPIES})"
        return out
    ranks: list[str] = []
    node = parse(text)
    out.where = _node_sql(node, out, ranks)
    if ranks:
        out.rank_match = " ".join(ranks)
    if collapse and not _asks_duplicates(node):
        out.uncollapsed = Compiled(out.where, list(out.params), out.rank_match)
        out.where, out.params = _collapsed(out.where, out.params)
    return out


def _collapsed(where: str, params: list[object]) -> tuple[str, list[object]]:
    """``where`` without the copies whose primary matches ``where`` as well.

    A row is looked up in ``story_copies`` by its id (a rowid probe into a table holding
    only copies), so the list stays served by the same index as before; only for a copy is
    its primary fetched and tested. Inside the innermost subquery ``a`` is the primary: its
    alias hides the outer ``a``, so ``where`` applies to it unchanged."""
    if where == "1":
        return f"a.id NOT IN ({COPIES})", params
    hidden = (
        "SELECT 1 FROM story_copies c WHERE c.article_id = a.id AND EXISTS ("
        f"SELECT 1 FROM articles a WHERE a.id = c.primary_id AND ({where}))"
    )
    return f"({where}) AND NOT EXISTS ({hidden})", [*params, *params]


def _asks_duplicates(node: object) -> bool:
    """True when a positive ``is:duplicate`` term is anywhere in the query."""
    if isinstance(node, _Term):
        return (
            not node.negated
            and node.field == "is"
            and node.value.lower() in ("duplicate", "duplicates", "dup")
        )
    if isinstance(node, _Group):
        return _asks_duplicates(node.node)
    if isinstance(node, (_And, _Or)):
        return any(_asks_duplicates(n) for n in node.items)
    return False


def describe(text: str | None) -> str:
    """The query in words, for the list header."""
    if not text or not text.strip():
        return "All articles"
    try:
        node = parse(text)
    except QueryError:
        return text.strip()
    return _describe(node) or "All articles"


def _describe(node: object) -> str:
    if isinstance(node, _Term):
        if node.field is None:
            s = f"“{node.value}”"
        elif node.field == "is":
            s = node.value.lower()
        else:
            s = f"{node.field} {node.value}"
        return f"not {s}" if node.negated else s
    if isinstance(node, _Group):
        return "(" + _describe(node.node) + ")"
    if isinstance(node, _Or):
        return " or ".join(_describe(n) for n in node.items)
    if isinstance(node, _And):
        return ", ".join(_describe(n) for n in node.items)
    return ""
