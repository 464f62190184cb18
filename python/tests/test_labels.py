"""Tags and metadata as headers (labels.py): encoded as the HTTP API defines, read back."""

import json
import unittest

from cloudcached.labels import meta_header, meta_of, tag_list, tags_header, tags_of


class LabelsTest(unittest.TestCase):
    def test_tags_header_joins_with_commas_and_refuses_one_str(self) -> None:
        self.assertEqual(tags_header(["product-42", "pages"]), "product-42,pages")
        self.assertEqual(tags_header(("a",)), "a")
        with self.assertRaises(TypeError):
            tags_header("ab")
        with self.assertRaises(TypeError):
            tag_list("ab")

    def test_tags_of_reads_an_answer_header(self) -> None:
        self.assertEqual(tags_of("a, b,c"), ["a", "b", "c"])
        self.assertEqual(tags_of(""), [])
        self.assertEqual(tags_of(None), [])

    def test_meta_header_is_compact_ascii_json_that_reads_back_the_same(self) -> None:
        meta = {"by": "web-3", "é": ["ünï", 1, 2.5, None], "del": "\x7f"}
        header = meta_header(meta)
        self.assertTrue(header.isascii())
        self.assertTrue(all(0x20 <= ord(c) < 0x7F for c in header))
        self.assertNotIn(" ", meta_header({"a": [1, 2]}))
        self.assertEqual(json.loads(header), meta)
        self.assertEqual(meta_of(header), meta)

    def test_meta_of(self) -> None:
        self.assertIsNone(meta_of(None))
        self.assertEqual(meta_of('{"n":1}'), {"n": 1})
        with self.assertRaises(ValueError):
            meta_of("[1]")


if __name__ == "__main__":
    unittest.main()
