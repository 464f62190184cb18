"""``server_stats``: the Worker's counts for a namespace (``GET /v1/{ns}/stats``), read field for
field as the TypeScript client's ``ServerStats``; a window the Worker refuses is refused before any
request; who may ask."""

import unittest
from typing import Any, Dict

from cloudcached import STATS_WINDOWS, Client, CloudCachedError, LeaseCounts, ResponseTimes, ServerStats, StaleReads
from cloudcached.server_stats import check_window, read_server_stats

from .server import server, unique_namespace

# The Worker's answer as API.md and client/src/server-stats.ts shape it.
ANSWER: Dict[str, Any] = {
    "namespace": "app",
    "window": "24h",
    "scope": "deployment",
    "reads": 10,
    "hits": 6,
    "misses": 2,
    "notFound": 1,
    "hitRatio": 0.6,
    "stale": {"grace": 1, "error": 0},
    "leases": {"won": 2, "busy": 3},
    "writes": 4,
    "deletes": 5,
    "errors": {"bad_request": 7},
    "storageCallsPerRead": 0.4,
    "ms": {"p50": 3.5, "p99": 41},
}


class ServerStatsAnswerTest(unittest.TestCase):
    def test_every_field_read_with_its_pythonic_name(self) -> None:
        self.assertEqual(
            read_server_stats(ANSWER),
            ServerStats(
                namespace="app",
                window="24h",
                scope="deployment",
                reads=10,
                hits=6,
                misses=2,
                not_found=1,
                hit_ratio=0.6,
                stale=StaleReads(grace=1, error=0),
                leases=LeaseCounts(won=2, busy=3),
                writes=4,
                deletes=5,
                errors={"bad_request": 7},
                storage_calls_per_read=0.4,
                ms=ResponseTimes(p50=3.5, p99=41.0),
            ),
        )

    def test_ratios_written_as_whole_numbers_are_floats_and_unknown_fields_ignored(self) -> None:
        stats = read_server_stats({**ANSWER, "hitRatio": 0, "storageCallsPerRead": 1, "later": {"x": 1}})
        self.assertEqual((stats.hit_ratio, stats.storage_calls_per_read), (0.0, 1.0))
        self.assertIs(type(stats.hit_ratio), float)

    def test_an_answer_of_another_shape_is_refused(self) -> None:
        missing = {name: value for name, value in ANSWER.items() if name != "notFound"}
        for shape in [missing, {**ANSWER, "reads": "10"}, {**ANSWER, "hits": True}, {**ANSWER, "window": "2h"}, {**ANSWER, "errors": {"x": 1.5}}, []]:
            with self.subTest(shape=shape), self.assertRaises((KeyError, TypeError)):
                read_server_stats(shape)

    def test_windows(self) -> None:
        self.assertEqual(STATS_WINDOWS, ("1h", "24h", "7d"))
        for window in STATS_WINDOWS:
            self.assertEqual(check_window(window), window)
        for bad in ["", "1H", "2h", "30d", " 1h"]:
            with self.subTest(window=bad), self.assertRaises(CloudCachedError) as refused:
                check_window(bad)
            self.assertEqual((refused.exception.status, refused.exception.code), (400, "bad_request"))
        with self.assertRaises(TypeError):
            check_window(1)  # type: ignore[arg-type]


class ServerStatsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.url, self.token = server()
        self.cache = Client(self.url, self.token, namespace=unique_namespace("py-stats"))
        self.addCleanup(self.cache.close)

    def client(self, token: Any, namespace: str) -> Client:
        client = Client(self.url, token, namespace)
        self.addCleanup(client.close)
        return client

    def test_counts_the_namespaces_traffic_over_each_window(self) -> None:
        # A new namespace: nothing counted yet (the test Worker is one instance, so the counts are this test's).
        empty = self.cache.server_stats()
        self.assertEqual((empty.namespace, empty.window, empty.reads, empty.hit_ratio, empty.storage_calls_per_read), (self.cache.namespace, "1h", 0, 0.0, 0.0))
        self.assertIn(empty.scope, ("instance", "deployment"))

        self.cache.set("k", "v")
        self.assertEqual(self.cache.get("k"), "v")
        self.assertEqual(self.cache.get("k"), "v")
        self.assertIsNone(self.cache.get("absent"))
        self.cache.delete("k")
        for window in STATS_WINDOWS:
            with self.subTest(window=window):
                stats = self.cache.server_stats(window)
                self.assertIsInstance(stats, ServerStats)
                self.assertEqual((stats.namespace, stats.window), (self.cache.namespace, window))
                self.assertEqual((stats.reads, stats.hits + stats.misses, stats.not_found), (3, 2, 1))
                self.assertEqual((stats.writes, stats.deletes, stats.errors), (1, 1, {}))
                self.assertEqual((stats.stale, stats.leases), (StaleReads(0, 0), LeaseCounts(0, 0)))
                self.assertEqual(stats.hit_ratio, round(stats.hits / 3, 3))
                self.assertGreater(stats.ms.p99, 0)
        self.assertEqual(self.cache.with_namespace(unique_namespace("py-stats")).server_stats().reads, 0)
        # stats() is this client's own get_or_set counts, untouched by the server's.
        self.assertEqual(self.cache.stats(), Client(self.url, self.token).stats())

    def test_a_window_the_worker_refuses_is_refused_before_any_request(self) -> None:
        # nothing listens there: an error other than bad_request would mean a request was sent
        nowhere = Client("http://127.0.0.1:9", self.token)
        for window in ["2h", "", "7D"]:
            with self.subTest(window=window), self.assertRaises(CloudCachedError) as refused:
                nowhere.server_stats(window)
            self.assertEqual((refused.exception.status, refused.exception.code), (400, "bad_request"))
            self.assertIn("1h, 24h, 7d", refused.exception.message)

    def test_needs_a_token_with_read_on_the_whole_namespace(self) -> None:
        namespace = self.cache.namespace
        reader = self.client(self.cache.mint_token([namespace], ["read"], ttl=600).token, namespace)
        self.assertEqual(reader.server_stats("7d").namespace, namespace)
        refusals = [
            (self.client(None, namespace), 401, "unauthorized"),
            (self.client("not-a-token", namespace), 401, "unauthorized"),
            (self.client(self.cache.mint_token([namespace], ["read"], prefix="user/").token, namespace), 403, "forbidden"),
            (self.client(self.cache.mint_token(["another"], ["read"]).token, namespace), 403, "forbidden"),
            (self.client(self.cache.mint_token([namespace], ["write"]).token, namespace), 403, "forbidden"),
        ]
        for client, status, code in refusals:
            with self.subTest(status=status), self.assertRaises(CloudCachedError) as refused:
                client.server_stats()
            self.assertEqual((refused.exception.status, refused.exception.code), (status, code))


if __name__ == "__main__":
    unittest.main()
