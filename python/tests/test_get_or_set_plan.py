"""get_or_set's decisions: settings, the lease of an answer's headers, the step for a read, the poll delay."""

import math
import unittest

from cloudcached.get_or_set_plan import (
    COMPUTE,
    GetOrSetDefaults,
    REFRESH,
    RETURN,
    WAIT,
    LeaseState,
    lease_state_of,
    poll_delay,
    resolve_settings,
    step_for,
    wait_budget,
)


class SettingsTest(unittest.TestCase):
    def test_defaults(self) -> None:
        settings = resolve_settings()
        self.assertEqual((settings.ttl, settings.grace, settings.lease, settings.timeout, settings.hard_timeout), (None, 0, 30, None, None))
        self.assertEqual((settings.refresh_below, settings.grace_backoff), (None, 10.0))

    def test_checked(self) -> None:
        for bad in ({"lease": 0}, {"lease": 301}, {"lease": 1.5}, {"ttl": -1}, {"grace": True}, {"timeout": -0.1}, {"hard_timeout": math.nan}, {"refresh_below": 0}):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                resolve_settings(**bad)  # type: ignore[arg-type]
        self.assertEqual(resolve_settings(timeout=0, hard_timeout=1.5).hard_timeout, 1.5)

    def test_the_clients_defaults_under_the_calls(self) -> None:
        defaults = GetOrSetDefaults(ttl=60, grace=600, lease=10, timeout=0.5)
        settings = resolve_settings(ttl=5, timeout=0, defaults=defaults)
        self.assertEqual((settings.ttl, settings.grace, settings.lease, settings.timeout), (5, 600, 10, 0.0))
        with self.assertRaises(ValueError):
            resolve_settings(defaults=GetOrSetDefaults(lease=0))


class LeaseStateTest(unittest.TestCase):
    def test_won_busy_none(self) -> None:
        self.assertEqual(lease_state_of({"x-lease": "won", "x-lease-token": "t0k"}), LeaseState("won", token="t0k"))
        self.assertEqual(lease_state_of({"x-lease": "busy", "x-lease-retry-ms": "2500", "retry-after": "3"}), LeaseState("busy", retry_after=2.5))
        self.assertEqual(lease_state_of({"x-lease": "busy", "retry-after": "3"}), LeaseState("busy", retry_after=3.0))
        self.assertEqual(lease_state_of({"x-lease": "busy", "retry-after": "soon"}), LeaseState("busy"))
        self.assertEqual(lease_state_of({"x-lease": "won"}).kind, "none")  # a win without a token cannot write
        self.assertEqual(lease_state_of({}).kind, "none")


class StepTest(unittest.TestCase):
    def test_steps(self) -> None:
        won, busy, none = LeaseState("won", token="t"), LeaseState("busy", retry_after=1.0), LeaseState("none")
        self.assertEqual([step_for("live", lease) for lease in (won, busy, none)], [REFRESH, RETURN, RETURN])
        self.assertEqual([step_for("stale", lease) for lease in (won, busy, none)], [COMPUTE, RETURN, RETURN])
        self.assertEqual([step_for("absent", lease) for lease in (won, busy, none)], [COMPUTE, WAIT, COMPUTE])


class PollTest(unittest.TestCase):
    def test_backoff_with_jitter_within_bounds(self) -> None:
        self.assertEqual(poll_delay(1, None, 10, 0.0), 0.0125)
        self.assertEqual(poll_delay(1, None, 10, 1.0), 0.025)
        self.assertEqual(poll_delay(20, None, 10, 1.0), 1.0)
        self.assertAlmostEqual(poll_delay(20, 0.1, 10, 1.0), 0.105)  # just after the lease lapses
        self.assertEqual(poll_delay(20, None, 0.3, 1.0), 0.3)  # never past the caller's deadline

    def test_wait_budget(self) -> None:
        self.assertEqual(wait_budget(resolve_settings(lease=5, hard_timeout=2)), 7)
        self.assertEqual(wait_budget(resolve_settings(lease=5)), math.inf)
