"""Keep-alive connections against a local HTTP/1.1 server that counts them: reused, shared by
threads, and a request on a connection the server had closed sent once more on a new one."""

import ssl
import subprocess
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List

from cloudcached import CloudCachedError
from cloudcached.transport import Transport


class _Counting(ThreadingHTTPServer):
    connections = 0
    requests = 0
    close_after_answer = False
    lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Counting

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests += 1
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if self.server.close_after_answer:
            # closes the connection without saying so: the client finds out on its next request
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class TransportTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = _Counting(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.transport = Transport(f"http://127.0.0.1:{self.server.server_address[1]}/base/", None, 5)
        self.addCleanup(self.transport.close)

    def test_sequential_requests_share_one_connection(self) -> None:
        for i in range(5):
            answer = self.transport.request("GET", f"/x{i}")
            self.assertEqual((answer.status, answer.body), (200, f"/base/x{i}".encode()))
        self.assertEqual(self.server.connections, 1)

    def test_threads_each_get_their_own_connection_then_reuse_them(self) -> None:
        bodies: List[bytes] = []

        def work(n: int) -> None:
            for i in range(10):
                bodies.append(self.transport.request("GET", f"/{n}/{i}").body)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(bodies), sorted(f"/base/{n}/{i}".encode() for n in range(4) for i in range(10)))
        self.assertLessEqual(self.server.connections, 4)

    def test_a_connection_the_server_closed_is_replaced(self) -> None:
        self.server.close_after_answer = True
        for i in range(3):
            self.assertEqual(self.transport.request("GET", f"/{i}").body, f"/base/{i}".encode())
        self.assertEqual(self.server.requests, 3)
        self.assertEqual(self.server.connections, 3)


class HttpsTest(unittest.TestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.cert, key = Path(folder.name) / "cert.pem", Path(folder.name) / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(self.cert)],
            check=True, capture_output=True,
        )
        self.server = _Counting(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"

    def test_checks_the_servers_certificate(self) -> None:
        transport = Transport(self.url, None, 5)
        self.addCleanup(transport.close)
        with self.assertRaises(CloudCachedError) as caught:
            transport.request("GET", "/x")
        self.assertEqual((caught.exception.status, caught.exception.code), (0, "network_error"))
        self.assertIn("CERTIFICATE_VERIFY_FAILED", caught.exception.message)

    def test_speaks_https_with_a_context_that_trusts_the_server(self) -> None:
        transport = Transport(self.url, None, 5, ssl_context=ssl.create_default_context(cafile=str(self.cert)))
        self.addCleanup(transport.close)
        for i in range(3):
            self.assertEqual(transport.request("GET", f"/{i}").body, f"/{i}".encode())
        self.assertEqual(self.server.connections, 1)


if __name__ == "__main__":
    unittest.main()
