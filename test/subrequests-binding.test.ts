import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { maxBatchKeys, SERVICE_CALLS } from "../src/platform/budget";
import { api, uniqueNamespace, withBindings } from "./helpers";
import { countSubrequests } from "./subrequests";

/**
 * Through the R2 binding (the project worker-r2 only): every route's worst case, counted where the
 * runtime counts it — each call on the binding (against the 1,000 calls to Cloudflare services) and
 * each Cache API call (against SUBREQUEST_LIMIT) — at 50 (Free) and 1000 (Paid).
 */

/** The bucket, with each of its calls counted on the way through. */
function countingBucket(bucket: R2Bucket): { bucket: R2Bucket; calls: () => number } {
  let calls = 0;
  const counted = new Proxy(bucket, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { bucket: counted, calls: () => calls };
}

async function worstCase(limit: number, path: string, init: RequestInit = {}): Promise<{ status: number; body: string; binding: number; cache: number }> {
  const { bucket, calls } = countingBucket(env.STORE);
  const counted = await countSubrequests(async () => {
    const response = await withBindings({ STORE: bucket, SUBREQUEST_LIMIT: String(limit) }, path, init);
    return { status: response.status, body: await response.text() };
  });
  const cache = counted.cache.match + counted.cache.put + counted.cache.delete;
  console.log(JSON.stringify({ subrequests: path.split("/").pop(), way: "binding", limit, status: counted.result.status, binding: calls(), cache }));
  return { ...counted.result, binding: calls(), cache };
}

describe.each([50, 1000])("through the R2 binding at SUBREQUEST_LIMIT=%i", (limit) => {
  it("GET /v1 gives the larger batch size that fits: Cache API calls alone count against the limit", async () => {
    const index = await (await withBindings({ SUBREQUEST_LIMIT: String(limit) }, "/v1")).json<{ limits: { batchKeys: number } }>();
    expect(index.limits.batchKeys).toBe(maxBatchKeys(limit, "cache"));
    expect(index.limits.batchKeys).toBe(limit === 50 ? 49 : 100);
    // Over the S3 API the same limit holds 9 (at 50); at 1000 both hold every batch the API accepts.
    if (limit === 50) expect(index.limits.batchKeys).toBeGreaterThan(maxBatchKeys(limit));
  });

  it("a batch of that many misses, of empty values (a GET and a HEAD each) and of sets stays within both limits", async () => {
    const ns = uniqueNamespace("bind-sub");
    const size = maxBatchKeys(limit, "cache");
    const keys = Array.from({ length: size }, (_, i) => `k${i}`);
    const misses = await worstCase(limit, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }) });
    expect(misses.status).toBe(200);
    const empties = keys.map((key) => `e-${key}`);
    for (const key of empties) expect((await api(`/v1/${ns}/items/${key}`, { method: "PUT", body: "" })).status).toBe(200);
    const emptyReads = await worstCase(limit, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: empties }) });
    expect(emptyReads.status).toBe(200);
    for (const key of empties) expect((JSON.parse(emptyReads.body) as { get: Record<string, unknown> }).get[key]).toMatchObject({ value: "" });
    const sets = await worstCase(limit, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ set: keys.map((key) => ({ key, value: "v" })) }) });
    expect(sets.status).toBe(200);
    for (const counted of [misses, emptyReads, sets]) {
      expect(counted.cache).toBeLessThanOrEqual(limit);
      expect(counted.binding).toBeLessThanOrEqual(SERVICE_CALLS);
    }
    // Storage was asked for every key: the binding's calls are not bounded by the smaller limit.
    expect(emptyReads.binding).toBeGreaterThanOrEqual(2 * size);
  });

  it("one key more than fits is refused before any call, naming the limit", async () => {
    if (limit === 1000) return; // every batch the API accepts (100 keys) fits at 1000
    const ns = uniqueNamespace("bind-over");
    const keys = Array.from({ length: maxBatchKeys(limit, "cache") + 1 }, (_, i) => `k${i}`);
    const over = await worstCase(limit, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: keys }) });
    expect(over.status).toBe(400);
    expect(over.body).toContain("SUBREQUEST_LIMIT");
    expect(over.binding + over.cache).toBe(0);
  });

  it("a touch (a GET and a conditional PUT through the binding), a counter step and a flush stay within both limits", async () => {
    const ns = uniqueNamespace("bind-one");
    expect((await api(`/v1/${ns}/items/t`, { method: "PUT", body: "value" })).status).toBe(200);
    const touch = await worstCase(limit, `/v1/${ns}/items/t?op=touch&ttl=600`, { method: "POST" });
    expect(touch.status).toBe(200);
    const count = await worstCase(limit, `/v1/${ns}/items/c?op=incr&by=1&initial=1`, { method: "POST" });
    expect(count.status).toBe(200);
    const flush = await worstCase(limit, `/v1/${ns}/flush`, { method: "POST" });
    expect(flush.status).toBe(204);
    for (const counted of [touch, count, flush]) {
      expect(counted.cache).toBeLessThanOrEqual(limit);
      expect(counted.binding).toBeLessThanOrEqual(SERVICE_CALLS);
    }
  });
});
