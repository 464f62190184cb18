"""get_or_set: the value of a key, computed by exactly one caller at a time across every process (the
Worker's lease), the others served the stale value (grace) or waiting for the winner's. The decisions
are get_or_set_plan.py's; this file runs them with the client's reads and writes."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, fields
from typing import Any, Callable, Dict, Generic, Optional, Tuple, TypeVar, cast

from .errors import CloudCachedError
from .get_or_set_plan import COMPUTE, LIVE, REFRESH, RETURN, STALE, LeaseState, Settings, poll_delay, step_for, wait_budget

T = TypeVar("T")

#: A read accepting a stale value (when the settings' grace asks for it), asking for the lease for
#: ``lease`` seconds when it is not None, from storage when ``fresh``: what it found (``live``,
#: ``stale``, ``absent``), the value and the lease.
LeaseReader = Callable[[str, Optional[int], Settings, bool], Tuple[str, Any, LeaseState]]
#: Writes the value with the settings' ttl and grace, releasing the lease the token names.
LeaseWriter = Callable[[str, Any, Settings, Optional[str]], None]
#: Releases the lease the token names without writing; the item is left as it is.
LeaseReleaser = Callable[[str, str], None]


@dataclass
class GetOrSetStats:
    """get_or_set's counts for one client since it was made."""

    #: Calls answered with a live value from the cache (after waiting for another caller's, too).
    hits: int = 0
    #: Calls that found nothing to serve and computed the value themselves.
    misses: int = 0
    #: Calls answered with a stale value (within its grace).
    stale_served: int = 0
    #: Leases this client won (it computed, or refreshed early).
    leases_won: int = 0
    #: Calls that waited for another caller's value.
    waits: int = 0
    #: Times the factory ran.
    factory_runs: int = 0
    #: Times the factory raised.
    factory_errors: int = 0
    #: Calls that stopped waiting at their timeout (served stale) or hard timeout (raised ``factory_timeout``).
    timeouts: int = 0


def factory_timeout(key: str, seconds: float) -> CloudCachedError:
    return CloudCachedError(0, "factory_timeout", f"no value for {key!r} within the hard timeout ({seconds:g} s)")


class _Work(Generic[T]):
    """A call run in a thread of its own, so that its caller may stop waiting for it while it goes on
    (and writes its value for the callers after this one)."""

    def __init__(self, run: Callable[[], T]) -> None:
        self._run = run
        self._done = threading.Event()
        self._value: Optional[T] = None
        self._error: Optional[BaseException] = None
        threading.Thread(target=self._main, name="cloudcached-get-or-set", daemon=True).start()

    def _main(self) -> None:
        try:
            self._value = self._run()
        except BaseException as error:  # handed to the caller, who decides
            self._error = error
        finally:
            self._done.set()

    def wait(self, timeout: Optional[float]) -> bool:
        """Whether the call finished within ``timeout`` seconds (None: waits until it does)."""
        return self._done.wait(timeout)

    def result(self) -> T:
        if self._error is not None:
            raise self._error
        return cast(T, self._value)  # set when no error was


class GetOrSetRunner:
    def __init__(self, read: LeaseReader, write: LeaseWriter, release: LeaseReleaser) -> None:
        self._read = read
        self._write = write
        self._release = release
        self._stats = GetOrSetStats()
        self._lock = threading.Lock()
        #: Keys whose factory failed while a stale value stood in: not recomputed by this client before then (monotonic).
        self._backoff_until: Dict[str, float] = {}

    def stats(self) -> GetOrSetStats:
        with self._lock:
            return GetOrSetStats(**{field.name: getattr(self._stats, field.name) for field in fields(GetOrSetStats)})

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self._stats, name, getattr(self._stats, name) + 1)

    def run(self, key: str, factory: Callable[[], T], settings: Settings) -> T:
        started = time.monotonic()
        budget = wait_budget(settings)
        polls = 0
        with self._lock:
            ask_lease = self._backoff_until.get(key, 0.0) <= started
        while True:
            found, value, lease = self._read(key, settings.lease if ask_lease else None, settings, False)
            if lease.kind == "won":
                self._count("leases_won")
            step = step_for(found, lease)
            if step == COMPUTE and not ask_lease:
                # Backing off, and the stale value is gone: computing now needs the lease like any other caller.
                ask_lease = True
                continue
            if step == RETURN:
                self._count("hits" if found != STALE else "stale_served")
                return cast(T, value)
            if step == REFRESH:
                self._count("hits")
                _Work(lambda: self._produce(key, factory, settings, lease.token, False))
                return cast(T, value)
            if step == COMPUTE and lease.kind == "won":
                # The read that missed may have come just before another caller's write, and the lease
                # just after that write released it: storage tells whether the value is there now.
                found, value, _ = self._read(key, None, settings, True)
                if found == LIVE:
                    self._count("hits")
                    return cast(T, value)
            if step == COMPUTE:
                if found == STALE:
                    return self._compute_holding_stale(key, factory, settings, lease.token, cast(T, value))
                return self._compute_from_nothing(key, factory, settings, lease.token)
            # Wait: another caller is computing and there is nothing to serve.
            if polls == 0:
                self._count("waits")
            remaining = budget - (time.monotonic() - started)
            if remaining <= 0:
                self._count("timeouts")
                raise factory_timeout(key, settings.hard_timeout or 0.0)
            polls += 1
            time.sleep(poll_delay(polls, lease.retry_after, remaining, random.random()))

    def _compute_from_nothing(self, key: str, factory: Callable[[], T], settings: Settings, token: Optional[str]) -> T:
        """Nothing to serve: the caller waits for its factory, up to the hard timeout."""
        self._count("misses")
        if settings.hard_timeout is None:
            return self._produce(key, factory, settings, token, False)
        work = _Work(lambda: self._produce(key, factory, settings, token, False))
        if work.wait(settings.hard_timeout):
            return work.result()
        # The factory goes on and writes its value when it finishes, for the callers after this one.
        self._count("timeouts")
        raise factory_timeout(key, settings.hard_timeout)

    def _compute_holding_stale(self, key: str, factory: Callable[[], T], settings: Settings, token: Optional[str], stale: T) -> T:
        """A stale value in hand: it is the answer when the factory fails, or has not finished within the soft timeout."""
        work = _Work(lambda: self._produce(key, factory, settings, token, True))
        if not work.wait(settings.timeout):
            if settings.timeout != 0:
                self._count("timeouts")
            self._count("stale_served")
            return stale
        try:
            fresh = work.result()
        except Exception:
            self._count("stale_served")
            return stale
        self._count("misses")
        return fresh

    def _produce(self, key: str, factory: Callable[[], T], settings: Settings, token: Optional[str], stale_stored: bool) -> T:
        """Runs the factory and writes its value (releasing the lease). A factory that raises releases
        the lease without writing (``op=release``: the item stays as it is), so that another caller may
        take over at once. With a stale value stored, this client then waits ``grace_backoff`` before it
        tries the key again."""
        self._count("factory_runs")
        try:
            value = factory()
        except BaseException:
            self._count("factory_errors")
            if stale_stored:
                with self._lock:
                    self._backoff_until[key] = time.monotonic() + settings.grace_backoff
            if token is not None:
                try:
                    # A token that no longer holds the lease (it lapsed, another caller won it) releases nothing.
                    self._release(key, token)
                except Exception:
                    pass  # not released: it lapses when its time is up
            raise
        with self._lock:
            self._backoff_until.pop(key, None)
        self._write(key, value, settings, token)
        return value
