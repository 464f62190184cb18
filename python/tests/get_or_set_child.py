"""One process of the cross-process get_or_set test: ``python -m tests.get_or_set_child URL TOKEN
NAMESPACE KEY CALLERS START`` makes CALLERS concurrent get_or_set calls on KEY from threads at unix
time START, each factory run counted in the cache, and prints the values they got as JSON."""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

from cloudcached import Client


def stampede(cache: Client, key: str, callers: int, start: float) -> List[str]:
    """``callers`` threads calling get_or_set on ``key`` together; the factory counts its runs in
    ``runs/<key>`` and takes a second, so that every caller asks while it runs."""

    def factory() -> str:
        cache.incr(f"runs/{key}", initial=1)
        time.sleep(1)
        return f"computed by {os.getpid()}"

    def call(_: int) -> str:
        time.sleep(max(0.0, start - time.time()))
        return cache.get_or_set(key, factory, ttl=300, lease=30)

    with ThreadPoolExecutor(callers) as pool:
        return list(pool.map(call, range(callers)))


if __name__ == "__main__":
    url, token, namespace, key, callers, start = sys.argv[1:7]
    with Client(url, token, namespace=namespace) as client:
        print(json.dumps(stampede(client, key, int(callers), float(start))))
