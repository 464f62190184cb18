import { describe, expect, it } from "vitest";
import { Generations, storedGeneration } from "../src/cache/generation";
import { faults, viaFaults } from "./faults";
import { api, expectError, sleep, uniqueNamespace, withBindings } from "./helpers";
import { listAll, testConfig, testStorage, unreachableStore } from "./store";

const put = (ns: string, key: string, value: string) => api(`/v1/${ns}/items/${key}`, { method: "PUT", body: value, headers: { "content-type": "text/plain" } });
const get = (ns: string, key: string, init: RequestInit = {}) => api(`/v1/${ns}/items/${key}`, init);
const flush = (ns: string) => api(`/v1/${ns}/flush`, { method: "POST" });

describe("POST /v1/{ns}/flush", () => {
  it("answers 204, and every item written before it is gone at once, even while cached here", async () => {
    const ns = uniqueNamespace("flush");
    expect((await put(ns, "a", "1")).status).toBe(200);
    expect((await put(ns, "b/c", "2")).status).toBe(200);
    await get(ns, "a").then((r) => r.text());
    const hit = await get(ns, "a");
    expect(hit.headers.get("x-cache")).toBe("HIT");
    await hit.text();

    const flushed = await flush(ns);
    expect(flushed.status).toBe(204);
    expect(await flushed.text()).toBe("");

    await expectError(await get(ns, "a"), 404, "not_found");
    await expectError(await get(ns, "b/c"), 404, "not_found");
    expect((await get(ns, "a", { method: "HEAD" })).status).toBe(404);
    await expectError(await get(ns, "a", { headers: { "cache-control": "no-cache" } }), 404, "not_found");
    const batch = await api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: ["a", "b/c"] }) });
    expect(((await batch.json()) as { get: unknown }).get).toEqual({ a: null, "b/c": null });
    expect(await (await api(`/v1/${ns}/keys`)).json()).toEqual({ keys: [], cursor: null });
    // Verbs that need a live item see none; add succeeds.
    await expectError(await api(`/v1/${ns}/items/a?op=touch&ttl=60`, { method: "POST" }), 404, "not_found");
    await expectError(await api(`/v1/${ns}/items/a?op=incr`, { method: "POST" }), 404, "not_found");
    expect((await api(`/v1/${ns}/items/a`, { method: "PUT", body: "new", headers: { "if-none-match": "*" } })).status).toBe(201);
    expect(await (await get(ns, "a")).text()).toBe("new");
  });

  it("costs no work per item: the objects stay in the bucket for the sweep", async () => {
    const ns = uniqueNamespace("o1");
    await Promise.all(Array.from({ length: 20 }, (_, i) => put(ns, `k${i}`, "v")));
    const config = testConfig();
    const storage = testStorage(config);
    expect(await listAll(`${config.prefix}${ns}/0/`)).toHaveLength(20);
    expect((await flush(ns)).status).toBe(204);
    expect(await listAll(`${config.prefix}${ns}/0/`)).toHaveLength(20);
    expect(await listAll(`${config.prefix}${ns}/1/`)).toHaveLength(0);
    expect((await storedGeneration(storage, config.prefix, ns)).generation).toBe(1);
  });

  it("leaves other namespaces untouched", async () => {
    const flushed = uniqueNamespace("f1");
    const kept = uniqueNamespace("f2");
    await put(flushed, "k", "gone");
    await put(kept, "k", "kept");
    await get(kept, "k").then((r) => r.text());
    expect((await flush(flushed)).status).toBe(204);
    const read = await get(kept, "k");
    expect(read.status).toBe(200);
    expect(read.headers.get("x-cache")).toBe("HIT");
    expect(await read.text()).toBe("kept");
    await expectError(await get(flushed, "k"), 404, "not_found");
  });

  it("counts every one of many concurrent flushes", async () => {
    const ns = uniqueNamespace("fc");
    const answers = await Promise.all(Array.from({ length: 6 }, () => flush(ns)));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(204));
    const config = testConfig();
    expect((await storedGeneration(testStorage(config), config.prefix, ns)).generation).toBe(6);
  });

  it("a cache hit costs no storage call, generation included; a flush here is seen without asking storage", async () => {
    const ns = uniqueNamespace("fh");
    expect((await viaFaults(`/v1/${ns}/items/k`, { method: "PUT", body: "v" })).status).toBe(200);
    await viaFaults(`/v1/${ns}/items/k`).then((r) => r.text());
    // Storage unreachable: the hit is still answered, so neither item nor generation needed it.
    await faults.fault({ mode: "reset", path: ns, count: 100 });
    const hit = await viaFaults(`/v1/${ns}/items/k`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get("x-cache")).toBe("HIT");
    expect(await hit.text()).toBe("v");
    await faults.clear(ns);
    expect((await viaFaults(`/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    // The new generation is known here without storage; the item is not served from the old one.
    await faults.fault({ mode: "reset", path: ns, count: 100 });
    await expectError(await viaFaults(`/v1/${ns}/items/k`), 503, "storage_unavailable");
    await faults.clear(ns);
  });

  it("a flush made at another location is seen here at once with no-cache, and without it within EDGE_TTL", async () => {
    const ns = uniqueNamespace("remote");
    const here = (path: string, init: RequestInit = {}) => withBindings({ EDGE_TTL: "1" }, path, init);
    expect((await here(`/v1/${ns}/items/k`, { method: "PUT", body: "old", headers: { "content-length": "3" } })).status).toBe(200);
    expect(await (await here(`/v1/${ns}/items/k`)).text()).toBe("old");
    // Another location: the same bucket, an isolate (memory) and a cache of its own.
    const config = testConfig();
    const elsewhereCache = await caches.open(`elsewhere-${ns}`);
    const elsewhere = () => new Generations(testStorage(config), `elsewhere-${ns}`, config.prefix, elsewhereCache, 1);
    expect(await elsewhere().flush(ns)).toBe(1);
    // Here, the old copy may still be served, for at most EDGE_TTL (1 s here)…
    const stale = await here(`/v1/${ns}/items/k`);
    expect([200, 404]).toContain(stale.status);
    await stale.text();
    await sleep(1100);
    // …then this location asks storage for the generation again.
    await expectError(await here(`/v1/${ns}/items/k`), 404, "not_found");
    // Writes here now go to the new generation.
    expect((await here(`/v1/${ns}/items/k`, { method: "PUT", body: "new", headers: { "content-length": "3" } })).status).toBe(200);
    expect(await (await here(`/v1/${ns}/items/k`)).text()).toBe("new");
    const cached = await here(`/v1/${ns}/items/k`);
    expect(cached.headers.get("x-cache")).toBe("HIT");
    await cached.text();
    // Flushed elsewhere again: a no-cache read sees it at once (GET and HEAD), and so does this location afterwards.
    expect(await elsewhere().flush(ns)).toBe(2);
    expect((await here(`/v1/${ns}/items/k`, { method: "HEAD", headers: { "cache-control": "no-cache" } })).status).toBe(404);
    await expectError(await here(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } }), 404, "not_found");
    await expectError(await here(`/v1/${ns}/items/k`), 404, "not_found");
  });

  it("fails cleanly when storage cannot be reached", async () => {
    await expectError(await withBindings(unreachableStore(), `/v1/${uniqueNamespace("fu")}/flush`, { method: "POST" }), 503, "storage_unavailable");
  });

  it("refuses a bad namespace, other methods, and anonymous callers", async () => {
    await expectError(await api(`/v1/Bad!/flush`, { method: "POST" }), 400, "bad_request");
    await expectError(await api(`/v1/${uniqueNamespace()}/flush`), 405, "method_not_allowed");
    await expectError(await api(`/v1/${uniqueNamespace()}/flush`, { method: "POST", anonymous: true }), 401, "unauthorized");
  });

  it("racing writes: a write done before the flush began is gone, one begun after it ended stays, none comes back", async () => {
    for (let round = 0; round < 2; round++) {
      const ns = uniqueNamespace("race");
      type Write = { key: string; value: string; start: number; end: number; status: number };
      const write = async (key: string, value: string): Promise<Write> => {
        const start = Date.now();
        const response = await put(ns, key, value);
        await response.text();
        return { key, value, start, end: Date.now(), status: response.status };
      };
      // Reads keep the location cache warm with pre-flush values while the flush happens.
      const reads = (keys: string[]) => Promise.all(keys.map((key) => get(ns, key).then((r) => r.text())));
      const early = Array.from({ length: 12 }, (_, i) => write(`k${i}`, `early-${i}`));
      await sleep(5 + round * 10);
      const inFlight = Array.from({ length: 12 }, (_, i) => write(`k${i}`, `mid-${i}`));
      void reads(Array.from({ length: 12 }, (_, i) => `k${i}`));
      const flushStart = Date.now();
      expect((await flush(ns)).status).toBe(204);
      const flushEnd = Date.now();
      const late = Array.from({ length: 6 }, (_, i) => write(`k${i * 2}`, `late-${i * 2}`));
      const writes = await Promise.all([...early, ...inFlight, ...late]);
      expect(writes.every((w) => w.status === 200 || w.status === 201)).toBe(true);
      await reads(Array.from({ length: 12 }, (_, i) => `k${i}`));

      for (let i = 0; i < 12; i++) {
        const key = `k${i}`;
        const mine = writes.filter((w) => w.key === key);
        for (const init of [{}, { headers: { "cache-control": "no-cache" } }]) {
          const read = await get(ns, key, init);
          const text = await read.text();
          const body = read.status === 200 ? text : null;
          const after = mine.filter((w) => w.start > flushEnd);
          if (after.length > 0) {
            // Begun after the flush ended: it must be there (the last such write of the key).
            expect(body, key).toBe(after[after.length - 1]?.value);
            continue;
          }
          // Otherwise: absent, or a value whose write overlapped the flush — never one finished before it began.
          const allowed = mine.filter((w) => w.end >= flushStart).map((w) => w.value);
          if (body !== null) expect(allowed, `${key}: ${body}`).toContain(body);
        }
      }
    }
  });
});
