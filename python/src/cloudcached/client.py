"""The CloudCached client: the original four calls (``get``, ``put``, ``update``, ``delete``) and
the rest of the HTTP API (API.md), over keep-alive connections shared by threads."""

from __future__ import annotations

import copy
import json
import ssl
import threading
import time
from urllib.parse import quote
from typing import Any, Callable, Dict, Iterable, Iterator, List, Literal, Mapping, Optional, Sequence, Tuple, TypeVar, Union, overload

from .access import Capabilities, NamespacePage, read_capabilities, read_namespace_page
from .batch import MAX_BATCH_KEYS, batch_keys_from, chunk, read_deleted, read_got, read_written
from .codec import DefaultSerializer, Serializer, encode_batch_value
from .errors import CloudCachedError, error_from_body, is_absent
from .get_or_set import GetOrSetRunner, GetOrSetStats
from .json_fields import json_integer, json_object, json_text
from .labels import meta_header, meta_of, tag_list, tags_header, tags_of
from .get_or_set_plan import ABSENT, LIVE, STALE, GetOrSetDefaults, LeaseState, Settings, lease_state_of, resolve_settings
from .paths import QueryValue, check_key, check_namespace, item_path, with_query
from .results import Item, KeyInfo, KeyPage, LeasedItem, MintedToken, WriteResult
from .server_stats import ServerStats, check_window, read_server_stats
from .transport import Response, Transport

#: The ttl ``put`` and ``update`` send when none is given: the original ``time_to_expire``.
DEFAULT_PUT_TTL = 3600
DEFAULT_TIMEOUT = 30.0

Entries = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]
#: How stale a read accepts a value: at most this many seconds past its expiry, or True for any time within its grace.
MaxStale = Union[int, bool, None]
T = TypeVar("T")


