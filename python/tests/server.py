"""The Worker and store the tests talk to. ``npm test`` starts them (the client suite's stack) and
passes CLOUDCACHED_TEST_URL and CLOUDCACHED_TEST_TOKEN; run on its own (``python3 -m unittest``
in ``python/``), this starts ``npm run dev``'s launcher in a temporary folder on a free port,
reads the admin token it generated, and stops it when the tests end."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional, Tuple

REPOSITORY = Path(__file__).resolve().parents[2]
_server: Optional[Tuple[str, str]] = None
_names = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _admin_token(dev_vars: Path) -> Optional[str]:
    if not dev_vars.exists():
        return None
    for line in dev_vars.read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "ADMIN_TOKEN" and value.strip():
            return value.strip()
    return None


def _start_dev() -> Tuple[str, str]:
    node = shutil.which("node")
    if node is None or not (REPOSITORY / "node_modules").is_dir():
        raise RuntimeError(f"set CLOUDCACHED_TEST_URL and CLOUDCACHED_TEST_TOKEN, or run `npm ci` in {REPOSITORY} (needs Node) so the tests can start `npm run dev`")
    folder = Path(tempfile.mkdtemp(prefix="cloudcached-python-test-"))
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "CLOUDCACHED_DEV_DIR": str(folder)}
    log = (folder / "dev.log").open("wb")
    launcher = subprocess.Popen([node, str(REPOSITORY / "scripts" / "dev.mjs")], cwd=REPOSITORY, env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)
            try:
                launcher.wait(30)
            except subprocess.TimeoutExpired:
                launcher.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if launcher.poll() is not None:
            raise RuntimeError(f"npm run dev exited ({launcher.returncode}): {(folder / 'dev.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                token = _admin_token(folder / ".dev.vars")
                if answer.status == 200 and token is not None:
                    return url, token
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"npm run dev did not answer on {url} within 120 s")


def server() -> Tuple[str, str]:
    """The Worker's URL and its admin token."""
    global _server
    if _server is None:
        url, token = os.environ.get("CLOUDCACHED_TEST_URL"), os.environ.get("CLOUDCACHED_TEST_TOKEN")
        _server = (url, token) if url and token else _start_dev()
    return _server


def unique_namespace(label: str = "py") -> str:
    """A namespace no other test (nor an earlier run) uses."""
    return f"{label}-{int(time.time() * 1000):x}-{os.getpid()}-{next(_names)}"[:64]
