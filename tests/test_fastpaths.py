"""The import and refresh fast paths answer exactly as the plain computations they replace."""

from __future__ import annotations

import difflib
import random

from newstui.models import ArticleIn
from newstui.sources import decode
from newstui.sources.textfile import _norm, is_caption
from newstui.store.library import Library

WORDS = (
    "Alipay und Wero Apple Pay die neuen besten Freunde Zahlung Etsy Bezahlen zwei Wege (Analyse) – -"
).split()


def _caption_reference(line: str, title: str) -> bool:
    """is_caption as it was written first: always the full difflib ratio."""
    if "\n" in line or len(line) > max(200, len(title) * 1.5):
        return False
    a, b = _norm(line), _norm(title)
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


def _variant(rng: random.Random, title: str) -> str:
    words = title.split()
    for _ in range(rng.randrange(0, 4)):
        op = rng.randrange(4)
        if op == 0 and words:
            words.pop(rng.randrange(len(words)))
        elif op == 1:
            words.insert(rng.randrange(len(words) + 1), rng.choice(WORDS))
        elif op == 2 and words:
            i = rng.randrange(len(words))
            words[i] = words[i][:-1] or words[i]
        else:
            words = words[::-1] if rng.random() < 0.2 else words
    return " ".join(words)


def test_caption_bounds_agree_with_the_full_ratio() -> None:
    rng = random.Random(16)
    seen = {True: 0, False: 0}
    for _ in range(3000):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 12)))
        line = _variant(rng, title) if rng.random() < 0.7 else " ".join(rng.sample(WORDS, 5))
        expected = _caption_reference(line, title)
        assert is_caption(line, title) is expected, (line, title)
        seen[expected] += 1
    assert seen[True] > 100 and seen[False] > 100  # both answers were exercised


def test_control_byte_count_agrees_with_a_byte_loop() -> None:
    rng = random.Random(7)
    for size in (0, 1, 50, 400, 9000):
        for density in (0.0, 0.01, 0.03, 0.2):
            draw = [
                rng.randrange(0, 32) if rng.random() < density else rng.randrange(32, 256)
                for _ in range(size)
            ]
            data = bytes(draw).replace(b"\x00", b"\x01")
            head = data[:8192]
            controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
            assert decode.looks_binary(data) is (controls > max(8, len(head) // 50))


def test_upsert_finds_the_batch_keys_among_many_stored(lib: Library) -> None:
    """Existing rows are looked up by the batch's keys, in chunks: new, changed and
    unchanged articles are told apart as before, with the source holding many others."""
    src, _ = lib.add_source("/tmp/folder", kind="folder", title="folder")
    first = [ArticleIn(f"T{i}", guid=f"g{i}", content=f"body {i}", published=1.7e9 + i) for i in range(1200)]
    done = lib.upsert_articles(src.id, first)
    assert done.new == 1200
    ids = dict(zip((a.guid for a in first), done.new_ids, strict=True))
    batch = [first[i] for i in range(0, 1200, 2)]
    for a in batch[:10]:
        a.content += " changed"
    batch += [ArticleIn(f"N{i}", guid=f"n{i}", published=1.7e9) for i in range(700)]
    again = lib.upsert_articles(src.id, batch)
    assert (again.new, again.updated, again.unchanged) == (700, 10, 590)
    assert lib.article(ids["g0"]).content == "body 0 changed"
    assert lib.stats()["articles"] == 1900
    assert lib.conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0] == 1900


URLS = [
    "https://example.org/a/b/",
    "https://example.org",
    "https://example.org/",
    "https://example.org//",
    "http://127.0.1.7:8080/feeds/x.rss",
    "http://127.0.1.7/feeds/x.rss",
    "https://Example.org/Path/",
    "HTTPS://example.org/a",
    "https://example.org./a",
    "https://example.org/a?utm_source=x&b=2&a=1",
    "https://example.org/a#frag",
    "https://user:pw@example.org/a",
    "https://[::1]/a",
    "https://example.org:443/a",
    "https://example.org:99999/a",
    "https://exämple.org/a",
    "https://example.org/ä/",
    "https://example.org/a%2Fb/",
    "https://example.org/a\tb",
    "https:///nohost",
    "https://-x.example/a",
    "https://example.org/a b/",
    "https://example.org\\a",
    "ftp://example.org/a",
    "mailto:someone@example.org",
    "javascript:alert(1)",
    "urn:uuid:1234",
    "tag:example.org,2024:1",
    "example.org/a",
    "https://ex ample.org/a",
    "https://example.org/a;params/",
    "https://example.org/\x01a",
    "\x01https://example.org/a",
    "h\ttps://example.org/a",
    "urn:newstui-bench:000001",
    "Http://example.org/a",
    "http://127.0.0.1:9/site/0000/article/000001.html",
    "http://127.0.0.1:80/a/",
    "https://example.org:443",
    "https://example.org:0443/a",
    "https://example.org:/a",
    "https://example.org:9:9/a",
    "https://example.org:+9/a",
    "https://example.org:٣/a",
    "https://example.org/a:b/",
    "http://host.example:65536/",
]


def test_simple_canonical_links_agree_with_urllib() -> None:
    from newstui.canonical import _general_canonical, _simple_canonical, canonical_link

    rng = random.Random(3)
    pieces = [
        "a",
        "B",
        "/",
        "//",
        ".",
        "-",
        "_",
        "~",
        "é",
        "?",
        "#",
        ":",
        ":8",
        ":443",
        "@",
        "%20",
        "=",
        "&",
        "1",
    ]
    urls = list(URLS)
    for _ in range(4000):
        head = rng.choice(["https://", "http://", "HTTP://", "https:/", "", "urn:", "\x02", "ht\ttp://"])
        host = rng.choice(["example.org", "Example.org", "127.0.1.9", "ex.org.", "a-b.example", ""])
        urls.append(head + host + "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 8))))
    fast = 0
    for url in urls:
        url = url.strip()
        if not url:
            continue
        for keep in (False, True):
            assert canonical_link(url, keep_fragment=keep) == _general_canonical(url, keep), url
        fast += _simple_canonical(url) is not None
    assert fast > 200  # the plain road was taken often enough to be tested
