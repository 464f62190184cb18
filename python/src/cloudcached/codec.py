"""How a value's type survives the trip: by the Content-Type it is stored with, the same content
types the TypeScript client uses, so that each reads what the other wrote."""

from __future__ import annotations

import base64
import codecs
import json
import math
import re
from typing import Any, Dict, List, Optional, Protocol, Tuple, Union

TEXT = "text/plain; charset=utf-8"
JSON_TYPE = "application/json"
BYTES = "application/octet-stream"

#: What ``get`` gives back with the default serializer.
Value = Union[None, bool, int, float, str, bytes, List[Any], Dict[str, Any]]


class Serializer(Protocol):
    """Turns values into a body and its content type, and back. Pass one as ``Client(serializer=...)``."""

    def dumps(self, value: Any) -> Tuple[bytes, str]:
        """The value as ``(body, content_type)``."""
        ...

    def loads(self, body: bytes, content_type: str) -> Any:
        """The value stored as ``body`` with ``content_type``."""
        ...


def media_type(content_type: Optional[str]) -> str:
    """The media type of a Content-Type, lower-cased, without parameters."""
    return (content_type or "").split(";")[0].strip().lower()


def kind_of(content_type: Optional[str]) -> str:
    """``json`` (application/json, +json), ``text`` (text/*) or ``bytes`` (anything else)."""
    media = media_type(content_type)
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media.startswith("text/"):
        return "text"
    return "bytes"


_CHARSET = re.compile(r';\s*charset\s*=\s*"?([^";\s]+)"?', re.IGNORECASE)


def _decode_text(body: bytes, content_type: str) -> str:
    match = _CHARSET.search(content_type)
    if match is not None:
        try:
            codecs.lookup(match.group(1))
        except LookupError:
            pass  # an unknown label: UTF-8, as the TypeScript client does
        else:
            return body.decode(match.group(1), errors="replace")
    return body.decode("utf-8", errors="replace")


def _check_json(value: Any, path: str) -> None:
    """Refuses what JSON would silently change, so a value reads back as it was written."""
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"cannot store {value!r}{path}: JSON has no such number")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(f"cannot store a dict with a {type(name).__name__} key{path}: JSON keys are strings")
            _check_json(item, f"{path}[{name!r}]")
        return
    what = type(value).__name__
    hint = " (use a list)" if isinstance(value, tuple) else ""
    raise TypeError(f"cannot store a {what}{path}{hint}: store str, bytes, int, float, bool, None, or a dict or list of them")


def to_json(value: Any) -> str:
    """JSON text of a value, or a TypeError for what JSON cannot hold without changing it."""
    _check_json(value, "" if not isinstance(value, (list, dict)) else " (in the value)")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class DefaultSerializer:
    """``str`` as text/plain, ``bytes`` as application/octet-stream, ``int``, ``float``, ``bool``,
    ``None``, ``dict`` and ``list`` as application/json: what the TypeScript client writes and reads.
    On read any ``text/*`` is a ``str``, JSON is parsed, anything else is ``bytes``."""

    def dumps(self, value: Any) -> Tuple[bytes, str]:
        if isinstance(value, str):
            return value.encode("utf-8", errors="strict"), TEXT
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value), BYTES
        return to_json(value).encode("utf-8"), JSON_TYPE

    def loads(self, body: bytes, content_type: str) -> Any:
        kind = kind_of(content_type)
        if kind == "json":
            return json.loads(body.decode("utf-8"))
        if kind == "text":
            return _decode_text(body, content_type)
        return body


def encode_batch_value(body: bytes, content_type: str) -> Dict[str, str]:
    """A body as a batch ``set`` entry carries it: UTF-8 text when it is text, else base64."""
    if kind_of(content_type) != "bytes":
        try:
            return {"value": body.decode("utf-8"), "contentType": content_type}
        except UnicodeDecodeError:
            pass
    return {"value": base64.b64encode(body).decode("ascii"), "encoding": "base64", "contentType": content_type}


def decode_batch_body(value: str, encoding: Optional[str]) -> bytes:
    """The bytes a batch ``get`` entry carries."""
    if encoding == "base64":
        return base64.b64decode(value)
    return value.encode("utf-8")
