# pymemcache (text protocol) timing its own gets of one key: argv host port key warmup samples.
# Prints {"n", "p50Ms", "p99Ms"} as JSON. Run with Debian's python3 (python3-pymemcache).
import json
import sys
import time

from pymemcache.client.base import Client

host, port, key, warmup, samples = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
client = Client((host, port), connect_timeout=10, timeout=10)
times = []
for round in range(warmup + samples):
    started = time.perf_counter()
    value = client.get(key)
    elapsed = (time.perf_counter() - started) * 1000
    if value is None:
        raise SystemExit(f"pymemcache: {key} is absent")
    if round >= warmup:
        times.append(elapsed)
client.quit()
times.sort()
print(json.dumps({"n": len(times), "p50Ms": times[len(times) // 2], "p99Ms": times[min(len(times) - 1, int(len(times) * 0.99))]}))
