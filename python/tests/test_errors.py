"""Errors read from answers: only the API's 404 not_found means absent."""

import unittest

from cloudcached.errors import CloudCachedError, error_from_batch, error_from_body, is_absent


class ErrorsTest(unittest.TestCase):
    def test_reads_the_apis_json_error(self) -> None:
        error = error_from_body(409, b'{"error": {"code": "not_a_number", "message": "not an integer"}}')
        self.assertEqual((error.status, error.code, error.message), (409, "not_a_number", "not an integer"))
        self.assertEqual(str(error), "not an integer (not_a_number, HTTP 409)")

    def test_only_not_found_is_absent(self) -> None:
        self.assertTrue(is_absent(error_from_body(404, b'{"error": {"code": "not_found", "message": "m"}}')))
        self.assertFalse(is_absent(error_from_body(404, b'{"error": {"code": "no_such_route", "message": "m"}}')))
        foreign = error_from_body(404, b"<html>Not Found</html>")
        self.assertEqual((foreign.status, foreign.code), (404, "no_such_route"))
        self.assertIn("URL", foreign.message)
        self.assertFalse(is_absent(foreign))

    def test_status_alone(self) -> None:
        self.assertEqual(error_from_body(503, b"").code, "storage_unavailable")
        self.assertEqual(error_from_body(500, b"oops").code, "internal")
        self.assertEqual(error_from_body(418, b"").code, "bad_request")

    def test_a_batch_entrys_error(self) -> None:
        error = error_from_batch({"error": {"code": "forbidden", "message": "no"}})
        self.assertIsInstance(error, CloudCachedError)
        assert error is not None
        self.assertEqual((error.status, error.code), (403, "forbidden"))
        self.assertIsNone(error_from_batch({"value": "x"}))


if __name__ == "__main__":
    unittest.main()
