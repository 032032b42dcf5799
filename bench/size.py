"""P9: where a library's bytes go (tables, their indexes, the full-text index).

Read with SQLite's ``dbstat`` table (pages per table or index), read-only; grouped as
"articles" (the table), "indexes" (every b-tree index), "full-text index" (the FTS5
shadow tables) and "other tables".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def library_files(data_dir: Path) -> list[Path]:
    return [p for p in data_dir.glob("library.db*") if p.is_file()]


def breakdown(db: Path) -> dict[str, int]:
    """Bytes per group, plus ``free`` (free pages) and ``file`` (the file's size)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        kinds = {
            name: (typ, tbl)
            for name, typ, tbl in conn.execute("SELECT name, type, tbl_name FROM sqlite_master")
        }
        out: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            typ, table = kinds.get(name, ("table", name))
            if name.startswith("articles_fts"):
                group = "full-text index"
            elif typ == "index" or name.startswith("sqlite_autoindex"):
                group = f"indexes on {table}" if table == "articles" else "indexes (other)"
            elif name == "articles":
                group = "articles table"
            else:
                group = "other tables"
            out[group] = out.get(group, 0) + int(size)
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        out["free pages"] = conn.execute("PRAGMA freelist_count").fetchone()[0] * page_size
    finally:
        conn.close()
    out["file"] = db.stat().st_size
    return out


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB"):
        if n < 10_000:
            return f"{n:,.0f} {unit}"
        n /= 1024
    return f"{n:,.0f} GB" if n < 10_000 else f"{n / 1024:,.1f} TB"


def describe(parts: dict[str, int], feed_bytes: int) -> str:
    items = [f"{k} {_size(v)}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if k != "file"]
    return f"library {_size(parts['file'])} for {_size(feed_bytes)} of feed files: " + ", ".join(items)


def column_bytes(db: Path, table: str = "articles") -> dict[str, int]:
    """Bytes of the texts and BLOBs each column of ``table`` holds as stored (a compressed
    text counts as its compressed size; numbers are left out): which columns hold a
    table's bytes. Reads the whole table."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        sums = ", ".join(
            f"SUM(CASE WHEN typeof(\"{c}\") IN ('text', 'blob') THEN length(CAST(\"{c}\" AS BLOB)) END)"
            for c in cols
        )
        row = conn.execute(f"SELECT {sums} FROM {table}").fetchone()
    finally:
        conn.close()
    return {c: int(v or 0) for c, v in zip(cols, row, strict=True)}


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.size LIBRARY [FEED_BYTES]``: where a library's bytes go."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m bench.size", description=main.__doc__)
    p.add_argument("library", type=Path)
    p.add_argument("feed_bytes", type=int, nargs="?", help="size of the files it came from")
    p.add_argument("--columns", action="store_true", help="also the bytes of each article column")
    args = p.parse_args(argv)
    parts = breakdown(args.library)
    if args.feed_bytes:
        print(describe(parts, args.feed_bytes), f"({parts['file'] / args.feed_bytes:.2f}x)")
    else:
        print(", ".join(f"{k} {_size(v)}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])))
    if args.columns:
        cols = column_bytes(args.library)
        print(
            "articles columns: "
            + ", ".join(f"{k} {_size(v)}" for k, v in sorted(cols.items(), key=lambda kv: -kv[1]) if v)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
