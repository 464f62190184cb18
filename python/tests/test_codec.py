"""The default serializer: the TypeScript client's content types, and refusals of what JSON would change."""

import math
import unittest

from cloudcached.codec import BYTES, JSON_TYPE, TEXT, DefaultSerializer, decode_batch_body, encode_batch_value, kind_of


class DefaultSerializerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.codec = DefaultSerializer()

    def test_each_type_gets_the_typescript_clients_content_type(self) -> None:
        self.assertEqual(self.codec.dumps("42"), (b"42", TEXT))
        self.assertEqual(self.codec.dumps("h\u00e9"), ("h\u00e9".encode(), TEXT))
        self.assertEqual(self.codec.dumps(b"\x00\xff"), (b"\x00\xff", BYTES))
        self.assertEqual(self.codec.dumps(bytearray(b"ab")), (b"ab", BYTES))
        self.assertEqual(self.codec.dumps(42), (b"42", JSON_TYPE))
        self.assertEqual(self.codec.dumps(1.5), (b"1.5", JSON_TYPE))
        self.assertEqual(self.codec.dumps(True), (b"true", JSON_TYPE))
        self.assertEqual(self.codec.dumps(None), (b"null", JSON_TYPE))
        self.assertEqual(self.codec.dumps({"a": [1, "x"]}), (b'{"a":[1,"x"]}', JSON_TYPE))

    def test_values_read_back_with_their_type(self) -> None:
        for value in ["42", "", "caf\u00e9", 42, -7, 2.0, 1.5, True, False, None, {"n": 1, "s": "x", "l": [None, 1.5]}, [1, "two"], b"\x00\x01\xff", b""]:
            with self.subTest(value=value):
                body, content_type = self.codec.dumps(value)
                back = self.codec.loads(body, content_type)
                self.assertEqual(back, value)
                self.assertIs(type(back), type(value))

    def test_reading_follows_the_content_type(self) -> None:
        self.assertEqual(self.codec.loads(b"<b>1</b>", "text/html"), "<b>1</b>")
        self.assertEqual(self.codec.loads(b'{"a":1}', "application/ld+json"), {"a": 1})
        self.assertEqual(self.codec.loads(b"\xe9", "text/plain; charset=ISO-8859-1"), "\u00e9")
        self.assertEqual(self.codec.loads(b"ok", "text/plain; charset=no-such-charset"), "ok")
        self.assertEqual(self.codec.loads(b"[1]", "image/png"), b"[1]")

    def test_refuses_what_json_would_change(self) -> None:
        for value in [math.nan, math.inf, (1, 2), {1: "a"}, {"a": {2: "b"}}, [set()], object(), [1, (2,)]]:
            with self.subTest(value=value):
                with self.assertRaises(TypeError):
                    self.codec.dumps(value)


class BatchEncodingTest(unittest.TestCase):
    def test_text_travels_as_text_and_bytes_as_base64(self) -> None:
        self.assertEqual(encode_batch_value(b"hi", TEXT), {"value": "hi", "contentType": TEXT})
        self.assertEqual(encode_batch_value(b"\x00\xff", BYTES), {"value": "AP8=", "encoding": "base64", "contentType": BYTES})
        # text that is not UTF-8 cannot travel as JSON text
        self.assertEqual(encode_batch_value(b"\xff", TEXT)["encoding"], "base64")

    def test_decodes_both_encodings(self) -> None:
        self.assertEqual(decode_batch_body("AP8=", "base64"), b"\x00\xff")
        self.assertEqual(decode_batch_body("h\u00e9", "utf8"), "h\u00e9".encode())
        self.assertEqual(decode_batch_body("x", None), b"x")

    def test_kinds(self) -> None:
        self.assertEqual(kind_of("Application/JSON; charset=utf-8"), "json")
        self.assertEqual(kind_of("text/csv"), "text")
        self.assertEqual(kind_of(None), "bytes")


if __name__ == "__main__":
    unittest.main()
