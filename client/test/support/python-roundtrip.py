# The Python side of python.test.ts's cross-language round trip:
#   argv url token namespace
# Reads what the TypeScript client stored under ts/<name> (one by one with get, and with get_many),
# prints each value with its Python type (bytes as base64), and stores its own values under
# py/<name> (put) and pym/<name> (set_many) for the TypeScript client to read back.
import base64
import json
import sys

from cloudcached import Client

url, token, namespace = sys.argv[1:4]
NAMES = ["str", "numeric str", "unicode str", "empty str", "int", "negative int", "float", "integral float",
         "true", "false", "null", "dict", "list", "bytes", "empty bytes"]
VALUES = {
    "str": "hello",
    "numeric str": "42",
    "unicode str": "caf\u00e9 \U0001f600",
    "empty str": "",
    "int": 42,
    "negative int": -7,
    "float": 1.5,
    "integral float": 2.0,
    "true": True,
    "false": False,
    "null": None,
    "dict": {"name": "Ada", "tags": ["a", "b"], "nested": {"x": None}},
    "list": [1, "two", 3.5, None, True],
    "bytes": bytes(range(256)),
    "empty bytes": b"",
}


def described(value):
    shown = {"base64": base64.b64encode(value).decode()} if isinstance(value, bytes) else value
    return {"type": type(value).__name__, "value": shown}


with Client(url, token, namespace) as cache:
    read = {name: described(cache.get(f"ts/{name}")) for name in NAMES}
    many = cache.get_many(f"ts/{name}" for name in NAMES)
    read_many = {name: described(many[f"ts/{name}"]) for name in NAMES}
    for name, value in VALUES.items():
        if not cache.put(f"py/{name}", value):
            raise SystemExit(f"py/{name} was not stored")
    failed = {key: repr(result) for key, result in cache.set_many({f"pym/{name}": value for name, value in VALUES.items()}).items() if isinstance(result, Exception)}
    if failed:
        raise SystemExit(f"set_many failed: {failed}")
print(json.dumps({"read": read, "readMany": read_many}))
