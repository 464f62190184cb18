"""Every failure is a CloudCachedError: refusals by the Worker, a wrong URL, no server, no answer."""

import http.server
import socket
import threading
import unittest
from cloudcached import Client, CloudCachedError

from .server import server, unique_namespace


class _NotCloudCached(http.server.BaseHTTPRequestHandler):
    """Another web server: a 404 page of its own for every read, a JSON answer of its own for a write."""

    def do_GET(self) -> None:
        body = b"<html><body>Not Found</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"saved": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class FailuresTest(unittest.TestCase):
    def setUp(self) -> None:
        self.url, self.token = server()
        self.namespace = unique_namespace()

    def assertFails(self, status: int, code: str, client: Client, key: str = "k") -> CloudCachedError:
        with self.assertRaises(CloudCachedError) as caught:
            client.get(key)
        self.assertEqual((caught.exception.status, caught.exception.code), (status, code))
        return caught.exception

    def test_a_url_with_a_path_is_a_wrong_url_not_a_miss(self) -> None:
        wrong = Client(f"{self.url}/v1", self.token, self.namespace)
        self.addCleanup(wrong.close)
        self.assertFails(404, "no_such_route", wrong)
        with self.assertRaises(CloudCachedError):
            wrong.put("k", "v")

    def test_another_servers_404_is_not_a_miss(self) -> None:
        other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotCloudCached)
        threading.Thread(target=other.serve_forever, daemon=True).start()
        self.addCleanup(other.server_close)
        self.addCleanup(other.shutdown)
        client = Client(f"http://127.0.0.1:{other.server_address[1]}", self.token)
        self.addCleanup(client.close)
        error = self.assertFails(404, "no_such_route", client)
        self.assertIn("URL", error.message)
        # a 200 whose JSON is not the API's answer is an error too, not a success nor a KeyError
        with self.assertRaises(CloudCachedError) as caught:
            client.put("k", "v")
        self.assertEqual((caught.exception.status, caught.exception.code), (200, "internal"))
        with self.assertRaises(CloudCachedError) as caught:
            client.set("k", "v")
        self.assertEqual((caught.exception.status, caught.exception.code), (200, "internal"))

    def test_nothing_listening_is_a_network_error(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = Client(f"http://127.0.0.1:{port}", self.token)
        self.assertFails(0, "network_error", client)

    def test_no_answer_within_the_timeout(self) -> None:
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        self.addCleanup(silent.close)
        client = Client(f"http://127.0.0.1:{silent.getsockname()[1]}", self.token, timeout=0.3)
        error = self.assertFails(0, "timeout", client)
        self.assertIn("0.3", error.message)

    def test_refusals_by_the_worker(self) -> None:
        bad_token = Client(self.url, "not-a-token", self.namespace)
        self.addCleanup(bad_token.close)
        self.assertFails(401, "unauthorized", bad_token)
        no_token = Client(self.url, None, self.namespace)
        self.addCleanup(no_token.close)
        self.assertFails(401, "unauthorized", no_token)
        admin = Client(self.url, self.token, self.namespace)
        self.addCleanup(admin.close)
        with self.assertRaises(CloudCachedError) as caught:
            admin.set("k", "v", ttl=10**12)
        self.assertEqual((caught.exception.status, caught.exception.code), (400, "bad_request"))

    def test_bad_names_are_refused_before_sending(self) -> None:
        with self.assertRaises(CloudCachedError) as caught:
            Client(self.url, self.token, "Not Valid")
        self.assertEqual((caught.exception.status, caught.exception.code), (400, "bad_request"))
        # nothing listens there: an error other than bad_request would mean a request was sent
        client = Client("http://127.0.0.1:9", self.token)
        for key in ["", "a/../b", "a//b"]:
            with self.assertRaises(CloudCachedError) as refused:
                client.get(key)
            self.assertEqual(refused.exception.code, "bad_request")

    def test_a_url_that_is_not_http(self) -> None:
        for url in ["127.0.0.1:8787", "ftp://example.com", "http://", "http://host/?q=1"]:
            with self.subTest(url=url), self.assertRaises(ValueError):
                Client(url, self.token)


if __name__ == "__main__":
    unittest.main()
