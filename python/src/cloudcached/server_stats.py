"""The answer of ``GET /v1/{ns}/stats`` (API.md), field for field as the TypeScript client's
``ServerStats``, and the windows it may be asked for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Literal, Tuple, cast

from .errors import CloudCachedError
from .json_fields import json_integer, json_number, json_object, json_text

StatsWindow = Literal["1h", "24h", "7d"]
#: The windows the Worker counts over.
STATS_WINDOWS: Tuple[StatsWindow, ...] = ("1h", "24h", "7d")


@dataclass(frozen=True)
class StaleReads:
    """Reads answered with a stale value: within its grace (``max_stale``), or because storage failed."""

    grace: int
    error: int


@dataclass(frozen=True)
class LeaseCounts:
    """Leases asked for (``X-Lease``): won, or refused because another caller held it."""

    won: int
    busy: int


@dataclass(frozen=True)
class ResponseTimes:
    """Milliseconds the Worker took to answer: the median and the 99th percentile."""

    p50: float
    p99: float


@dataclass(frozen=True)
class ServerStats:
    """A namespace's traffic over ``window``, as the Worker counted it. ``scope`` says whose counts
    they are: ``"deployment"`` (every location, from Analytics Engine) or ``"instance"`` (the one
    Worker instance that answered). ``reads`` = ``hits`` + ``misses`` + ``not_found`` + stale reads;
    ``hit_ratio`` and ``storage_calls_per_read`` are 0 when nothing was read; ``errors`` counts
    failed requests by error code."""

    namespace: str
    window: StatsWindow
    scope: str
    reads: int
    hits: int
    misses: int
    not_found: int
    hit_ratio: float
    stale: StaleReads
    leases: LeaseCounts
    writes: int
    deletes: int
    errors: Dict[str, int]
    storage_calls_per_read: float
    ms: ResponseTimes


def check_window(window: str) -> StatsWindow:
    """The window, or the server's ``400 bad_request`` raised before any request."""
    if not isinstance(window, str):
        raise TypeError(f"window must be a str, got {type(window).__name__}")
    if window not in STATS_WINDOWS:
        raise CloudCachedError(400, "bad_request", f"invalid window {window!r}: one of {', '.join(STATS_WINDOWS)}")
    return cast(StatsWindow, window)


def _answered_window(window: str) -> StatsWindow:
    if window not in STATS_WINDOWS:
        raise TypeError("not a stats window")
    return cast(StatsWindow, window)


def read_server_stats(answer: Any) -> ServerStats:
    """The answer's JSON as ServerStats (TypeError or KeyError when it has another shape; fields it
    does not know are ignored, as API.md asks of clients)."""
    body = json_object(answer)
    stale, leases, ms = json_object(body["stale"]), json_object(body["leases"]), json_object(body["ms"])
    return ServerStats(
        namespace=json_text(body["namespace"]),
        window=_answered_window(json_text(body["window"])),
        scope=json_text(body["scope"]),
        reads=json_integer(body["reads"]),
        hits=json_integer(body["hits"]),
        misses=json_integer(body["misses"]),
        not_found=json_integer(body["notFound"]),
        hit_ratio=json_number(body["hitRatio"]),
        stale=StaleReads(json_integer(stale["grace"]), json_integer(stale["error"])),
        leases=LeaseCounts(json_integer(leases["won"]), json_integer(leases["busy"])),
        writes=json_integer(body["writes"]),
        deletes=json_integer(body["deletes"]),
        errors={json_text(code): json_integer(count) for code, count in json_object(body["errors"]).items()},
        storage_calls_per_read=json_number(body["storageCallsPerRead"]),
        ms=ResponseTimes(json_number(ms["p50"]), json_number(ms["p99"])),
    )
