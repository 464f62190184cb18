import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseConfig, type Config } from "../src/platform/config";
import { decodeDialect, nameOfDialect, type StoreDialect } from "../src/storage/s3/dialect";
import { dialectCacheUrl } from "../src/storage/s3/known-dialect";
import { S3Storage } from "../src/storage/s3/s3-storage";
import { faults, proxy, viaFaults } from "./faults";
import { s3Of, uniquePrefix } from "./store";

// Store-agnostic (also run against Ceph RGW). Each test is a deployment of its own (a prefix no other
// test uses), reached through the fault proxy, which counts the store's calls. Parsing the settings
// again stands for a new isolate: an isolate remembers what it learned by its parsed settings.

const text = (value: string) => new TextEncoder().encode(value);
const META = { contentType: "text/plain", expiresAt: null };

function deployment(overrides: Record<string, string> = {}): { prefix: string; freshIsolate: () => Config } {
  const prefix = uniquePrefix("dialect-kept");
  return { prefix, freshIsolate: () => parseConfig({ ...env, S3_ENDPOINT: proxy.settings().endpoint, S3_PREFIX: prefix, ...overrides }) };
}

/** The store calls the dialect probe made under `prefix`. */
async function probeCalls(prefix: string): Promise<string[]> {
  return (await faults.requests(`${prefix}.dialect-probe/`)).map((request) => request.method);
}

/** What this location's cache holds for the deployment's dialect (null: nothing). */
async function keptDialect(config: Config): Promise<StoreDialect | null> {
  const entry = await caches.default.match(dialectCacheUrl(s3Of(config)));
  return entry ? decodeDialect(await entry.text()) : null;
}

/** A compare-and-swap and a metadata rewrite, the writes that depend on the dialect; both must act. */
async function conditionalWrites(config: Config): Promise<void> {
  const storage = new S3Storage(s3Of(config), config.storageTimeoutMs);
  const key = `${config.prefix}item-${crypto.randomUUID()}`;
  const first = await storage.put(key, text("one"), META, { kind: "absent" });
  if (!first.ok) throw new Error("setup write failed");
  const second = await storage.put(key, text("two"), META, { kind: "match", etag: first.etag });
  expect(second.ok).toBe(true);
  expect(await storage.put(key, text("three"), META, { kind: "match", etag: first.etag })).toEqual({ ok: false, reason: "precondition_failed" });
  if (!second.ok) return;
  expect((await storage.replaceMeta(key, second.etag, { contentType: "text/csv", expiresAt: null })).ok).toBe(true);
  await storage.delete(key);
}

describe("the store's dialect, learned once per location", () => {
  it("a probed dialect is kept in the location cache: a new isolate finds it there and makes no probe", async () => {
    const { prefix, freshIsolate } = deployment();
    const first = freshIsolate();
    expect(await keptDialect(first)).toBeNull();
    await conditionalWrites(first);
    const probed = await probeCalls(prefix);
    // Created, asked with If-Match (quoted, and bare if refused), copied onto itself; then deleted.
    expect(probed.filter((method) => method === "PUT").length).toBeGreaterThanOrEqual(3);
    expect(probed.filter((method) => method === "DELETE")).toEqual(["DELETE"]);
    const kept = await keptDialect(first);
    expect(kept).not.toBeNull();

    const second = freshIsolate();
    expect(s3Of(second)).not.toBe(s3Of(first));
    await conditionalWrites(second);
    await conditionalWrites(second);
    expect(await probeCalls(prefix)).toEqual(probed);
    expect(await keptDialect(second)).toEqual(kept);
  });

  it("S3_DIALECT names it: no probe, nothing kept, and conditional writes through the API act on one version", async () => {
    // The name of this store's dialect, as a probe sees it (standard on the embedded store, ceph-rgw on RGW).
    const learner = deployment().freshIsolate();
    await conditionalWrites(learner);
    const kept = await keptDialect(learner);
    const name = kept && nameOfDialect(kept);
    if (!name) throw new Error(`the store's dialect ${JSON.stringify(kept)} has no name S3_DIALECT could give`);

    const { prefix, freshIsolate } = deployment({ S3_DIALECT: name });
    expect(s3Of(freshIsolate()).dialect).toEqual(kept);
    const bindings = { S3_PREFIX: prefix, S3_DIALECT: name, STORAGE_TIMEOUT_MS: "10000" };
    const put = await viaFaults("/v1/dialect-named/items/k", { method: "PUT", body: "v1", headers: { "content-type": "text/plain" } }, bindings);
    expect(put.ok).toBe(true);
    const v1 = put.headers.get("etag") ?? "";
    const cas = await viaFaults("/v1/dialect-named/items/k", { method: "PUT", body: "v2", headers: { "if-match": v1 } }, bindings);
    expect(cas.status).toBe(200);
    const stale = await viaFaults("/v1/dialect-named/items/k", { method: "PUT", body: "v3", headers: { "if-match": v1 } }, bindings);
    expect(stale.status).toBe(412);
    await stale.body?.cancel();
    const touch = await viaFaults("/v1/dialect-named/items/k?op=touch&ttl=600", { method: "POST" }, bindings);
    expect(touch.status).toBe(200);
    const { etag } = (await touch.json()) as { etag: string };
    const del = await viaFaults("/v1/dialect-named/items/k", { method: "DELETE", headers: { "if-match": etag } }, bindings);
    expect(del.status).toBe(204);
    const gone = await viaFaults("/v1/dialect-named/items/k", { headers: { "cache-control": "no-cache" } }, bindings);
    expect(gone.status).toBe(404);
    await gone.body?.cancel();

    expect(await probeCalls(prefix)).toEqual([]);
    expect(await keptDialect(freshIsolate())).toBeNull();
  });
});
