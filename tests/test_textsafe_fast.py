"""The text-safety fast paths (``newstui.textsafe``, ``newstui.canonical``) give what the
regular expressions alone gave, on tricky input and on every code point."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newstui import canonical, textsafe
from newstui.textsafe import _ESCAPES, _SPACES, _UNSAFE, MAX_LINE, clean, clean_line, has_unsafe


def slow_clean(text: str | None, limit: int = textsafe.MAX_TEXT) -> str:
    """``clean`` as it was before its fast path: the regular expressions alone."""
    if not text:
        return ""
    if len(text) > limit * 2:
        text = text[: limit * 2]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub("", _ESCAPES.sub("", text))
    return text[:limit]


def slow_clean_line(text: str | None, limit: int = MAX_LINE) -> str:
    """``clean_line`` as it was before its fast path."""
    if not text:
        return ""
    if len(text) > limit * 4:
        text = text[: limit * 4]
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub(" ", _ESCAPES.sub("", text))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


TRICKY = [
    "Plain title",
    "  leading and trailing  ",
    "double  space",
    "tab\there",
    "new\nline",
    "\x1b[31mred\x1b[0m title",
    "osc \x1b]0;pwned\x07 title",
    "8-bit csi \x9b31m here",
    "bell\x07 and null\x00 and del\x7f",
    "C1 \x85 next line, \x80 pad",
    "bidi \u202egnirts desrever\u202c done",
    "isolate \u2066x\u2069 and \u200f mark",
    "line\u2028separator and para\u2029graph",
    "\ufeffbom at start and \ufeff inside",
    "nbsp\u00a0here and\u3000ideographic",
    "zero\u200bwidth and soft\u00adhyphen",
    "lone \ud800 surrogate",
    "<b>markup</b> [bold]rich[/bold] in a title",
    "<script>alert(1)</script> words",
    "emoji 🎉 and ümlaut and 中文",
    "\r\nwindows\r\nlines\r",
    " ",
    "\t",
    "x",
    "a" * 9000,
    "word " * 3000,
    "\x1b" * 10,
]


def test_printable_characters_need_no_cleaning() -> None:
    """What the fast paths rely on, checked on every code point: a printable character is
    never one ``_UNSAFE`` removes, and the space is the only printable whitespace."""
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if ch.isprintable():
            assert _UNSAFE.match(ch) is None, hex(cp)
            assert ch == " " or _SPACES.match(ch) is None, hex(cp)


def test_has_unsafe_matches_the_pattern_on_every_ascii_character() -> None:
    for cp in range(128):
        for text in (chr(cp), f"abc{chr(cp)}def", "x" * 100 + chr(cp)):
            assert has_unsafe(text) == (_UNSAFE.search(text) is not None), hex(cp)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_cleans_as_before(text: str) -> None:
    assert clean(text) == slow_clean(text)
    assert clean(text, 50) == slow_clean(text, 50)
    assert clean_line(text) == slow_clean_line(text)
    assert clean_line(text, 20) == slow_clean_line(text, 20)
    assert has_unsafe(text) == (_UNSAFE.search(text) is not None)


def test_cleaned_text_is_safe() -> None:
    for text in TRICKY:
        for out in (clean(text), clean_line(text)):
            assert _UNSAFE.search(out) is None
            assert "\x1b" not in out and "\x9b" not in out


# Mostly printable text with a sprinkling of everything the cleaning touches.
_ALPHABET = st.sampled_from(
    list("ab Z9 <>[]/&;é中🎉")
    + ["  ", "\t", "\n", "\r", "\x00", "\x1b", "\x1b[1m", "\x7f", "\x85", "\x9b"]
    + ["\u00a0", "\u200b", "\u202e", "\u2066", "\u2028", "\ufeff", "\ud800", "\u3000"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join), st.integers(min_value=1, max_value=80))
def test_any_text_cleans_as_before(text: str, limit: int) -> None:
    assert clean(text) == slow_clean(text)
    assert clean(text, limit) == slow_clean(text, limit)
    assert clean_line(text) == slow_clean_line(text)
    assert clean_line(text, limit) == slow_clean_line(text, limit)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_unicode_cleans_as_before(text: str) -> None:
    assert clean(text) == slow_clean(text)
    assert clean_line(text) == slow_clean_line(text)


def test_simple_canonical_sends_the_same_urls_to_urllib() -> None:
    """The quick check for characters only urllib handles finds exactly the old set."""
    old = set("?#@[]\\%\t\r\n")
    for cp in range(0x3000):
        assert (canonical._NOT_SIMPLE.search(chr(cp)) is not None) == (chr(cp) in old), hex(cp)
    for url in (
        "https://example.org/a/b",
        "https://example.org/a?utm_source=x&b=1",
        "https://example.org/a#frag",
        "https://user@example.org/a",
        "https://[::1]/a",
        "https://example.org/a%20b",
        "https://example.org/a\\b",
        "https://Example.org/a/",
    ):
        assert canonical.canonical_link(url) == canonical._general_canonical(url, False), url


def test_line_fast_path_does_not_change_markup() -> None:
    """Markup is text: it is kept as written (the faces show it as plain text)."""
    assert clean_line("[bold]x[/bold] <i>y</i>") == "[bold]x[/bold] <i>y</i>"
    assert re.fullmatch(r"\S+( \S+)*", clean_line("  a \u00a0 b\tc\n"))
