# pymemcache (text protocol) timing its own gets of one key:
#   argv host port key warmup samples [http_url token]
# With http_url, each round also GETs that URL over one keep-alive HTTP connection (http.client),
# in alternating order, so the gateway's hit and the HTTP hit are timed alike in the same loop.
# Prints {"n", "p50Ms", "p99Ms"[, "http": {...}]} as JSON. Run with Debian's python3 (python3-pymemcache).
import http.client
import json
import sys
import time
from urllib.parse import urlsplit

from pymemcache.client.base import Client

host, port, key, warmup, samples = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
http_url, token = (sys.argv[6], sys.argv[7]) if len(sys.argv) > 7 else (None, None)
client = Client((host, port), connect_timeout=10, timeout=10)
target = urlsplit(http_url) if http_url else None
connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10) if target else None


def memcached_get():
    if client.get(key) is None:
        raise SystemExit(f"pymemcache: {key} is absent")


def http_get():
    connection.request("GET", target.path, headers={"authorization": f"Bearer {token}"})
    answer = connection.getresponse()
    answer.read()
    if answer.status != 200:
        raise SystemExit(f"HTTP GET answered {answer.status}")


sides = {"memcached": (memcached_get, []), **({"http": (http_get, [])} if connection else {})}
for round in range(warmup + samples):
    names = list(sides) if round % 2 == 0 else list(reversed(sides))
    for name in names:
        call, times = sides[name]
        started = time.perf_counter()
        call()
        elapsed = (time.perf_counter() - started) * 1000
        if round >= warmup:
            times.append(elapsed)
client.quit()


def summary(times):
    times.sort()
    return {"n": len(times), "p50Ms": times[len(times) // 2], "p99Ms": times[min(len(times) - 1, int(len(times) * 0.99))]}


out = summary(sides["memcached"][1])
if connection:
    out["http"] = summary(sides["http"][1])
print(json.dumps(out))
