"""Keys and namespaces: refused before any request as the server would, encoded as the TypeScript client does."""

import unittest

from cloudcached.errors import CloudCachedError
from cloudcached.paths import encode_key, item_path, key_problem, namespace_problem, with_query


class PathsTest(unittest.TestCase):
    def test_segments_are_encoded_like_encode_uri_component(self) -> None:
        # encodeURIComponent("a b+c%?#!'()*~") is "a%20b%2Bc%25%3F%23!'()*~"
        self.assertEqual(encode_key("a b+c%?#!'()*~/x"), "a%20b%2Bc%25%3F%23!'()*~/x")
        self.assertEqual(encode_key("caf\u00e9/\U0001f600"), "caf%C3%A9/%F0%9F%98%80")
        self.assertEqual(item_path("app", "user/42"), "/v1/app/items/user/42")

    def test_refuses_keys_the_server_refuses(self) -> None:
        for key, problem in [
            ("", "empty"),
            ("a//b", "empty path segment"),
            ("a/../b", "'.' and '..'"),
            (".", "'.' and '..'"),
            ("a\nb", "control character"),
            ("\ud800", "not valid UTF-8"),
            ("x" * 513, "longer than 512"),
        ]:
            with self.subTest(key=key):
                self.assertIn(problem, key_problem(key) or "")
                with self.assertRaises(CloudCachedError) as caught:
                    encode_key(key)
                self.assertEqual((caught.exception.status, caught.exception.code), (400, "bad_request"))
        self.assertIsNone(key_problem("\u00e9" * 256))  # 512 bytes

    def test_namespaces(self) -> None:
        self.assertIsNone(namespace_problem("app_1-x"))
        for bad in ["", "App", "-a", "a" * 65, "a/b"]:
            self.assertIsNotNone(namespace_problem(bad), bad)

    def test_query_drops_none(self) -> None:
        self.assertEqual(with_query("/p", {"op": "incr", "by": 2, "ttl": None}), "/p?op=incr&by=2")
        self.assertEqual(with_query("/p", {"prefix": "a b/&"}), "/p?prefix=a%20b%2F%26")
        self.assertEqual(with_query("/p", {}), "/p")


if __name__ == "__main__":
    unittest.main()
