import { afterEach, describe, expect, it } from "vitest";
import { sweep } from "../src/sweep/sweep";
import { refuseDeleteObjects } from "./faults";
import { uniqueNamespace, withBindings } from "./helpers";
import { listAll, testConfig, testStorage, uniquePrefix } from "./store";

// Fault injection only: the store under test is real; a wrapper makes it refuse DeleteObjects.
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

async function objects(prefix: string, count: number) {
  const config = testConfig({ S3_PREFIX: prefix });
  const storage = testStorage(config);
  const keys = Array.from({ length: count }, (_, i) => `${prefix}x/0/k${i}`);
  for (const key of keys) await storage.put(key, new Uint8Array([1]), { contentType: "x/y", expiresAt: null }, { kind: "none" });
  return { config, storage, keys };
}

describe("deleting many objects", () => {
  it("uses one DeleteObjects call (with the Content-MD5 the store checks)", async () => {
    const prefix = uniquePrefix("dm");
    const { storage, keys } = await objects(prefix, 5);
    expect(await storage.deleteMany(keys.map((key) => ({ key })))).toEqual({ failures: [], unsent: [], calls: 1 });
    expect(await listAll(prefix)).toEqual([]);
    expect(await storage.deleteMany([{ key: `${prefix}absent` }])).toEqual({ failures: [], unsent: [], calls: 1 });
  });

  it("falls back to one DELETE per key where a store refuses DeleteObjects, and the sweep still finishes", async () => {
    const prefix = uniquePrefix("fb");
    const { storage, keys } = await objects(prefix, 3);
    const seen = refuseDeleteObjects(501, "NotImplemented");
    expect(await storage.deleteMany(keys.map((key) => ({ key })))).toEqual({ failures: [], unsent: [], calls: 4 });
    expect(seen.refused).toBe(1);
    expect(await listAll(prefix)).toEqual([]);

    // The sweep over a flushed namespace, on that store.
    const ns = uniqueNamespace("fbs");
    const config = testConfig({ S3_PREFIX: prefix });
    for (let i = 0; i < 4; i++) {
      const response = await withBindings({ S3_PREFIX: prefix }, `/v1/${ns}/items/k${i}`, { method: "PUT", body: "v", headers: { "content-length": "1" } });
      expect(response.status).toBe(200);
    }
    expect((await withBindings({ S3_PREFIX: prefix }, `/v1/${ns}/flush`, { method: "POST" })).status).toBe(204);
    const report = await sweep(config, { budget: 100, graceSeconds: 60 });
    expect(report).toMatchObject({ passComplete: true, failed: 0, deleted: { flushed: 4, expired: 0, tombstones: 0 } });
    expect((await listAll(`${prefix}${ns}/`)).length).toBe(0);
  });
});
