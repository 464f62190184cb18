"""get_or_set against the Worker: one factory run across threads and processes, a dead winner's lease
taken over, stale values within grace, timeouts, a raising factory, expire, max_stale."""

import json
import subprocess
import sys
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, List

from cloudcached import Client, CloudCachedError, GetOrSetDefaults

from .get_or_set_child import stampede
from .server import server, unique_namespace

PACKAGE = Path(__file__).resolve().parents[1]


def eventually(check: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


class GetOrSetTest(unittest.TestCase):
    def setUp(self) -> None:
        self.url, self.token = server()
        self.namespace = unique_namespace()
        self.cache = Client(self.url, self.token, namespace=self.namespace)
        self.addCleanup(self.cache.close)

    def stale_key(self, key: str, value: str = "old") -> None:
        """``key`` past its expiry, within its grace."""
        self.cache.set(key, value, ttl=300, grace=300)
        self.assertIsNotNone(self.cache.expire(key))

    def test_one_factory_run_across_threads_and_processes(self) -> None:
        start = time.time() + 3  # after both children have started
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.get_or_set_child", self.url, self.token, self.namespace, "cold", "8", str(start)],
                cwd=PACKAGE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        got: List[str] = stampede(self.cache, "cold", 8, start)
        for child in children:
            out, err = child.communicate(timeout=120)
            self.assertEqual(child.returncode, 0, err.decode())
            got += json.loads(out)
        self.assertEqual(len(got), 24)
        self.assertEqual(len(set(got)), 1, got)  # every caller got the one winner's value
        self.assertEqual(self.cache.incr("runs/cold", by=0), 1)  # the factory ran once in all
        self.assertEqual(self.cache.get("cold"), got[0])

    def test_a_winner_that_never_writes_loses_its_lease_after_lease_seconds(self) -> None:
        dead = self.cache.get_with_lease("k", lease=2)
        self.assertEqual((dead.item, dead.lease.kind), (None, "won"))
        self.assertEqual(self.cache.get_with_lease("k", lease=2).lease.kind, "busy")
        runs: List[int] = []

        def factory() -> str:
            runs.append(1)
            return "taken over"

        value = self.cache.get_or_set("k", factory, lease=2)
        self.assertEqual((value, runs), ("taken over", [1]))
        stats = self.cache.stats()
        self.assertEqual((stats.waits, stats.leases_won, stats.factory_runs), (1, 1, 1))
        self.assertEqual(self.cache.get("k"), "taken over")

    def test_within_grace_callers_get_the_stale_value_at_once_while_one_refreshes(self) -> None:
        self.stale_key("report")
        computing = threading.Event()
        finish = threading.Event()

        def factory() -> str:
            computing.set()
            self.assertTrue(finish.wait(60))
            return "new"

        with ThreadPoolExecutor(8) as pool:
            calls = [pool.submit(lambda: self.cache.get_or_set("report", factory, ttl=300, grace=300)) for _ in range(8)]
            self.assertTrue(computing.wait(30))
            # The seven others answer while the factory is still blocked: the stale value, at once.
            self.assertTrue(eventually(lambda: sum(call.done() for call in calls) == 7))
            served = [call.result() for call in calls if call.done()]
            self.assertEqual(sorted(served), ["old"] * 7)
            finish.set()
            results = sorted(call.result(timeout=30) for call in calls)
        self.assertEqual(results, ["new"] + ["old"] * 7)
        stats = self.cache.stats()
        self.assertEqual((stats.factory_runs, stats.stale_served, stats.misses), (1, 7, 1))
        self.assertEqual(self.cache.get("report"), "new")

    def test_a_plain_get_never_sees_a_stale_value(self) -> None:
        self.stale_key("k")
        self.assertIsNone(self.cache.get("k"))
        self.assertIsNone(self.cache.get("k", fresh=True))
        self.assertEqual(self.cache.get("k", max_stale=True), "old")
        item = self.cache.gets("k", max_stale=300)
        assert item is not None and item.expires_at is not None
        self.assertEqual(item.cache, "STALE")
        self.assertLessEqual(item.expires_at, time.time())
        self.assertEqual(self.cache.get_many(["k"]), {"k": None})
        self.assertIsNone(self.cache.expire("k"))  # already stale
        self.assertIsNone(self.cache.expire("absent"))

    def test_get_or_set_without_grace_ignores_a_stale_value(self) -> None:
        self.stale_key("k")
        self.assertEqual(self.cache.get_or_set("k", lambda: "new"), "new")

    def test_timeout_zero_serves_stale_and_refreshes_in_the_background(self) -> None:
        self.stale_key("k")
        self.assertEqual(self.cache.get_or_set("k", lambda: "new", grace=60, timeout=0), "old")
        self.assertTrue(eventually(lambda: bool(self.cache.get("k") == "new")))

    def test_soft_timeout_serves_stale_when_the_factory_is_late(self) -> None:
        self.stale_key("k")
        finish = threading.Event()
        self.addCleanup(finish.set)

        def factory() -> str:
            finish.wait(60)
            return "new"

        self.assertEqual(self.cache.get_or_set("k", factory, grace=60, timeout=0.2), "old")
        self.assertEqual(self.cache.stats().timeouts, 1)
        finish.set()
        self.assertTrue(eventually(lambda: bool(self.cache.get("k") == "new")))

    def test_hard_timeout_of_the_factory(self) -> None:
        finish = threading.Event()
        self.addCleanup(finish.set)

        def factory() -> str:
            finish.wait(60)
            return "late"

        with self.assertRaises(CloudCachedError) as raised:
            self.cache.get_or_set("k", factory, hard_timeout=0.2)
        self.assertEqual((raised.exception.code, raised.exception.status), ("factory_timeout", 0))
        finish.set()  # it goes on, and its value is written for the callers after
        self.assertTrue(eventually(lambda: bool(self.cache.get("k") == "late")))

    def test_hard_timeout_of_a_waiting_caller(self) -> None:
        self.assertEqual(self.cache.get_with_lease("k", lease=60).lease.kind, "won")  # held, never written
        runs: List[int] = []

        def factory() -> str:
            runs.append(1)
            return "x"

        with self.assertRaises(CloudCachedError) as raised:
            self.cache.get_or_set("k", factory, lease=1, hard_timeout=0.2)
        self.assertEqual(raised.exception.code, "factory_timeout")
        self.assertEqual(runs, [])  # never past lease + hard_timeout: the other caller's lease is held

    def test_a_raising_factory_without_a_stale_value_raises(self) -> None:
        def factory() -> str:
            raise ValueError("database down")

        with self.assertRaisesRegex(ValueError, "database down"):
            self.cache.get_or_set("k", factory)
        self.assertIsNone(self.cache.get("k"))
        self.assertEqual(self.cache.stats().factory_errors, 1)

    def test_a_raising_factory_with_a_stale_value_serves_it(self) -> None:
        self.stale_key("k")

        def factory() -> str:
            raise ValueError("database down")

        self.assertEqual(self.cache.get_or_set("k", factory, grace=60), "old")
        # Backing off: the next call serves the stale value without running the factory again.
        self.assertEqual(self.cache.get_or_set("k", lambda: "new", grace=60), "old")
        stats = self.cache.stats()
        self.assertEqual((stats.factory_runs, stats.factory_errors, stats.stale_served), (1, 1, 2))

    def test_a_raising_factory_with_a_stale_value_releases_the_lease_for_another_client(self) -> None:
        self.stale_key("k")

        def factory() -> str:
            raise ValueError("database down")

        self.assertEqual(self.cache.get_or_set("k", factory, grace=60, lease=60), "old")
        self.assertEqual(self.cache.get("k", max_stale=True), "old")  # the item is untouched
        other = Client(self.url, self.token, namespace=self.namespace)
        self.addCleanup(other.close)
        # The lease was released: another client wins it at once and refreshes.
        self.assertEqual(other.get_or_set("k", lambda: "new", grace=60, lease=60), "new")
        self.assertEqual(other.stats().leases_won, 1)
        self.assertEqual(self.cache.get("k", fresh=True), "new")

    def test_a_raising_factory_never_deletes_a_value_written_meanwhile(self) -> None:
        writer = Client(self.url, self.token, namespace=self.namespace)
        self.addCleanup(writer.close)

        def factory() -> str:
            writer.set("k", "written meanwhile", ttl=600)
            raise ValueError("database down")

        with self.assertRaisesRegex(ValueError, "database down"):
            self.cache.get_or_set("k", factory, lease=60)
        self.assertEqual(self.cache.get("k", fresh=True), "written meanwhile")
        # The lease is free: the next caller wins at once.
        self.cache.delete("k")
        self.assertEqual(self.cache.get_with_lease("k", lease=60).lease.kind, "won")

    def test_release_lease(self) -> None:
        self.stale_key("k")
        won = self.cache.get_with_lease("k", lease=60, max_stale=True)
        self.assertEqual(won.lease.kind, "won")
        token = won.lease.token or ""
        self.assertEqual(self.cache.get_with_lease("k", lease=60, max_stale=True).lease.kind, "busy")
        self.assertTrue(self.cache.release_lease("k", token))
        self.assertFalse(self.cache.release_lease("k", token))
        self.assertEqual(self.cache.get("k", max_stale=True, fresh=True), "old")
        self.assertEqual(self.cache.get_with_lease("k", lease=60, max_stale=True).lease.kind, "won")

    def test_early_refresh(self) -> None:
        self.cache.set("k", "live", ttl=100)
        self.assertEqual(self.cache.get_or_set("k", lambda: "refreshed", ttl=100, refresh_below=1000), "live")
        self.assertTrue(eventually(lambda: bool(self.cache.get("k", fresh=True) == "refreshed")))

    def test_a_hit_runs_nothing(self) -> None:
        self.cache.set("k", {"n": 1})
        self.assertEqual(self.cache.get_or_set("k", lambda: {"n": 2}), {"n": 1})
        self.assertEqual(self.cache.stats().hits, 1)

    def test_with_namespace_reads_and_writes_its_own_namespace(self) -> None:
        other = self.cache.with_namespace(unique_namespace())
        self.assertEqual(other.get_or_set("k", lambda: "theirs"), "theirs")
        self.assertEqual(self.cache.get_or_set("k", lambda: "mine"), "mine")
        self.assertEqual((other.get("k"), self.cache.get("k")), ("theirs", "mine"))
        self.assertEqual((other.stats().misses, self.cache.stats().misses), (1, 1))

    def test_the_clients_defaults(self) -> None:
        with Client(self.url, self.token, namespace=self.namespace, get_or_set_defaults=GetOrSetDefaults(ttl=100, grace=300)) as cache:
            cache.get_or_set("k", lambda: "v")
            self.assertIsNotNone(cache.expire("k"))
            self.assertEqual(cache.get("k", max_stale=True), "v")  # written with the default grace
            self.assertEqual(cache.get_or_set("k", lambda: "new", timeout=0), "v")

    def test_bad_settings_are_refused_before_any_request(self) -> None:
        with self.assertRaises(ValueError):
            self.cache.get_or_set("k", lambda: 1, lease=301)