def _check_count(value: Optional[int], name: str, signed: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not signed and value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def _quote_etag(etag: str) -> str:
    """An ETag as a header wants it: quoted (a bare one is quoted here), a weak one kept as it is."""
    if not isinstance(etag, str) or etag == "":
        raise TypeError("an etag must be a non-empty str")
    return etag if etag.startswith('"') or etag.startswith("W/") else f'"{etag}"'


def _written(answer: Any) -> WriteResult:
    expires_at = json_object(answer).get("expiresAt")
    return WriteResult(json_text(answer["etag"]), None if expires_at is None else json_integer(expires_at))


def _key_page(answer: Any) -> KeyPage:
    keys = [KeyInfo(json_text(entry["key"]), json_integer(entry["size"]), entry["lastModified"]) for entry in json_object(answer)["keys"]]
    cursor = answer.get("cursor")
    return KeyPage(keys, None if cursor is None else json_text(cursor))


_Page = TypeVar("_Page", KeyPage, NamespacePage)


def _pages(first: Optional[str], fetch_page: Callable[[Optional[str]], _Page]) -> Iterator[_Page]:
    """Every page of a listing paged by cursor, from ``first`` on, each fetched when the one before has been consumed."""
    cursor = first
    while True:
        page = fetch_page(cursor)
        yield page
        if page.cursor is None:
            return
        cursor = page.cursor


def _expires_at(response: Response) -> Optional[int]:
    raw = response.headers.get("x-expires-at", "")
    return int(raw) if raw.isdigit() else None


def _max_stale_directive(max_stale: MaxStale) -> Optional[str]:
    """``Cache-Control``'s ``max-stale`` for a read's ``max_stale`` (None or False: none)."""
    if max_stale is None or max_stale is False:
        return None
    if max_stale is True:
        return "max-stale"
    _check_count(max_stale, "max_stale")
    return f"max-stale={max_stale}"


def _read_headers(fresh: bool, max_stale: MaxStale) -> Dict[str, str]:
    directives = [directive for directive in ("no-cache" if fresh else None, _max_stale_directive(max_stale)) if directive]
    return {"Cache-Control": ", ".join(directives)} if directives else {}


def _cache(response: Response) -> Optional[str]:
    raw = response.headers.get("x-cache", "").upper()
    return raw if raw in ("HIT", "MISS", "STALE") else None


class Client:
    """A client for one namespace of a CloudCached deployment.

    ``url`` is the Worker's origin (``https://cache.example.com``), ``token`` the admin token or one
    from ``mint_token`` (None for a public-read namespace). ``timeout`` (seconds, None for none)
    bounds connecting and each read from the connection. ``serializer`` turns values into bytes and
    a content type and back (default: ``DefaultSerializer``, the TypeScript client's types).
    ``ssl_context`` replaces the default one for https (a private CA, say). ``get_or_set_defaults``
    gives ``get_or_set``'s settings where a call gives none. One client may be shared by threads.
    """

    def __init__(
        self,
        url: str,
        token: Optional[str],
        namespace: str = "default",
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        *,
        serializer: Optional[Serializer] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
        get_or_set_defaults: Optional[GetOrSetDefaults] = None,
    ) -> None:
        if not isinstance(url, str) or url == "":
            raise TypeError("url is required")
        self._namespace = check_namespace(namespace)
        self._transport = Transport(url, token, timeout, ssl_context=ssl_context)
        self._serializer: Serializer = serializer if serializer is not None else DefaultSerializer()
        self._batch_keys: Optional[int] = None
        self._batch_lock = threading.Lock()
        self._get_or_set_defaults = get_or_set_defaults if get_or_set_defaults is not None else GetOrSetDefaults()
        self._get_or_set = GetOrSetRunner(self._lease_read, self._lease_write, self._lease_release)

    @property
    def namespace(self) -> str:
        return self._namespace

    def with_namespace(self, namespace: str) -> "Client":
        """The same client (settings and connections) for another namespace."""
        other = copy.copy(self)
        other._namespace = check_namespace(namespace)
        # Its own get_or_set: reads and writes in its namespace, and counts of its own.
        other._get_or_set = GetOrSetRunner(other._lease_read, other._lease_write, other._lease_release)
        return other

    def close(self) -> None:
        """Closes the idle connections (shared with ``with_namespace`` clients)."""
        self._transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- Requests ----------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        query: Optional[Mapping[str, QueryValue]] = None,
        headers: Optional[Mapping[str, str]] = None,
        body: Optional[bytes] = None,
    ) -> Response:
        return self._transport.request(method, with_query(path, query or {}), headers, body)

    @staticmethod
    def _fail(response: Response) -> CloudCachedError:
        return error_from_body(response.status, response.body)

    @staticmethod
    def _json(response: Response, read: Callable[[Any], T]) -> T:
        """What ``read`` makes of the answer's JSON; an answer of another shape (not CloudCached's,
        or not this version's) is a CloudCachedError, never a KeyError."""
        try:
            return read(json.loads(response.body.decode("utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise CloudCachedError(response.status, "internal", f"HTTP {response.status} with an answer that is not the API's") from None

    def _raise_unless_absent(self, response: Response) -> None:
        """A 404 means absent only when it is the API's ``not_found``: a wrong URL never reads as a miss."""
        error = self._fail(response)
        if not is_absent(error):
            raise error

    def _path(self, key: str) -> str:
        return item_path(self._namespace, key)

    def _ns_path(self, rest: str) -> str:
        return f"/v1/{self._namespace}/{rest}"

    # ---- The four original calls ---------------------------------------------------------------

    def get(self, key: str, fresh: bool = False, *, max_stale: MaxStale = None) -> Any:
        """The value, its type restored, or None when the key is absent or expired.
        ``fresh=True`` asks storage, not the location's cache (read-your-writes from anywhere).
        ``max_stale`` accepts a stale value: an item past its expiry but within its grace, up to that
        many seconds past it (True: any time within the grace). Without it a read never gets one."""
        item = self.gets(key, fresh=fresh, max_stale=max_stale)
        return None if item is None else item.value

    def put(self, key: str, value: Any, time_to_expire: int = DEFAULT_PUT_TTL, replace: bool = False) -> bool:
        """Stores ``value`` for ``time_to_expire`` seconds (0 = never expires). Without ``replace`` only
        if the key is absent (memcached ``add``); with it, always (``set``). True when stored."""
        mode = "set" if replace else "add"
        return self._write(key, value, mode, time_to_expire) is not None

    def update(self, key: str, value: Any, time_to_expire: int = DEFAULT_PUT_TTL) -> bool:
        """Overwrites the value only if the key exists (memcached ``replace``): False when it is absent."""
        return self._write(key, value, "replace", time_to_expire) is not None

    def delete(self, key: str, etag: Optional[str] = None) -> bool:
        """Deletes the key: True whether or not it existed. With ``etag``, only that version: False if
        it changed (``etag="*"``: only a live item, False if there was none)."""
        headers = {} if etag is None else {"If-Match": "*" if etag == "*" else _quote_etag(etag)}
        response = self._send("DELETE", self._path(key), headers=headers)
        if 200 <= response.status < 300:
            return True
        if response.status == 412 and etag is not None:
            return False
        raise self._fail(response)

    # ---- Reads -------------------------------------------------------------------------------

    def gets(self, key: str, fresh: bool = False, *, max_stale: MaxStale = None) -> Optional[Item]:
        """The value with its ETag (for ``cas``), expiry, content type and ``X-Cache``; None when absent.
        A stale value (``max_stale``) comes back with ``cache="STALE"`` and its past ``expires_at``."""
        response = self._send("GET", self._path(key), headers=_read_headers(fresh, max_stale))
        if response.status == 404:
            self._raise_unless_absent(response)
            return None
        if response.status != 200:
            raise self._fail(response)
        return self._item(response)

    def _item(self, response: Response) -> Item:
        content_type = response.headers.get("content-type", "application/octet-stream")
        return Item(
            value=self._serializer.loads(response.body, content_type),
            etag=response.headers.get("etag", ""),
            expires_at=_expires_at(response),
            content_type=content_type,
            cache=_cache(response),
            tags=tags_of(response.headers.get("x-tags")),
            meta=meta_of(response.headers.get("x-meta")),
        )

    # ---- Writes ------------------------------------------------------------------------------

    def set(
        self,
        key: str,
        value: Any,
        ttl: Optional[int] = None,
        content_type: Optional[str] = None,
        *,
        grace: Optional[int] = None,
        lease_token: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        meta: Optional[Mapping[str, Any]] = None,
    ) -> WriteResult:
        """Stores the value whether or not the key exists. ``ttl`` None: the server's ``DEFAULT_TTL``.
        ``grace``: seconds the item stays stale after it expires (served to ``max_stale`` readers and
        ``get_or_set``, absent to the rest). ``lease_token``: the token of a lease won by
        ``get_with_lease``; the write releases it. ``tags``: ``expire_tag``/``delete_tag`` of one of
        them invalidate the item (at most 16, printable ASCII without ``,`` or space). ``meta``: a
        JSON object of at most 1,024 bytes kept beside the value, given back by ``gets`` and
        ``get_many(items=True)``. Tags or metadata the Worker refuses raise its 400 ``bad_request``."""
        result = self._write(key, value, "set", ttl, content_type, grace=grace, lease_token=lease_token, tags=tags, meta=meta)
        assert result is not None  # a plain set is never refused with 412
        return result

    def add(
        self,
        key: str,
        value: Any,
        ttl: Optional[int] = None,
        content_type: Optional[str] = None,
        *,
        grace: Optional[int] = None,
        tags: Optional[Sequence[str]] = None,
        meta: Optional[Mapping[str, Any]] = None,
    ) -> Optional[WriteResult]:
        """Stores the value only if the key is absent; None when it exists. Settings as ``set``'s."""
        return self._write(key, value, "add", ttl, content_type, grace=grace, tags=tags, meta=meta)

    def replace(
        self,
        key: str,
        value: Any,
        ttl: Optional[int] = None,
        content_type: Optional[str] = None,
        *,
        grace: Optional[int] = None,
        tags: Optional[Sequence[str]] = None,
        meta: Optional[Mapping[str, Any]] = None,
    ) -> Optional[WriteResult]:
        """Stores the value only if the key exists; None when it is absent. Settings as ``set``'s."""
        return self._write(key, value, "replace", ttl, content_type, grace=grace, tags=tags, meta=meta)

    def cas(
        self,
        key: str,
        value: Any,
        etag: str,
        ttl: Optional[int] = None,
        content_type: Optional[str] = None,
        *,
        grace: Optional[int] = None,
        tags: Optional[Sequence[str]] = None,
        meta: Optional[Mapping[str, Any]] = None,
    ) -> Optional[WriteResult]:
        """Compare-and-swap: stores the value only if the item is still at ``etag`` (from ``gets``);
        None when it changed or vanished. Settings as ``set``'s."""
        return self._write(key, value, "cas", ttl, content_type, _quote_etag(etag), grace=grace, tags=tags, meta=meta)

    def _write(
        self,
        key: str,
        value: Any,
        mode: str,
        ttl: Optional[int],
        content_type: Optional[str] = None,
        etag: Optional[str] = None,
        *,
        grace: Optional[int] = None,
        lease_token: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        meta: Optional[Mapping[str, Any]] = None,
    ) -> Optional[WriteResult]:
        _check_count(ttl, "ttl")
        _check_count(grace, "grace")
        path = self._path(key)
        body, stored_type = self._serializer.dumps(value)
        headers = {"Content-Type": content_type or stored_type}
        if mode == "add":
            headers["If-None-Match"] = "*"
        elif mode == "replace":
            headers["If-Match"] = "*"
        elif mode == "cas" and etag is not None:
            headers["If-Match"] = etag
        if lease_token is not None:
            headers["X-Lease-Token"] = lease_token
        if tags:
            headers["X-Tags"] = tags_header(tags)
        if meta is not None:
            headers["X-Meta"] = meta_header(meta)
        response = self._send("PUT", path, {"ttl": ttl, "grace": grace}, headers, body)
        if response.status == 412 and mode != "set":
            return None
        if response.status not in (200, 201):
            raise self._fail(response)
        return self._json(response, _written)

    def touch(self, key: str, ttl: Optional[int] = None) -> Optional[WriteResult]:
        """Sets a new expiry without sending the value; None when the key is absent."""
        _check_count(ttl, "ttl")
        response = self._send("POST", self._path(key), {"op": "touch", "ttl": ttl})
        if response.status == 404:
            self._raise_unless_absent(response)
            return None
        if response.status != 200:
            raise self._fail(response)
        return self._json(response, _written)

    def expire(self, key: str) -> Optional[WriteResult]:
        """Soft expiry: the item expires now and its grace starts now, so ``max_stale`` readers (and
        ``get_or_set``) are served it as stale while the rest read it as absent. An item written
        without grace is simply gone. None when the key is absent (or already expired)."""
        response = self._send("POST", self._path(key), {"op": "expire"})
        if response.status == 404:
            self._raise_unless_absent(response)
            return None
        if response.status != 200:
            raise self._fail(response)
        return self._json(response, _written)

    # ---- Caching under load ------------------------------------------------------------------

    def get_or_set(
        self,
        key: str,
        factory: Callable[[], T],
        ttl: Optional[int] = None,
        grace: Optional[int] = None,
        lease: Optional[int] = None,
        timeout: Optional[float] = None,
        hard_timeout: Optional[float] = None,
        refresh_below: Optional[int] = None,
        grace_backoff: Optional[float] = None,
        *,
        tags: Optional[Sequence[str]] = None,
        meta: Optional[Mapping[str, Any]] = None,
    ) -> T:
        """The key's value, or ``factory()``'s, computed by exactly one caller at a time across every
        process that uses this deployment (a lease on the Worker): the others are served the stale
        value when there is one (``grace``), or wait for the winner's value, and take over if the
        winner's lease lapses. A setting left None takes the client's ``get_or_set_defaults``.

        ``ttl`` and ``grace`` (whole seconds) are written with the value; ``lease`` (1–300, default
        30) is how long a winner may take before another caller takes over; ``timeout`` (seconds,
        soft): with a stale value in hand, return it when the factory has not finished within it (0:
        at once, the refresh runs in a background thread); ``hard_timeout`` (seconds): give up and
        raise ``CloudCachedError`` with code ``factory_timeout`` (a waiting caller never waits past
        ``lease + hard_timeout``); ``refresh_below`` (whole seconds): when a live value has fewer left,
        one caller recomputes it in a background thread while every caller gets it; ``grace_backoff``
        (seconds, default 10): how long this client leaves a key whose factory raised while a stale
        value stood in; ``tags`` and ``meta`` are written with the value, as ``set``'s. A factory that
        raises makes the call raise, unless a stale value stood in: then the stale value is the answer."""
        check_key(key)
        settings = resolve_settings(
            ttl, grace, lease, timeout, hard_timeout, refresh_below, grace_backoff, self._get_or_set_defaults, tags=tags, meta=meta
        )
        return self._get_or_set.run(key, factory, settings)

    def stats(self) -> GetOrSetStats:
        """``get_or_set``'s counts for this client (a copy), counted here in this process; the
        Worker's counts for the whole namespace are ``server_stats``."""
        return self._get_or_set.stats()

    def get_with_lease(
        self,
        key: str,
        lease: Optional[int] = None,
        refresh_below: Optional[int] = None,
        *,
        fresh: bool = False,
        max_stale: MaxStale = None,
    ) -> LeasedItem:
        """A read that may ask for the key's lease (``X-Lease``, 1–300 seconds) when no live item is
        found (or, with ``refresh_below``, a live one with fewer seconds left): the item (None when
        nothing is served), whether it is stale, and the lease: ``won`` with the token to write with
        (``set(..., lease_token=…)``), ``busy`` with seconds until it lapses, or ``none``.
        ``get_or_set`` is built on it; use it for a flow of your own."""
        headers = _read_headers(fresh, max_stale)
        if lease is not None:
            _check_count(lease, "lease")
            headers["X-Lease"] = str(lease)
            if refresh_below is not None:
                _check_count(refresh_below, "refresh_below")
                headers["X-Refresh-Below"] = str(refresh_below)
        response = self._send("GET", self._path(key), headers=headers)
        lease_state = lease_state_of(response.headers)
        if response.status == 404:
            self._raise_unless_absent(response)
            return LeasedItem(None, False, lease_state)
        if response.status != 200:
            raise self._fail(response)
        item = self._item(response)
        # STALE with a future expiry is a live copy standing in for failed storage, not a stale value.
        stale = item.cache == "STALE" and item.expires_at is not None and item.expires_at <= time.time()
        return LeasedItem(item, stale, lease_state)

    def release_lease(self, key: str, token: str) -> bool:
        """Gives up a lease won with ``get_with_lease`` without writing (``op=release``): the item is
        left as it is, and the next caller that asks wins the lease at once. False when ``token`` does
        not hold the lease (already released, or lapsed and won by another caller)."""
        response = self._send("POST", self._path(key), {"op": "release"}, headers={"X-Lease-Token": token})
        if response.status == 204:
            return True
        if response.status == 412:
            return False
        raise self._fail(response)

    def _lease_release(self, key: str, token: str) -> None:
        """get_or_set's release of a lease whose factory raised."""
        self.release_lease(key, token)

    def _lease_read(self, key: str, lease: Optional[int], settings: Settings, fresh: bool) -> Tuple[str, Any, LeaseState]:
        """get_or_set's read: a stale value accepted when it writes with grace."""
        refresh_below = settings.refresh_below if lease is not None else None
        read = self.get_with_lease(key, lease, refresh_below, fresh=fresh, max_stale=True if settings.grace > 0 else None)
        if read.item is None:
            return ABSENT, None, read.lease
        return (STALE if read.stale else LIVE), read.item.value, read.lease

    def _lease_write(self, key: str, value: Any, settings: Settings, token: Optional[str]) -> None:
        """get_or_set's write: a ``set`` that releases the lease its token names."""
        self.set(key, value, settings.ttl, grace=settings.grace or None, lease_token=token, tags=settings.tags, meta=settings.meta)

    def incr(self, key: str, by: int = 1, initial: Optional[int] = None, ttl: Optional[int] = None) -> Optional[int]:
        """Adds ``by`` to an integer value atomically: the new value, or None when absent (unless
        ``initial`` is given: then the item is created with it). ``ttl`` None keeps the item's expiry."""
        return self._count("incr", key, by, initial, ttl)

    def decr(self, key: str, by: int = 1, initial: Optional[int] = None, ttl: Optional[int] = None) -> Optional[int]:
        """Subtracts ``by`` atomically; as ``incr``."""
        return self._count("decr", key, by, initial, ttl)

    def _count(self, op: str, key: str, by: int, initial: Optional[int], ttl: Optional[int]) -> Optional[int]:
        _check_count(by, "by")
        _check_count(initial, "initial", signed=True)
        _check_count(ttl, "ttl")
        response = self._send("POST", self._path(key), {"op": op, "by": by, "initial": initial, "ttl": ttl})
        if response.status == 404:
            self._raise_unless_absent(response)
            return None
        if response.status != 200:
            raise self._fail(response)
        return self._json(response, lambda answer: json_integer(answer["value"]))

    # ---- Batches -----------------------------------------------------------------------------

    def batch(self, request: Mapping[str, Any]) -> Dict[str, Any]:
        """One raw ``POST /v1/{ns}/batch`` (at most ``batch_size()`` keys in all): API.md's shapes."""
        body = json.dumps(request, ensure_ascii=False).encode("utf-8")
        response = self._send("POST", self._ns_path("batch"), headers={"Content-Type": "application/json"}, body=body)
        if response.status != 200:
            raise self._fail(response)
        return self._json(response, json_object)

    def batch_size(self) -> int:
        """How many keys one batch may hold on this deployment (its ``GET /v1`` says), asked once."""
        with self._batch_lock:
            if self._batch_keys is None:
                response = self._send("GET", "/v1")
                self._batch_keys = self._json(response, batch_keys_from) if response.status == 200 else MAX_BATCH_KEYS
            return self._batch_keys

    @overload
    def get_many(self, keys: Iterable[str], *, items: Literal[True]) -> Dict[str, Optional[Item]]: ...

    @overload
    def get_many(self, keys: Iterable[str], *, items: Literal[False] = False) -> Dict[str, Any]: ...

    @overload
    def get_many(self, keys: Iterable[str], *, items: bool) -> Union[Dict[str, Any], Dict[str, Optional[Item]]]: ...

    def get_many(self, keys: Iterable[str], *, items: bool = False) -> Union[Dict[str, Any], Dict[str, Optional[Item]]]:
        """The values of many keys (None for an absent one), in batches of ``batch_size()`` keys.
        With ``items=True``, each found key's whole ``Item`` instead, as ``gets`` gives it (ETag,
        expiry, content type, tags and metadata; ``cache`` is ``STALE`` or None: a batch does not
        tell a hit from a miss). Raises the first key's own error, if any."""
        all_keys = [check_key(key) for key in keys]
        result: Dict[str, Optional[Item]] = {}
        if not all_keys:
            return result
        for run in chunk(all_keys, self.batch_size(), str):
            answer = self.batch({"get": run})
            for key in run:
                got = read_got(answer, key)
                result[key] = None if got is None else self._batch_item(got)
        if items:
            return {key: result[key] for key in all_keys}
        return {key: None if (item := result[key]) is None else item.value for key in all_keys}

    def _batch_item(self, got: Mapping[str, Any]) -> Item:
        """A batch ``get`` entry (``read_got``'s) as an Item."""
        content_type = got.get("contentType") or "application/octet-stream"
        expires_at = got.get("expiresAt")
        tags = got.get("tags")
        meta = got.get("meta")
        return Item(
            value=self._serializer.loads(got["body"], content_type),
            etag=json_text(got.get("etag", "")),
            expires_at=None if expires_at is None else json_integer(expires_at),
            content_type=content_type,
            cache="STALE" if got.get("stale") is True else None,
            tags=[json_text(tag) for tag in tags] if isinstance(tags, list) else [],
            meta=None if meta is None else json_object(meta),
        )

    def set_many(
        self,
        entries: Entries,
        ttl: Optional[int] = None,
        *,
        grace: Optional[int] = None,
        tags: Optional[Sequence[str]] = None,
        meta: Optional[Mapping[str, Any]] = None,
    ) -> Dict[str, Union[WriteResult, CloudCachedError]]:
        """Sets many keys (a mapping, or pairs of key and value), in batches of ``batch_size()``:
        each key's result, or its own error (the others may have been stored). ``grace``, ``tags``
        and ``meta`` as ``set``'s, for every entry."""
        _check_count(ttl, "ttl")
        _check_count(grace, "grace")
        pairs: Sequence[Tuple[str, Any]] = list(entries.items()) if isinstance(entries, Mapping) else list(entries)
        sets: List[Dict[str, Any]] = []
        for key, value in pairs:
            body, content_type = self._serializer.dumps(value)
            entry: Dict[str, Any] = {"key": check_key(key), **encode_batch_value(body, content_type)}
            if ttl is not None:
                entry["ttl"] = ttl
            if grace is not None:
                entry["grace"] = grace
            if tags:
                entry["tags"] = tag_list(tags)
            if meta is not None:
                entry["meta"] = dict(meta)
            sets.append(entry)
        result: Dict[str, Union[WriteResult, CloudCachedError]] = {}
        if not sets:
            return result
        for run in chunk(sets, self.batch_size(), lambda entry: str(entry["key"])):
            answer = self.batch({"set": run})
            for entry in run:
                result[entry["key"]] = read_written(answer, entry["key"])
        return result

    def delete_many(self, keys: Iterable[str]) -> Dict[str, Union[bool, CloudCachedError]]:
        """Deletes many keys, in batches of ``batch_size()``: True for each, or its own error."""
        all_keys = [check_key(key) for key in keys]
        result: Dict[str, Union[bool, CloudCachedError]] = {}
        if not all_keys:
            return result
        for run in chunk(all_keys, self.batch_size(), str):
            answer = self.batch({"delete": run})
            for key in run:
                result[key] = read_deleted(answer, key)
        return result

    # ---- The namespace -----------------------------------------------------------------------

    def list_keys(self, prefix: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> KeyPage:
        """One page of ``GET /v1/{ns}/keys`` (``limit`` at most 1000; the server's default is 100)."""
        _check_count(limit, "limit")
        response = self._send("GET", self._ns_path("keys"), {"prefix": prefix, "limit": limit, "cursor": cursor})
        if response.status != 200:
            raise self._fail(response)
        return self._json(response, _key_page)

    def key_pages(self, prefix: Optional[str] = None, limit: Optional[int] = None) -> Iterator[KeyPage]:
        """Every page of the listing, each fetched when the one before has been consumed."""
        return _pages(None, lambda cursor: self.list_keys(prefix, limit, cursor))

    def keys(self, prefix: Optional[str] = None, limit: Optional[int] = None) -> Iterator[KeyInfo]:
        """Every key (with its size and last-modified time), page after page as they are consumed.
        The listing comes from storage: an expired item may be listed until it is swept."""
        for page in self.key_pages(prefix, limit):
            yield from page.keys

    def list_namespaces(self, after: Optional[str] = None) -> NamespacePage:
        """One page of ``GET /v1/namespaces``: the namespaces the token may see, in order, after
        ``after`` (a page's ``cursor``). A token for some namespaces gets exactly those, in one page;
        the admin token, or a token for every namespace, gets the namespaces that have items in
        storage, at most 16 a page. Any valid token may ask; without one it is a 401."""
        query: Dict[str, QueryValue] = {"after": None if after is None else check_namespace(after)}
        response = self._send("GET", "/v1/namespaces", query)
        if response.status != 200:
            raise self._fail(response)
        return self._json(response, read_namespace_page)

    def namespace_pages(self, after: Optional[str] = None) -> Iterator[NamespacePage]:
        """Every page of ``list_namespaces``, each fetched when the one before has been consumed."""
        return _pages(after, self.list_namespaces)

    def namespaces(self, after: Optional[str] = None) -> Iterator[str]:
        """Every namespace the token may see (after ``after``), page after page as they are consumed.
        A flushed namespace is listed until the sweep has removed its old items."""
        for page in self.namespace_pages(after):
            yield from page.namespaces

    def server_stats(self, window: str = "1h") -> ServerStats:
        """The Worker's counts for this namespace over ``window`` (``1h``, ``24h`` or ``7d``): every
        client's reads, hits, misses, writes, errors and response times, as ``GET /v1/{ns}/stats``
        answers them (``scope`` says whether they are the deployment's or one Worker instance's).
        ``stats()`` is another thing: this client's own ``get_or_set`` counts, kept in this process.
        Needs the ``read`` scope on the namespace and no key prefix (or the admin token); another
        window is refused with ``400 bad_request`` before any request."""
        query: Dict[str, QueryValue] = {"window": check_window(window)}
        response = self._send("GET", self._ns_path("stats"), query)
        if response.status != 200:
            raise self._fail(response)
        return self._json(response, read_server_stats)

    def expire_tag(self, tag: str) -> None:
        """Every item written with ``tag`` before now expires now and its grace starts now (soft:
        ``max_stale`` readers and ``get_or_set`` are served it as stale). One write on the server,
        whatever the number of items. Needs the ``flush`` scope."""
        self._invalidate_tag(tag, "expire")

    def delete_tag(self, tag: str) -> None:
        """Every item written with ``tag`` before now is absent at once, grace or not. One write on
        the server, whatever the number of items. Needs the ``flush`` scope."""
        self._invalidate_tag(tag, "delete")

    def _invalidate_tag(self, tag: str, op: str) -> None:
        response = self._send("POST", self._ns_path("tags/" + quote(tag, safe="").replace(".", "%2E")), {"op": op})
        if response.status != 204:
            raise self._fail(response)

    def flush(self) -> None:
        """Drops every item of the namespace (O(1) on the server)."""
        response = self._send("POST", self._ns_path("flush"))
        if response.status not in (200, 204):
            raise self._fail(response)

    def mint_token(
        self,
        namespaces: List[str],
        scopes: List[str],
        prefix: Optional[str] = None,
        ttl: Optional[int] = None,
    ) -> MintedToken:
        """A short-lived scoped token (needs the admin token): ``namespaces`` (``["*"]`` for all),
        ``scopes`` of ``read``, ``write``, ``flush``, optionally a key ``prefix`` and ``ttl`` seconds."""
        _check_count(ttl, "ttl")
        request: Dict[str, Any] = {"namespaces": list(namespaces), "scopes": list(scopes)}
        if prefix is not None:
            request["prefix"] = prefix
        if ttl is not None:
            request["ttl"] = ttl
        body = json.dumps(request).encode("utf-8")
        response = self._send("POST", "/v1/tokens", headers={"Content-Type": "application/json"}, body=body)
        if response.status not in (200, 201):
            raise self._fail(response)
        return self._json(response, lambda answer: MintedToken(json_text(answer["token"]), json_integer(answer["expiresAt"])))

    def capabilities(self) -> Capabilities:
        """What the client's token may do (``GET /v1/token``): admin or not, its namespaces, scopes,
        key prefix and expiry. Nothing is read from storage. Without a token, or with one that is
        not valid (expired, say), it is a 401."""
        response = self._send("GET", "/v1/token")
        if response.status != 200:
            raise self._fail(response)
        return self._json(response, read_capabilities)

    def health(self) -> bool:
        """``GET /healthz``: whether the Worker reaches its storage."""
        response = self._send("GET", "/healthz")
        if response.status not in (200, 503):
            raise self._fail(response)
        return self._json(response, lambda answer: json_object(answer).get("ok") is True)
