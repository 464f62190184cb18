import { describe, expect, it } from "vitest";
import { faults, viaFaults } from "./faults";
import { bearer, mint, send } from "./access-helpers";
import { expectError, sleep, uniqueNamespace } from "./helpers";
import { countSubrequests } from "./subrequests";

// Everything through the fault proxy (one deployment), so its request log counts the storage calls.
const call = (path: string, init: RequestInit = {}) => viaFaults(path, init, { STORAGE_TIMEOUT_MS: "10000" });
const maxStale = { "cache-control": "max-stale" };

const ITEMS = 1000;
const TAGS = 10;
const tagOf = (i: number) => `tag-${i % TAGS}`;
/** Keys per batch: the 1,000 items are written and read in batches of 100, at a limit that fits them. */
const BATCH = 100;
const bulk = (path: string, init: RequestInit) => viaFaults(path, init, { STORAGE_TIMEOUT_MS: "10000", SUBREQUEST_LIMIT: "1000" });
const indexes = Array.from({ length: ITEMS }, (_, i) => i);
const chunks = Array.from({ length: ITEMS / BATCH }, (_, c) => indexes.slice(c * BATCH, (c + 1) * BATCH));

/** Writes ITEMS items, item i tagged `tag-(i mod 10)` and `all`, with an hour of grace. */
async function writeItems(ns: string): Promise<void> {
  for (let c = 0; c < chunks.length; c += 2) {
    await Promise.all(
      chunks.slice(c, c + 2).map(async (chunk) => {
        const set = chunk.map((n) => ({ key: `k${n}`, value: `v${n}`, ttl: 3600, grace: 3600, tags: [tagOf(n), "all"] }));
        const answer = await bulk(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ set }) });
        expect(answer.status).toBe(200);
        const body = (await answer.json()) as { set: Record<string, { etag?: string }> };
        expect(Object.values(body.set).filter((entry) => !entry.etag)).toEqual([]);
      }),
    );
  }
}

/** Reads every item by batch gets (with or without max-stale): LIVE, STALE or 404 for each, in order. */
async function readAll(ns: string, headers: Record<string, string> = {}): Promise<string[]> {
  const seen: string[] = [];
  for (const chunk of chunks) {
    const answer = await bulk(`/v1/${ns}/batch`, { method: "POST", headers, body: JSON.stringify({ get: chunk.map((n) => `k${n}`) }) });
    expect(answer.status).toBe(200);
    const { get } = (await answer.json()) as { get: Record<string, { value?: string; encoding?: string; stale?: true; error?: unknown } | null> };
    for (const n of chunk) {
      const got = get[`k${n}`];
      if (got === null || got === undefined) seen.push("404");
      else if (got.value === undefined) seen.push(JSON.stringify(got));
      else {
        const value = got.encoding === "base64" ? atob(got.value) : got.value;
        seen.push(value !== `v${n}` ? `wrong value ${value}` : got.stale ? "STALE" : "LIVE");
      }
    }
  }
  return seen;
}

/** One item per tag (and another), read by GET: its status and X-Cache. */
async function readSample(ns: string, headers: Record<string, string> = {}): Promise<string[]> {
  return Promise.all(
    Array.from({ length: 2 * TAGS }, async (_, i) => {
      const n = i * 37;
      const answer = await call(`/v1/${ns}/items/k${n}`, { headers });
      const text = await answer.text();
      if (answer.status !== 200) return String(answer.status);
      return text !== `v${n}` ? `wrong value ${text}` : answer.headers.get("x-cache") === "STALE" ? "STALE" : "LIVE";
    }),
  );
}
const sampled = (expected: (n: number) => string) => Array.from({ length: 2 * TAGS }, (_, i) => expected(i * 37));

