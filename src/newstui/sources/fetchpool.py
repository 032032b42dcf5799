"""HTTP fetching on more than one core: per-host clients, and a fetch process.

A refresh of hundreds of feeds keeps one core busy in the HTTP client alone (httpx,
httpcore and anyio cost a few milliseconds of CPU per request), while the event loop that
runs it also lands the results. ``FetchProcess`` is a second event loop in a process of
its own: the refresh hands it some hosts' requests over a socket pair and gets each
``FetchResult`` back as soon as it is complete (so the parsers get the first bodies early).
The limits stay in the refresh's own process: a request is handed over only once it holds
its host's slot and a global one, so per-host and global limits hold whichever process
runs it, and a host's feeds all go to the same process (its connections are reused).

A process with no other thread (the CLI) forks the fetch process at once, after importing
what a first request needs, so it inherits all of it and answers from the start. A
process with threads (the TUI) never forks: it starts the fetch process from
multiprocessing's forkserver, on a thread so that start-up overlaps the first requests.
If it cannot start, dies or stops answering, its requests come back as
``FetchProcessLost`` and are fetched in-process. It ends when its socket closes: at the
end of the refresh, when the refresh is cancelled, or when the process that started it
exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import ssl
import struct
import sys
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from newstui.sources import workers
from newstui.sources.fetch import FetchLimits, FetchResult, fetch, make_client, proxies_in_environment

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)

# When a refresh is worth a fetch process: enough HTTP feeds over enough hosts that the
# HTTP client's CPU (a few ms a request) outweighs starting a process (about 0.2-0.3 s of
# another core, overlapped with the first requests), and a core to run it on.
MIN_FEEDS = 32
MIN_HOSTS = 4
MIN_CORES = 2
MAX_PROCESSES = 1  # fetch processes at most (besides the refresh's own event loop)
# Fork the fetch process straight from a process that has no other thread (the CLI's
# refresh): a forkserver child imports httpx and builds its state first, and its first
# answers came nearly a second after the in-process ones (P4, a busy 2-core host).
FORK_WHEN_ALONE = True
ANSWER_GRACE = 10.0  # seconds past the fetch deadline before a silent fetch process is given up

_HEADER = struct.Struct("!I")  # each message: its pickled length, then the pickle


class FetchProcessLost(Exception):
    """The fetch process could not start or has ended: fetch this request in-process."""


def host_key(url: str) -> str:
    """The scheme, host and port of ``url``: the unit of per-host limits and clients.
    Never raises: a URL urllib cannot split (``http://[oops/``, a port that is not a
    number) is its own key, and its feed fails on its own when it is fetched."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"
    except ValueError:
        return url


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def processes_for(urls: list[str]) -> int:
    """How many fetch processes a refresh of these HTTP ``urls`` should use (0: fetch
    in-process only): small refreshes, one core, or no forkserver stay in-process."""
    if len(urls) < MIN_FEEDS or cores() < MIN_CORES:
        return 0
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return 0  # spawn would start a whole interpreter per refresh (and Windows' loop
        # cannot watch a socket pair the way this does)
    hosts = len({host_key(u) for u in urls})
    if hosts < MIN_HOSTS:
        return 0
    return max(0, min(MAX_PROCESSES, cores() - 1, hosts // MIN_HOSTS))


# What httpx imports on its first request (its transport, the HTTP/1.1 state machine,
# anyio's asyncio backend): imported before a fork, so the fetch process does not import
# them again (about a quarter of a second of CPU on this kind of machine).
FIRST_REQUEST_MODULES = (
    "httpcore._async.http11",
    "httpcore._backends.anyio",
    "h11",
    "anyio._backends._asyncio",
)


def prepare() -> ssl.SSLContext:
    """Get this process ready to fetch before a fetch process is forked from it: the
    modules a first request imports, and the TLS context every client shares (loading
    the CA bundle costs tens of milliseconds), both then inherited."""
    for name in FIRST_REQUEST_MODULES:
        with contextlib.suppress(ImportError):  # another httpx version: imported on use
            importlib.import_module(name)
    return httpx.create_ssl_context()


class HostClients:
    """One small ``httpx.AsyncClient`` per host, sharing one TLS context.

    One pool per host rather than one pool of hundreds of connections: httpcore scans
    every pooled connection whenever a request starts or ends, so a single 256-connection
    pool spent more CPU on bookkeeping than on the requests (measured: 2.3 ms per request
    versus well under 1 ms)."""

    def __init__(
        self,
        limits: FetchLimits,
        per_host: int,
        env_proxies: bool | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.limits = limits
        self.per_host = per_host
        # Read once, not once per client.
        self.env_proxies = proxies_in_environment() if env_proxies is None else env_proxies
        self._tls = tls
        self._clients: dict[str, httpx.AsyncClient] = {}

    def get(self, url: str) -> httpx.AsyncClient:
        """The client for ``url``'s host (made on first use)."""
        key = host_key(url)
        client = self._clients.get(key)
        if client is None:
            if self._tls is None:
                self._tls = httpx.create_ssl_context()
            client = make_client(self.limits, self.per_host, verify=self._tls, env_proxies=self.env_proxies)
            self._clients[key] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()


def _send(writer: asyncio.StreamWriter, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    writer.write(_HEADER.pack(len(data)))
    writer.write(data)


async def _receive(reader: asyncio.StreamReader) -> object | None:
    """The next message, or None at the end of the stream."""
    try:
        (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
        return pickle.loads(await reader.readexactly(size))
    except asyncio.IncompleteReadError:
        return None


# ------------------------------------------------------------- the fetch process


def serve(
    sock: socket.socket,
    limits: FetchLimits,
    per_host: int,
    env_proxies: bool,
    parent_end: int = -1,
    tls: ssl.SSLContext | None = None,
) -> None:
    """The fetch process's body: fetch each job that arrives on ``sock`` and send its
    result back, until the socket closes. ``parent_end`` is the refresh's end of the
    socket pair when this process was forked from it (closed here, or the end of the
    stream would never come); ``tls`` its TLS context, inherited."""
    # Ctrl-C reaches the whole process group: the refresh decides, and closes the socket.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_end >= 0:
        os.close(parent_end)
        # A forked child shares the refresh loop's wake-up socket: signals here are ours.
        signal.set_wakeup_fd(-1)
    try:
        asyncio.run(_serve(sock, limits, per_host, env_proxies, tls))
    except Exception:  # noqa: BLE001 - the refresh sees the socket close and fetches itself
        sys.exit(1)


async def _serve(
    sock: socket.socket, limits: FetchLimits, per_host: int, env_proxies: bool, tls: ssl.SSLContext | None
) -> None:
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    clients = HostClients(limits, per_host, env_proxies, tls)
    running: set[asyncio.Task[None]] = set()

    async def one(job_id: int, url: str, etag: str | None, last_modified: str | None) -> None:
        try:
            result = await fetch(clients.get(url), url, limits, etag=etag, last_modified=last_modified)
        except Exception as exc:  # noqa: BLE001 - fetch never raises for I/O; anything else is reported
            result = FetchResult(url, None, error=f"{type(exc).__name__} in the fetch process")
        with contextlib.suppress(OSError):  # the refresh is gone: the reader loop ends too
            _send(writer, (job_id, result))
            await writer.drain()

    try:
        while (job := await _receive(reader)) is not None:
            task = asyncio.create_task(one(*job))  # type: ignore[misc]
            running.add(task)
            task.add_done_callback(running.discard)
    finally:
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await clients.aclose()
        writer.close()


# --------------------------------------------------------- the refresh's side


class FetchProcess:
    """A fetch process seen from the refresh's event loop.

    ``start()`` forks it, or starts it from the forkserver on a thread; ``fetch()`` may be
    called at once (requests wait in the socket until it is up). The socket is watched
    with ``add_reader``/``add_writer`` and written without waiting, so a request is on
    its way to the fetch process as soon as it is handed over. ``outstanding`` counts
    requests handed over and not yet answered."""

    def __init__(
        self, limits: FetchLimits, per_host: int, env_proxies: bool, tls: ssl.SSLContext | None = None
    ) -> None:
        self.limits = limits
        self.per_host = per_host
        self.env_proxies = env_proxies
        self.tls = tls  # handed to a forked process only (a forkserver's cannot take it)
        self.outstanding = 0
        self.answered = 0  # requests it fetched
        self.process: BaseProcess | None = None
        self._waiting: dict[int, asyncio.Future[FetchResult]] = {}
        self._next_id = 0
        self._lost: str | None = "not started"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sock: socket.socket | None = None
        self._in = bytearray()  # received, not yet a whole message
        self._out = bytearray()  # to send when the socket takes more
        self._spawning: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def lost(self) -> bool:
        """Whether it could not start or has ended (requests are then refused at once)."""
        return self._lost is not None

    def start(self) -> None:
        """Start the process. Forked at once when this process has no other thread (the
        CLI: nothing to import, it is up in milliseconds); else from the forkserver, on a
        thread (the TUI has threads). Never raises: a process that cannot start refuses
        its requests, which are then fetched in-process."""
        self._loop = loop = asyncio.get_running_loop()
        try:
            ours, theirs = socket.socketpair()
        except OSError as exc:  # out of file descriptors, say
            self._lose(f"the fetch process cannot be reached: {exc}")
            return
        ours.setblocking(False)
        self._sock, self._lost = ours, None
        try:
            loop.add_reader(ours.fileno(), self._readable)
        except (NotImplementedError, RuntimeError, OSError) as exc:  # a loop without add_reader
            theirs.close()
            self._lose(f"the fetch process cannot be watched: {exc}")
            return
        alone = threading.active_count() == 1
        if FORK_WHEN_ALONE and alone and "fork" in multiprocessing.get_all_start_methods():
            gc.freeze()  # the child's collector leaves what it inherited alone (no copying)
            try:
                self._spawn(theirs, multiprocessing.get_context("fork"), ours.fileno())
            except Exception as exc:  # noqa: BLE001 - its requests are fetched in-process
                self._lose(f"the fetch process did not start: {type(exc).__name__}: {exc}")
            finally:
                gc.unfreeze()
            return
        # Not cancelled with the refresh: aclose() waits for it, then stops the process.
        self._spawning = spawning = loop.run_in_executor(None, self._spawn, theirs)
        spawning.add_done_callback(self._spawned)

    def _spawn(self, theirs: socket.socket, context: BaseContext | None = None, parent_end: int = -1) -> None:
        try:
            context = context or workers.fetch_context()
            process = context.Process(  # type: ignore[attr-defined]
                target=serve,
                args=(
                    theirs,
                    self.limits,
                    self.per_host,
                    self.env_proxies,
                    parent_end,
                    self.tls if parent_end >= 0 else None,
                ),
                name="newstui-fetch",
                daemon=True,  # multiprocessing ends it if this process exits first
            )
            process.start()
            self.process = process
        finally:
            theirs.close()  # the child has its own copy: its end closes when it exits

    def _spawned(self, spawning: asyncio.Future[None]) -> None:
        exc = None if spawning.cancelled() else spawning.exception()
        if exc is not None:
            self._lose(f"the fetch process did not start: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------- the socket
    def _readable(self) -> None:
        assert self._sock is not None
        try:
            data = self._sock.recv(1 << 20)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._lose(f"the fetch process is unreachable: {exc}")
            return
        if not data:
            self._lose("the fetch process ended")
            return
        self._in += data
        while len(self._in) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._in)
            end = _HEADER.size + size
            if len(self._in) < end:
                break
            try:
                job_id, result = pickle.loads(self._in[_HEADER.size : end])
            except Exception as exc:  # noqa: BLE001 - a garbled stream: the rest go in-process
                self._lose(f"the fetch process sent garbage: {type(exc).__name__}")
                return
            del self._in[:end]
            future = self._waiting.pop(job_id, None)
            if future is not None and not future.done():
                self.answered += 1
                future.set_result(result)

    def _send(self, message: object) -> None:
        assert self._sock is not None and self._loop is not None
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        frame = _HEADER.pack(len(data)) + data
        if not self._out:
            try:
                sent = self._sock.send(frame)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                self._lose(f"the fetch process is unreachable: {exc}")
                raise FetchProcessLost(self._lost) from None
            if sent == len(frame):
                return
            frame = frame[sent:]
            self._loop.add_writer(self._sock.fileno(), self._writable)
        self._out += frame

    def _writable(self) -> None:
        assert self._sock is not None and self._loop is not None
        try:
            sent = self._sock.send(self._out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._lose(f"the fetch process is unreachable: {exc}")
            return
        del self._out[:sent]
        if not self._out:
            self._loop.remove_writer(self._sock.fileno())

    def _lose(self, why: str) -> None:
        """Stop using the process: close the socket (it ends at the end of the stream)
        and hand every waiting request back."""
        if self._lost is None:
            self._lost = why
            if self._waiting:
                log.info("%s; fetching its %d requests in-process", why, len(self._waiting))
        sock, self._sock = self._sock, None
        if sock is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(sock.fileno())
                self._loop.remove_writer(sock.fileno())
            sock.close()
        self._in.clear()
        self._out.clear()
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(FetchProcessLost(why))

    # ------------------------------------------------------------ requests
    async def fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        """``fetch()`` run in the fetch process; raises ``FetchProcessLost`` when it cannot
        (then the caller fetches it itself)."""
        if self._lost is not None or self._loop is None:
            raise FetchProcessLost(self._lost or "the fetch process is gone")
        self._next_id += 1
        job_id = self._next_id
        future: asyncio.Future[FetchResult] = self._loop.create_future()
        self._waiting[job_id] = future
        self.outstanding += 1
        try:
            self._send((job_id, url, etag, last_modified))
            try:
                # Its own deadline ends every fetch there: no answer by then (and a grace)
                # means it is stuck; what it still has is fetched here instead.
                async with asyncio.timeout(self.limits.deadline + ANSWER_GRACE):
                    return await future
            except TimeoutError:
                self._lose("the fetch process stopped answering")
                if self.process is not None and self.process.exitcode is None:
                    self.process.kill()
                raise FetchProcessLost(self._lost or "") from None
        finally:
            self.outstanding -= 1
            self._waiting.pop(job_id, None)
            if future.done() and not future.cancelled():
                future.exception()  # a loss while sending was raised above: asyncio need not report it

    async def aclose(self) -> None:
        """End the process: close its socket (it stops at the end of the stream), wait a
        moment for it to go, then terminate it."""
        self._lose("the refresh is over")
        if self._spawning is not None:
            with contextlib.suppress(BaseException):
                await self._spawning  # a process still starting is stopped once it is up
        process = self.process
        if process is not None and process.pid is not None and process.exitcode is None:
            await asyncio.to_thread(_stop, process)

    def close(self) -> None:
        """``aclose`` for callers without a loop (a refresh torn down by an error)."""
        with contextlib.suppress(Exception):
            self._lose("the refresh is over")
        process = self.process
        if process is not None and process.pid is not None and process.exitcode is None:
            _stop(process)


def _stop(process: BaseProcess) -> None:
    process.join(2.0)
    if process.exitcode is None:
        process.terminate()
        process.join(2.0)
    if process.exitcode is None:
        process.kill()
        process.join(2.0)
