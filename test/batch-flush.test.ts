import { afterEach, describe, expect, it } from "vitest";
import { BATCH_CONCURRENCY } from "../src/batch/run";
import { maxBatchKeys, SERVICE_CALLS } from "../src/platform/budget";
import { objectKey } from "../src/storage/object-key";
import { meteredCalls } from "../src/storage/open";
import { aroundStorageCalls } from "./faults";
import { uniqueNamespace, withBindings } from "./helpers";
import { testConfig, testStorage } from "./store";
import { countSubrequests } from "./subrequests";

// A flush of the namespace by another request of the same isolate while a batch `get` is being
// served. Fault injection only (the store is real): this wrapper holds the batch's first item reads
// until the flush has been answered, so the flush falls between the batch's reads, every time.

// A limit whose largest batch holds more keys than are read at once (BATCH_CONCURRENCY), so that some
// of its reads begin after the flush: at 50 a batch of gets (9 keys over S3, each planning a read, its
// retry and a tag's confirmation) is barely larger than that.
const LIMIT = 64;
let undo = (): void => undefined;
afterEach(() => undo());

interface Held {
  /** Item reads (object GETs and HEADs) of the namespace, in the order they reached storage. */
  reads: { path: string; afterFlush: boolean }[];
  /** Calls the flush made (counted apart from the batch's). */
  flushCalls: number;
}

/**
 * Holds the first `hold` item reads of `ns`; once all of them are held, flushes `ns` through the
 * Worker, then lets them go. Every later call passes straight through.
 */
function flushBetweenReads(ns: string, hold: number, sofar: () => number): Held {
  const held: Held = { reads: [], flushCalls: 0 };
  const waiting: (() => void)[] = [];
  let flushed = false;
  // Calls go on through whatever counts them (test/subrequests.ts).
  undo = aroundStorageCalls(async ({ method, path }, forward) => {
    if ((method === "GET" || method === "HEAD") && path.includes(`/${ns}/`)) {
      held.reads.push({ path, afterFlush: flushed });
      if (!flushed && waiting.length < hold) {
        await new Promise<void>((release) => {
          waiting.push(release);
          if (waiting.length === hold) {
            void (async () => {
              const before = sofar();
              const response = await withBindings({ SUBREQUEST_LIMIT: String(LIMIT) }, `/v1/${ns}/flush`, { method: "POST" });
              held.flushCalls = sofar() - before;
              expect(response.status).toBe(204);
              flushed = true;
              for (const go of waiting) go();
            })();
          }
        });
      }
    }
    return forward();
  });
  return held;
}

type Answer = { value: string } | { error: { code: string; message: string } } | null;

describe.each([
  ["no-cache", { "cache-control": "no-cache" }],
  ["through the location cache", {}],
] as const)("a batch get (%s) whose namespace is flushed between its reads", (_, headers) => {
  it("never serves an item from before the flush to a read begun after it, answers every key, stays within SUBREQUEST_LIMIT", async () => {
    const ns = uniqueNamespace("bflush");
    const config = testConfig();
    const storage = testStorage(config);
    // The most keys that fit, whichever way to storage (more through the binding: budget.ts).
    const keys = Array.from({ length: maxBatchKeys(LIMIT, meteredCalls(config)) }, (_, i) => `k${String(i).padStart(2, "0")}`);
    expect(keys.length).toBeGreaterThan(BATCH_CONCURRENCY);
    for (const key of keys) await storage.put(objectKey(config.prefix, ns, 0, key), new TextEncoder().encode(`old-${key}`), { contentType: "text/plain", expiresAt: null }, { kind: "none" });

    let held: Held | undefined;
    const counted = await countSubrequests(async (sofar) => {
      held = flushBetweenReads(ns, BATCH_CONCURRENCY, sofar);
      const response = await withBindings({ SUBREQUEST_LIMIT: String(LIMIT) }, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }), headers });
      return { status: response.status, body: await response.text() };
    });
    const { reads, flushCalls } = held as Held;
    expect(flushCalls).toBeGreaterThan(0);
    // The calls held to SUBREQUEST_LIMIT (through the binding, its own calls are held to SERVICE_CALLS).
    const batchCalls = counted.limited - flushCalls;
    console.info(JSON.stringify({ batchFlush: headers, keys: keys.length, batchCalls, flushCalls, storage: counted.storage, cache: counted.cache }));
    expect(batchCalls).toBeLessThanOrEqual(LIMIT);
    expect(counted.services).toBeLessThanOrEqual(SERVICE_CALLS);

    // Well-formed: every key answered, in order, as a value, null, or the documented per-key error.
    expect(counted.result.status).toBe(200);
    const { get } = JSON.parse(counted.result.body) as { get: Record<string, Answer> };
    expect(Object.keys(get)).toEqual(keys);
    for (const key of keys) {
      const answer = get[key] as Answer;
      if (answer === null) continue;
      if ("error" in answer) expect(answer.error).toMatchObject({ code: "storage_unavailable", message: expect.any(String) });
      else expect(answer.value).toBe(`old-${key}`);
    }
    // The reads held across the flush began before it: they may answer what was there then. Every
    // read that began after it is of the new generation, and finds nothing.
    for (const key of keys.slice(BATCH_CONCURRENCY)) expect(get[key], key).toBeNull();
    const stale = reads.filter((read) => read.afterFlush && read.path.includes(`/${ns}/0/`));
    expect(stale, JSON.stringify(stale)).toEqual([]);
    expect(reads.some((read) => read.afterFlush && read.path.includes(`/${ns}/1/`))).toBe(true);
  });
});

