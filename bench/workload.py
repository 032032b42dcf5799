"""Prepared inputs for the scenarios: the newstui command, corpora, cached libraries."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import corpus
from bench.measure import run_measured

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
CACHE = BENCH_DIR / ".cache"


class Unavailable(Exception):
    """A scenario cannot run; the message goes into the table as ``n/a: <message>``."""


@dataclass
class Newstui:
    argv: list[str]
    env: dict[str, str]

    def cmd(self, data_dir: Path, *args: str) -> list[str]:
        return [*self.argv, "--data-dir", str(data_dir), *args]


def find_newstui(override: str | None = None) -> Newstui:
    """The ``newstui`` on PATH, else ``python -m newstui`` with ``src`` on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSTUI_")}
    env.pop("NO_COLOR", None)
    # Keep every network library away from proxies: the bench only talks to 127/8.
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(key, None)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    if override:
        return Newstui(override.split(), env)
    # The console script next to this Python first: a version manager's shim on PATH
    # (pyenv's is a shell script) would add its own start-up to every measurement.
    beside = Path(sys.executable).parent / "newstui"
    exe = str(beside) if beside.exists() else shutil.which("newstui")
    if exe:
        return Newstui([exe], env)
    src = REPO / "src"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    return Newstui([sys.executable, "-m", "newstui"], env)


