"""The fields of the API's JSON answers, read with their types checked: an answer of another shape
raises TypeError (or KeyError), which the client turns into a CloudCachedError."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


def json_object(value: Any) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("not a JSON object")
    return value


def json_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def json_integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def json_number(value: Any) -> float:
    """A JSON number as a float (JSON writes 0.0 as 0)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError("not a number")
    return float(value)


def json_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("not a boolean")
    return value


def json_texts(value: Any) -> List[str]:
    if not isinstance(value, list):
        raise TypeError("not a JSON array")
    return [json_text(entry) for entry in value]


def json_optional_text(value: Any) -> Optional[str]:
    return None if value is None else json_text(value)


def json_optional_integer(value: Any) -> Optional[int]:
    return None if value is None else json_integer(value)
