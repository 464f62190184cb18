"""The original four calls, exactly as the original Python class had them, with every value type."""

import time
import unittest

from cloudcached import Client

from .server import server, unique_namespace

VALUES = {
    "str": "hello",
    "numeric str": "42",
    "empty str": "",
    "unicode str": "caf\u00e9 \U0001f600",
    "int": 42,
    "negative int": -7,
    "float": 1.5,
    "integral float": 2.0,
    "true": True,
    "false": False,
    "None": None,
    "dict": {"name": "Ada", "tags": ["a", "b"], "n": 1, "nested": {"x": None}},
    "list": [1, "two", 3.5, None, True, {"k": "v"}],
    "empty list": [],
    "bytes": bytes(range(256)),
    "empty bytes": b"",
}


class OriginalApiTest(unittest.TestCase):
    def setUp(self) -> None:
        url, token = server()
        self.cache = Client(url, token, namespace=unique_namespace())
        self.addCleanup(self.cache.close)

    def test_put_then_get_keeps_every_type(self) -> None:
        for name, value in VALUES.items():
            with self.subTest(type=name):
                key = f"value/{name}"
                self.assertTrue(self.cache.put(key, value))
                back = self.cache.get(key)
                self.assertEqual(back, value)
                self.assertIs(type(back), type(value))

    def test_put_without_replace_stores_only_when_absent(self) -> None:
        self.assertTrue(self.cache.put("user:42", {"name": "Ada"}))
        self.assertFalse(self.cache.put("user:42", {"name": "Bob"}))
        self.assertEqual(self.cache.get("user:42"), {"name": "Ada"})
        self.assertTrue(self.cache.put("user:42", {"name": "Bob"}, 3600, True))
        self.assertEqual(self.cache.get("user:42"), {"name": "Bob"})
        self.assertTrue(self.cache.put("user:42", "Cy", replace=True))
        self.assertEqual(self.cache.get("user:42"), "Cy")

    def test_update_only_when_present(self) -> None:
        self.assertFalse(self.cache.update("absent", 1))
        self.assertIsNone(self.cache.get("absent"))
        self.cache.put("counter", 1)
        for value in VALUES.values():
            with self.subTest(value=value):
                self.assertTrue(self.cache.update("counter", value))
                self.assertEqual(self.cache.get("counter"), value)

    def test_delete(self) -> None:
        self.cache.put("gone", "x")
        self.assertTrue(self.cache.delete("gone"))
        self.assertIsNone(self.cache.get("gone"))
        self.assertTrue(self.cache.delete("gone"))  # whether or not it existed
        self.assertTrue(self.cache.put("gone", "again"))  # absent again: add succeeds

    def test_time_to_expire(self) -> None:
        before = int(time.time())
        self.cache.put("default ttl", "x")
        item = self.cache.gets("default ttl")
        assert item is not None and item.expires_at is not None
        self.assertTrue(before + 3600 - 5 <= item.expires_at <= int(time.time()) + 3600 + 5)
        self.cache.put("forever", "x", time_to_expire=0)
        forever = self.cache.gets("forever")
        assert forever is not None
        self.assertIsNone(forever.expires_at)
        self.cache.put("short", "x", time_to_expire=60)
        self.cache.update("short", "y", time_to_expire=120)
        short = self.cache.gets("short")
        assert short is not None and short.expires_at is not None
        self.assertTrue(before + 120 - 5 <= short.expires_at <= int(time.time()) + 120 + 5)

    def test_expired_reads_as_absent(self) -> None:
        self.cache.put("brief", "x", time_to_expire=1)
        deadline = time.monotonic() + 10
        while self.cache.get("brief", fresh=True) is not None:
            self.assertLess(time.monotonic(), deadline, "the item did not expire")
            time.sleep(0.3)
        self.assertTrue(self.cache.put("brief", "again"))  # an expired item counts as absent

    def test_keys_with_any_characters(self) -> None:
        for key in ["a b+c%?#&=", "path/to/item", "\u00fcber/\U0001f600", "x" * 512]:
            with self.subTest(key=key):
                self.assertTrue(self.cache.put(key, key))
                self.assertEqual(self.cache.get(key), key)

    def test_a_bad_time_to_expire_is_refused_before_sending(self) -> None:
        with self.assertRaises(ValueError):
            self.cache.put("k", "v", time_to_expire=-1)
        with self.assertRaises(TypeError):
            self.cache.put("k", "v", time_to_expire=1.5)  # type: ignore[arg-type]
        self.assertIsNone(self.cache.get("k"))


if __name__ == "__main__":
    unittest.main()
