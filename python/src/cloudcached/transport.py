"""Keep-alive HTTP connections to one Worker (``http.client``), shared safely by threads: each
request takes an idle connection from the pool, or opens one, and gives it back when its answer has
been read whole."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from .errors import CloudCachedError

#: A connection idle longer than this is closed rather than reused: the server may be closing it.
IDLE_SECONDS = 4.0
_USER_AGENT = "cloudcached-python/1.0.0"
# What a reused keep-alive connection that the server had closed meanwhile fails with, before any answer.
_STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


@dataclass(frozen=True)
class Response:
    status: int
    #: Header names lower-cased.
    headers: Dict[str, str]
    body: bytes


class Transport:
    """Requests to one origin (the base URL may carry a path prefix), with a pool of idle connections."""

    def __init__(
        self,
        url: str,
        token: Optional[str],
        timeout: Optional[float],
        max_idle: int = 16,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url must be an http:// or https:// URL, got {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"url must have no query or fragment, got {url!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._base = parts.path.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._max_idle = max_idle
        self._idle: List[Tuple[http.client.HTTPConnection, float]] = []
        self._lock = threading.Lock()
        # https checks the server's certificate against the system's CAs unless given a context of one's own
        self._ssl = (ssl_context or ssl.create_default_context()) if self._https else None

    def _open(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=self._ssl)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def _acquire(self) -> Tuple[http.client.HTTPConnection, bool]:
        """An idle connection (most recently used first) and True, or a new one and False."""
        now = time.monotonic()
        with self._lock:
            stale = [connection for connection, since in self._idle if now - since >= IDLE_SECONDS]
            self._idle = [(connection, since) for connection, since in self._idle if now - since < IDLE_SECONDS]
            found = self._idle.pop()[0] if self._idle else None
        for connection in stale:
            connection.close()
        return (found, True) if found is not None else (self._open(), False)

    def _release(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append((connection, time.monotonic()))
                return
        connection.close()

    def request(self, method: str, path: str, headers: Optional[Mapping[str, str]] = None, body: Optional[bytes] = None) -> Response:
        """Sends one request and reads its whole answer; a CloudCachedError (status 0) when none came."""
        sent: Dict[str, str] = {"User-Agent": _USER_AGENT}
        if self._token is not None:
            sent["Authorization"] = f"Bearer {self._token}"
        sent.update(headers or {})
        target = self._base + path
        for attempt in (1, 2):
            connection, reused = self._acquire()
            try:
                connection.request(method, target, body=body, headers=sent)
                answer = connection.getresponse()
                data = answer.read()
            except (socket.timeout, TimeoutError):
                connection.close()
                raise CloudCachedError(0, "timeout", f"no answer within {self._timeout} s") from None
            except _STALE_CONNECTION as err:
                connection.close()
                if reused and attempt == 1:
                    continue  # the server had closed this idle connection: once more, on a new one
                raise CloudCachedError(0, "network_error", f"the connection failed: {err}") from None
            except (OSError, http.client.HTTPException) as err:
                connection.close()
                raise CloudCachedError(0, "network_error", f"the connection failed: {err}") from None
            if answer.will_close:
                connection.close()
            else:
                self._release(connection)
            return Response(answer.status, {name.lower(): value for name, value in answer.getheaders()}, data)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Closes the idle connections (a request made later opens a new one)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection, _ in idle:
            connection.close()