/**
 * Holds the first `hold` PUTs of items of `ns`; once all of them are held, flushes `ns` through the
 * Worker, then lets them go. Records every item call (PUT, GET, HEAD) with whether it began after the flush.
 */
function flushBetweenWrites(ns: string, hold: number): { calls: { method: string; path: string; afterFlush: boolean }[] } {
  const seen = { calls: [] as { method: string; path: string; afterFlush: boolean }[] };
  const waiting: (() => void)[] = [];
  let flushed = false;
  undo = aroundStorageCalls(async ({ method, path }, forward) => {
    if (path.includes(`/${ns}/`)) {
      seen.calls.push({ method, path, afterFlush: flushed });
      if (method === "PUT" && !flushed && waiting.length < hold) {
        await new Promise<void>((release) => {
          waiting.push(release);
          if (waiting.length === hold) {
            void (async () => {
              const response = await withBindings({}, `/v1/${ns}/flush`, { method: "POST" });
              expect(response.status).toBe(204);
              flushed = true;
              for (const go of waiting) go();
            })();
          }
        });
      }
    }
    return forward();
  });
  return seen;
}

describe.each([
  ["no-cache", { "cache-control": "no-cache" }],
  ["through the location cache", {}],
] as const)("a batch (%s) whose namespace is flushed between its sets", (_, headers) => {
  it("writes every set begun after the flush into the new generation (kept, not gone), and no get reads the flushed one", async () => {
    const ns = uniqueNamespace("bflushset");
    const config = testConfig();
    const storage = testStorage(config);
    const sets = Array.from({ length: 2 * BATCH_CONCURRENCY }, (_, i) => `s${String(i).padStart(2, "0")}`);
    const olds = Array.from({ length: 4 }, (_, i) => `old${i}`);
    for (const key of olds) await storage.put(objectKey(config.prefix, ns, 0, key), new TextEncoder().encode(`old-${key}`), { contentType: "text/plain", expiresAt: null }, { kind: "none" });
    // This isolate and location know generation 0, and hold a copy of every old item.
    for (const key of olds) expect(await (await withBindings({}, `/v1/${ns}/items/${key}`)).text()).toBe(`old-${key}`);

    const seen = flushBetweenWrites(ns, BATCH_CONCURRENCY);
    const body = { set: sets.map((key) => ({ key, value: `new-${key}` })), get: [...olds, ...sets] };
    const response = await withBindings({}, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify(body), headers });
    const answer = JSON.parse(await response.text()) as { set: Record<string, { etag?: string }>; get: Record<string, { value: string } | null> };
    undo();
    expect(response.status).toBe(200);
    for (const key of sets) expect(answer.set[key]?.etag, key).toMatch(/^"/);

    // The held sets began before the flush; every other one began after it and lands in generation 1.
    const late = seen.calls.filter((call) => call.method === "PUT" && call.afterFlush);
    expect(late.length).toBe(sets.length - BATCH_CONCURRENCY);
    for (const call of late) expect(call.path, "a set begun after the flush").toContain(`/${ns}/1/`);
    // Every get began after the flush: none reads generation 0, none answers an old item.
    const staleReads = seen.calls.filter((call) => call.method !== "PUT" && call.afterFlush && call.path.includes(`/${ns}/0/`));
    expect(staleReads, JSON.stringify(staleReads)).toEqual([]);
    for (const key of olds) expect(answer.get[key], key).toBeNull();
    // What a late set acknowledged is there to read after the batch.
    for (const key of sets.slice(BATCH_CONCURRENCY)) {
      const read = await withBindings({}, `/v1/${ns}/items/${key}`, { headers: { "cache-control": "no-cache" } });
      expect(await read.text(), key).toBe(`new-${key}`);
    }
  });
});
