"""get_or_set's runner over reads and writes made up for the case: what it does with each answer."""

import unittest
from typing import Any, List, Optional, Tuple

from cloudcached.get_or_set import GetOrSetRunner
from cloudcached.get_or_set_plan import ABSENT, LIVE, LeaseState, Settings, resolve_settings


class RunnerTest(unittest.TestCase):
    def test_a_won_lease_after_another_callers_write_serves_that_value(self) -> None:
        # The lease read missed just before another caller's write, and took the lease that write released.
        reads: List[Tuple[Optional[int], bool]] = []
        writes: List[Any] = []

        def read(key: str, lease: Optional[int], settings: Settings, fresh: bool) -> Tuple[str, Any, LeaseState]:
            reads.append((lease, fresh))
            return (LIVE, "theirs", LeaseState("none")) if fresh else (ABSENT, None, LeaseState("won", token="t"))

        runner = GetOrSetRunner(read, lambda key, value, settings, token: writes.append(value), lambda key, token: None)
        self.assertEqual(runner.run("k", lambda: "mine", resolve_settings()), "theirs")
        self.assertEqual((reads, writes), ([(30, False), (None, True)], []))
        self.assertEqual((runner.stats().factory_runs, runner.stats().hits), (0, 1))

    def test_a_won_lease_with_nothing_in_storage_computes(self) -> None:
        writes: List[Tuple[Any, Optional[str]]] = []

        def read(key: str, lease: Optional[int], settings: Settings, fresh: bool) -> Tuple[str, Any, LeaseState]:
            return ABSENT, None, (LeaseState("none") if fresh else LeaseState("won", token="t"))

        runner = GetOrSetRunner(read, lambda key, value, settings, token: writes.append((value, token)), lambda key, token: None)
        self.assertEqual(runner.run("k", lambda: "mine", resolve_settings()), "mine")
        self.assertEqual(writes, [("mine", "t")])

    def test_a_raising_factory_releases_the_lease_it_won_and_writes_nothing(self) -> None:
        writes: List[Any] = []
        releases: List[Tuple[str, str]] = []

        def read(key: str, lease: Optional[int], settings: Settings, fresh: bool) -> Tuple[str, Any, LeaseState]:
            return ABSENT, None, (LeaseState("none") if fresh else LeaseState("won", token="t"))

        def factory() -> str:
            raise ValueError("database down")

        runner = GetOrSetRunner(read, lambda key, value, settings, token: writes.append(value), lambda key, token: releases.append((key, token)))
        with self.assertRaisesRegex(ValueError, "database down"):
            runner.run("k", factory, resolve_settings())
        self.assertEqual((writes, releases), ([], [("k", "t")]))
