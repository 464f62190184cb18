"""Tags and metadata (API.md, "Tags and metadata") as the HTTP API carries them: ``X-Tags`` and
``X-Meta`` on a write, and back on a read. The Worker checks them (a 400 naming the header); here
they are only encoded and decoded. Pure functions."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence


def tag_list(tags: Sequence[str]) -> List[str]:
    """The tags as a list; one str is refused (it is not a list of tags: ``"ab"`` is not ``["a", "b"]``)."""
    if isinstance(tags, str):
        raise TypeError("tags must be a sequence of str, not one str")
    return list(tags)


def tags_header(tags: Sequence[str]) -> str:
    """Tags as ``X-Tags`` carries them: joined by commas."""
    return ",".join(tag_list(tags))


def tags_of(header: Optional[str]) -> List[str]:
    """An answer's ``X-Tags`` as a list (empty when it has none)."""
    return [tag.strip() for tag in header.split(",")] if header else []


def meta_header(meta: Mapping[str, Any]) -> str:
    """Metadata as ``X-Meta`` carries it: compact JSON, every character outside printable ASCII
    ``\\u``-escaped (a header holds ASCII only)."""
    return json.dumps(meta, ensure_ascii=True, separators=(",", ":")).replace("\x7f", "\\u007f")


def meta_of(header: Optional[str]) -> Optional[Dict[str, Any]]:
    """An answer's ``X-Meta`` as the JSON object it was written with, or None when it has none."""
    if header is None:
        return None
    meta = json.loads(header)
    if not isinstance(meta, dict):
        raise ValueError("X-Meta is not a JSON object")
    return meta
