import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIN_SWEEP_BUDGET } from "../src/platform/budget";
import worker from "../src/index";
import { generationObjectKey } from "../src/cache/generation";
import { sweep, sweepCursorKey } from "../src/sweep/sweep";
import { sleep, uniqueNamespace, withBindings } from "./helpers";
import { listAll, testConfig, testStorage, throughBinding, uniquePrefix } from "./store";

/** A bucket area of its own: the sweep walks the whole prefix, and only this test's objects are in it. */
function area(label: string) {
  const prefix = uniquePrefix(label);
  const config = testConfig({ S3_PREFIX: prefix });
  const storage = testStorage(config);
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await withBindings({ S3_PREFIX: prefix }, path, init);
    await response.arrayBuffer();
    return response;
  };
  const put = async (ns: string, key: string, value: string, ttl?: number) => {
    const response = await call(`/v1/${ns}/items/${key}${ttl === undefined ? "" : `?ttl=${ttl}`}`, {
      method: "PUT",
      body: value,
      headers: { "content-length": String(new TextEncoder().encode(value).byteLength) },
    });
    expect(response.status).toBeLessThan(300);
    return response.headers.get("etag") as string;
  };
  const keys = async () => (await listAll(prefix)).map((o) => o.key.slice(prefix.length)).sort();
  return { prefix, config, storage, call, put, keys };
}

