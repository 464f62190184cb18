"""The one exception the client raises for anything the server (or the network) refused."""

from __future__ import annotations

import json
from typing import Any, Optional

#: The status API.md answers each of its error codes with.
STATUS_OF_CODE = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "no_such_route": 404,
    "method_not_allowed": 405,
    "not_a_number": 409,
    "out_of_range": 409,
    "length_required": 411,
    "precondition_failed": 412,
    "value_too_large": 413,
    "internal": 500,
    "storage_error": 502,
    "storage_unavailable": 503,
    "storage_timeout": 504,
}

_CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    # A 404 without the API's JSON error comes from some other server (a wrong URL): never "absent".
    404: "no_such_route",
    405: "method_not_allowed",
    409: "out_of_range",
    411: "length_required",
    412: "precondition_failed",
    413: "value_too_large",
    502: "storage_error",
    503: "storage_unavailable",
    504: "storage_timeout",
}


class CloudCachedError(Exception):
    """A failed call: ``status`` is the HTTP status (0 when no answer arrived), ``code`` the API's
    error code (or the client's own ``network_error`` / ``timeout``), ``message`` the server's."""

    status: int
    code: str
    message: str

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status else "no answer"
        return f"{self.message} ({self.code}, {where})"

    def __repr__(self) -> str:
        return f"CloudCachedError({self.status!r}, {self.code!r}, {self.message!r})"


def code_for_status(status: int) -> str:
    """The code a status stands for when the answer carries no JSON error (a proxy's page, say)."""
    return _CODE_OF_STATUS.get(status, "internal" if status >= 500 else "bad_request")


def status_for_code(code: str) -> int:
    """The status API.md answers a code with (500 for a code this client does not know)."""
    return STATUS_OF_CODE.get(code, 500)


def _error_shape(value: Any) -> Optional[CloudCachedError]:
    """The error an API error object (``{"error": {"code", "message"}}``) stands for, else None."""
    if not isinstance(value, dict):
        return None
    error = value.get("error")
    if not isinstance(error, dict):
        return None
    code, message = error.get("code"), error.get("message")
    if not isinstance(code, str) or not isinstance(message, str):
        return None
    return CloudCachedError(status_for_code(code), code, message)


def error_from_body(status: int, body: bytes) -> CloudCachedError:
    """The error an answer's status and body say (API.md's JSON error), or the status alone."""
    try:
        parsed: Any = json.loads(body.decode("utf-8"))
    except ValueError:
        parsed = None
    shaped = _error_shape(parsed)
    if shaped is not None:
        return CloudCachedError(status, shaped.code, shaped.message)
    hint = " without a CloudCached error: is the URL the Worker's origin (no path)?" if status == 404 else ""
    return CloudCachedError(status, code_for_status(status), f"HTTP {status}{hint}")


def error_from_batch(entry: Any) -> Optional[CloudCachedError]:
    """A key's own error inside a batch answer, or None when the entry is not an error."""
    return _error_shape(entry)


def is_absent(error: CloudCachedError) -> bool:
    """Whether an error says the item is absent: API.md's ``404 not_found``, and nothing else."""
    return error.status == 404 and error.code == "not_found"