describe("POST /v1/{ns}/tags/{tag}", () => {
  it(`expire of one tag of ${ITEMS} items across ${TAGS} makes exactly its items stale, delete exactly its items absent, each with one storage write`, async () => {
    const ns = uniqueNamespace("tags");
    await writeItems(ns);
    expect(new Set(await readAll(ns))).toEqual(new Set(["LIVE"]));

    let seen = (await faults.requests(ns)).length;
    const expired = await call(`/v1/${ns}/tags/tag-3?op=expire`, { method: "POST" });
    expect(expired.status).toBe(204);
    const calls = (await faults.requests(ns)).slice(seen);
    expect(calls.filter((r) => r.method !== "GET" && r.method !== "HEAD")).toEqual([expect.objectContaining({ method: "PUT" })]);
    expect(calls.length).toBeLessThanOrEqual(2);

    const afterExpire = (n: number) => (n % TAGS === 3 ? "STALE" : "LIVE");
    expect(await readAll(ns)).toEqual(indexes.map((n) => (afterExpire(n) === "STALE" ? "404" : "LIVE")));
    expect(await readAll(ns, maxStale)).toEqual(indexes.map(afterExpire));
    expect(await readSample(ns)).toEqual(sampled((n) => (afterExpire(n) === "STALE" ? "404" : "LIVE")));
    expect(await readSample(ns, maxStale)).toEqual(sampled(afterExpire));

    seen = (await faults.requests(ns)).length;
    expect((await call(`/v1/${ns}/tags/tag-5?op=delete`, { method: "POST" })).status).toBe(204);
    const deleteCalls = (await faults.requests(ns)).slice(seen);
    expect(deleteCalls.filter((r) => r.method !== "GET" && r.method !== "HEAD")).toEqual([expect.objectContaining({ method: "PUT" })]);
    expect(deleteCalls.length).toBeLessThanOrEqual(2);
    const afterDelete = (n: number) => (n % TAGS === 5 ? "404" : afterExpire(n));
    expect(await readAll(ns, maxStale)).toEqual(indexes.map(afterDelete));
    expect(await readAll(ns)).toEqual(indexes.map((n) => (afterDelete(n) === "LIVE" ? "LIVE" : "404")));
    expect(await readSample(ns, maxStale)).toEqual(sampled(afterDelete));
  }, 240_000);

  it("an item written after the call is live; one written before is not, whatever its other tags", async () => {
    const ns = uniqueNamespace("tagafter");
    const put = (key: string, tags: string) => call(`/v1/${ns}/items/${key}?grace=60`, { method: "PUT", body: key, headers: { "x-tags": tags } });
    expect((await put("before", "p1, shared")).status).toBe(200);
    expect((await put("other", "shared")).status).toBe(200);
    // Cached here first, so the copy's tags are checked too.
    await (await call(`/v1/${ns}/items/before`)).text();
    await sleep(5);
    expect((await call(`/v1/${ns}/tags/p1?op=expire`, { method: "POST" })).status).toBe(204);
    await sleep(5);
    expect((await put("after", "p1")).status).toBe(200);
    await expectError(await call(`/v1/${ns}/items/before`), 404, "not_found");
    await expectError(await call(`/v1/${ns}/items/before`, { headers: { "cache-control": "no-cache" } }), 404, "not_found");
    const staleRead = await call(`/v1/${ns}/items/before`, { headers: maxStale });
    expect(staleRead.headers.get("x-cache")).toBe("STALE");
    expect(staleRead.headers.get("x-tags")).toBe("p1, shared");
    expect(await staleRead.text()).toBe("before");
    expect(await (await call(`/v1/${ns}/items/after`)).text()).toBe("after");
    expect(await (await call(`/v1/${ns}/items/other`)).text()).toBe("other");
    // A delete wins over grace.
    expect((await call(`/v1/${ns}/tags/shared?op=delete`, { method: "POST" })).status).toBe(204);
    await expectError(await call(`/v1/${ns}/items/before`, { headers: maxStale }), 404, "not_found");
    await expectError(await call(`/v1/${ns}/items/other`), 404, "not_found");
    expect(await (await call(`/v1/${ns}/items/after`)).text()).toBe("after");
  });

  it("a hit on an item with 4 tags confirmed within the last second costs exactly one Cache API lookup and no storage call", async () => {
    const ns = uniqueNamespace("taghit");
    expect((await call(`/v1/${ns}/items/k`, { method: "PUT", body: "v", headers: { "x-tags": "a, b, c, d" } })).status).toBe(200);
    // The machine may be slow: the sequence is tried again until the hit starts within the second.
    let measured: Awaited<ReturnType<typeof countSubrequests<Response>>> | null = null;
    for (let attempt = 0; attempt < 5 && measured === null; attempt++) {
      const confirmedAt = Date.now();
      // A no-cache read confirms the generation and the four tags from storage, and keeps the copy here.
      await (await call(`/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } })).text();
      await sleep(50);
      const started = Date.now();
      const counted = await countSubrequests(() => call(`/v1/${ns}/items/k`));
      if (started - confirmedAt < 900) measured = counted;
    }
    if (measured === null) throw new Error("the machine was too slow to start a hit within a second five times");
    expect(measured.result.headers.get("x-cache")).toBe("HIT");
    expect(measured.result.headers.get("x-tags")).toBe("a, b, c, d");
    expect(measured.cache).toEqual({ match: 1, put: 0, delete: 0 });
    expect(measured.storage).toBe(0);
  });

  it("refuses a bad tag or op with 400 and a key-prefix token with 403, before any storage call", async () => {
    const ns = uniqueNamespace("tagbad");
    await expectError(await call(`/v1/${ns}/tags/a%20b?op=expire`, { method: "POST" }), 400, "bad_request");
    await expectError(await call(`/v1/${ns}/tags/${"x".repeat(129)}?op=expire`, { method: "POST" }), 400, "bad_request");
    await expectError(await call(`/v1/${ns}/tags/ok?op=purge`, { method: "POST" }), 400, "bad_request");
    await expectError(await call(`/v1/${ns}/tags/ok?op=expire`, { method: "GET" }), 405, "method_not_allowed");
    // Tags cross key prefixes: a prefix-limited token, even with flush, is refused; one without flush too.
    const throughFaults = faults.store();
    const limited = await mint({ namespaces: [ns], scopes: ["read", "write", "flush"], prefix: "user/1/" }, throughFaults);
    await expectError(await send(`/v1/${ns}/tags/ok?op=expire`, { method: "POST", headers: bearer(limited) }, throughFaults), 403, "forbidden");
    const writer = await mint({ namespaces: [ns], scopes: ["read", "write"] }, throughFaults);
    await expectError(await send(`/v1/${ns}/tags/ok?op=delete`, { method: "POST", headers: bearer(writer) }, throughFaults), 403, "forbidden");
    const flusher = await mint({ namespaces: [ns], scopes: ["flush"] }, throughFaults);
    expect(await faults.requests(ns)).toEqual([]);
    expect((await send(`/v1/${ns}/tags/ok?op=delete`, { method: "POST", headers: bearer(flusher) }, throughFaults)).status).toBe(204);
  });
});
