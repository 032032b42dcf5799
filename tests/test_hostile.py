"""Hostile content: text written by strangers must never act on the terminal or the app.

The corpus in ``fixtures/hostile/`` carries terminal escapes (CSI, OSC title and hyperlink
sequences, BEL, backspace, 8-bit C1 CSI 0x9b), bidi overrides and Rich/Textual markup in
every field (titles, authors, categories, tags, bodies, links) of every format the
importer reads, plus HTML with scripts, styles, frames, event handlers and
javascript:/data:/file: links. Each test first checks that the hostile article really
arrived (by its HOSTILE-* marker), then that nothing dangerous came out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, newstui_command
from newstui.models import ArticleIn
from newstui.store.library import Library
from newstui.textsafe import MAX_LINE

HOSTILE = FIXTURES / "hostile"
# What must never reach a terminal (beyond \n and \t): C0, DEL, C1, bidi overrides/isolates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MARKUP = ["[bold]B[/]", "[@click=app.quit]Q[/]", "[link=http://evil.example]L[/link]"]
# Text that only shows up if a script/style/frame/handler/embedded object got through.
ACTIVE = [
    "SCRIPT-RAN",
    "STYLE-RAN",
    "IFRAME-RAN",
    "ONERROR",
    "ONCLICK",
    "ONLOAD",
    "ONMOUSEOVER",
    "OBJECT-RAN",
    "EMBED-RAN",
    "FORM-RAN",
    "SVG-RAN",
    "SVG-SCRIPT",
    "RSS-ESCAPED-SCRIPT",
    "MD-IFRAME",
    "RSS-IFRAME",
    "alert(",
]
BAD_SCHEMES = re.compile(r"(javascript|vbscript|data|file)\s*:", re.I)
TITLES = [
    "HOSTILE-TXT-TITLE",
    "HOSTILE-MD-TITLE",
    "HOSTILE-HTML-TITLE",
    "HOSTILE-RSS-TITLE",
    "HOSTILE-RSS-REFS",
    "HOSTILE-ATOM-TITLE",
    "HOSTILE-JSON-TITLE",
    "HOSTILE-JSON-TEXT",
    "HOSTILE-MARKUP-TITLE",
]


def assert_terminal_safe(text: str, where: str = "") -> None:
    """No byte < 0x20 but \\n and \\t, no DEL, no C1 code point, no bidi override."""
    raw = text.encode("utf-8", "surrogateescape")
    bad = sorted({b for b in raw if (b < 0x20 and b not in (9, 10)) or b == 0x7F})
    assert not bad, f"control bytes {bad} in {where}: {text[:300]!r}"
    m = UNSAFE.search(text)
    assert m is None, f"unsafe character {m.group()!r} in {where}: {text[:300]!r}"


def assert_values_clean(obj: object, where: str = "") -> None:
    """Every string inside a JSON document (the stored values, not just their escaping)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert_values_clean(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            assert_values_clean(v, f"{where}[{i}]")
    elif isinstance(obj, str):
        assert not UNSAFE.search(obj), f"unsafe character in {where}: {obj[:200]!r}"


Run = Callable[..., subprocess.CompletedProcess[str]]


def runner(data: Path) -> Run:
    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [*newstui_command(), "--data-dir", str(data), *args],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
            errors="surrogateescape",
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        assert_terminal_safe(proc.stdout, f"stdout of {args}")
        assert_terminal_safe(proc.stderr, f"stderr of {args}")
        if ok:
            assert proc.returncode == 0, (args, proc.stderr)
        return proc

    return run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    """A library with the whole hostile corpus imported through the real CLI."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    run = runner(data)
    proc = run("import", str(HOSTILE))
    assert "9 imported" in proc.stdout, proc.stdout + proc.stderr
    return data, run


def records(run: Run) -> list[dict]:
    out = run("list", "--format", "json").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# ------------------------------------------------------------------ CLI output
def test_every_hostile_article_arrives_and_lists_cleanly(corpus: tuple[Path, Run]) -> None:
    _, run = corpus
    recs = records(run)
    titles = " ".join(r["title"] for r in recs)
    for marker in TITLES:
        assert marker in titles, f"{marker} was not imported"
    for r in recs:
        assert_values_clean(r, f"article {r['id']}")
        assert r["link"] == "" or r["link"].startswith(("http://", "https://")), r["link"]
    text = run("list").stdout
    for marker in TITLES:
        assert marker in text
    for markup in MARKUP:  # markup is data: shown literally
        assert markup in text
    for marker in ("HOSTILE-TXT-CAT", "HOSTILE-RSS-CAT", "HOSTILE-ATOM-CAT", "HOSTILE-MD-CAT"):
        assert any(marker in c for r in recs for c in r["categories"]), marker
    for marker in ("HOSTILE-TXT-TAG", "HOSTILE-JSON-TAG", "HOSTILE-HTML-TAG", "HOSTILE-MD-TAG"):
        assert any(marker in t for r in recs for t in r["tags"]), marker
    assert "esrever" in titles  # the text between bidi overrides stays, the overrides go


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_is_clean_in_every_format(corpus: tuple[Path, Run], fmt: str) -> None:
    _, run = corpus
    seen_bodies = set()
    for rec in records(run):
        out = run("show", str(rec["id"]), "--format", fmt).stdout
        if fmt == "json":
            doc = json.loads(out)
            assert_values_clean(doc, f"show {rec['id']}")
            doc.pop("summary")  # the stored feed summary, raw data for machines (cleaned above)
            out = json.dumps(doc, ensure_ascii=False)
        seen_bodies.update(re.findall(r"HOSTILE-[A-Z]+-(?:BODY|TEXTBODY|AUTHOR)", out))
        for word in ACTIVE:
            assert word not in out, f"{word} shown in article {rec['id']} ({fmt})"
        assert not BAD_SCHEMES.search(out.replace("(file date)", "")), (
            f"unsafe link kept in article {rec['id']} ({fmt}): {BAD_SCHEMES.search(out)}"
        )
    for marker in (
        "HOSTILE-TXT-BODY",
        "HOSTILE-MD-BODY",
        "HOSTILE-HTML-BODY",
        "HOSTILE-RSS-BODY",
        "HOSTILE-ATOM-BODY",
        "HOSTILE-JSON-BODY",
        "HOSTILE-JSON-TEXTBODY",
        "HOSTILE-MD-AUTHOR",
        "HOSTILE-HTML-AUTHOR",
        "HOSTILE-RSS-AUTHOR",
        "HOSTILE-ATOM-AUTHOR",
        "HOSTILE-JSON-AUTHOR",
    ):
        assert marker in seen_bodies, f"{marker} never shown: the test would be vacuous"


def test_html_keeps_text_and_safe_links_only(corpus: tuple[Path, Run]) -> None:
    _, run = corpus
    [rec] = [r for r in records(run) if "HOSTILE-HTML-TITLE" in r["title"]]
    out = run("show", str(rec["id"]), "--format", "markdown").stdout
    assert "hover me" in out and "js link" in out and "data link" in out  # text stays
    assert "[good link](http://127.0.0.1/ok)" in out  # a safe link stays a link
    assert "(http://evil.example/" not in out  # the iframe's target is not offered either
    assert rec["link"] == ""  # og:url was javascript:


def test_sources_and_hostile_names_are_clean(corpus: tuple[Path, Run]) -> None:
    _, run = corpus
    text = run("sources").stdout
    assert "HOSTILE-RSS-FEED" in text and "HOSTILE-OPML-TITLE" in text
    assert "javascript:" not in text  # the OPML's javascript: feed was refused
    for line in run("sources", "--format", "json").stdout.splitlines():
        assert_values_clean(json.loads(line), "sources")


def test_user_supplied_tags_and_notes_are_cleaned(corpus: tuple[Path, Run]) -> None:
    _, run = corpus
    aid = str(records(run)[0]["id"])
    out = run("tag", aid, "+\x1b]0;TAGPWN\x07evil\x9b2J", "+[@click=app.quit]", "+\u202eltr").stdout
    assert "evil" in out and "[@click=app.quit]" in out
    run("bookmark", aid, "--note", "note \x1b[2J\x07\x08 NOTE-MARK [bold]n[/]")
    shown = run("show", aid).stdout
    assert "NOTE-MARK" in shown and "[bold]n[/]" in shown
    doc = json.loads(run("show", aid, "--format", "json").stdout)
    assert_values_clean(doc)
    assert any("evil" in t for t in doc["tags"])


# --------------------------------------------------------------- library layer
def test_library_cleans_every_field_on_entry(lib: Library) -> None:
    esc = "\x1b[31m\x1b]0;x\x07\x9b1m\x08\x00\u202e"
    src, _ = lib.add_source(f"http://127.0.0.1/{esc}feed", title=f"SRC{esc}", category=f"CAT{esc}")
    res = lib.upsert_articles(
        src.id,
        [
            ArticleIn(
                title=f"T{esc}itle",
                guid=f"g{esc}",
                link=f"http://127.0.0.1/{esc}a",
                author=f"A{esc}",
                summary=f"S{esc}",
                content=f"<p>C{esc}</p>",
                content_type="html",
                categories=[f"K{esc}"],
                tags=[f"G{esc}", esc],
                enclosures=[
                    {"url": f"http://127.0.0.1/{esc}e.mp3", "type": f"audio/{esc}mpeg"},
                    {"url": "file:///etc/passwd", "type": "x"},
                ],
            )
        ],
    )
    assert res.new == 1
    art = lib.article(res.new_ids[0])
    values = [
        art.title,
        art.link,
        art.author,
        art.summary,
        art.content,
        art.key,
        art.source,
        *art.categories,
        *art.tag_names,
        json.dumps(art.enclosures, ensure_ascii=False),
    ]
    assert art.title.startswith("T") and art.author == "A" and art.tag_names == ["G"]
    assert len(art.enclosures) == 1  # file: enclosure dropped
    for v in values:
        assert not UNSAFE.search(v), repr(v)
    s = lib.source(src.id)
    for v in (s.url, s.title, s.category):
        assert not UNSAFE.search(v), repr(v)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\x00script:alert(1)",
        "data:text/html,<script>1</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "\x1b]8;;http://x\x1b\\javascript:1",
        "//evil.example/x",
        "ftp://x/y",
    ],
)
def test_unsafe_links_are_never_kept(lib: Library, link: str) -> None:
    src, _ = lib.add_source("http://127.0.0.1/links")
    res = lib.upsert_articles(
        src.id, [ArticleIn(title="LINKTEST", guid=link, link=link, enclosures=[{"url": link}])]
    )
    art = lib.article(res.new_ids[0])
    assert art.title == "LINKTEST"
    assert art.link == "" and art.enclosures == []


# -------------------------------------------------------------------- extremes
def test_extremes_are_capped_and_do_not_crash(lib: Library) -> None:
    src, _ = lib.add_source("http://127.0.0.1/extreme")
    word = "W" * 50_000
    odd = "zero\u200bwidth \u200d emoji 👩‍👩‍👧‍👦🏳️‍🌈 שלום مرحبا \u200f combining e\u0301\u0301\u0301"
    res = lib.upsert_articles(
        src.id,
        [
            ArticleIn(title="HUGE " + "x" * 1_048_576, guid="huge"),
            ArticleIn(title="LONGWORD", guid="word", content=f"before {word} after"),
            ArticleIn(title=odd, guid="odd", author=odd, tags=[odd], content=odd),
        ],
    )
    assert res.new == 3
    huge, longword, weird = (lib.article(i) for i in res.new_ids)
    assert huge.title.startswith("HUGE ") and len(huge.title) <= MAX_LINE
    assert word in longword.content
    assert weird.title == odd.replace("\u200f", "\u200f")  # zero-width, RTL text, emoji kept
    assert lib.list_articles("LONGWORD")[0].id == longword.id
    assert lib.count("emoji") == 1


@pytest.fixture(scope="module")
def extreme_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Run]:
    """Files with a 1 MB title, a 50,000-character word, odd Unicode, a 10,000-entry feed,
    and hostile file and folder names, imported through the CLI."""
    root = tmp_path_factory.mktemp("extreme")
    src = root / "in"
    weird_dir = src / "x..\x1b[31mDIRMARK\x07\x1b]0;gone\x07 [bold]dir[/]"
    weird_dir.mkdir(parents=True)
    (src / "huge-title.txt").write_text("HUGETITLE " + "t" * 1_048_576 + "\n\nbody\n")
    (src / "long-word.txt").write_text("LONGWORD\n\nbefore " + "W" * 50_000 + " after\n")
    (src / "unicode.txt").write_text(
        "UNICODE zero\u200bwidth 👩‍👩‍👧‍👦 שלום مرحبا \u202eevil\n\nbody \u200f text\n"
    )
    (weird_dir / ("n" * 200 + "\x1b[31m.txt")).write_text("WEIRDNAME\n\nbody\n")
    (weird_dir / "skip\x1b]0;gone\x07\x1b[2JSKIPMARK.bin").write_bytes(b"\x00\x01")
    items = "".join(
        f"<item><title>BIG {i}</title><guid>big-{i}</guid><description>entry {i}</description></item>"
        for i in range(10_000)
    )
    (src / "big.rss").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>BIGFEED</title>{items}</channel></rss>'
    )
    data = root / "data"
    run = runner(data)
    proc = run("import", str(src))
    assert "10004 imported" in proc.stdout, proc.stdout + proc.stderr
    assert "SKIPMARK" in proc.stderr and "gone" not in proc.stderr  # the skip message names the file, cleaned
    return src, data, run


def test_extreme_files_through_the_cli(extreme_corpus: tuple[Path, Path, Run]) -> None:
    _, data, run = extreme_corpus
    recs = [json.loads(line) for line in run("list", "--format", "json").stdout.splitlines()]
    assert len(recs) == 10_004
    by_title = {r["title"].split()[0]: r for r in recs}
    huge = by_title["HUGETITLE"]
    assert len(huge["title"]) <= MAX_LINE
    assert "WEIRDNAME" in by_title
    shown = run("show", str(by_title["LONGWORD"]["id"])).stdout
    assert "W" * 50_000 in shown
    uni = by_title["UNICODE"]["title"]
    assert "\u200b" in uni and "👩‍👩‍👧‍👦" in uni and "שלום" in uni and "\u202e" not in uni
    assert run("list", "-n", "3", "BIG").stdout.count("\n") == 3
    text = run("sources").stdout
    # The folder's name: its escapes gone, its markup literal.
    assert "DIRMARK" in text and "gone" not in text and "[bold]dir[/]" in text


# ------------------------------------------------------------------ file names
def test_export_and_reimport_with_hostile_titles(tmp_path: Path) -> None:
    """Titles with /, .., NUL, reserved and very long names: every exported file lands in
    the chosen folder with a safe name, and importing the export gives the bookmarks back."""
    data = tmp_path / "data"
    titles = [
        "../../../etc/passwd",
        "/absolute/path",
        "a/b/../c",
        "..",
        ".",
        ".hidden",
        "x\x00y NUL",
        "CON",
        "nul.txt",
        "\x1b]0;PWN\x07esc [bold]b[/]",
        "L" * 100_000,
        "日本語のタイトル " * 40,
        "same title",
        "same title",
        "-rf --no-preserve-root",
        "trailing dot.",
        "\u202eevil\u202c.exe",
    ]
    with Library(data / "library.db") as lib:
        src, _ = lib.add_source("http://127.0.0.1/names")
        res = lib.upsert_articles(
            src.id, [ArticleIn(title=t, guid=f"n{i}", content=f"body {i}") for i, t in enumerate(titles)]
        )
        assert res.new == len(titles)
        for aid in res.new_ids:
            lib.bookmark(aid, note=f"note {aid}")
    out = tmp_path / "export" / "md"
    before = {p for p in tmp_path.rglob("*")}
    run = runner(data)
    run("export", "bookmarks", "--format", "markdown", "-o", str(out))
    created = {p for p in tmp_path.rglob("*")} - before
    files = [p for p in created if p.is_file() and "data" not in p.relative_to(tmp_path).parts]
    assert len(files) == len(titles)
    for f in files:
        assert f.parent == out, f"{f} written outside the export folder"
        assert not f.name.startswith((".", "-")) and len(f.name.encode()) <= 255
        assert not UNSAFE.search(f.name) and "/" not in f.name and "\x00" not in f.name
    fresh = tmp_path / "fresh"
    proc = runner(fresh)("import", str(out))
    assert f"{len(titles)} imported" in proc.stdout, proc.stdout + proc.stderr
    with Library(fresh / "library.db") as lib:
        assert lib.stats()["bookmarks"] == len(titles)
        got = sorted(r.title for r in lib.list_articles(limit=None))
    with Library(data / "library.db") as lib:
        want = sorted(r.title for r in lib.list_articles(limit=None))
    assert got == want


# ------------------------------------------------------------------- refresh
def test_refresh_of_hostile_feeds_over_loopback(tmp_path: Path) -> None:
    from feedserver import FeedServer

    data = tmp_path / "data"
    run = runner(data)
    big = "".join(f"<item><title>BIG {i}</title><guid>big-{i}</guid></item>" for i in range(10_000)).encode()
    with FeedServer() as server:
        urls = [
            server.feed("/hostile.rss", (HOSTILE / "hostile.rss").read_bytes()),
            server.feed(
                "/hostile.atom", (HOSTILE / "hostile.atom").read_bytes(), content_type="application/atom+xml"
            ),
            server.feed(
                "/hostile.json", (HOSTILE / "hostile.json").read_bytes(), content_type="application/feed+json"
            ),
            server.feed(
                "/big.rss",
                b'<?xml version="1.0"?><rss version="2.0"><channel>'
                b"<title>BIGFEED</title>" + big + b"</channel></rss>",
            ),
            server.redirect("/to-file", 302, "file:///etc/passwd"),
            server.redirect("/to-js", 302, "javascript:alert(1)"),
        ]
        with Library(data / "library.db") as lib:
            for url in urls:
                lib.add_source(url)
        proc = run("refresh", ok=False)
    assert proc.returncode in (0, 3), proc.stderr
    recs = records(run)
    titles = " ".join(r["title"] for r in recs)
    for marker in ("HOSTILE-RSS-TITLE", "HOSTILE-ATOM-TITLE", "HOSTILE-JSON-TITLE"):
        assert marker in titles
    assert sum(1 for r in recs if r["title"].startswith("BIG ")) == 10_000
    for r in recs:
        assert_values_clean(r)
        assert r["link"] == "" or r["link"].startswith(("http://", "https://"))
    with Library(data / "library.db") as lib:
        failed = {s.url.rsplit("/", 1)[-1]: s for s in lib.sources()}
        for name in ("to-file", "to-js"):
            assert failed[name].last_error and failed[name].total == 0, name
            assert "root:" not in failed[name].last_error
    for line in run("sources", "--format", "json").stdout.splitlines():
        assert_values_clean(json.loads(line))


# ------------------------------------------------------------------------ TUI
def _screen(app) -> tuple[str, list[str]]:  # noqa: ANN001
    """The screen as text, and every problem found in its segments (controls, links)."""
    strips = app.screen._compositor.render_strips()
    problems = []
    for y, strip in enumerate(strips):
        assert strip.cell_length == app.size.width, f"line {y} is not the screen width"
        for seg in strip:
            if UNSAFE.search(seg.text):
                problems.append(f"line {y}: {seg.text!r}")
            link = seg.style.link if seg.style else None
            if link and not link.startswith(("http://", "https://")):
                problems.append(f"line {y}: link {link!r}")
            meta = seg.style.meta if seg.style else {}
            if meta.get("@click") and "quit" in str(meta.get("@click")):
                problems.append(f"line {y}: click action {meta!r} on {seg.text!r}")
    return "\n".join(strip.text for strip in strips), problems


async def _open_each(app, pilot, settle, pages_per_article: int = 4) -> list[str]:  # noqa: ANN001
    """Open every article in turn and page through it; the screen text of each."""
    from newstui.tui.widgets.article_list import ArticleList
    from newstui.tui.widgets.article_view import ArticleView

    screens = []
    articles = app.screen.query_one(ArticleList)
    articles.focus()
    await pilot.press("home")
    view = app.screen.query_one(ArticleView)
    for _ in range(articles.count):
        await pilot.press("enter")
        await settle(pilot)
        pages = []
        view.focus()
        for _ in range(pages_per_article):  # page through the body: markers sit below the fold
            text, problems = _screen(app)
            assert not problems, problems
            pages.append(text)
            await pilot.press("space")
            await settle(pilot)
        screens.append("\n".join(pages))
        articles.focus()
        await pilot.press("down")
        await settle(pilot)
    return screens


async def test_tui_shows_hostile_text_inert(corpus: tuple[Path, Run]) -> None:
    from newstui.paths import Paths
    from test_tui_support import make_app, settle

    data, _ = corpus
    app = make_app(Paths.resolve(data))
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        text, problems = _screen(app)
        assert not problems, problems
        assert "HOSTILE-JSON-TITLE" in text  # the hostile list really is on screen
        assert "[@click=app.quit]CLICKME[/]" in text  # literal, not markup
        assert "[bold]B[/]" in text
        # Click right on the text that looks like a quit action: nothing happens.
        y = next(i for i, line in enumerate(text.splitlines()) if "[@click=app.quit]" in line)
        x = text.splitlines()[y].index("[@click=app.quit]") + 3
        await pilot.click(offset=(x, y))
        await settle(pilot)
        assert app.is_running
        screens = await _open_each(app, pilot, settle)
        joined = "\n".join(screens)
        rendered_html = "\n".join(s for s in screens if "HOSTILE-MD-TITLE" not in s)
        for marker in (
            "HOSTILE-HTML-BODY",
            "HOSTILE-TXT-BODY",
            "HOSTILE-JSON-BODY",
            "HOSTILE-RSS-BODY",
            "HOSTILE-MD-BODY",
            "HOSTILE-MARKUP-BODY",
        ):
            assert marker in joined, f"{marker} never shown: the test would be vacuous"
        for word in ACTIVE:
            assert word not in rendered_html, word
        assert app.is_running


async def test_tui_layout_survives_extremes(extreme_corpus: tuple[Path, Path, Run]) -> None:
    from newstui.paths import Paths
    from newstui.tui.widgets.article_list import ArticleList
    from test_tui_support import make_app, settle

    _, data, _ = extreme_corpus
    app = make_app(Paths.resolve(data))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text, problems = _screen(app)  # every line exactly the screen width
        assert not problems, problems
        articles = app.screen.query_one(ArticleList)
        assert articles.count == 10_004
        screen = app.screen
        for query in ("LONGWORD", "HUGETITLE", "UNICODE"):
            await pilot.press("slash")
            await pilot.press(*query.lower())
            await pilot.press("enter")
            await settle(pilot)
            articles.focus()
            await pilot.press("home", "enter")
            await settle(pilot)
            text, problems = _screen(app)
            assert not problems, problems
            assert query in text, f"{query} not on screen"
            await pilot.press("escape")
            await settle(pilot)
        assert app.is_running and app.screen is screen