describe("the sweep", () => {
  it("removes the items a deleted tag removed, and leaves those of an expired tag for their grace and the untouched ones", async () => {
    const { config, call, keys } = area("sweeptags");
    const ns = uniqueNamespace("st");
    const tagged = async (key: string, tags: string, query = "") => {
      const response = await call(`/v1/${ns}/items/${key}${query}`, { method: "PUT", body: "v", headers: { "content-length": "1", "x-tags": tags } });
      expect(response.status).toBe(200);
    };
    await tagged("gone-1", "doomed");
    await tagged("gone-2", "doomed, other");
    await tagged("soft", "soft", "?grace=3600");
    await tagged("kept", "other");
    expect((await call(`/v1/${ns}/tags/doomed?op=delete`, { method: "POST" })).status).toBe(204);
    expect((await call(`/v1/${ns}/tags/soft?op=expire`, { method: "POST" })).status).toBe(204);
    const report = await sweep(config, { budget: 200, graceSeconds: 1, now: Date.now() + 10_000 });
    expect(report).toMatchObject({ stoppedBy: "end", failed: 0, deleted: { expired: 2 } });
    expect((await keys()).filter((key) => key.startsWith(`${ns}/`))).toEqual([`${ns}/0/kept`, `${ns}/0/soft`]);
  });

  it("removes exactly the expired, tombstoned and flushed objects, and nothing live or foreign", async () => {
    const { prefix, config, storage, call, put, keys } = area("sweep");
    const a = uniqueNamespace("sa");
    const b = uniqueNamespace("sb");
    await put(a, "live", "v");
    await put(a, "forever", "v", 0);
    await put(a, "empty", "");
    await put(a, "expired", "v", 1);
    await put(a, "expired-read", "v", 1);
    await put(a, "rewritten", "old", 1);
    const etag = await put(a, "deleted", "v");
    expect((await call(`/v1/${a}/items/deleted`, { method: "DELETE", headers: { "if-match": etag } })).status).toBe(204);
    await put(b, "x", "v");
    await put(b, "y/z", "v");
    expect((await call(`/v1/${b}/flush`, { method: "POST" })).status).toBe(204);
    await put(b, "x", "new");
    // Not CloudCached's: never touched.
    const foreign = ["foreign-object", `${a}/not-a-generation/k`, `NOTANS/0/k`];
    for (const key of foreign) await storage.put(`${prefix}${key}`, new Uint8Array([1]), { contentType: "x/y", expiresAt: 1 }, { kind: "none" });

    await sleep(2100);
    expect((await call(`/v1/${a}/items/expired-read`)).status).toBe(404); // leaves a tombstone
    await put(a, "rewritten", "new"); // expired, then written again: live
    expect(await keys()).toContain(`${b}/0/x`);

    // Ten seconds on: every item above is past the grace period, the 3600 s ones are far from expiry.
    const report = await sweep(config, { budget: 200, graceSeconds: 1, now: Date.now() + 10_000 });
    expect(report).toMatchObject({ passComplete: true, stoppedBy: "end", failed: 0, deleted: { flushed: 2, expired: 1, tombstones: 2 } });
    expect(report.calls).toBeLessThanOrEqual(200);

    expect(await keys()).toEqual(
      [
        ...foreign,
        `${a}/0/empty`,
        `${a}/0/forever`,
        `${a}/0/live`,
        `${a}/0/rewritten`,
        `${b}/1/x`,
        generationObjectKey("", b),
        sweepCursorKey(""),
      ].sort(),
    );
    for (const [ns, key, value] of [[a, "live", "v"], [a, "forever", "v"], [a, "empty", ""], [a, "rewritten", "new"], [b, "x", "new"]] as const) {
      const response = await withBindings({ S3_PREFIX: prefix }, `/v1/${ns}/items/${key}`, { headers: { "cache-control": "no-cache" } });
      expect(response.status, key).toBe(200);
      expect(await response.text()).toBe(value);
    }
  });

  it("leaves items that expired only just now, and objects written within the grace period", async () => {
    const { config, put, keys } = area("grace");
    const ns = uniqueNamespace("sg");
    await put(ns, "soon", "v", 1);
    await sleep(1100);
    // Expired, but not for 60 s yet: kept; written just now: not even looked at.
    await put(ns, "recent", "v");
    const report = await sweep(config, { budget: 100, graceSeconds: 60 });
    expect(report.deleted).toEqual({ flushed: 0, expired: 0, tombstones: 0 });
    expect(await keys()).toEqual([`${ns}/0/recent`, `${ns}/0/soon`, sweepCursorKey("")].sort());
  });

  it("does bounded work per run and resumes where the last run stopped", async () => {
    const { prefix, config, storage, call, put, keys } = area("budget");
    const ns = uniqueNamespace("sbud");
    // More than one run's worth at the smallest budget: through the binding a chunk's delete is one
    // call for up to 16 objects and no store refuses it, so a run does more there.
    const objects = throughBinding ? 200 : 70;
    for (let start = 0; start < objects; start += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => put(ns, `k${String(start + i).padStart(3, "0")}`, "v")));
    }
    expect((await call(`/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    await put(ns, "live", "v");
    const budget = MIN_SWEEP_BUDGET;
    const reports = [];
    for (let run = 0; run < 20; run++) {
      const report = await sweep(config, { budget, graceSeconds: 60 });
      reports.push(report);
      expect(report.calls, JSON.stringify(report)).toBeLessThanOrEqual(budget);
      if (report.passComplete) break;
      // The cursor is kept in the bucket between runs.
      const saved = await storage.get(sweepCursorKey(prefix));
      expect(JSON.parse(await new Response(saved?.body).text())).toMatchObject({ after: report.cursor });
      expect(report.cursor.startsWith(`${prefix}${ns}/0/k`)).toBe(true);
    }
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.at(-1)?.passComplete).toBe(true);
    expect(reports.reduce((sum, r) => sum + r.deleted.flushed, 0)).toBe(objects);
    expect(await keys()).toEqual([generationObjectKey("", ns), sweepCursorKey(""), `${ns}/1/live`].sort());
  });

  it("rewrites old generation objects (so a lifecycle rule by age never removes one) without changing them", async () => {
    const { prefix, config, storage, call, put } = area("refresh");
    const ns = uniqueNamespace("sref");
    expect((await call(`/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    await put(ns, "k", "v", 0);
    const before = (await storage.list({ prefix: `${prefix}.generations/`, maxKeys: 10 })).objects[0];
    await sleep(1100);
    // 31 days on: the generation object is old; the item never expires, and stays.
    const report = await sweep(config, { budget: 100, graceSeconds: 60, now: Date.now() + 31 * 86_400_000 });
    expect(report.refreshed).toBe(1);
    const after = (await storage.list({ prefix: `${prefix}.generations/`, maxKeys: 10 })).objects[0];
    expect(after?.lastModified).toBeGreaterThan(before?.lastModified as number);
    const response = await withBindings({ S3_PREFIX: prefix }, `/v1/${ns}/items/k`, { headers: { "cache-control": "no-cache" } });
    expect(await response.text()).toBe("v");
    expect((await call(`/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    expect(await new Response((await storage.get(`${prefix}.generations/${ns}`))?.body).text()).toBe("2");
  });

  it("runs from the exported scheduled handler (the Cron Trigger)", async () => {
    const { prefix, call, put, keys } = area("cron");
    const ns = uniqueNamespace("scron");
    await put(ns, "old", "v");
    expect((await call(`/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    await put(ns, "new", "v");
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, { ...env, S3_PREFIX: prefix }, ctx);
    await waitOnExecutionContext(ctx);
    expect(await keys()).toEqual([generationObjectKey("", ns), sweepCursorKey(""), `${ns}/1/new`].sort());
  });
});
