# The Python client's side of the original table: times its own calls, one per line asked.
#   stdin, first line: {"src", "url", "token", "namespace", "values": [...]}
#   then one line per call: {"op": "get" | "set", "key", "value": index into values}
#   stdout: one line per call: {"ms": milliseconds, timed here} or {"error": "..."}
# A "get" must be answered from the location cache (X-Cache: HIT) with the value stored, as the
# TypeScript client's rows are held to.
import json
import sys
import time

setup = json.loads(sys.stdin.readline())
sys.path.insert(0, setup["src"])
from cloudcached import Client  # noqa: E402  (the package's source, named by the first line)

cache = Client(setup["url"], setup["token"], setup["namespace"])
values = setup["values"]
print(json.dumps({"ready": sys.version.split()[0]}), flush=True)

for line in sys.stdin:
    call = json.loads(line)
    value = values[call["value"]]
    try:
        started = time.perf_counter()
        if call["op"] == "get":
            item = cache.gets(call["key"])
            elapsed = time.perf_counter() - started
            if item is None or item.cache != "HIT":
                raise RuntimeError(f"expected a hit, got {item and item.cache}")
            if item.value != value:
                raise RuntimeError("wrong value")
        else:
            cache.set(call["key"], value)
            elapsed = time.perf_counter() - started
        print(json.dumps({"ms": elapsed * 1000}), flush=True)
    except Exception as err:  # reported to the run, which fails
        print(json.dumps({"error": str(err)}), flush=True)
