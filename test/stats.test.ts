import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/http/app";
import type { StatsBody } from "../src/stats/totals";
import { bearer, mint, send } from "./access-helpers";
import { nowSeconds } from "../src/items/item";
import { objectKey } from "../src/storage/object-key";
import { ADMIN, api, apiSettled, expectError, ORIGIN, uniqueNamespace, withBindings } from "./helpers";
import { testConfig, testStorage } from "./store";

// GET /v1/{ns}/stats: without Analytics Engine's SQL API the counts are this instance's (the
// deployed test Worker is one instance, so they are exactly the traffic the test made).

async function statsOf(ns: string, query = ""): Promise<StatsBody> {
  const response = await api(`/v1/${ns}/stats${query}`);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as StatsBody;
}

const config = testConfig();

/** An item in the store that expired `ago` seconds ago with `grace` seconds of grace (read STALE by a max-stale reader). */
async function seedStale(ns: string, key: string, ago: number, grace: number): Promise<void> {
  const written = await testStorage(config).put(objectKey(config.prefix, ns, 0, key), new TextEncoder().encode("stale"), { contentType: "text/plain", expiresAt: nowSeconds() - ago, grace }, { kind: "none" });
  if (!written.ok) throw new Error(`seeding ${key} failed: ${written.reason}`);
}

