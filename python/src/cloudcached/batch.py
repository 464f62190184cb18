"""``POST /v1/{ns}/batch`` (API.md, Batch): splitting work into requests the deployment accepts,
and reading each key's part of an answer. Pure functions."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar, Union

from .codec import decode_batch_body
from .errors import CloudCachedError, error_from_batch
from .results import WriteResult

#: At most this many keys (get + set + delete) in one batch request.
MAX_BATCH_KEYS = 100

T = TypeVar("T")


def batch_keys_from(index: Any) -> int:
    """How many keys one batch may hold, from the deployment's ``GET /v1`` (``limits.batchKeys``);
    MAX_BATCH_KEYS when it does not say."""
    limits = index.get("limits") if isinstance(index, dict) else None
    keys = limits.get("batchKeys") if isinstance(limits, dict) else None
    if isinstance(keys, int) and not isinstance(keys, bool) and keys >= 1:
        return min(keys, MAX_BATCH_KEYS)
    return MAX_BATCH_KEYS


def chunk(items: Sequence[T], size: int, key_of: Callable[[T], str]) -> List[List[T]]:
    """Runs of at most ``size`` items; a key given twice is sent once, with the last item given for it."""
    unique: Dict[str, T] = {}
    for item in items:
        unique[key_of(item)] = item
    values = list(unique.values())
    return [values[start : start + size] for start in range(0, len(values), size)]


def _entry(answer: Mapping[str, Any], part: str, key: str) -> Any:
    section = answer.get(part)
    if not isinstance(section, dict) or key not in section:
        raise CloudCachedError(500, "internal", f"the batch answer has no {part!r} entry for key {key!r}")
    return section[key]


def read_got(answer: Mapping[str, Any], key: str) -> Optional[Dict[str, Any]]:
    """A key's ``get`` entry (with its bytes under ``body``), None when absent; its own error is raised."""
    entry = _entry(answer, "get", key)
    if entry is None:
        return None
    failed = error_from_batch(entry)
    if failed is not None:
        raise failed
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
        raise CloudCachedError(500, "internal", f"the batch answer's entry for key {key!r} has no value")
    return {**entry, "body": decode_batch_body(entry["value"], entry.get("encoding"))}


def read_written(answer: Mapping[str, Any], key: str) -> Union[WriteResult, CloudCachedError]:
    entry = _entry(answer, "set", key)
    failed = error_from_batch(entry)
    if failed is not None:
        return failed
    if not isinstance(entry, dict) or not isinstance(entry.get("etag"), str):
        return CloudCachedError(500, "internal", f"the batch answer's 'set' entry for key {key!r} has no etag")
    return WriteResult(entry["etag"], entry.get("expiresAt"))


def read_deleted(answer: Mapping[str, Any], key: str) -> Union[bool, CloudCachedError]:
    return error_from_batch(_entry(answer, "delete", key)) or True
