"""XML attacks on the feed and OPML parsers: entity expansion, external entities, DTD fetches.

Every parse runs in a subprocess with an address-space limit (RLIMIT_AS) and a timeout, so
an attack that got through would fail the test by running out of memory or time instead of
taking the machine down. Nothing here measures speed: the timeout is a safety net only.
Each attack is also tried in encodings that hide ``<!ENTITY`` from a naive byte search
(UTF-16, UTF-32, UTF-7, EBCDIC) and behind a long comment.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import newstui_command
from newstui.store.packing import unpack

SECRET = "TOPSECRET-7f3a9c-do-not-leak"
MEMORY_LIMIT = 1536 * 1024 * 1024  # far below what any expansion attack needs
SAFETY_TIMEOUT = 120  # a hang, not a slow run, is what this catches

RSS_HEAD = '<?xml version="1.0" encoding="{enc}"?>\n'
RSS_BODY = """<rss version="2.0"><channel><title>attack</title><link>http://127.0.0.1/</link>
<item><title>one {ref}</title><guid>x1</guid><description>d {ref}</description></item>
<item><title>two plain</title><guid>x2</guid><description>plain</description></item>
</channel></rss>
"""


def _limit() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=SAFETY_TIMEOUT,
        preexec_fn=_limit,
        env={**os.environ, "NO_COLOR": "1"},
        **kw,  # type: ignore[arg-type]
    )


PARSE_SCRIPT = """
import json, sys
from newstui.errors import NewstuiError
from newstui.sources.feedparse import parse_feed
out = []
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    try:
        feed = parse_feed(data, 'file://' + path)
    except NewstuiError as exc:
        out.append({'error': str(exc)})
    else:
        out.append({'title': feed.title, 'entries': [
            {'title': e.title, 'summary': e.summary, 'content': e.content, 'author': e.author}
            for e in feed.entries]})
print(json.dumps(out))
"""


def parse_in_subprocess(*paths: Path) -> list[dict]:
    """parse_feed on each file, in one memory-capped subprocess; one result per file."""
    proc = run_limited([sys.executable, "-c", PARSE_SCRIPT, *map(str, paths)])
    assert proc.returncode == 0, f"parser died: rc={proc.returncode} {proc.stderr[-2000:]}"
    results = json.loads(proc.stdout)
    assert len(results) == len(paths)
    return results


# ------------------------------------------------------------------ documents
def billion_laughs() -> tuple[str, str]:
    decl = ['<!ENTITY lol0 "lol">']
    decl += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return "<!DOCTYPE rss [\n" + "\n".join(decl) + "\n]>\n", "&lol9;"


def quadratic_blowup() -> tuple[str, str]:
    return f'<!DOCTYPE rss [<!ENTITY a "{"a" * 50_000}">]>\n', "&a;" * 50_000


def external_entity(secret_file: Path) -> tuple[str, str]:
    return f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>\n', "&xxe;"


def parameter_entity(secret_file: Path) -> tuple[str, str]:
    return (f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{secret_file.as_uri()}"> %p;]>\n', "")


def external_dtd(port: int) -> tuple[str, str]:
    return f'<!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/evil.dtd">\n', "&ext;"


ENCODINGS = ["utf-8", "utf-16", "utf-32", "utf-7", "cp037", "utf-8+padding"]


def encode(doctype: str, ref: str, enc: str) -> bytes:
    padding = ""
    if enc == "utf-8+padding":  # push the DOCTYPE past the first megabyte (a comment is legal)
        padding, enc = "<!--" + "p" * 1_100_000 + "-->\n", "utf-8"
    text = RSS_HEAD.format(enc=enc) + padding + doctype + RSS_BODY.format(ref=ref)
    return text.encode(enc)  # utf-16/32 get a BOM from Python's codec


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


def assert_harmless(result: dict, doc_size: int = 0) -> None:
    """No secret, and nothing expanded: the output is no bigger than the input (references
    left as literal ``&a;`` text are harmless)."""
    dump = json.dumps(result)
    assert SECRET not in dump
    assert len(dump) < 2 * doc_size + 10_000, f"entity expansion got through ({len(dump)} chars)"
    assert "lollollol" not in dump and "a" * 1000 not in dump


# -------------------------------------------------------------------- parser
@pytest.mark.parametrize("attack", ["billion_laughs", "quadratic", "xxe", "parameter_entity"])
def test_parse_feed_refuses_entity_attacks(tmp_path: Path, secret_file: Path, attack: str) -> None:
    doctype, ref = {
        "billion_laughs": billion_laughs,
        "quadratic": quadratic_blowup,
        "xxe": lambda: external_entity(secret_file),
        "parameter_entity": lambda: parameter_entity(secret_file),
    }[attack]()
    feeds = []
    for enc in ENCODINGS:
        feeds.append(tmp_path / f"attack-{enc}.xml")
        feeds[-1].write_bytes(encode(doctype, ref, enc))
    for feed, result in zip(feeds, parse_in_subprocess(*feeds), strict=True):
        assert_harmless(result, feed.stat().st_size)


def test_control_a_benign_feed_parses_in_the_harness(tmp_path: Path) -> None:
    """The harness really parses: the same document without a DTD yields its entries."""
    feeds = []
    for enc in ENCODINGS:
        feeds.append(tmp_path / f"plain-{enc}.xml")
        feeds[-1].write_bytes(encode("", "", enc))
    for feed, result in zip(feeds, parse_in_subprocess(*feeds), strict=True):
        titles = [e["title"] for e in result.get("entries", [])]
        assert "two plain" in titles, (feed.name, result)


class Listener:
    """A loopback TCP listener that records whether anyone connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.sendall(b'HTTP/1.0 200 OK\r\n\r\n<!ENTITY ext "' + SECRET.encode() + b'">')
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.thread.join()
        self.sock.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here now
    return port


