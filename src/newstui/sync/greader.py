"""The Google Reader API (FreshRSS, Miniflux, Inoreader, The Old Reader, BazQux) as a ``Backend``.

Login is ``accounts/ClientLogin`` (the ``Auth=`` line); every call carries
``Authorization: GoogleLogin auth=…`` and every write a token from ``/token`` (fetched again
once when a write is refused). A 401 on a read means the session ended: log in again once.
429/503 with Retry-After are waited out when the wait is short, else reported. Item ids
arrive as ``tag:google.com,2005:reader/item/<16 hex>`` or as a signed decimal; both are one
64-bit number here. Write batches stay under PHP's default ``max_input_vars`` (1000).
Bodies go through the fetch layer's capped reader, so a huge or compressed-bomb response is
refused instead of read into memory.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import httpx

from newstui.sources.fetch import BodyTooLarge, FetchLimits, make_client, read_body
from newstui.sync.backend import AuthError, Item, Page, Rejected, Subscription, SyncError
from newstui.textsafe import clean_line

ITEM_PREFIX = "tag:google.com,2005:reader/item/"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"
KEPT_UNREAD = "user/-/state/com.google/kept-unread"
LABEL = "user/-/label/"
BATCH = 500  # ids per write: PHP drops form fields past max_input_vars=1000
FETCH_BATCH = 250  # ids per items/contents request
IDS_PAGE = 50_000  # ids per stream/items/ids call: one call for most unread sets
MAX_RESPONSE = 64 * 1024 * 1024
MAX_WAIT = 30.0  # longest Retry-After waited out in place; longer ones fail the sync


def item_number(raw: object) -> int:
    """One item id as its 64-bit number: long hex form, bare hex of 16 digits, or decimal.

    Decimal ids may be signed (Google's were); they are mapped to the same unsigned number
    as the hex form. Raises ValueError for anything else."""
    text = str(raw).strip()
    if text.isdigit() and text[0] != "0":  # the short form, by far the most common: no sign
        value = int(text)
        if value < (1 << 64):
            return value
        raise ValueError(f"item id out of range: {text[:40]}")
    if text.startswith(ITEM_PREFIX):
        return int(text[len(ITEM_PREFIX) :], 16)
    if text.lstrip("-").isdigit() and not (len(text) == 16 and text.startswith("0")):
        value = int(text)
        if -(1 << 63) <= value < (1 << 64):
            return value & ((1 << 64) - 1)
        raise ValueError(f"item id out of range: {text[:40]}")
    if len(text) == 16:
        return int(text, 16)
    raise ValueError(f"not an item id: {text[:40]}")


def long_id(number: int) -> str:
    """The long form of an item id (what the article's key is)."""
    return f"{ITEM_PREFIX}{number:016x}"


class GReader:
    """A Google Reader API session. ``password`` is asked for only when a login is needed;
    ``on_auth`` is told every new session token (to cache it) and ``auth`` is a cached one.
    ``app`` (application id, key) goes with every request as ``AppId``/``AppKey`` headers."""

    def __init__(
        self,
        base: str,
        user: str,
        password: Callable[[], str],
        *,
        auth: str | None = None,
        on_auth: Callable[[str | None], None] | None = None,
        limits: FetchLimits | None = None,
        max_wait: float = MAX_WAIT,
        app: tuple[str, str] | None = None,
    ) -> None:
        self.base = base.rstrip("/")
        self.user = user
        self._password = password
        self.auth = auth
        self._on_auth = on_auth
        self.limits = limits or FetchLimits(read_timeout=60, deadline=120, max_bytes=MAX_RESPONSE)
        self.max_wait = max_wait
        # Sent with every request, login included (Inoreader's registered-client headers).
        self._app_headers = {"AppId": app[0], "AppKey": app[1]} if app else {}
        self.token: str | None = None
        self.requests = 0
        self._client: httpx.AsyncClient | None = None
        self._subscriptions: list[Subscription] | None = None  # the last list fetched
        self._login_lock = asyncio.Lock()

    # ------------------------------------------------------------------ HTTP
    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            # Loading the CA bundle costs a fifth of a second; plain http never needs it.
            verify = not self.base.lower().startswith("http://")
            self._client = make_client(self.limits, max_connections=4, verify=verify)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request: (status, lower-case headers, body). Network trouble is a SyncError."""
        headers = dict(self._app_headers)
        if auth and self.auth:
            headers["Authorization"] = f"GoogleLogin auth={self.auth}"
        url = f"{self.base}/{path.lstrip('/')}"
        self.requests += 1
        try:
            async with asyncio.timeout(self.limits.deadline):
                request = self.client.build_request(method, url, params=params, data=data, headers=headers)
                response = await self.client.send(request, stream=True)
                try:
                    body = await read_body(response, self.limits)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise SyncError(
                f"{self._host()}: no complete response within {self.limits.deadline:g} s"
            ) from None
        except BodyTooLarge:
            raise SyncError(
                f"{self._host()}: response larger than {self.limits.max_bytes} bytes (refused)"
            ) from None
        except httpx.ConnectError as exc:
            raise SyncError(f"{self._host()}: cannot connect ({error_reason(exc)})") from None
        except httpx.TimeoutException:
            raise SyncError(f"{self._host()}: timed out") from None
        except httpx.HTTPError as exc:
            raise SyncError(f"{self._host()}: broken response ({error_reason(exc)})") from None
        except (zlib.error, ValueError, OSError) as exc:
            raise SyncError(f"{self._host()}: broken response ({error_reason(exc)})") from None
        return response.status_code, {k.lower(): v for k, v in response.headers.items()}, body

    def _host(self) -> str:
        return clean_line(self.base, 200)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        write: bool = False,
    ) -> bytes:
        """An API call with the session's repairs: log in when there is no session, a fresh
        write token once, a new login once on 401, short Retry-After waits."""
        if self.auth is None:
            async with self._login_lock:  # calls made together log in once
                if self.auth is None:
                    await self.login()
        relogged = refreshed = False
        waits = 0
        while True:
            form = data
            if write:
                if self.token is None:
                    self.token = await self._fetch_token()
                form = {**(data or {}), "T": self.token}
            status, headers, body = await self._send(method, path, params=params, data=form)
            if 200 <= status < 300:
                return body
            if status == 401:
                if write and not refreshed:
                    refreshed, self.token = True, None
                    continue
                if not relogged:
                    relogged, self.token = True, None
                    await self.login()
                    continue
                raise AuthError(f"{self._host()}: the server refused the session again after a new login")
            if status in (429, 503) and waits < 3:
                wait = _retry_after(headers.get("retry-after"))
                if wait is not None and wait <= self.max_wait:
                    waits += 1
                    await asyncio.sleep(wait)
                    continue
                if status == 429:
                    hint = f"; it asks to wait {wait:g} s" if wait is not None else ""
                    raise SyncError(f"{self._host()}: rate-limited (HTTP 429){hint}")
            text = clean_line(body[:200].decode("utf-8", "replace"), 200)
            if 400 <= status < 500:
                raise Rejected(f"{self._host()}: HTTP {status} for {path}{f': {text}' if text else ''}")
            raise SyncError(f"{self._host()}: HTTP {status} for {path}{f': {text}' if text else ''}")

    async def _json(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        body = await self._call("GET", path, params={**(params or {}), "output": "json"})
        try:
            return json_object(body, path)
        except SyncError as exc:
            raise SyncError(f"{self._host()}: {exc}") from None

    # --------------------------------------------------------------- session
    async def login(self) -> None:
        password = self._password()
        status, _, body = await self._send(
            "POST", "accounts/ClientLogin", data={"Email": self.user, "Passwd": password}, auth=False
        )
        if status in (401, 403):
            raise AuthError(f"{self._host()}: login refused: wrong user or password for {self.user!r}")
        if status == 429:
            raise SyncError(f"{self._host()}: rate-limited at login (HTTP 429)")
        if not 200 <= status < 300:
            raise SyncError(f"{self._host()}: login failed with HTTP {status}")
        auth = None
        for line in body.decode("utf-8", "replace").splitlines():
            if line.startswith("Auth="):
                auth = line[5:].strip()
        if not auth:
            raise SyncError(f"{self._host()}: login answered without a session (no Auth= line)")
        self.auth, self.token = auth, None
        if self._on_auth:
            self._on_auth(auth)

    async def _fetch_token(self) -> str:
        token = (await self._call("GET", "reader/api/0/token")).decode("utf-8", "replace").strip()
        if not token or len(token) > 1000:
            raise SyncError(f"{self._host()}: no write token from the server")
        return token

    # ----------------------------------------------------------------- reads
    async def subscriptions(self) -> list[Subscription]:
        data = await self._json("reader/api/0/subscription/list")
        out: list[Subscription] = []
        for sub in _list(data.get("subscriptions")):
            if not isinstance(sub, dict) or not isinstance(sub.get("id"), str):
                continue
            folder = ""
            for cat in _list(sub.get("categories")):
                if isinstance(cat, dict):
                    label = cat.get("label") or _label_name(str(cat.get("id", "")))
                    if label:
                        folder = str(label)
                        break
            url = str(sub.get("url") or "") or sub["id"].removeprefix("feed/")
            out.append(
                Subscription(
                    id=sub["id"],
                    title=str(sub.get("title") or ""),
                    url=url,
                    site_url=str(sub.get("htmlUrl") or ""),
                    folder=folder,
                )
            )
        self._subscriptions = out
        return out

    async def labels(self) -> list[str]:
        data = await self._json("reader/api/0/tag/list")
        folders: set[str] = set()
        if not any(isinstance(t, dict) and "type" in t for t in _list(data.get("tags"))):
            # No types (folders look like labels): the subscriptions tell them apart.
            subs = self._subscriptions if self._subscriptions is not None else await self.subscriptions()
            folders = {s.folder for s in subs}
        out = []
        for tag in _list(data.get("tags")):
            if not isinstance(tag, dict):
                continue
            name = _label_name(str(tag.get("id", "")))
            if not name or tag.get("type") == "folder" or name in folders:
                continue
            out.append(name)
        return out

    async def stream(self, *, since: float | None, continuation: str | None, count: int = 250) -> Page:
        body = await self.stream_body(since=since, continuation=continuation, count=count)
        try:
            return parse_page(body)
        except SyncError as exc:
            raise SyncError(f"{self._host()}: {exc}") from None

    async def stream_body(self, *, since: float | None, continuation: str | None, count: int = 250) -> bytes:
        """One page of the reading list, undecoded (``parse_page`` reads it, maybe elsewhere)."""
        params: dict[str, Any] = {"n": count, "output": "json"}
        if since:
            params["ot"] = int(since)
        if continuation:
            params["c"] = continuation
        return await self._call("GET", f"reader/api/0/stream/contents/{READING_LIST}", params=params)

    @property
    def page_parser(self) -> Callable[[bytes], Page]:
        """The page decoder handed to a worker process (a module-level function: it is
        pickled by name)."""
        return parse_page

    @staticmethod
    def continuation_hint(body: bytes) -> str | None:
        """The page's continuation read from the end of its body without decoding the rest
        (servers put it last), so the next page can be asked for while this one is being
        decoded. ``None`` when it is not there; ``parse_page`` has the final word."""
        return continuation_hint(body)

    async def items(self, ids: Sequence[int]) -> list[Item]:
        out: list[Item] = []
        for i in range(0, len(ids), FETCH_BATCH):
            chunk = ids[i : i + FETCH_BATCH]
            body = await self._call(
                "POST",
                "reader/api/0/stream/items/contents",
                params={"output": "json"},
                data={"i": [long_id(n) for n in chunk]},
            )
            try:
                data = json.loads(body)
            except ValueError:
                raise SyncError(f"{self._host()}: malformed response to items/contents") from None
            out.extend(_items(data if isinstance(data, dict) else {}))
        return out

    async def _ids(self, stream: str, exclude: str = "") -> set[int]:
        found: set[int] = set()
        continuation: str | None = None
        for _ in range(10_000):
            params: dict[str, Any] = {"s": stream, "n": IDS_PAGE}
            if exclude:
                params["xt"] = exclude
            if continuation:
                params["c"] = continuation
            data = await self._json("reader/api/0/stream/items/ids", params)
            refs = _list(data.get("itemRefs"))
            for ref in refs:
                try:
                    found.add(item_number(ref.get("id") if isinstance(ref, dict) else ref))
                except (ValueError, TypeError):
                    continue
            cont = data.get("continuation")
            if not cont or not refs or str(cont) == continuation:
                return found
            continuation = str(cont)
        return found

    async def unread_ids(self) -> set[int]:
        return await self._ids(READING_LIST, READ)

    async def starred_ids(self) -> set[int]:
        return await self._ids(STARRED)

    async def label_ids(self, label: str) -> set[int]:
        return await self._ids(LABEL + label)

    # ---------------------------------------------------------------- writes
    async def _edit(self, ids: Iterable[int], add: str = "", remove: str = "") -> None:
        wanted = list(dict.fromkeys(ids))
        for i in range(0, len(wanted), BATCH):
            form: dict[str, Any] = {"i": [long_id(n) for n in wanted[i : i + BATCH]]}
            if add:
                form["a"] = add
            if remove:
                form["r"] = remove
            await self._call("POST", "reader/api/0/edit-tag", data=form, write=True)

    async def set_read(self, ids: Iterable[int], read: bool) -> None:
        if read:
            await self._edit(ids, add=READ)
        else:
            await self._edit(ids, add=KEPT_UNREAD, remove=READ)

    async def set_starred(self, ids: Iterable[int], starred: bool) -> None:
        await self._edit(ids, **({"add": STARRED} if starred else {"remove": STARRED}))

    async def set_label(self, ids: Iterable[int], label: str, on: bool) -> None:
        await self._edit(ids, **({"add": LABEL + label} if on else {"remove": LABEL + label}))

    async def mark_all_read(self, stream: str, before: float) -> None:
        await self._call(
            "POST",
            "reader/api/0/mark-all-as-read",
            data={"s": stream, "ts": str(int(before * 1_000_000_000))},
            write=True,
        )

    async def _edit_subscription(self, form: dict[str, Any]) -> None:
        await self._call("POST", "reader/api/0/subscription/edit", data=form, write=True)

    async def subscribe(self, url: str, *, title: str = "", folder: str = "") -> None:
        form: dict[str, Any] = {"ac": "subscribe", "s": f"feed/{url}"}
        if title:
            form["t"] = title
        if folder:
            form["a"] = LABEL + folder
        await self._edit_subscription(form)

    async def unsubscribe(self, feed: str) -> None:
        await self._edit_subscription({"ac": "unsubscribe", "s": feed})

    async def rename(self, feed: str, title: str) -> None:
        await self._edit_subscription({"ac": "edit", "s": feed, "t": title})

    async def move(self, feed: str, folder: str, old_folder: str = "") -> None:
        form: dict[str, Any] = {"ac": "edit", "s": feed}
        if folder:
            form["a"] = LABEL + folder
        if old_folder and old_folder != folder:
            form["r"] = LABEL + old_folder
        await self._edit_subscription(form)


def json_object(body: bytes, path: str) -> dict[str, Any]:
    """``body`` as a JSON object; ``SyncError`` naming ``path`` when it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        raise SyncError(f"malformed response to {path} (not JSON)") from None
    if not isinstance(data, dict):
        raise SyncError(f"malformed response to {path}")
    return data


def parse_page(body: bytes) -> Page:
    """A ``stream/contents`` body as a ``Page``; ``SyncError`` when it is not a JSON object."""
    data = json_object(body, "stream/contents")
    cont = data.get("continuation")
    return Page(_items(data), str(cont) if cont else None)


_CONTINUATION = b'"continuation":'
_HINT_TAIL = 4096


def continuation_hint(body: bytes) -> str | None:
    """The string value of a ``"continuation"`` member that closes the body's top-level
    object (the last member, followed only by ``}``), or ``None``."""
    tail = body[-_HINT_TAIL:].rstrip()
    if not tail.endswith(b"}"):
        return None
    at = tail.rfind(_CONTINUATION)
    if at < 0:
        return None
    rest = tail[at + len(_CONTINUATION) : -1].strip()
    try:
        value = json.loads(rest)
    except ValueError:
        return None
    if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
        return str(value)
    return None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _label_name(stream: str) -> str:
    """'user/-/label/X' (or 'user/<id>/label/X') -> 'X'; '' for anything else."""
    parts = stream.split("/", 3)
    if len(parts) == 4 and parts[0] == "user" and parts[2] == "label":
        return parts[3]
    return ""


def _seconds(value: object, scale: float = 1.0) -> float | None:
    try:
        number = float(str(value))
    except (TypeError, ValueError):
        return None
    return number / scale if number > 0 else None


def _items(data: dict[str, Any]) -> list[Item]:
    """Items of a stream/contents answer; malformed entries are skipped, not fatal."""
    out: list[Item] = []
    for raw in _list(data.get("items")):
        if not isinstance(raw, dict):
            continue
        try:
            number = item_number(raw.get("id"))
        except (TypeError, ValueError):
            continue
        origin = raw.get("origin")
        if not isinstance(origin, dict):
            origin = {}
        feed = str(origin.get("streamId") or "")
        link = ""
        for key in ("canonical", "alternate"):
            for ref in _list(raw.get(key)):
                if isinstance(ref, dict) and ref.get("href"):
                    link = str(ref["href"])
                    break
            if link:
                break
        body = raw.get("content") if isinstance(raw.get("content"), dict) else raw.get("summary")
        content = str(body.get("content") or "") if isinstance(body, dict) else ""
        item = Item(
            id=number,
            feed=feed,
            title=str(raw.get("title") or ""),
            link=link,
            author=str(raw.get("author") or ""),
            content=content,
            published=_seconds(raw.get("published")),
            crawled=_seconds(raw.get("timestampUsec"), 1_000_000.0)
            or _seconds(raw.get("crawlTimeMsec"), 1000.0),
        )
        for cat in _list(raw.get("categories")):
            cat = str(cat)
            if cat.endswith("/state/com.google/read"):
                item.read = True
            elif cat.endswith("/state/com.google/starred"):
                item.starred = True
            elif _label_name(cat):
                item.labels.append(_label_name(cat))
            elif not cat.startswith("user/"):
                item.categories.append(cat)
        for enc in _list(raw.get("enclosure")):
            if isinstance(enc, dict) and enc.get("href"):
                item.enclosures.append(
                    {"url": str(enc["href"]), "type": str(enc.get("type") or ""), "length": enc.get("length")}
                )
        out.append(item)
    return out


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        import time

        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def error_reason(exc: BaseException) -> str:
    """An exception as one clean line of at most 300 characters (for a sync error)."""
    return clean_line(" ".join(str(exc).split()) or type(exc).__name__, 300)
