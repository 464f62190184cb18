# Stock pymemcache (text protocol) against the server at argv[1]:argv[2], keys prefixed argv[3].
# Prints what each call answered, as JSON, for the test to compare.
import json
import sys

from pymemcache.client.base import Client

host, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = Client((host, port), connect_timeout=10, timeout=10)
k = lambda name: f"{prefix}-{name}"
out = {}
out["set"] = c.set(k("a"), b"hello", expire=0, noreply=False)
out["get"] = c.get(k("a")).decode()
out["get_absent"] = c.get(k("absent"))
out["add_existing"] = c.add(k("a"), b"x", noreply=False)
out["replace"] = c.replace(k("a"), b"bye", noreply=False)
out["append"] = c.append(k("a"), b"!", noreply=False)
out["prepend"] = c.prepend(k("a"), b"<", noreply=False)
out["after_append"] = c.get(k("a")).decode()
value, cas = c.gets(k("a"))
out["cas_ok"] = c.cas(k("a"), b"swapped", cas, noreply=False)
out["cas_stale"] = c.cas(k("a"), b"stale", cas, noreply=False)
out["after_cas"] = c.get(k("a")).decode()
c.set_many({k(f"m{i}"): str(i).encode() for i in range(130)}, noreply=False)
many = c.get_many([k(f"m{i}") for i in range(0, 140, 3)])
out["get_many"] = {key[len(prefix) + 1:]: v.decode() for key, v in sorted(many.items())}
out["incr_absent"] = c.incr(k("n"), 1, noreply=False)
c.set(k("n"), b"41", noreply=False)
out["incr"] = c.incr(k("n"), 1, noreply=False)
out["decr_floor"] = c.decr(k("n"), 100, noreply=False)
c.set(k("big"), b"18446744073709551615", noreply=False)
out["incr_wrap"] = c.incr(k("big"), 3, noreply=False)
class FlagsSerde:
    """Values as they are; a read gives [value, flags]."""

    def serialize(self, key, value):
        return value, 0

    def deserialize(self, key, value, flags):
        return [value.decode(), flags]


flagged = Client((host, port), connect_timeout=10, timeout=10, serde=FlagsSerde())
flagged.set(k("flags"), b"f", noreply=False, flags=4294967295)
out["flags"] = flagged.get(k("flags"))
flagged.quit()
out["touch"] = c.touch(k("a"), 100, noreply=False)
out["touch_absent"] = c.touch(k("absent"), 100, noreply=False)
out["delete"] = c.delete(k("a"), noreply=False)
out["delete_absent"] = c.delete(k("a"), noreply=False)
c.set(k("text"), b"abc", noreply=False)
try:
    c.incr(k("text"), 1, noreply=False)
    out["incr_text"] = "no error"
except Exception as err:  # pymemcache raises MemcacheClientError with the server's words
    out["incr_text"] = str(err)
out["version"] = isinstance(c.version(), bytes)
stats = c.stats()
out["stats"] = sorted(name.decode() for name in stats if name in (b"get_hits", b"get_misses", b"curr_connections", b"cmd_get", b"cmd_set"))
c.set(k("noreply"), b"nr")  # pymemcache's default: noreply
out["noreply"] = c.get(k("noreply")).decode()
out["flush_all"] = c.flush_all(noreply=False)
out["after_flush"] = c.get(k("noreply"))
c.quit()
print(json.dumps(out, sort_keys=True))
