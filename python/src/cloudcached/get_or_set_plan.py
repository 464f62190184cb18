"""get_or_set's decisions, as pure functions: its settings, the lease a read answered, what a caller
does with a read's answer, and how long a waiting caller sleeps before it asks again. The same rules
as the TypeScript client's ``getOrSet``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Tuple

DEFAULT_LEASE = 30
DEFAULT_GRACE_BACKOFF = 10.0
#: The API's bounds of ``X-Lease``.
MAX_LEASE = 300
FIRST_POLL = 0.025
MAX_POLL = 1.0


@dataclass(frozen=True)
class Settings:
    """get_or_set's settings, checked; durations in seconds."""

    ttl: Optional[int]
    grace: int
    lease: int
    timeout: Optional[float]
    hard_timeout: Optional[float]
    refresh_below: Optional[int]
    grace_backoff: float
    #: Tags and metadata the computed value is written with.
    tags: Optional[Tuple[str, ...]] = None
    meta: Optional[Mapping[str, Any]] = None


def _whole(value: Optional[int], name: str, low: int, high: Optional[int] = None) -> Optional[int]:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        bound = f"from {low}" + ("" if high is None else f" to {high}")
        raise ValueError(f"{name} must be a whole number of seconds {bound}, got {value!r}")
    return value


def _duration(value: Optional[float], name: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative number of seconds, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class GetOrSetDefaults:
    """A client's defaults for ``get_or_set``: each one applies where a call gives None."""

    ttl: Optional[int] = None
    grace: Optional[int] = None
    lease: Optional[int] = None
    timeout: Optional[float] = None
    hard_timeout: Optional[float] = None
    refresh_below: Optional[int] = None
    grace_backoff: Optional[float] = None


def resolve_settings(
    ttl: Optional[int] = None,
    grace: Optional[int] = None,
    lease: Optional[int] = None,
    timeout: Optional[float] = None,
    hard_timeout: Optional[float] = None,
    refresh_below: Optional[int] = None,
    grace_backoff: Optional[float] = None,
    defaults: GetOrSetDefaults = GetOrSetDefaults(),
    *,
    tags: Optional[Sequence[str]] = None,
    meta: Optional[Mapping[str, Any]] = None,
) -> Settings:
    """The call's settings over the client's ``defaults`` and then the built-in ones, checked (a bad
    one is a ValueError before any request)."""
    ttl = defaults.ttl if ttl is None else ttl
    grace = defaults.grace if grace is None else grace
    lease = defaults.lease if lease is None else lease
    timeout = defaults.timeout if timeout is None else timeout
    hard_timeout = defaults.hard_timeout if hard_timeout is None else hard_timeout
    refresh_below = defaults.refresh_below if refresh_below is None else refresh_below
    grace_backoff = defaults.grace_backoff if grace_backoff is None else grace_backoff
    return Settings(
        ttl=_whole(ttl, "ttl", 0),
        grace=_whole(grace, "grace", 0) or 0,
        lease=_whole(lease, "lease", 1, MAX_LEASE) or DEFAULT_LEASE,
        timeout=_duration(timeout, "timeout"),
        hard_timeout=_duration(hard_timeout, "hard_timeout"),
        refresh_below=_whole(refresh_below, "refresh_below", 1),
        grace_backoff=DEFAULT_GRACE_BACKOFF if grace_backoff is None else float(_duration(grace_backoff, "grace_backoff") or 0.0),
        tags=None if tags is None else tuple(tags),
        meta=meta,
    )


@dataclass(frozen=True)
class LeaseState:
    """What a read said of the key's lease: ``won`` (with the token to write with), ``busy`` (with
    seconds until it lapses, when the server said), or ``none`` (not asked, or not given)."""

    kind: str
    token: Optional[str] = None
    retry_after: Optional[float] = None


NO_LEASE = LeaseState("none")
_DIGITS = re.compile(r"^\d{1,9}$")


def lease_state_of(headers: Mapping[str, str]) -> LeaseState:
    """The lease of a read's answer headers (lower-cased names): ``X-Lease``, ``X-Lease-Token``,
    ``X-Lease-Retry-Ms``, else ``Retry-After``."""
    lease = headers.get("x-lease", "").strip().lower()
    token = headers.get("x-lease-token", "").strip()
    if lease == "won" and token:
        return LeaseState("won", token=token)
    if lease != "busy":
        return NO_LEASE
    ms = headers.get("x-lease-retry-ms", "").strip()
    if _DIGITS.match(ms):
        return LeaseState("busy", retry_after=int(ms) / 1000)
    seconds = headers.get("retry-after", "").strip()
    if _DIGITS.match(seconds):
        return LeaseState("busy", retry_after=float(int(seconds)))
    return LeaseState("busy")


#: What a read found: a live value, a stale one (past its expiry, within its grace), or nothing.
LIVE, STALE, ABSENT = "live", "stale", "absent"
#: What a caller does with a read's answer: give the value it holds; give it and recompute it (early
#: refresh); run the factory (holding the stale value, if any); or ask again later.
RETURN, REFRESH, COMPUTE, WAIT = "return", "refresh", "compute", "wait"


def step_for(found: str, lease: LeaseState) -> str:
    if found == LIVE:
        return REFRESH if lease.kind == "won" else RETURN
    if lease.kind == "won":
        return COMPUTE
    if found == STALE:
        return RETURN
    # Absent and no lease said (a server without leases): compute, as a plain get-then-set would.
    return WAIT if lease.kind == "busy" else COMPUTE


def poll_delay(attempt: int, retry_after: Optional[float], remaining: float, random: float) -> float:
    """Seconds a waiting caller sleeps before its ``attempt``-th read (1 for the first): exponential
    from 25 ms to 1 s, jittered between half and all of it (so that callers who started together do
    not ask together), never past just after the lease lapses (``retry_after``) nor past the caller's
    own deadline (``remaining``)."""
    ceiling: float = min(MAX_POLL, FIRST_POLL * 2.0 ** max(0, attempt - 1))
    delay = ceiling / 2 + ceiling / 2 * random
    if retry_after is not None:
        # Just after the lapse, so that the read that follows can win the lease.
        delay = min(delay, retry_after + 0.005)
    return max(0.0, min(delay, remaining))


def wait_budget(settings: Settings) -> float:
    """Seconds a caller may spend waiting for another caller's value: the winner's lease plus the
    hard timeout (unbounded without one: a lapsed lease is won by the next reader, who computes)."""
    return math.inf if settings.hard_timeout is None else settings.lease + settings.hard_timeout
