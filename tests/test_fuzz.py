"""Property tests: the local-file parser, the OPML importer, the query language and the
HTML-to-text path never raise anything but NewstuiError, and nothing with control
characters comes out of them into the library or onto the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newstui.errors import NewstuiError, QueryError
from newstui.models import ArticleIn
from newstui.query import FIELDS, compile_query
from newstui.render import body_markdown, html_to_markdown
from newstui.sources.decode import SkipFile, decode_text
from newstui.sources.opml import OpmlError, parse_opml
from newstui.sources.textfile import parse_text
from newstui.store.library import Library, plain_text

# What must never reach a terminal: C0 but tab/newline, DEL, C1, bidi overrides/isolates.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text biased towards what breaks parsers: controls, escapes, markup, labels, newlines.
NASTY = st.sampled_from(
    [
        "\x1b[31m",
        "\x1b]0;pwned\x07",
        "\x1b]8;;http://x\x1b\\",
        "\x9b2J",
        "\x07",
        "\x08",
        "\x00",
        "\r",
        "\n",
        "\n\n",
        "\t",
        "\u202e",
        "\u2066",
        "\u200b",
        "\ufeff",
        "\x7f",
        "\x85",
        "Kategorien: ",
        "Tags: ",
        "Schlagworte: a, b",
        ",",
        "[bold]",
        "[/]",
        "[@click=app.quit]",
        "<script>alert(1)</script>",
        "<b>",
        "</b>",
        "&amp;",
        "&#27;",
        "&#x9b;",
        "&",
        '"',
        "'",
        "Jana Beispiel, Freiburg",
        "<a href='javascript:alert(1)'>x</a>",
        "<!--",
        "-->",
        "<![CDATA[",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=30), NASTY), max_size=40).map("".join)


def assert_clean(*values: object) -> None:
    for v in values:
        if isinstance(v, (list, tuple)):
            assert_clean(*v)
        elif isinstance(v, str):
            assert not CONTROL.search(v), f"control character in {v!r}"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    library = Library(tmp_path_factory.mktemp("fuzz") / "library.db")
    yield library
    library.close()


@pytest.fixture(scope="module")
def folder(lib: Library) -> int:
    return lib.add_source("/fuzz", kind="folder", title="fuzz")[0].id


# --------------------------------------------------------------- plain-text files
@FUZZ
@given(text=TEXT)
@example(text="")
@example(text="\n\n\n")
@example(text="Tags: a\nKategorien: b")
@example(text="\x1b[2J\x1b]0;owned\x07Title\x9b31m\n\nBody \x08\x08\x07\n\nTags: \x1bx, y\u202e")
def test_parse_text_raises_only_skipfile_and_stores_clean(lib: Library, folder: int, text: str) -> None:
    try:
        art = parse_text(text)
    except SkipFile:
        return
    except NewstuiError:  # pragma: no cover - any documented error is acceptable
        return
    assert isinstance(art, ArticleIn)
    art.guid = f"fuzz:{hash(text)}"
    res = lib.upsert_articles(folder, [art])
    assert res.new + res.updated + res.unchanged == 1
    row = lib.list_articles(f"source:{folder}", limit=None)
    stored = lib.article(lib._read("SELECT id FROM articles WHERE key = ?", (art.guid,))[0][0])
    assert row  # it really went in
    assert_clean(
        stored.title,
        stored.author,
        stored.content,
        stored.summary,
        stored.categories,
        stored.tag_names,
        stored.link,
    )
    assert "\n" not in stored.title


@FUZZ
@given(data=st.binary(max_size=300))
def test_decode_then_parse_text_raises_only_documented_errors(data: bytes) -> None:
    try:
        parse_text(decode_text(data))
    except NewstuiError:
        pass


# ------------------------------------------------------------------------ OPML
def _attr(value: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(value)


XML_SAFE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@st.composite
def opml_docs(draw: st.DrawFn) -> bytes:
    """Mostly-valid OPML with hostile attribute values, sometimes mangled."""
    outlines = []
    for _ in range(draw(st.integers(0, 5))):
        title, url = draw(XML_SAFE), draw(st.one_of(XML_SAFE, st.just("http://127.0.0.1/f")))
        inner = ""
        if draw(st.booleans()):
            inner = f"<outline xmlUrl={_attr(draw(XML_SAFE))} text={_attr(draw(XML_SAFE))}/>"
        outlines.append(f"<outline text={_attr(title)} xmlUrl={_attr(url)}>{inner}</outline>")
    doc = f'<?xml version="1.0"?><opml version="2.0"><body>{"".join(outlines)}</body></opml>'
    raw = doc.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=20)) + raw[cut:]
    return raw


@FUZZ
@given(data=st.one_of(opml_docs(), st.binary(max_size=300)))
@example(data=b'<opml><body><outline text="\xc2\x9b2J&#x202e;x" xmlUrl="http://a/&#x85;"/></body></opml>')
@example(data=b'<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body/></opml>')
@example(data=b'<?xml version="1.0" encoding="x-nonsense"?><opml/>')
def test_parse_opml_raises_only_opmlerror_and_stores_clean(lib: Library, data: bytes) -> None:
    try:
        subs = parse_opml(data)
    except OpmlError:
        return
    for sub in subs:
        try:
            src, _ = lib.add_source(sub.url, kind="feed", title=sub.title, category=sub.category)
        except NewstuiError:
            continue  # e.g. a URL that is empty once cleaned
        assert_clean(src.url, src.title, src.category)


# ----------------------------------------------------------------- query language
QUERY_ATOMS = st.sampled_from(
    [
        "(",
        ")",
        "-",
        "OR",
        '"',
        " ",
        "*",
        "^",
        ":",
        "NEAR",
        "AND",
        "NOT",
        "+",
        "-(",
        *(f + ":" for f in FIELDS),
        "is:unread",
        "is:bogus",
        "after:7d",
        "before:2025-01",
        "after:99999999999999999999d",
        "source:1",
        "source:²",
        'tag:"a b"',
        "\x1b[31m",
        "\x00",
        "'",
        "%",
        "_",
        "\\",
        "{",
        "}",
        "title:",
        "col:x",
        "'); DROP TABLE articles; --",
    ]
)
QUERIES = st.lists(st.one_of(QUERY_ATOMS, st.text(max_size=8)), max_size=12).map(" ".join)


@FUZZ
@given(text=st.one_of(QUERIES, st.text(max_size=40)))
@example(text='"*"')
@example(text="- -")
@example(text="source:²")
@example(text="after:" + "9" * 5000 + "d")
def test_compile_query_raises_only_queryerror_and_runs(lib: Library, text: str) -> None:
    try:
        q = compile_query(text)
    except QueryError:
        return
    assert_clean(q.where)
    # The compiled query must run: no FTS5 syntax error, no SQL error, nothing injected.
    lib.count(q)
    lib.list_articles(q, sort="rank", limit=5)
    assert lib._read("SELECT COUNT(*) FROM sqlite_master WHERE name = 'articles'")[0][0] == 1


# ---------------------------------------------------------------- HTML to text
TAGS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<br>",
        "<script>",
        "</script>",
        "<style>",
        "</style>",
        "<iframe src='http://x'>",
        "</iframe>",
        "<a href='javascript:alert(1)'>",
        "<a href='data:text/html,x'>",
        "<a href='file:///etc/passwd'>",
        "<a href='http://ok.example/'>",
        "</a>",
        "<img src=x onerror=alert(1)>",
        "<b onclick='alert(1)'>",
        "</b>",
        "<table><tr><td>",
        "</td></tr></table>",
        "<pre>",
        "</pre>",
        "<li>",
        "<ul>",
        "</ul>",
        "&#27;",
        "&#x9b;",
        "&#7;",
        "&#x1b;[31m",
        "&lt;script&gt;",
        "<!--",
        "-->",
        "<svg onload=alert(1)>",
        "</svg>",
        "<h1>",
        "</h1>",
        "<code>",
        "</code>",
        "<![CDATA[",
        "]]>",
    ]
)
HTML = st.lists(st.one_of(TAGS, NASTY, st.text(max_size=10)), max_size=50).map("".join)


@FUZZ
@given(html=HTML)
@example(html="<div>" * 5000 + "x")
@example(html="<p>&#27;]0;title&#7;&#x9b;2J</p>")
@example(html="<a href='http://ok.example/'>[bold](")
@example(html="<p>[a link](javascript:alert(1)) in the text</p>")
def test_html_to_text_never_raises_and_is_clean(html: str) -> None:
    md = html_to_markdown(html, "http://127.0.0.1/base/")
    text = plain_text(html, "html")
    for out in (md, text, body_markdown(html, "markdown"), body_markdown(html, "text")):
        assert isinstance(out, str)
        assert_clean(out)
    # A link target is only ever http(s): never javascript:, data: or file:.
    # (Escaped characters are text, not syntax: left out before looking for links.)
    for target in re.findall(r"\]\(([^)\s]*)", re.sub(r"\\.", "", md)):
        assert target == "" or target.lower().startswith(("http://", "https://")), target