describe("stats", () => {
  it("counts hits, misses, not-founds, writes, deletes and errors of the namespace's traffic", async () => {
    const ns = uniqueNamespace("stats");
    expect(await statsOf(ns)).toMatchObject({ namespace: ns, window: "1h", scope: "instance", reads: 0, hitRatio: 0, storageCallsPerRead: 0 });

    await apiSettled(`/v1/${ns}/items/k`, { method: "PUT", body: "hello" });
    const miss = await apiSettled(`/v1/${ns}/items/k`);
    expect(miss.headers.get("x-cache")).toBe("MISS");
    for (let i = 0; i < 3; i++) {
      const hit = await api(`/v1/${ns}/items/k`);
      expect(hit.headers.get("x-cache")).toBe("HIT");
      await hit.text();
    }
    await expectError(await api(`/v1/${ns}/items/absent`), 404, "not_found");
    await expectError(await api(`/v1/${ns}/items/k?op=nothing`, { method: "POST" }), 400, "bad_request");
    expect((await api(`/v1/${ns}/items/k`, { method: "DELETE" })).status).toBe(204);

    const stats = await statsOf(ns);
    expect(stats).toMatchObject({ reads: 5, hits: 3, misses: 1, notFound: 1, hitRatio: 0.6, writes: 1, deletes: 1, errors: { bad_request: 1 }, stale: { grace: 0, error: 0 }, leases: { won: 0, busy: 0 } });
    expect(stats.storageCallsPerRead).toBeGreaterThan(0);
    expect(stats.ms.p99).toBeGreaterThanOrEqual(stats.ms.p50);
    // Another namespace's traffic is not in it, and the longer windows include the hour.
    expect((await statsOf(uniqueNamespace("stats-other"))).reads).toBe(0);
    expect(await statsOf(ns, "?window=24h")).toMatchObject({ window: "24h", reads: 5, hits: 3 });
    expect(await statsOf(ns, "?window=7d")).toMatchObject({ window: "7d", reads: 5 });
  });

  it("counts each of a batch's gets as a hit, miss, stale or not-found read", async () => {
    const ns = uniqueNamespace("stats-batch");
    await apiSettled(`/v1/${ns}/items/k`, { method: "PUT", body: "here" });
    await apiSettled(`/v1/${ns}/items/m`, { method: "PUT", body: "there" });
    expect((await apiSettled(`/v1/${ns}/items/k`)).headers.get("x-cache")).toBe("MISS");
    await seedStale(ns, "old", 30, 600);
    const batch = await api(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ get: ["k", "m", "absent", { key: "old", maxStale: true }] }) });
    const text = await batch.text();
    expect(batch.status, text).toBe(200);
    // The batch's reads are counted as its gets end (as its answer is read), then the single GET's.
    expect(await statsOf(ns)).toMatchObject({ reads: 5, hits: 1, misses: 2, notFound: 1, stale: { grace: 1, error: 0 }, hitRatio: 0.2, writes: 2 });
  });

  it("counts a batch's sets and deletes that landed as writes and deletes, as a single PUT's and DELETE's", async () => {
    const ns = uniqueNamespace("stats-batch-writes");
    // A token for the keys under `ok/`: the batch's entries for other keys are refused one by one (403), not counted.
    const writer = await mint({ namespaces: [ns], scopes: ["read", "write"], prefix: "ok/" });
    const batch = await send(`/v1/${ns}/batch`, {
      method: "POST",
      headers: { ...bearer(writer), "content-type": "application/json" },
      body: JSON.stringify({ set: [{ key: "ok/a", value: "1" }, { key: "ok/b", value: "2" }, { key: "no/c", value: "3" }], delete: ["ok/d", "no/e"] }),
    });
    const text = await batch.text();
    expect(batch.status, text).toBe(200);
    const answer = JSON.parse(text) as { set: Record<string, { error?: { code: string } }>; delete: Record<string, { error?: { code: string } }> };
    expect([answer.set["no/c"]?.error?.code, answer.delete["no/e"]?.error?.code]).toEqual(["forbidden", "forbidden"]);
    expect(await statsOf(ns)).toMatchObject({ writes: 2, deletes: 1, reads: 0 });
    // The single routes count through the same place.
    await apiSettled(`/v1/${ns}/items/ok/x`, { method: "PUT", body: "x" });
    expect((await api(`/v1/${ns}/items/ok/x`, { method: "DELETE" })).status).toBe(204);
    expect(await statsOf(ns)).toMatchObject({ writes: 3, deletes: 2 });
  });

  it("counts the storage calls of a batch's gets as reads' calls, as a single read's", async () => {
    const keys = ["a", "b", "c", "d"];
    const seeded = async (ns: string) => {
      for (const key of keys) {
        const written = await testStorage(config).put(objectKey(config.prefix, ns, 0, key), new TextEncoder().encode(`v-${key}`), { contentType: "text/plain", expiresAt: null }, { kind: "none" });
        if (!written.ok) throw new Error(`seeding ${key} failed: ${written.reason}`);
      }
    };
    // `no-cache` reads each ask storage: alone, and as a batch's gets.
    const single = uniqueNamespace("stats-calls-single");
    await seeded(single);
    for (const key of keys) {
      const read = await api(`/v1/${single}/items/${key}`, { headers: { "cache-control": "no-cache" } });
      expect(read.headers.get("x-cache")).toBe("MISS");
      await read.text();
    }
    const batched = uniqueNamespace("stats-calls-batch");
    await seeded(batched);
    const batch = await api(`/v1/${batched}/batch`, { method: "POST", headers: { "cache-control": "no-cache" }, body: JSON.stringify({ get: keys }) });
    const text = await batch.text();
    expect(batch.status, text).toBe(200);
    const alone = await statsOf(single);
    const inBatch = await statsOf(batched);
    expect([alone.reads, alone.misses, inBatch.reads, inBatch.misses]).toEqual([4, 4, 4, 4]);
    expect(alone.storageCallsPerRead).toBeGreaterThanOrEqual(1);
    // One storage GET per get: the namespace's generation is confirmed once for the whole batch, not by its reads.
    expect(inBatch.storageCallsPerRead).toBe(1);
    expect(inBatch.storageCallsPerRead).toBeLessThanOrEqual(alone.storageCallsPerRead);
  });

  it("refuses a bad window, and needs read on the namespace", async () => {
    const ns = uniqueNamespace("stats-access");
    for (const bad of ["2h", "", "1H", "toString"]) await expectError(await api(`/v1/${ns}/stats?window=${bad}`), 400, "bad_request");
    await expectError(await send(`/v1/${ns}/stats`), 401, "unauthorized");
    const reader = await mint({ namespaces: [ns], scopes: ["read"] });
    expect((await send(`/v1/${ns}/stats`, { headers: bearer(reader) })).status).toBe(200);
    await expectError(await send(`/v1/${uniqueNamespace("elsewhere")}/stats`, { headers: bearer(reader) }), 403, "forbidden");
    const writer = await mint({ namespaces: [ns], scopes: ["write"] });
    await expectError(await send(`/v1/${ns}/stats`, { headers: bearer(writer) }), 403, "forbidden");
    await expectError(await api(`/v1/${ns}/stats`, { method: "POST" }), 405, "method_not_allowed");
  });

  it("needs a token even when the namespace is public-read: its items are public, its traffic is not", async () => {
    const ns = uniqueNamespace("stats-public");
    const bindings = { PUBLIC_READ_NAMESPACES: ns };
    await apiSettled(`/v1/${ns}/items/k`, { method: "PUT", body: "v" });
    // The item is anyone's to read, the stats are not.
    expect((await send(`/v1/${ns}/items/k`, {}, bindings)).status).toBe(200);
    await expectError(await send(`/v1/${ns}/stats`, {}, bindings), 401, "unauthorized");
    const other = await mint({ namespaces: [uniqueNamespace("stats-public-other")], scopes: ["read"] });
    await expectError(await send(`/v1/${ns}/stats`, { headers: bearer(other) }, bindings), 403, "forbidden");
    const reader = await mint({ namespaces: [ns], scopes: ["read"] });
    expect((await send(`/v1/${ns}/stats`, { headers: bearer(reader) }, bindings)).status).toBe(200);
    expect((await send(`/v1/${ns}/stats`, { headers: ADMIN }, bindings)).status).toBe(200);
  });

  it("a half-configured SQL API is a clear 500 naming the missing setting, never its value", async () => {
    const ns = uniqueNamespace("stats-config");
    const account = "0123456789abcdef0123456789abcdef";
    const onlyAccount = await withBindings({ STATS_ACCOUNT_ID: account } as Partial<Record<keyof Env, string>>, `/v1/${ns}/stats`);
    const body = await expectError(onlyAccount, 500, "internal");
    expect(body.error.message).toContain("STATS_API_TOKEN");
    expect(body.error.message).not.toContain(account);
    const badAccount = await withBindings({ STATS_ACCOUNT_ID: "nope", STATS_API_TOKEN: "secret-token" } as Partial<Record<keyof Env, string>>, `/v1/${ns}/stats`);
    expect((await expectError(badAccount, 500, "internal")).error.message).not.toContain("secret-token");
  });

  it("writes one Analytics Engine data point per request, after the answer, indexed by namespace", async () => {
    const ns = uniqueNamespace("stats-ae");
    const points: AnalyticsEngineDataPoint[] = [];
    const dataset: AnalyticsEngineDataset = { writeDataPoint: (point) => void points.push(point ?? {}) };
    const run = async (path: string, init: RequestInit = {}) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers: { ...ADMIN, ...(init.headers as Record<string, string>) } }), { ...env, STATS: dataset }, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    expect((await run(`/v1/${ns}/items/k`, { method: "PUT", body: "12345", headers: { "content-length": "5" } })).status).toBe(200);
    expect((await run(`/v1/${ns}/items/absent`)).status).toBe(404);
    const batch = await run(`/v1/${ns}/batch`, { method: "POST", body: JSON.stringify({ set: [{ key: "s", value: "v" }], delete: ["d"], get: ["a", "b", "c"] }) });
    expect(batch.status).toBe(200);
    // A batch's point is written with its log line, once its gets have run (as its answer is read).
    await batch.text();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(points).toHaveLength(3);
    expect(points.map((point) => point.indexes)).toEqual([[ns], [ns], [ns]]);
    expect(points.map((point) => point.blobs)).toEqual([["write", ""], ["read", ""], ["batch", ""]]);
    expect(points[0]?.doubles?.slice(0, 4)).toEqual([1, 0, 0, 0]);
    expect(points[0]?.doubles?.[8]).toBe(1); // writes
    expect(points[0]?.doubles?.[12]).toBe(5); // bytes
    expect(points[1]?.doubles?.[3]).toBe(1); // notFound
    // The batch's one point counts its three gets, none found: hits, misses, notFound, stale (grace, error).
    expect(points[2]?.doubles?.slice(0, 6)).toEqual([1, 0, 0, 3, 0, 0]);
    // Its set and delete, and the storage calls of its gets (one each: absent here, so asked of storage).
    expect([points[2]?.doubles?.[8], points[2]?.doubles?.[9], points[2]?.doubles?.[13]]).toEqual([1, 1, 3]);
    // No namespace, no point: /healthz is not a namespace's traffic.
    await run("/healthz");
    expect(points).toHaveLength(3);
  });

  it("answers even when the Analytics Engine binding throws", async () => {
    const ns = uniqueNamespace("stats-ae-broken");
    const dataset: AnalyticsEngineDataset = {
      writeDataPoint: () => {
        throw new Error("over the limit");
      },
    };
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(`${ORIGIN}/v1/${ns}/items/k`, { method: "PUT", body: "v", headers: { ...ADMIN, "content-length": "1" } }), { ...env, STATS: dataset }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
  });
});
