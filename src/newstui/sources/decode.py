"""Bytes of a text file to str: UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""

from __future__ import annotations

from newstui.errors import NewstuiError


class SkipFile(NewstuiError):
    """A file the importer passes over, with the one-line reason."""


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    # Many C0 controls (other than tab/newline/CR/FF) mean it is not text.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(8, len(head) // 50)


def decode_text(data: bytes) -> str:
    """Decode a text file's bytes; raises SkipFile for empty or binary files."""
    if not data.strip():
        raise SkipFile("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            raise SkipFile("cannot decode UTF-16 text") from None
    if looks_binary(data):
        raise SkipFile("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")
