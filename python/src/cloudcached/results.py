"""What the client's calls answer, beside plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from .get_or_set_plan import LeaseState


@dataclass(frozen=True)
class WriteResult:
    """A stored item's version (its ETag, for ``cas``) and expiry (unix seconds, None = never)."""

    etag: str
    expires_at: Optional[int]


@dataclass(frozen=True)
class Item:
    """A value with its ETag, expiry, content type, where it was answered from (``X-Cache``:
    ``HIT``, ``MISS``, ``STALE``, or None), its tags (``X-Tags``; empty: none) and its metadata
    (``X-Meta``: the JSON object it was written with, or None)."""

    value: Any
    etag: str
    expires_at: Optional[int]
    content_type: str
    cache: Optional[str]
    tags: List[str] = field(default_factory=list)
    meta: Optional[Dict[str, Any]] = None


@dataclass(frozen=True)
class KeyInfo:
    key: str
    size: int
    last_modified: Union[str, int]


@dataclass(frozen=True)
class KeyPage:
    keys: List[KeyInfo]
    #: Where the next page starts, or None after the last page.
    cursor: Optional[str]


@dataclass(frozen=True)
class MintedToken:
    token: str
    #: Unix seconds.
    expires_at: int


@dataclass(frozen=True)
class LeasedItem:
    """A read that asked for the key's lease: the item (None when nothing was served), whether it is
    stale (past its expiry, within its grace), and what the read said of the lease."""

    item: Optional[Item]
    stale: bool
    lease: LeaseState
