"""The rest of the API against the Worker: memcached verbs, counters, batches, listing, flush, tokens, threads."""

import threading
import time
import unittest
from typing import Any, Dict, List

from cloudcached import Client, CloudCachedError, WriteResult

from .server import server, unique_namespace


class ApiTest(unittest.TestCase):
    def setUp(self) -> None:
        self.url, self.token = server()
        self.cache = Client(self.url, self.token, namespace=unique_namespace())
        self.addCleanup(self.cache.close)

    def test_tags_expire_and_delete_exactly_their_items(self) -> None:
        self.cache.set("page", "p", ttl=600, grace=600, tags=["product-42", "pages"])
        self.cache.set("price", "9", ttl=600, tags=["product-42"])
        self.cache.set("other", "o", ttl=600, tags=["pages"])
        self.cache.set("plain", "x", ttl=600)
        self.cache.expire_tag("product-42")
        # Soft: a reader that accepts stale values still gets the page (it had grace); the rest see it gone.
        self.assertIsNone(self.cache.get("page", fresh=True))
        self.assertEqual(self.cache.get("page", fresh=True, max_stale=True), "p")
        self.assertIsNone(self.cache.get("price", fresh=True, max_stale=True))
        self.assertEqual(self.cache.get("other", fresh=True), "o")
        self.cache.delete_tag("pages")
        self.assertIsNone(self.cache.get("page", fresh=True, max_stale=True))
        self.assertIsNone(self.cache.get("other", fresh=True))
        self.assertEqual(self.cache.get("plain", fresh=True), "x")
        with self.assertRaises(CloudCachedError) as refused:
            self.cache.expire_tag("a b")
        self.assertEqual(refused.exception.status, 400)

    def test_tags_and_meta_on_every_write_back_from_gets_and_get_many(self) -> None:
        meta = {"renderedBy": "web-3", "é": ["ünï", 1, 2.5, None]}
        self.cache.set("s", "1", ttl=600, tags=["t-set"], meta=meta)
        self.assertIsNotNone(self.cache.add("a", "2", ttl=600, tags=["t-add"], meta={"by": "add"}))
        self.assertIsNotNone(self.cache.replace("a", "3", ttl=600, tags=["t-replace", "t-shared"], meta={"by": "replace"}))
        item = self.cache.gets("a", fresh=True)
        assert item is not None
        self.assertEqual((item.tags, item.meta), (["t-replace", "t-shared"], {"by": "replace"}))
        self.assertIsNotNone(self.cache.cas("a", "4", item.etag, ttl=600, tags=["t-cas", "t-shared"], meta={"by": "cas"}))
        self.cache.set_many({"m1": 1, "m2": 2}, ttl=600, tags=["t-many", "t-shared"], meta={"by": "set_many"})
        self.cache.set("plain", "x", ttl=600)

        got = self.cache.gets("s", fresh=True)
        assert got is not None
        self.assertEqual((got.value, got.tags, got.meta), ("1", ["t-set"], meta))
        items = self.cache.get_many(["a", "m1", "plain", "absent"], items=True)
        a, m1, plain = items["a"], items["m1"], items["plain"]
        assert a is not None and m1 is not None and plain is not None
        self.assertEqual((a.value, a.tags, a.meta), ("4", ["t-cas", "t-shared"], {"by": "cas"}))
        self.assertEqual(a.etag, self.cache.gets("a", fresh=True).etag)  # type: ignore[union-attr]
        self.assertEqual((m1.value, m1.tags, m1.meta), (1, ["t-many", "t-shared"], {"by": "set_many"}))
        self.assertEqual((plain.value, plain.tags, plain.meta), ("x", [], None))
        self.assertIsNone(items["absent"])
        self.assertEqual(self.cache.get_many(["a", "m2"]), {"a": "4", "m2": 2})

        self.cache.delete_tag("t-shared")
        self.assertEqual(self.cache.get_many(["a", "m1", "m2", "s", "plain"]), {"a": None, "m1": None, "m2": None, "s": "1", "plain": "x"})

    def test_get_or_set_writes_with_tags_and_meta(self) -> None:
        self.assertEqual(self.cache.get_or_set("page", lambda: "computed", ttl=60, tags=["product-1"], meta={"by": "get_or_set"}), "computed")
        item = self.cache.gets("page", fresh=True)
        assert item is not None
        self.assertEqual((item.tags, item.meta), (["product-1"], {"by": "get_or_set"}))

    def test_tags_or_meta_the_worker_refuses_are_its_400(self) -> None:
        with self.assertRaises(CloudCachedError) as bad_tag:
            self.cache.set("k", "v", tags=["has space"])
        self.assertEqual((bad_tag.exception.status, bad_tag.exception.code), (400, "bad_request"))
        self.assertIn("X-Tags", bad_tag.exception.message)
        with self.assertRaises(CloudCachedError) as big_meta:
            self.cache.set("k", "v", meta={"big": "x" * 2000})
        self.assertIn("X-Meta", big_meta.exception.message)
        with self.assertRaises(CloudCachedError) as bad_entry:
            self.cache.set_many({"k": "v"}, tags=["a b"])
        self.assertEqual(bad_entry.exception.status, 400)
        self.assertIsNone(self.cache.get("k", fresh=True))

    def test_set_add_replace(self) -> None:
        written = self.cache.set("k", "one", ttl=60)
        self.assertIsInstance(written, WriteResult)
        self.assertTrue(written.etag)
        assert written.expires_at is not None
        self.assertAlmostEqual(written.expires_at, time.time() + 60, delta=5)
        self.assertIsNone(self.cache.add("k", "two"))
        self.assertIsNotNone(self.cache.add("new", "two"))
        self.assertIsNone(self.cache.replace("absent", "x"))
        self.assertIsNotNone(self.cache.replace("k", "three"))
        self.assertEqual(self.cache.get("k"), "three")
        self.assertIsNone(self.cache.set("never", 1, ttl=0).expires_at)

    def test_content_type_override(self) -> None:
        self.cache.set("page", "<b>hi</b>", content_type="text/html")
        item = self.cache.gets("page")
        assert item is not None
        self.assertEqual((item.value, item.content_type), ("<b>hi</b>", "text/html"))
        self.cache.set("png", b"\x89PNG", content_type="image/png")
        self.assertEqual(self.cache.get("png"), b"\x89PNG")

    def test_gets_and_cas(self) -> None:
        self.cache.set("doc", {"v": 1})
        item = self.cache.gets("doc", fresh=True)
        assert item is not None
        self.assertEqual((item.value, item.content_type, item.cache), ({"v": 1}, "application/json", "MISS"))
        swapped = self.cache.cas("doc", {"v": 2}, item.etag)
        assert swapped is not None
        self.assertNotEqual(swapped.etag, item.etag)
        self.assertIsNone(self.cache.cas("doc", {"v": 3}, item.etag))  # that version is gone
        self.assertEqual(self.cache.get("doc"), {"v": 2})
        self.assertIsNone(self.cache.cas("absent", 1, item.etag))
        self.assertIsNone(self.cache.gets("absent"))

    def test_conditional_delete(self) -> None:
        written = self.cache.set("d", 1)
        self.cache.set("d", 2)
        self.assertFalse(self.cache.delete("d", etag=written.etag))
        self.assertEqual(self.cache.get("d"), 2)
        self.assertTrue(self.cache.delete("d", etag="*"))
        self.assertFalse(self.cache.delete("d", etag="*"))

    def test_counters(self) -> None:
        self.assertIsNone(self.cache.incr("hits"))
        self.assertEqual(self.cache.incr("hits", 5, initial=10), 10)
        self.assertEqual(self.cache.incr("hits", 5), 15)
        self.assertEqual(self.cache.decr("hits", 20), -5)
        self.assertEqual(self.cache.incr("hits"), -4)
        self.cache.set("stock", 7)
        self.assertEqual(self.cache.decr("stock", 2), 5)
        self.assertEqual(self.cache.get("stock"), 5)
        self.cache.set("text", "abc")
        with self.assertRaises(CloudCachedError) as caught:
            self.cache.incr("text")
        self.assertEqual((caught.exception.status, caught.exception.code), (409, "not_a_number"))

    def test_touch(self) -> None:
        self.assertIsNone(self.cache.touch("absent", 60))
        self.cache.set("t", "x", ttl=60)
        touched = self.cache.touch("t", 600)
        assert touched is not None and touched.expires_at is not None
        self.assertAlmostEqual(touched.expires_at, time.time() + 600, delta=5)
        forever = self.cache.touch("t", 0)
        assert forever is not None
        self.assertIsNone(forever.expires_at)
        self.assertEqual(self.cache.get("t"), "x")

    def test_many_split_by_the_deployments_batch_size(self) -> None:
        size = self.cache.batch_size()
        self.assertGreaterEqual(size, 1)
        count = size * 2 + 3  # more than one batch may hold: split, or the server refuses
        values: Dict[str, Any] = {f"m/{i}": (i if i % 3 == 0 else f"s{i}" if i % 3 == 1 else bytes([i])) for i in range(count)}
        written = self.cache.set_many(values, ttl=60)
        self.assertEqual(list(written), list(values))
        self.assertTrue(all(isinstance(result, WriteResult) for result in written.values()))
        keys = [*values, "m/absent"]
        got = self.cache.get_many(keys)
        self.assertEqual(list(got), keys)
        self.assertEqual(got, {**values, "m/absent": None})
        for key, value in values.items():
            self.assertIs(type(got[key]), type(value))
        self.assertEqual(self.cache.get_many([]), {})
        deleted = self.cache.delete_many(keys)
        self.assertEqual(deleted, {key: True for key in keys})
        self.assertEqual(set(self.cache.get_many(values).values()), {None})

    def test_set_many_takes_pairs_and_keeps_every_type(self) -> None:
        pairs = [("a", {"x": [1]}), ("b", None), ("c", "7"), ("d", 2.5), ("e", b"\xff\x00"), ("f", False)]
        written = self.cache.set_many(pairs)
        self.assertEqual({key: type(result).__name__ for key, result in written.items()}, {key: "WriteResult" for key, _ in pairs}, written)
        self.assertEqual(self.cache.get_many(key for key, _ in pairs), dict(pairs))
        self.assertEqual(self.cache.get("e"), b"\xff\x00")

    def test_a_keys_own_error_in_a_batch(self) -> None:
        scoped = Client(self.url, self.cache.mint_token([self.cache.namespace], ["read", "write"], prefix="mine/").token, self.cache.namespace)
        self.addCleanup(scoped.close)
        results = scoped.set_many({"mine/a": 1, "other/b": 2})
        self.assertIsInstance(results["mine/a"], WriteResult)
        error = results["other/b"]
        assert isinstance(error, CloudCachedError)
        self.assertEqual(error.code, "forbidden")
        with self.assertRaises(CloudCachedError) as caught:
            scoped.get_many(["mine/a", "other/b"])
        self.assertEqual(caught.exception.code, "forbidden")

    def test_keys_iterates_over_pages(self) -> None:
        names = [f"user/{i:02d}" for i in range(7)]
        self.cache.set_many({name: i for i, name in enumerate(names)})
        self.cache.set("other", 1)
        listed = list(self.cache.keys(prefix="user/", limit=2))
        self.assertEqual(sorted(info.key for info in listed), names)
        self.assertTrue(all(info.size == len(str(i)) for i, info in enumerate(sorted(listed, key=lambda info: info.key))))
        pages = list(self.cache.key_pages(prefix="user/", limit=3))
        self.assertEqual([len(page.keys) for page in pages], [3, 3, 1])
        self.assertIsNone(pages[-1].cursor)
        self.assertEqual(len(list(self.cache.keys())), 8)

    def test_flush(self) -> None:
        self.cache.set("a", 1)
        other = self.cache.with_namespace(unique_namespace())
        other.set("a", 2)
        self.cache.flush()
        self.assertIsNone(self.cache.get("a"))
        self.assertEqual(other.get("a"), 2)

    def test_minted_tokens_are_scoped(self) -> None:
        minted = self.cache.mint_token([self.cache.namespace], ["read"], ttl=600)
        self.assertAlmostEqual(minted.expires_at, time.time() + 600, delta=5)
        self.cache.set("r", "readable")
        reader = Client(self.url, minted.token, self.cache.namespace)
        self.addCleanup(reader.close)
        self.assertEqual(reader.get("r"), "readable")
        with self.assertRaises(CloudCachedError) as caught:
            reader.set("r", "no")
        self.assertEqual((caught.exception.status, caught.exception.code), (403, "forbidden"))
        with self.assertRaises(CloudCachedError) as refused:
            reader.mint_token(["*"], ["read"])
        self.assertIn(refused.exception.status, (401, 403))

    def test_health(self) -> None:
        self.assertTrue(self.cache.health())

    def test_one_client_shared_by_threads(self) -> None:
        failures: List[BaseException] = []

        def work(thread: int) -> None:
            try:
                for i in range(15):
                    key = f"t{thread}/{i}"
                    value = {"thread": thread, "i": i} if i % 2 else f"{thread}:{i}"
                    self.cache.set(key, value)
                    self.assertEqual(self.cache.get(key), value)
                    self.cache.incr("shared")
            except BaseException as err:  # reported below, in the test's thread
                failures.append(err)

        self.cache.set("shared", 0)
        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(failures, [])
        self.assertEqual(self.cache.get("shared"), 8 * 15)  # every increment counted once


if __name__ == "__main__":
    unittest.main()
