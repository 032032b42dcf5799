"""Article texts as the library stores them: a long text compressed, a short one as it is.

An article's summary and content are about half the library and are read only to show,
export or re-index one article, so the ``articles`` table keeps them zlib-compressed, as
a BLOB. A short text (or one that compression would not shrink) stays TEXT: the column's
type tells the two apart (``typeof(content)``), so libraries written before this keep
working while they are migrated, and nothing else in a row says how it is stored. List
and search queries never read these columns (search goes through the FTS5 index), so no
query decompresses anything per row.
"""

from __future__ import annotations

import zlib

# Below this many characters zlib's header and checksum (6 bytes) and its lack of
# context leave little to gain; such texts stay readable TEXT.
MIN_PACKED = 120
# zlib's fastest level: on the bench's ~1 KB texts 28% less time per text than the
# default (6), for texts 2% larger (0.565 of the raw bytes against 0.555); the time is
# paid per article by every import and refresh.
LEVEL = 1
# An 8 KiB window and a small hash table: zlib's defaults (32 KiB, memLevel 8) set up
# about 256 KiB of state per call, which the allocator may map and unmap for each text
# (up to 3x the time of the whole call on 1 KB texts in some processes, the same time in
# others); the smaller state compresses the bench's texts to the same size, and any zlib
# reader takes the smaller window (``unpack``).
WINDOW_BITS = 13
MEM_LEVEL = 5


def pack(text: str) -> str | bytes:
    """``text`` as the library stores it: zlib-compressed bytes when that is smaller,
    else ``text`` itself. ``unpack`` gives ``text`` back either way."""
    if len(text) < MIN_PACKED:
        return text
    raw = text.encode("utf-8")
    z = zlib.compressobj(LEVEL, zlib.DEFLATED, WINDOW_BITS, MEM_LEVEL)
    packed = z.compress(raw) + z.flush()
    return packed if len(packed) < len(raw) else text


def unpack(value: str | bytes | None) -> str:
    """The text a stored summary or content holds (``pack``'s input); "" for NULL."""
    if isinstance(value, bytes):
        return zlib.decompress(value).decode("utf-8")
    return value or ""


def pack_sql(value: str | bytes | None) -> str | bytes | None:
    """``pack`` as an SQL function (the migration that packs an older library's texts):
    TEXT is packed, anything else (already packed, NULL) is returned as it is."""
    return pack(value) if isinstance(value, str) else value
