import { afterEach, describe, expect, it } from "vitest";
import { BATCH_CONCURRENCY } from "../src/batch/run";
import { maxBatchKeys } from "../src/platform/budget";
import { objectKey } from "../src/storage/object-key";
import { uniqueNamespace, withBindings } from "./helpers";
import { testConfig, testStorage } from "./store";
import { countSubrequests } from "./subrequests";

// A flush of the namespace by another request of the same isolate while a batch `get` is being
// served. Fault injection only (the store is real): this wrapper holds the batch's first item reads
// until the flush has been answered, so the flush falls between the batch's reads, every time.

const LIMIT = 50;
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

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
  const next = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = decodeURIComponent(new URL(request.url).pathname);
    if ((request.method === "GET" || request.method === "HEAD") && path.includes(`/${ns}/`)) {
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
    return next(request);
  }) as typeof fetch;
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
    const keys = Array.from({ length: maxBatchKeys(LIMIT) }, (_, i) => `k${String(i).padStart(2, "0")}`);
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
    const batchCalls = counted.total - flushCalls;
    console.info(JSON.stringify({ batchFlush: headers, keys: keys.length, batchCalls, flushCalls, storage: counted.storage, cache: counted.cache }));
    expect(batchCalls).toBeLessThanOrEqual(LIMIT);

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
