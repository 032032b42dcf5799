"""The HTTP layer: one GET with redirects, a size cap, an overall deadline and no surprises.

httpx alone does not bound a response: it has no body-size or decompression limit and its
timeouts are per step (a server trickling one byte a second never trips a read timeout).
So redirects are followed here (http/https only, loops refused), the raw body is streamed
and decompressed here with a running cap counted after decompression, and every request
runs under one deadline. Network and HTTP problems never raise: they come back as a
``FetchResult`` whose ``error`` is the one-line reason.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from urllib.request import getproxies

import httpx

from newstui import USER_AGENT
from newstui.sources.decode import GZIP_MAGIC
from newstui.textsafe import clean_line

if TYPE_CHECKING:
    from newstui.config import Config

try:  # brotli is optional: advertise it only when it can be decoded
    import brotli as _brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None

ACCEPT_ENCODING = "gzip, deflate, br" if _brotli is not None else "gzip, deflate"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
MAX_ENCODINGS = 2  # "gzip" or "gzip, gzip" at most; deeper stacks are refused


@dataclass
class FetchLimits:
    connect_timeout: float = 10
    read_timeout: float = 15
    deadline: float = 30
    max_bytes: int = 16 * 1024 * 1024
    max_redirects: int = 5

    @classmethod
    def from_config(cls, cfg: Config) -> FetchLimits:
        return cls(
            connect_timeout=cfg.connect_timeout,
            read_timeout=cfg.read_timeout,
            deadline=cfg.feed_deadline,
            max_bytes=cfg.max_body_bytes,
        )


@dataclass
class FetchResult:
    url: str  # the final URL after redirects
    status: int | None  # HTTP status; None on a network error
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    permanent_url: str | None = None  # where a 301/308 chain ended, when not the asked URL
    error: str | None = None  # one-line reason when it failed
    not_modified: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


class _TooLarge(Exception):
    pass


class _BadEncoding(Exception):
    pass


# httpcore rescans its whole pool (every connection, and for each idle one every
# connection again) whenever a request starts or ends; with hundreds of idle keep-alive
# connections to hosts already done that scan dominated a refresh's CPU time. A small
# keep-alive pool still reuses connections to a host with many feeds.
MAX_KEEPALIVE = 24


def proxies_in_environment() -> bool:
    """Whether the environment names an HTTP proxy (``http_proxy``, ``https_proxy``,
    ``all_proxy`` in either case), as httpx would read it. ``NO_PROXY=*`` turns them off."""
    found = getproxies()
    if "*" in (host.strip() for host in (found.get("no") or "").split(",")):
        return False
    return any(found.get(scheme) for scheme in ("http", "https", "all"))


def make_client(
    limits: FetchLimits,
    max_connections: int = 256,
    *,
    verify: ssl.SSLContext | bool = True,
    env_proxies: bool | None = None,
) -> httpx.AsyncClient:
    """One client for many fetches: a pool, no automatic redirects or decoding.

    ``verify`` may be one SSL context shared by many clients (building one per client
    costs milliseconds: it loads the CA bundle). ``env_proxies`` is what
    ``proxies_in_environment()`` said, for callers that make many clients (None: ask it
    now). httpx reads the environment for every client it makes (proxies, and the CA
    files when it builds its own SSL context), which was half of making one; with a
    context given and no proxy set there is nothing in the environment left for it to use."""
    if env_proxies is None:
        env_proxies = proxies_in_environment()
    return httpx.AsyncClient(
        verify=verify,
        trust_env=env_proxies or not isinstance(verify, ssl.SSLContext),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=min(max_connections, MAX_KEEPALIVE),
        ),
        timeout=httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.read_timeout,
            write=limits.read_timeout,
            pool=limits.deadline,
        ),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        follow_redirects=False,
    )


# A URL inside any text (an error message quotes the URLs it is about), and the query
# parameters whose names say they carry a secret (token=, api_key=, password=, sig=...).
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")
_SECRET_PARAM = re.compile(
    r"(?i)([?&;][\w.-]*(?:token|key|secret|pass|pwd|auth|sig|session|sid)[\w.-]*=)[^&;#\s]*"
)


def without_secret(text: str) -> str:
    """``text`` (a URL, or a message that quotes URLs) for logs, with what a URL may carry
    as a secret masked: its whole user part (``user:password@``, or a token given as the
    user) and the values of query parameters named like secrets. Never raises: the URLs
    that fail, and so get logged, are often the malformed ones."""
    return _URL_IN_TEXT.sub(_masked, text)


def _masked(match: re.Match[str]) -> str:
    scheme, rest = match.group(0).split("://", 1)
    end = min((i for i in (rest.find(c) for c in "/?#") if i != -1), default=len(rest))
    authority = rest[:end]
    at = authority.rfind("@")
    port = authority.rpartition(":")[2]
    if at == -1 and "@" in rest and ":" in authority and not port.isdigit() and not port.endswith("]"):
        # "user:pa/ss@host": a password with an unescaped / ? or # ends the authority early
        # (the host is then "user", with a port that is not a number): mask to the last @.
        at = rest.rfind("@")
    if at != -1:
        rest = "***@" + rest[at + 1 :]
    return scheme + "://" + _SECRET_PARAM.sub(r"\1***", rest)


def is_http(url: str) -> bool:
    return url[:8].lower().startswith(("http://", "https://"))


class _Decoder:
    """Undo up to MAX_ENCODINGS content encodings, refusing output beyond ``cap`` bytes."""

    def __init__(self, header: str, cap: int) -> None:
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > MAX_ENCODINGS:
            raise _BadEncoding(f"refused {len(codings)} stacked content encodings ({header})")
        self.cap = cap
        self.total = 0
        # Encodings are listed in the order applied, so they are undone last first.
        self.steps = [self._step(c) for c in reversed(codings)]

    @staticmethod
    def _step(coding: str) -> object:
        if coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if coding == "deflate":
            return _Deflate()
        if coding == "br" and _brotli is not None:
            return _Brotli()
        raise _BadEncoding(f"unsupported content encoding {coding!r}")

    def feed(self, data: bytes) -> bytes:
        for step in self.steps:
            if not data:
                return b""
            # +1 so that "more than the cap" shows as output longer than what was allowed.
            data = step.decompress(data, self.cap - self.total + 1)  # type: ignore[attr-defined]
            if len(data) > self.cap - self.total:
                raise _TooLarge
        self.total += len(data)
        return data

    def flush(self) -> bytes:
        data = b""
        for step in self.steps:
            if data:
                data = step.decompress(data, self.cap - self.total + 1)  # type: ignore[attr-defined]
            tail = step.flush() if hasattr(step, "flush") else b""  # type: ignore[attr-defined]
            data += tail
            if len(data) > self.cap - self.total:
                raise _TooLarge
        self.total += len(data)
        return data


class _Deflate:
    """'deflate' is zlib-wrapped by the standard but raw deflate on some servers."""

    def __init__(self) -> None:
        self._obj: object | None = None
        self._first = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._obj is None:
            self._first += data
            if len(self._first) < 2:
                return b""
            wbits = (
                zlib.MAX_WBITS
                if (self._first[0] & 0x0F) == 8 and ((self._first[0] << 8 | self._first[1]) % 31 == 0)
                else -zlib.MAX_WBITS
            )
            self._obj = zlib.decompressobj(wbits)
            data, self._first = self._first, b""
        return self._obj.decompress(data, max_length)  # type: ignore[attr-defined]

    def flush(self) -> bytes:
        return self._obj.flush() if self._obj is not None else b""  # type: ignore[attr-defined]


class _Brotli:  # pragma: no cover - only when brotli is installed
    def __init__(self) -> None:
        self._obj = _brotli.Decompressor()

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return self._obj.process(data)

    def flush(self) -> bytes:
        return b""


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    limits: FetchLimits,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """GET ``url`` (conditionally when validators are given). Never raises for I/O trouble."""
    if not is_http(url):
        return FetchResult(url, None, error=f"not an http(s) URL: {url[:200]}")
    state = FetchResult(url, None)
    try:
        async with asyncio.timeout(limits.deadline):
            return _cleaned(await _fetch(client, url, limits, etag, last_modified, state))
    except TimeoutError:
        state.error = f"no complete response within {limits.deadline:g} s"
    except _TooLarge:
        state.error = f"response larger than {_size(limits.max_bytes)} (refused)"
    except _BadEncoding as exc:
        state.error = str(exc)
    except httpx.ConnectTimeout:
        state.error = "timed out connecting"
    except httpx.ReadTimeout:
        state.error = f"timed out: no data for {limits.read_timeout:g} s"
    except httpx.TimeoutException as exc:
        state.error = f"timed out ({type(exc).__name__})"
    except httpx.ConnectError as exc:
        state.error = f"cannot connect: {_reason(exc)}"
    except httpx.RemoteProtocolError as exc:
        state.error = f"broken HTTP response: {_reason(exc)}"
    except httpx.InvalidURL as exc:  # also a redirect httpx cannot even parse
        state.error = f"invalid URL: {_reason(exc)}"
    except httpx.HTTPError as exc:
        state.error = f"{type(exc).__name__}: {_reason(exc)}"
    except zlib.error as exc:
        state.error = f"cannot decompress the response: {exc}"
    except OSError as exc:
        state.error = f"network error: {exc.strerror or exc}"
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a fetch must never take the refresh down with it
        state.error = f"{type(exc).__name__}: {_reason(exc)}"
    state.body = b""
    return _cleaned(state)


def _cleaned(result: FetchResult) -> FetchResult:
    """Errors quote the server (reason phrases, Location headers): untrusted text, cleaned
    once here before any face shows it."""
    if result.error:
        result.error = clean_line(result.error, 1000)
    return result


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    return f"{n} bytes"


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


async def _fetch(
    client: httpx.AsyncClient,
    url: str,
    limits: FetchLimits,
    etag: str | None,
    last_modified: str | None,
    state: FetchResult,
) -> FetchResult:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    original = url
    seen = {url}
    permanent = url  # where the unbroken chain of 301/308 from the start has got to
    chain_permanent = True
    try:
        for _hop in range(limits.max_redirects + 1):
            state.url = url
            request = client.build_request("GET", url, headers=headers)
            response = await client.send(request, stream=True)
            try:
                status = state.status = response.status_code
                state.headers = {k.lower(): v for k, v in response.headers.items()}
                if status in REDIRECTS and "location" in state.headers:
                    target = urljoin(url, state.headers["location"].strip())
                    if not is_http(target):
                        state.error = f"refused redirect to a non-http(s) URL: {target[:200]}"
                        return state
                    if target in seen:
                        state.error = f"redirect loop at {target[:200]}"
                        return state
                    seen.add(target)
                    chain_permanent = chain_permanent and status in PERMANENT
                    if chain_permanent:
                        permanent = target
                    url = target
                    continue
                if status == 304:
                    state.not_modified = True
                    return state
                if not 200 <= status < 300:
                    reason = response.reason_phrase or ""
                    state.error = f"HTTP {status}{f' {reason}' if reason else ''}"
                    return state
                state.body = await _read_body(response, limits)
                return state
            finally:
                await response.aclose()
        state.error = f"more than {limits.max_redirects} redirects"
        return state
    finally:
        state.permanent_url = permanent if permanent != original else None


async def _read_body(response: httpx.Response, limits: FetchLimits) -> bytes:
    cap = limits.max_bytes
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "")
    if declared.isdigit() and int(declared) > cap and not encoding:
        raise _TooLarge
    decoder = _Decoder(encoding, cap) if encoding else None
    parts: list[bytes] = []
    total = 0
    first = b""  # without Content-Encoding: the first bytes, to recognise a gzip body
    async for chunk in response.aiter_raw():
        if not encoding and len(first) < len(GZIP_MAGIC):
            # Some servers send a gzip body (a stored .gz feed) without saying so: undo it
            # here, under the same cap, as if they had sent Content-Encoding: gzip.
            first += chunk
            if len(first) < len(GZIP_MAGIC):
                continue
            chunk, encoding = first, "undeclared"
            if first.startswith(GZIP_MAGIC):
                decoder = _Decoder("gzip", cap)
        if decoder is not None:
            chunk = decoder.feed(chunk)
        total += len(chunk)
        if total > cap:
            raise _TooLarge
        parts.append(chunk)
    if decoder is not None:
        parts.append(decoder.flush())
    elif first and len(first) < len(GZIP_MAGIC):
        parts.append(first)  # a one-byte body
    return b"".join(parts)


# For other HTTP clients of the project (sync/greader.py): the capped body reader and the
# exception it raises past the cap.
read_body = _read_body
BodyTooLarge = _TooLarge


def fetch_sync(url: str, limits: FetchLimits) -> FetchResult:
    """One fetch in a fresh event loop (for callers that are not async)."""

    async def run() -> FetchResult:
        async with make_client(limits, max_connections=4) as client:
            return await fetch(client, url, limits)

    return asyncio.run(run())