def precompile(nt: Newstui) -> str | None:
    """Byte-compile the newstui package the bench runs, as ``pip install`` does for a
    regular install. An editable install run with ``PYTHONDONTWRITEBYTECODE`` set (some
    sandboxes set it) would otherwise compile every newstui module at every start, a cost
    no installed copy has. Returns a note on what was done, or None if nothing could be."""
    python = nt.argv[0]
    if not python.rstrip("0123456789.").endswith("python"):
        try:  # a console script: its interpreter is on the first line
            first = Path(python).read_text(errors="replace").splitlines()[0]
        except (OSError, IndexError):
            return None
        if not first.startswith("#!"):
            return None
        python = first[2:].strip().split()[0]
    env = {k: v for k, v in nt.env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = (
        "import compileall, os, newstui; compileall.compile_dir(os.path.dirname(newstui.__file__), quiet=1)"
    )
    done = subprocess.run([python, "-c", code], env=env, capture_output=True, timeout=300)
    return None if done.returncode else f"byte-compiled newstui with {python}"


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """Changes whenever the newstui sources change, so cached libraries are rebuilt."""
    h = hashlib.sha1()
    pkg = REPO / "src" / "newstui"
    for path in sorted(pkg.rglob("*.py")):
        h.update(str(path.relative_to(pkg)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


@functools.lru_cache(maxsize=1)
def schema_hash() -> str:
    """Changes when the library schema changes (the key of the big, build-once libraries)."""
    return hashlib.sha1((REPO / "src/newstui/store/schema.py").read_bytes()).hexdigest()[:10]


BUILD_ONCE = 1_000_000  # libraries this big are keyed by the schema, not the whole code


def server_corpus(n_sources: int, n_articles: int, seed: int) -> Path:
    """Feed files for the server (cached): ``.../feeds/feedNNNN.{rss,atom}``."""
    root = CACHE / f"served-{n_sources}x{n_articles}-s{seed}"
    marker = root / "done"
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        corpus.write_feeds(corpus.build_feeds(n_sources, n_articles, seed), root / "feeds")
        marker.write_text("ok")
    return root / "feeds"


def server_opml(
    out: Path, n_sources: int, n_articles: int, seed: int, port: int, per_host: int
) -> tuple[Path, list[str]]:
    feeds = corpus.build_feeds(n_sources, 0, seed)  # titles and file names only
    urls = corpus.feed_urls(feeds, port, per_host)
    opml = corpus.write_opml(out, [(f.title, u, "Bench") for f, u in zip(feeds, urls, strict=True)])
    return opml, urls


def text_corpus(count: int, seed: int, tag_x_every: int = 10) -> Path:
    root = CACHE / f"texts-{count}-x{tag_x_every}-s{seed}"
    marker = root / "done"
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        corpus.write_text_articles(root / "articles", count, seed, tag_x_every)
        marker.write_text("ok")
    return root / "articles"


@dataclass
class Library:
    data_dir: Path
    info: dict[str, object]

    @property
    def planted(self) -> dict[str, int]:
        """Planted search word -> article uid (see ``corpus.planted_uids``)."""
        return {str(k): int(v) for k, v in dict(self.info.get("planted", {})).items()}


def build_library(
    nt: Newstui,
    n_sources: int,
    n_articles: int,
    seed: int,
    timeout: float = 1800,
    reuse: bool = False,
) -> Library:
    """A library of ``n_articles`` in ``n_sources`` feeds (plus 1% local articles tagged x).

    Built once with ``newstui import FEEDS_DIR TEXTS_DIR`` and cached under
    ``bench/.cache`` keyed by sizes, seed and the newstui source hash (from ``BUILD_ONCE``
    articles on, the schema's hash: a newer newstui migrates it on open); ``reuse`` takes
    any cached library of the same sizes even if newstui has changed since.
    """
    tagged = max(1, n_articles // 100)
    key = f"lib-{n_sources}x{n_articles}-t{tagged}-s{seed}"
    corpus_hash = hashlib.sha1(Path(corpus.__file__).read_bytes()).hexdigest()[:6]
    stamp = f"schema-{schema_hash()}-c{corpus_hash}" if n_articles >= BUILD_ONCE else code_hash()
    root = CACHE / f"{key}-{stamp}"
    candidates = [root]
    if reuse:
        candidates += sorted(CACHE.glob(f"{key}-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for cand in candidates:
        info_file = cand / "info.json"
        if info_file.exists():
            return Library(cand / "data", json.loads(info_file.read_text()))
    info_file = root / "info.json"
    for old in CACHE.glob(f"{key}-*"):
        shutil.rmtree(old, ignore_errors=True)
    root.mkdir(parents=True)
    counts = corpus.spread(n_articles - tagged, n_sources)
    corpus.write_feeds(corpus.iter_feeds(n_sources, counts, seed), root / "feeds")
    corpus.write_text_articles(root / "texts", tagged, seed, tag_x_every=1)
    data = root / "data"
    t0 = time.perf_counter()
    m = run_measured(
        nt.cmd(data, "import", str(root / "feeds"), str(root / "texts")),
        env=nt.env,
        timeout=timeout,
    )
    if not m.ok:
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(f"building the library failed: import {m.reason()}")
    plants = corpus.planted_uids(n_sources, counts)
    info = {
        "feed_bytes": sum(p.stat().st_size for p in (root / "feeds").iterdir())
        + sum(p.stat().st_size for p in (root / "texts").iterdir()),
        "sources": n_sources,
        "articles": n_articles,
        "tagged_x": tagged,
        "seed": seed,
        "build_seconds": round(time.perf_counter() - t0, 2),
        "planted": {word: uid for uid, word in plants.items()},
    }
    info_file.write_text(json.dumps(info, indent=1))
    return Library(data, info)


def corpus_bytes(lib: Library) -> int:
    """Size of the feed and text files a cached library was imported from."""
    root = lib.data_dir.parent
    return sum(p.stat().st_size for d in ("feeds", "texts") for p in (root / d).iterdir())


def copy_library(lib: Library, dest: Path) -> Path:
    """A private copy for one scenario, so the cached library never changes."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(lib.data_dir, dest)
    return dest


def newsboat_available() -> str | None:
    return shutil.which("newsboat")


def newsboat_files(work: Path, urls: Sequence[str], threads: int = 100) -> tuple[Path, Path, Path]:
    """(urls file, config file, cache file) for a newsboat run in ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    url_file = work / "urls"
    url_file.write_text("\n".join(urls) + "\n")
    config = work / "config"
    config.write_text(
        f"reload-threads {threads}\n"
        "show-read-feeds yes\n"
        "refresh-on-startup no\n"
        "auto-reload no\n"
        "confirm-exit no\n"
        "cleanup-on-quit no\n"
        "max-items 0\n"
    )
    return url_file, config, work / "cache.db"


def newsboat_cmd(url_file: Path, config: Path, cache: Path, *extra: str) -> list[str]:
    return ["newsboat", "-q", "-u", str(url_file), "-C", str(config), "-c", str(cache), *extra]


def newsboat_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()}
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(key, None)
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env["XDG_DATA_HOME"] = str(home / ".local/share")
    env["NO_PROXY"] = env["no_proxy"] = "*"
    home.mkdir(parents=True, exist_ok=True)
    return env


def run_quiet(cmd: Sequence[str], env: dict[str, str], timeout: float = 600) -> None:
    subprocess.run(
        list(cmd), env=env, timeout=timeout, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
