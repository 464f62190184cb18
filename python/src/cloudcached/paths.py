"""API.md's rules for namespaces and keys, checked before any request leaves (the server would
answer ``400 bad_request``), and how they go in a URL."""

from __future__ import annotations

import re
from typing import Mapping, Optional, Union
from urllib.parse import quote

from .errors import CloudCachedError

MAX_KEY_BYTES = 512
_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# encodeURIComponent's unreserved characters, so a key's URL is the one the TypeScript client sends.
_SAFE = "!'()*"

QueryValue = Union[str, int, None]


def namespace_problem(namespace: str) -> Optional[str]:
    """Why a namespace is invalid, or None when it is valid."""
    if _NAMESPACE.fullmatch(namespace) is None:
        return "invalid namespace: 1-64 characters of a-z 0-9 _ -, starting with a letter or digit"
    return None


def key_problem(key: str) -> Optional[str]:
    """Why a key is invalid, or None. ``.``/``..`` and empty segments are refused: URL parsers
    resolve or merge them, so such a key would address another item."""
    if key == "":
        return "invalid key: empty"
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return "invalid key: not valid UTF-8"
    if size > MAX_KEY_BYTES:
        return f"invalid key: longer than {MAX_KEY_BYTES} bytes of UTF-8"
    if _CONTROL.search(key) is not None:
        return "invalid key: contains a control character"
    for segment in key.split("/"):
        if segment == "":
            return "invalid key: empty path segment"
        if segment in (".", ".."):
            return "invalid key: '.' and '..' segments are not allowed"
    return None


def check_key(key: str) -> str:
    """The key, or the server's ``400 bad_request`` raised before any request."""
    if not isinstance(key, str):
        raise TypeError(f"a key must be a str, got {type(key).__name__}")
    problem = key_problem(key)
    if problem is not None:
        raise CloudCachedError(400, "bad_request", problem)
    return key


def check_namespace(namespace: str) -> str:
    if not isinstance(namespace, str):
        raise TypeError(f"a namespace must be a str, got {type(namespace).__name__}")
    problem = namespace_problem(namespace)
    if problem is not None:
        raise CloudCachedError(400, "bad_request", problem)
    return namespace


def encode_key(key: str) -> str:
    """The key as it goes in a URL: each ``/``-separated segment percent-encoded, the slashes kept."""
    return "/".join(quote(segment, safe=_SAFE) for segment in check_key(key).split("/"))


def item_path(namespace: str, key: str) -> str:
    """``/v1/{ns}/items/{key}``."""
    return f"/v1/{check_namespace(namespace)}/items/{encode_key(key)}"


def with_query(path: str, query: Mapping[str, QueryValue]) -> str:
    """The path with the query's values that are not None."""
    parts = [f"{quote(name, safe=_SAFE)}={quote(str(value), safe=_SAFE)}" for name, value in query.items() if value is not None]
    return f"{path}?{'&'.join(parts)}" if parts else path
