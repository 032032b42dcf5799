"""Bytes of a file or a response to something a parser can read.

- ``decode_text``: a text file's bytes to str. A BOM first, then UTF-16/32 without a BOM
  (recognised by the zero bytes of its first characters), then UTF-8, then the encoding
  the document declares (``<?xml encoding>``, ``<meta charset>``), then Windows-1252,
  then Latin-1.
- ``wide_to_utf8``: UTF-16/32 XML or JSON without a BOM or declaration, re-encoded as
  UTF-8 so that feedparser and ``json`` read it.
- ``gunzip``: a gzip body (recognised by its magic bytes, whatever the name or headers
  say) decompressed under a size cap.
"""

from __future__ import annotations

import codecs
import re
import zlib

from newstui.errors import NewstuiError

GZIP_MAGIC = b"\x1f\x8b"
_DECLARED = re.compile(
    rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
    rb"""|<meta[^>]{0,300}?charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""",
    re.I,
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class SkipFile(NewstuiError):
    """A file the importer passes over, with the one-line reason."""


class DecodeError(NewstuiError):
    """Bytes that cannot be made readable (a broken or oversized compressed body)."""


def bom_encoding(data: bytes) -> str | None:
    """The codec a byte-order mark names (UTF-32 checked before UTF-16, whose BOM it starts with)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def wide_encoding(data: bytes) -> str | None:
    """UTF-16/32 without a BOM, from the zero bytes of the first two characters.

    XML and JSON start with an ASCII character (``<``, ``{``, ``[`` or white space), which
    these encodings spell with zero bytes in a fixed place (XML 1.0, appendix F)."""
    head = data[:4]
    if len(head) < 4 or bom_encoding(data):
        return None
    zeros = (head[0] == 0, head[1] == 0, head[2] == 0, head[3] == 0)
    return {
        (True, True, True, False): "utf-32-be",
        (False, True, True, True): "utf-32-le",
        (True, False, True, False): "utf-16-be",
        (False, True, False, True): "utf-16-le",
    }.get(zeros)


_XML_DECL_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""")


def wide_to_utf8(data: bytes) -> bytes:
    """UTF-16/32 without a BOM, re-encoded as UTF-8 (an XML declaration's encoding, if
    any, rewritten to match); anything else unchanged. A parser that only knows wide
    text by its BOM or its declaration reads the result as written."""
    wide = wide_encoding(data)
    if wide is None:
        return data
    text = data.decode(wide, errors="replace")
    text = _XML_DECL_ENCODING.sub(lambda m: m.group(1) + '"utf-8"', text, count=1)
    return text.encode("utf-8")


def declared_encoding(data: bytes) -> str | None:
    """The codec an XML declaration or an HTML ``<meta charset>`` names, when Python knows it."""
    m = _DECLARED.search(data[:4096])
    if not m:
        return None
    name = (m.group(1) or m.group(2)).decode("ascii")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def gunzip(data: bytes, cap: int) -> bytes:
    """Decompress a gzip body (every member) into at most ``cap`` bytes.

    Raises DecodeError when it is broken or would be larger than ``cap``."""
    out: list[bytes] = []
    total = 0
    rest = data
    try:
        while rest.startswith(GZIP_MAGIC):
            obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = obj.decompress(rest, cap - total + 1)
            total += len(chunk)
            if total > cap or obj.unconsumed_tail:
                raise DecodeError(f"compressed data larger than {cap} bytes once decompressed (refused)")
            out.append(chunk)
            if not obj.eof:
                raise DecodeError("cannot decompress: the gzip data is cut short")
            rest = obj.unused_data.lstrip(b"\x00")
    except zlib.error as exc:
        raise DecodeError(f"cannot decompress: {exc}") from None
    return b"".join(out)


# Every byte but the C0 controls that never appear in text: deleting these leaves the controls.
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 32 and b not in (9, 10, 12, 13)))


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    wide = wide_encoding(head) or bom_encoding(head)
    if wide in ("utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        # Wide text: zero bytes are part of its characters. It is text if it decodes.
        try:
            codecs.getincrementaldecoder(wide)().decode(head, final=False)
        except UnicodeDecodeError:
            return True
        return False
    if b"\x00" in head:
        return True
    # Many C0 controls (other than tab/newline/CR/FF) mean it is not text.
    controls = len(head.translate(None, _NOT_CONTROL))
    return controls > max(8, len(head) // 50)


def decode_text(data: bytes) -> str:
    """Decode a text file's bytes; raises SkipFile for empty or binary files."""
    if not data.strip():
        raise SkipFile("empty file")
    wide = bom_encoding(data) or wide_encoding(data)
    if wide and wide != "utf-8-sig":
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            raise SkipFile(f"cannot decode {wide.upper()} text") from None
        return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    if looks_binary(data):
        raise SkipFile("binary file, not text")
    decoded: str | None = None
    for codec in ("utf-8", declared_encoding(data), "cp1252"):
        if codec is None:
            continue
        try:
            decoded = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    if decoded is None:
        decoded = data.decode("latin-1")
    return decoded.replace("\r\n", "\n").replace("\r", "\n")
