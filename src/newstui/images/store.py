"""Image bytes on disk: a size-capped LRU cache, and pinned copies for bookmarks.

The cache lives under the cache directory (``<cache>/images``), one file per image URL,
named by the SHA-256 of the URL. Reading an entry touches its modification time, so the
oldest modification time is the least recently used entry, and that is what goes first
when the cache is over its cap. Several processes may share the folder: every write is a
rename of a finished temporary file, and eviction tolerates files that vanish under it.

A bookmarked article's images are pinned: copied to ``<data>/bookmark-images/<article id>``,
beside the library, outside the cap and never evicted, so a bookmark reads offline with its
pictures even after the cache was emptied. ``unpin`` gives them back to the cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from newstui.paths import Paths

MIB = 1024 * 1024
DEFAULT_CAP = 200 * MIB


def url_key(url: str) -> str:
    """The file name an image URL is kept under."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class ImageStore:
    """Image bytes by URL. ``cache_dir`` holds the LRU cache (at most ``cap`` bytes);
    ``pin_dir`` holds one folder of pinned images per bookmarked article."""

    cache_dir: Path
    pin_dir: Path
    cap: int = DEFAULT_CAP

    @classmethod
    def for_paths(cls, paths: Paths, cap: int = DEFAULT_CAP) -> ImageStore:
        """The store of a data/cache dir pair: the cache under the cache dir, the pinned
        copies beside the library (they are part of the bookmarks, not of the cache)."""
        return cls(paths.cache_dir / "images", paths.data_dir / "bookmark-images", cap)

    # ------------------------------------------------------------------ reading
    def get(self, url: str, article_id: int | None = None) -> bytes | None:
        """The stored bytes of ``url`` (the article's pinned copy first), or None."""
        key = url_key(url)
        if article_id is not None:
            data = _read(self._pin_folder(article_id) / key)
            if data is not None:
                return data
        path = self.cache_dir / key
        data = _read(path)
        if data is not None:
            _touch(path)
        return data

    def has(self, url: str, article_id: int | None = None) -> bool:
        key = url_key(url)
        if article_id is not None and (self._pin_folder(article_id) / key).is_file():
            return True
        return (self.cache_dir / key).is_file()

    # ------------------------------------------------------------------ writing
    def put(self, url: str, data: bytes, *, pin_for: int | None = None) -> None:
        """Keep ``data`` for ``url``: pinned to article ``pin_for``, else in the cache
        (then the cache is trimmed to its cap). Disk errors are swallowed: a picture that
        cannot be kept is fetched again next time."""
        try:
            if pin_for is not None:
                _write(self._pin_folder(pin_for), url_key(url), data)
                return
            if len(data) > self.cap:
                return  # would evict everything and still not fit
            _write(self.cache_dir, url_key(url), data)
        except OSError:
            return
        self.trim()

    def pin(self, article_id: int, urls: list[str]) -> int:
        """Copy the cached images among ``urls`` into the article's pinned folder (when it
        is bookmarked after its pictures were fetched). Returns how many are pinned now."""
        folder = self._pin_folder(article_id)
        pinned = 0
        for url in urls:
            key = url_key(url)
            if (folder / key).is_file():
                pinned += 1
                continue
            data = _read(self.cache_dir / key)
            if data is None:
                continue
            try:
                _write(folder, key, data)
            except OSError:
                continue
            pinned += 1
        return pinned

    def unpin(self, article_id: int) -> None:
        """Give an article's pinned images back to the cache (it is no longer bookmarked)."""
        folder = self._pin_folder(article_id)
        if not folder.is_dir():
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            for path in folder.iterdir():
                if path.is_file() and not path.name.startswith("."):
                    os.replace(path, self.cache_dir / path.name)
                    _touch(self.cache_dir / path.name)
        except OSError:
            pass
        shutil.rmtree(folder, ignore_errors=True)
        self.trim()

    def prune_pins(self, bookmarked: set[int]) -> None:
        """Unpin every article folder whose article is not in ``bookmarked``."""
        try:
            folders = [p for p in self.pin_dir.iterdir() if p.is_dir()]
        except OSError:
            return
        for folder in folders:
            if folder.name.isdigit() and int(folder.name) not in bookmarked:
                self.unpin(int(folder.name))

    # ------------------------------------------------------------------ the cap
    def size(self) -> int:
        """Bytes in the cache (pinned images not counted)."""
        return sum(size for _path, size, _mtime in self._entries())

    def trim(self) -> int:
        """Delete the least recently used entries until the cache is within its cap.
        Returns how many bytes were freed."""
        entries = self._entries()
        total = sum(size for _path, size, _mtime in entries)
        freed = 0
        if total <= self.cap:
            return 0
        for path, size, _mtime in sorted(entries, key=lambda e: e[2]):
            if total <= self.cap:
                break
            try:
                path.unlink()
            except FileNotFoundError:
                pass  # another process evicted it first
            except OSError:
                continue
            total -= size
            freed += size
        return freed

    def _entries(self) -> list[tuple[Path, int, float]]:
        out: list[tuple[Path, int, float]] = []
        try:
            scan = os.scandir(self.cache_dir)
        except OSError:
            return out
        with scan:
            for entry in scan:
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                out.append((Path(entry.path), st.st_size, st.st_mtime_ns / 1e9))
        return out

    def _pin_folder(self, article_id: int) -> Path:
        return self.pin_dir / str(int(article_id))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _touch(path: Path) -> None:
    # An explicit fine-grained time: the kernel's own file times tick only every few
    # milliseconds, too coarse to order entries written or read in quick succession.
    now = time.time_ns()
    try:
        os.utime(path, ns=(now, now))
    except OSError:
        pass


def _write(folder: Path, name: str, data: bytes) -> None:
    """Write ``folder/name`` whole or not at all (temporary file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / name)
        _touch(folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