@pytest.mark.parametrize("enc", ["utf-8", "utf-16"])
def test_external_dtd_is_never_fetched(tmp_path: Path, enc: str) -> None:
    listener = Listener()
    try:
        feed = tmp_path / "dtd.xml"
        feed.write_bytes(encode(*external_dtd(listener.port), enc))
        [result] = parse_in_subprocess(feed)
    finally:
        listener.close()
    assert listener.connections == 0, "the parser fetched an external DTD"
    assert_harmless(result)


def test_external_dtd_at_a_closed_port_does_not_hang(tmp_path: Path) -> None:
    feed = tmp_path / "dtd.xml"
    feed.write_bytes(encode(*external_dtd(closed_port()), "utf-8"))
    assert_harmless(parse_in_subprocess(feed)[0])  # returns (within the safety timeout)


# ------------------------------------------------------------- whole paths
def _library_text(data_dir: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(data_dir / "library.db")
    try:
        rows = conn.execute(
            "SELECT title, author, summary, content FROM articles UNION ALL "
            "SELECT title, url, category, COALESCE(last_error, '') FROM sources"
        ).fetchall()
    finally:
        conn.close()
    # Long texts are stored compressed (newstui.store.packing): look at what they hold.
    return json.dumps([[unpack(v) for v in row] for row in rows])


def test_import_of_attack_files_leaks_nothing(tmp_path: Path, secret_file: Path) -> None:
    """`newstui import` of a folder of attack feeds (and one good one) under a memory cap."""
    folder = tmp_path / "feeds"
    folder.mkdir()
    listener = Listener()
    attacks = {
        "laughs": billion_laughs(),
        "quadratic": quadratic_blowup(),
        "xxe": external_entity(secret_file),
        "pe": parameter_entity(secret_file),
        "dtd": external_dtd(listener.port),
    }
    for name, (doctype, ref) in attacks.items():
        for enc in ENCODINGS:
            (folder / f"{name}-{enc}.rss").write_bytes(encode(doctype, ref, enc))
    (folder / "good.rss").write_bytes(encode("", "", "utf-8"))
    opml = folder / "subs.opml"
    opml.write_text(
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
        '<opml version="2.0"><body><outline text="&xxe;" xmlUrl="http://127.0.0.1/&xxe;"/>'
        "</body></opml>"
    )
    data = tmp_path / "data"
    try:
        proc = run_limited([*newstui_command(), "--data-dir", str(data), "import", str(folder)])
    finally:
        listener.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert listener.connections == 0
    text = _library_text(data)
    assert "two plain" in text  # the good feed went in: the run was real
    assert SECRET not in text and SECRET not in proc.stdout + proc.stderr
    assert "lollollol" not in text and "a" * 1000 not in text


def test_refresh_of_attack_feeds_leaks_nothing(tmp_path: Path, secret_file: Path) -> None:
    """`newstui refresh` over loopback HTTP serving attack feeds, under a memory cap."""
    import http.server

    docs: dict[str, bytes] = {"/good": encode("", "", "utf-8")}
    attacks = {
        "laughs": billion_laughs(),
        "quadratic": quadratic_blowup(),
        "xxe": external_entity(secret_file),
        "dtd": external_dtd(closed_port()),
    }
    for name, (doctype, ref) in attacks.items():
        for enc in ("utf-8", "utf-16", "utf-7", "cp037"):
            docs[f"/{name}-{enc}"] = encode(doctype, ref, enc)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = docs.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = tmp_path / "data"
    base = f"http://127.0.0.1:{server.server_address[1]}"
    from newstui.store.library import Library

    with Library(data / "library.db") as lib:
        for path in docs:
            lib.add_source(base + path)
    try:
        proc = run_limited([*newstui_command(), "--data-dir", str(data), "refresh"])
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 3), proc.stderr[-2000:]  # 3: some feeds failed
    text = _library_text(data)
    assert "two plain" in text  # the good feed was saved
    assert SECRET not in text and SECRET not in proc.stdout + proc.stderr
    assert "lollollol" not in text and "a" * 1000 not in text
