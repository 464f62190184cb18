// cloudcached/unstorage against the real Worker + store, tested the way unstorage tests its own
// drivers: `testDriver` below repeats the cases of unstorage's test/drivers/utils.ts (v1.17) one for
// one, through a stock `createStorage`, and `additionalTests` adds what it does not cover: raw
// bytes, keys with `:` and `/`, ttl, getKeys and clear with a base, getMeta, batches, dispose.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createStorage, type Driver, prefixStorage, restoreSnapshot, type Storage, type StorageValue } from "unstorage";
import { CloudCached, type FetchLike, PartialFailureError } from "../src/index.js";
import cloudcachedDriver from "../src/unstorage.js";
import { adminClient, adminToken, recordingFetch, uniqueNamespace, workerUrl } from "./support/helpers.js";

interface TestContext {
  storage: Storage;
  driver: Driver;
}

interface TestOptions {
  driver: () => Driver;
  additionalTests?: (ctx: TestContext) => void;
}

/** unstorage's own `testDriver` (test/drivers/utils.ts), case for case. */
function testDriver(opts: TestOptions): void {
  const ctx = {} as TestContext;

  beforeAll(() => {
    ctx.driver = opts.driver();
    ctx.storage = createStorage({ driver: ctx.driver });
  });

  afterAll(async () => {
    await ctx.driver?.dispose?.();
    await ctx.storage?.dispose?.();
  });

  afterEach(async () => {
    await ctx.storage.clear();
  });

  it("init", async () => {
    await restoreSnapshot(ctx.storage, { initial: "works" });
    expect(await ctx.storage.getItem("initial")).toBe("works");
    await ctx.storage.clear();
  });

  it("initial state", async () => {
    expect(await ctx.storage.hasItem("s1:a")).toBe(false);
    expect(await ctx.storage.getItem("s2:a")).toBe(null);
    expect(await ctx.storage.getKeys()).toMatchObject([]);
  });

  it("setItem", async () => {
    await ctx.storage.setItem("s1:a", "test_data");
    await ctx.storage.setItem("s2:a", "test_data");
    await ctx.storage.setItem("s3:a?q=1", "test_data");
    expect(await ctx.storage.hasItem("s1:a")).toBe(true);
    expect(await ctx.storage.getItem("s1:a")).toBe("test_data");
    expect(await ctx.storage.getItem("s3:a?q=2")).toBe("test_data");
  });

  it("getKeys", async () => {
    await ctx.storage.setItem("s1:a", "test_data");
    await ctx.storage.setItem("s2:a", "test_data");
    await ctx.storage.setItem("s3:a?q=1", "test_data");
    expect(await ctx.storage.getKeys().then((k) => k.sort())).toMatchObject(["s1:a", "s2:a", "s3:a"].sort());
    expect(await ctx.storage.getKeys("s1").then((k) => k.sort())).toMatchObject(["s1:a"].sort());
  });

  it("getKeys with depth", async () => {
    await ctx.storage.setItem("depth0_0", "test_data");
    await ctx.storage.setItem("depth0:depth1:depth2_0", "test_data");
    await ctx.storage.setItem("depth0:depth1:depth2_1", "test_data");
    await ctx.storage.setItem("depth0:depth1_0", "test_data");
    await ctx.storage.setItem("depth0:depth1_1", "test_data");
    expect(await ctx.storage.getKeys(undefined, { maxDepth: 0 })).toMatchObject(["depth0_0"]);
    expect((await ctx.storage.getKeys(undefined, { maxDepth: 1 })).sort()).toMatchObject(["depth0:depth1_0", "depth0:depth1_1", "depth0_0"]);
    expect((await ctx.storage.getKeys(undefined, { maxDepth: 2 })).sort()).toMatchObject([
      "depth0:depth1:depth2_0",
      "depth0:depth1:depth2_1",
      "depth0:depth1_0",
      "depth0:depth1_1",
      "depth0_0",
    ]);
  });

  it("serialize (object)", async () => {
    await ctx.storage.setItem("/data/test.json", { json: "works" });
    expect(await ctx.storage.getItem("/data/test.json")).toMatchObject({ json: "works" });
  });

  it("serialize (primitive)", async () => {
    await ctx.storage.setItem("/data/true.json", true);
    expect(await ctx.storage.getItem("/data/true.json")).toBe(true);
  });

  it("serialize (lossy object with toJSON())", async () => {
    class Test1 {
      toJSON() {
        return "SERIALIZED";
      }
    }
    await ctx.storage.setItem("/data/serialized1.json", new Test1());
    expect(await ctx.storage.getItem("/data/serialized1.json")).toBe("SERIALIZED");
    class Test2 {
      toJSON() {
        return { serializedObj: "works" };
      }
    }
    await ctx.storage.setItem("/data/serialized2.json", new Test2());
    expect(await ctx.storage.getItem("/data/serialized2.json")).toMatchObject({ serializedObj: "works" });
  });

  it("serialize (error for non primitives)", async () => {
    class Test {}
    await expect(ctx.storage.setItem("/data/badvalue.json", new Test())).rejects.toThrow("[unstorage] Cannot stringify value!");
  });

  it("raw support", async () => {
    const value = new Uint8Array([1, 2, 3]);
    await ctx.storage.setItemRaw("/data/raw.bin", value);
    const rValue = await ctx.storage.getItemRaw<Uint8Array>("/data/raw.bin");
    expect(rValue?.length || rValue?.byteLength).toBe(value.length);
    expect(Buffer.from(rValue!).toString("base64")).toBe(Buffer.from(value).toString("base64"));
  });

  it("setItems", async () => {
    await ctx.storage.setItems([
      { key: "t:1", value: "test_data_t1" },
      { key: "t:2", value: "test_data_t2" },
      { key: "t:3", value: "test_data_t3" },
    ]);
    expect(await ctx.storage.getItem("t:1")).toBe("test_data_t1");
    expect(await ctx.storage.getItem("t:2")).toBe("test_data_t2");
    expect(await ctx.storage.getItem("t:3")).toBe("test_data_t3");
  });

  it("getItems", async () => {
    await ctx.storage.setItem("v3:a?q=1", "test_data_v3:a?q=1");
    await ctx.storage.setItem("v2:a", "test_data_v2:a");
    await ctx.storage.setItem("v1:a", "test_data_v1:a");
    expect(await ctx.storage.getItems([{ key: "v1:a" }, "v2:a", { key: "v3:a?q=1" }, "v4:undefined"])).toMatchObject([
      { key: "v1:a", value: "test_data_v1:a" },
      { key: "v2:a", value: "test_data_v2:a" },
      { key: "v3:a", value: "test_data_v3:a?q=1" }, // key should lose the querystring
      { key: "v4:undefined", value: null },
    ]);
  });

  it("getItem - return falsy values when set in storage", async () => {
    await ctx.storage.setItem("zero", 0);
    expect(await ctx.storage.getItem("zero")).toBe(0);
    await ctx.storage.setItem("my-false-flag", false);
    expect(await ctx.storage.getItem("my-false-flag")).toBe(false);
  });

  if (opts.additionalTests) opts.additionalTests(ctx);

  it("removeItem", async () => {
    await ctx.storage.removeItem("s1:a", false);
    expect(await ctx.storage.hasItem("s1:a")).toBe(false);
    expect(await ctx.storage.getItem("s1:a")).toBe(null);
  });

  it("clear", async () => {
    await ctx.storage.clear();
    expect(await ctx.storage.getKeys()).toMatchObject([]);
    // ensure we can clear empty storage as well: #162
    await ctx.storage.clear();
    expect(await ctx.storage.getKeys()).toMatchObject([]);
  });
}

function driverFor(namespace: string, extra: { base?: string; ttl?: number; token?: string; fetch?: FetchLike } = {}): Driver {
  return cloudcachedDriver({ url: workerUrl(), token: adminToken(), namespace, ...extra });
}

async function listed(client: CloudCached): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of client.keys()) keys.push(key);
  return keys.sort();
}

describe("drivers: cloudcached", () => {
  const namespace = uniqueNamespace("unstorage");
  testDriver({
    driver: () => driverFor(namespace),
    additionalTests(ctx) {
      it("verify stored keys: unstorage's normalized keys, as they are, in the namespace", async () => {
        await ctx.storage.setItem("s1:a", "test_data");
        await ctx.storage.setItem("s2/a", "test_data");
        await ctx.storage.setItem("s3:a?q=1", "test_data");
        expect(await listed(adminClient({ namespace }))).toStrictEqual(["s1:a", "s2:a", "s3:a"]);
      });

      it("exposes instance", () => {
        expect(ctx.driver.getInstance?.()).toBeInstanceOf(CloudCached);
        expect(ctx.driver.name).toBe("cloudcached");
      });

      it("raw bytes: every byte value, a Buffer and an ArrayBuffer round-trip; a text item reads raw as its UTF-8 bytes", async () => {
        const every = Uint8Array.from({ length: 256 }, (_, i) => i);
        await ctx.storage.setItemRaw("raw:every", every);
        expect(await ctx.storage.getItemRaw("raw:every")).toStrictEqual(every);
        await ctx.storage.setItemRaw("raw:buffer", Buffer.from("héllo"));
        expect(Buffer.from((await ctx.storage.getItemRaw<Uint8Array>("raw:buffer"))!).toString()).toBe("héllo");
        await ctx.storage.setItemRaw("raw:arraybuffer", every.buffer);
        expect(await ctx.storage.getItemRaw("raw:arraybuffer")).toStrictEqual(every);
        await ctx.storage.setItemRaw("raw:empty", new Uint8Array(0));
        expect(await ctx.storage.getItemRaw("raw:empty")).toStrictEqual(new Uint8Array(0));
        expect((await adminClient({ namespace }).info("raw:every"))?.contentType).toBe("application/octet-stream");
        await ctx.storage.setItem("raw:text", "ünï");
        expect(await ctx.storage.getItemRaw("raw:text")).toStrictEqual(new TextEncoder().encode("ünï"));
        expect(await ctx.storage.getItemRaw("raw:absent")).toBeNull();
      });

      it("keys with ':' and '/' (normalized to ':'), spaces, '%', '+', '?', Unicode and a leading '.' round-trip and list", async () => {
        const written = ["a/b/c", "a:b:d", "/lead/trail/", "sp ace", "100%", "plus+sign", "ünï:🙂", ".env", "x:..y"];
        const normalized = ["a:b:c", "a:b:d", "lead:trail", "sp ace", "100%", "plus+sign", "ünï:🙂", ".env", "x:..y"];
        for (const [i, key] of written.entries()) await ctx.storage.setItem(key, `v${i}`);
        for (const [i, key] of normalized.entries()) expect(await ctx.storage.getItem(key), key).toBe(`v${i}`);
        expect(await ctx.storage.getItem("a:b:c")).toBe(await ctx.storage.getItem("a/b/c"));
        expect((await ctx.storage.getKeys()).sort()).toStrictEqual([...normalized].sort());
        expect((await ctx.storage.getKeys("a/b")).sort()).toStrictEqual(["a:b:c", "a:b:d"]);
        expect(await ctx.storage.hasItem("100%")).toBe(true);
        expect(await adminClient({ namespace }).has("100%25")).toBe(true); // stored escaped
        await expect(ctx.storage.setItem("a:..:b", "v")).rejects.toThrow("Invalid key");
      });

      it("tags in a call's options are passed through; getMeta gives the item's tags and metadata back", async () => {
        const raw = adminClient({ namespace });
        await ctx.storage.setItem("tagged:a", "v", { tags: ["t-a", "t-shared"] });
        const meta = await ctx.storage.getMeta("tagged:a");
        expect(meta.tags).toStrictEqual(["t-a", "t-shared"]);
        await raw.set("tagged:b", "v", { meta: { origin: "client" } });
        expect((await ctx.storage.getMeta("tagged:b")).meta).toStrictEqual({ origin: "client" });
        await raw.expireTag("t-shared");
        expect(await ctx.storage.getItem("tagged:a")).toBeNull();
        expect(await ctx.storage.getItem("tagged:b")).toBe("v");
      });

      it("setItems passes each item's tags through (else the call's)", async () => {
        await ctx.storage.setItems([{ key: "many:a", value: "1", options: { tags: ["t-own"] } }, { key: "many:b", value: "2" }], { tags: ["t-common"] });
        expect((await ctx.storage.getMeta("many:a")).tags).toStrictEqual(["t-own"]);
        expect((await ctx.storage.getMeta("many:b")).tags).toStrictEqual(["t-common"]);
      });

      it("ttl in seconds: the item's expiry is set, it is gone after it, and ttl 0 or none never expires", async () => {
        const raw = adminClient({ namespace });
        const before = Math.floor(Date.now() / 1000);
        await ctx.storage.setItem("ttl:short", "v", { ttl: 1 });
        await ctx.storage.setItem("ttl:hour", "v", { ttl: 3600 });
        await ctx.storage.setItem("ttl:zero", "v", { ttl: 0 });
        await ctx.storage.setItem("ttl:none", "v");
        await ctx.storage.setItemRaw("ttl:raw", new Uint8Array([1]), { ttl: 1 });
        const hour = (await raw.info("ttl:hour"))?.expiresAt ?? 0;
        expect(hour).toBeGreaterThanOrEqual(before + 3600);
        expect(hour).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);
        expect((await raw.info("ttl:zero"))?.expiresAt).toBeNull();
        expect((await raw.info("ttl:none"))?.expiresAt).toBeNull();
        expect((await ctx.storage.getMeta("ttl:hour")).ttl).toBeGreaterThan(3590);
        expect((await ctx.storage.getMeta("ttl:none")).ttl).toBeUndefined();
        for (const key of ["ttl:short", "ttl:raw"]) {
          await vi.waitFor(async () => expect(await ctx.storage.hasItem(key)).toBe(false), { timeout: 10_000, interval: 250 });
        }
        expect(await ctx.storage.getItem("ttl:short")).toBeNull();
        expect(await ctx.storage.getItemRaw("ttl:raw")).toBeNull();
        expect(await ctx.storage.getItem("ttl:hour")).toBe("v");
        await expect(ctx.storage.setItem("ttl:bad", "v", { ttl: -5 })).rejects.toThrow(RangeError);
      });

      it("setItems: one batch of 100 keys a request, each item's own ttl over the common one", async () => {
        const raw = adminClient({ namespace });
        const items = Array.from({ length: 150 }, (_, i) => ({ key: `bulk:${i}`, value: { i } }));
        await ctx.storage.setItems<StorageValue>([{ key: "bulk:own", value: "o", options: { ttl: 30 } }, ...items], { ttl: 600 });
        const now = Math.floor(Date.now() / 1000);
        const own = (await raw.info("bulk:own"))?.expiresAt ?? 0;
        const common = (await raw.info("bulk:149"))?.expiresAt ?? 0;
        expect(own).toBeGreaterThan(now + 20);
        expect(own).toBeLessThanOrEqual(now + 30);
        expect(common).toBeGreaterThan(now + 590);
        const got = await ctx.storage.getItems(items.map(({ key }) => key));
        expect(got).toStrictEqual(items);
      }, 120_000);

      it("getMeta: etag, content type, mtime, size and the seconds left", async () => {
        const before = Math.floor(Date.now() / 1000);
        await ctx.storage.setItem("meta:a", "four", { ttl: 120 });
        const item = await adminClient({ namespace }).gets("meta:a");
        const meta = await ctx.storage.getMeta("meta:a", { nativeOnly: true });
        expect(meta).toMatchObject({ etag: item!.etag, contentType: "text/plain; charset=utf-8", size: 4 });
        expect(meta.ttl).toBeGreaterThan(110);
        expect(meta.ttl).toBeLessThanOrEqual(120);
        expect(meta.mtime).toBeInstanceOf(Date);
        expect((meta.mtime as Date).getTime() / 1000).toBeGreaterThanOrEqual(before - 1);
        expect((meta.mtime as Date).getTime() / 1000).toBeLessThanOrEqual(Date.now() / 1000 + 1);
        expect(Object.keys(await ctx.storage.getMeta("meta:absent", { nativeOnly: true }))).toStrictEqual([]);
      });

      // unstorage 1.17's storage.clear(base) never hands a driver a base (it clears whole mounts at or
      // below it: unjs/unstorage#336), so these call the driver's clear(base) as its interface defines it.
      it("clear with a base deletes only the keys under it ('s1:' spares 's10:')", async () => {
        await ctx.storage.setItems([
          { key: "s1:a", value: "x" },
          { key: "s1:b:c", value: "x" },
          { key: "s10:a", value: "kept" },
          { key: "s2:a", value: "kept" },
        ]);
        await ctx.driver.clear!("s1:", {});
        expect((await ctx.storage.getKeys()).sort()).toStrictEqual(["s10:a", "s2:a"]);
        expect(await ctx.storage.getItem("s10:a")).toBe("kept");
      });

      it("getKeys and clear with a base walk every page of the listing (more than 1000 keys)", async () => {
        const many = Array.from({ length: 1010 }, (_, i) => ({ key: `big:${String(i).padStart(4, "0")}`, value: i }));
        await ctx.storage.setItems<StorageValue>([...many, { key: "bigger:x", value: "kept" }]);
        const keys = await ctx.storage.getKeys("big");
        expect(keys.length).toBe(1010);
        expect(keys.sort()).toStrictEqual(many.map(({ key }) => key));
        await ctx.driver.clear!("big:", {});
        expect(await ctx.storage.getKeys("big")).toStrictEqual([]);
        expect(await ctx.storage.getKeys()).toStrictEqual(["bigger:x"]);
      }, 300_000);

      it("works mounted under a mountpoint and through prefixStorage; clearing the mount clears the driver", async () => {
        const mounted = createStorage().mount("cache", ctx.driver);
        await mounted.setItem("cache:m:1", "one");
        expect(await ctx.storage.getItem("m:1")).toBe("one");
        expect(await mounted.getKeys("cache:m")).toStrictEqual(["cache:m:1"]);
        const scoped = prefixStorage(mounted, "cache:m");
        await scoped.setItem("2", "two");
        expect((await scoped.getKeys()).sort()).toStrictEqual(["1", "2"]);
        expect(await ctx.storage.getItem("m:2")).toBe("two");
        await mounted.clear("cache");
        expect(await ctx.storage.getKeys()).toStrictEqual([]);
      });
    },
  });
});

describe("drivers: cloudcached with a base and options", () => {
  it("a driver base prefixes every key; clear() then deletes only its keys, never flushing the namespace", async () => {
    const ns = uniqueNamespace("unstorage");
    const raw = adminClient({ namespace: ns });
    await raw.set("outside", "kept");
    const { fetch, calls } = recordingFetch();
    const storage = createStorage({ driver: driverFor(ns, { base: "app:", fetch }) });
    await storage.setItem("s1:a", "v");
    await storage.setItem("s2/b", "v");
    expect(await listed(raw)).toStrictEqual(["app:s1:a", "app:s2:b", "outside"]);
    expect((await storage.getKeys()).sort()).toStrictEqual(["s1:a", "s2:b"]);
    expect(await storage.getKeys("s2")).toStrictEqual(["s2:b"]);
    await storage.clear();
    expect(calls).not.toContain(`POST /v1/${ns}/flush`);
    expect(await listed(raw)).toStrictEqual(["outside"]);
  });

  it("without a base, clear() is one namespace flush", async () => {
    const ns = uniqueNamespace("unstorage");
    const raw = adminClient({ namespace: ns });
    const { fetch, calls } = recordingFetch();
    const storage = createStorage({ driver: driverFor(ns, { fetch }) });
    await storage.setItem("a", "v");
    await raw.set("written-elsewhere", 1);
    calls.length = 0;
    await storage.clear();
    expect(calls).toStrictEqual([`POST /v1/${ns}/flush`]);
    expect(await listed(raw)).toStrictEqual([]);
  });

  it("the driver's ttl is the default for writes without their own", async () => {
    const ns = uniqueNamespace("unstorage");
    const storage = createStorage({ driver: driverFor(ns, { ttl: 300 }) });
    await storage.setItem("default", "v");
    await storage.setItem("own", "v", { ttl: 30 });
    await storage.setItem("never", "v", { ttl: 0 });
    const now = Math.floor(Date.now() / 1000);
    const raw = adminClient({ namespace: ns });
    expect((await raw.info("default"))?.expiresAt).toBeGreaterThan(now + 290);
    expect((await raw.info("own"))?.expiresAt).toBeLessThanOrEqual(now + 30);
    expect((await raw.info("never"))?.expiresAt).toBeNull();
  });

  it("getItems asks the batch endpoint: the deployment's batch size a request", async () => {
    const ns = uniqueNamespace("unstorage");
    const { fetch, calls } = recordingFetch();
    const storage = createStorage({ driver: driverFor(ns, { fetch }) });
    const size = await adminClient().batchSize();
    const count = 2 * size + 30;
    calls.length = 0;
    const got = await storage.getItems(Array.from({ length: count }, (_, i) => `k${i}`));
    expect(got).toHaveLength(count);
    expect(got.every(({ value }) => value === null)).toBe(true);
    expect(calls).toStrictEqual(["GET /v1", ...Array(Math.ceil(count / size)).fill(`POST /v1/${ns}/batch`)]);
  });

  it("a client already made can be handed over", async () => {
    const ns = uniqueNamespace("unstorage");
    const client = adminClient({ namespace: ns });
    const storage = createStorage({ driver: cloudcachedDriver({ client }) });
    await storage.setItem("k", "v");
    expect(await client.get("k")).toBe("v");
  });

  it("errors reject with the server's CloudCachedError (a bad token is 401)", async () => {
    const storage = createStorage({ driver: driverFor(uniqueNamespace("unstorage"), { token: "not-a-token" }) });
    await expect(storage.setItem("k", "v")).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    await expect(storage.getItem("k")).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("setItems: keys not stored are named by a PartialFailureError (with every key's outcome); the others are stored. getItems: a key that could not be read is left out, the others' values kept", async () => {
    const ns = uniqueNamespace("unstorage");
    const admin = adminClient({ namespace: ns });
    const { token } = await admin.mintToken({ namespaces: [ns], prefix: "ok:", scopes: ["read", "write"], ttl: 600 });
    const storage = createStorage({ driver: driverFor(ns, { token }) });
    const err = await storage.setItems([{ key: "ok:a", value: "A" }, { key: "no:b", value: "B" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialFailureError);
    expect((err as PartialFailureError).message).toMatch(/^1 of 2 keys failed: "no:b" \(forbidden: key "no:b": .*\); the other 1 were stored$/);
    expect((err as PartialFailureError).results.get("ok:a")).toMatchObject({ etag: expect.any(String) });
    expect(await admin.get("ok:a")).toBe("A");
    await admin.set("no:b", "B");
    expect(await storage.getItems(["ok:a", "no:b", "ok:absent"])).toStrictEqual([
      { key: "ok:a", value: "A" },
      { key: "ok:absent", value: null },
    ]);
    await expect(storage.getItems(["no:b"])).rejects.toMatchObject({ code: "forbidden" });
  });

  it("dispose() aborts calls in flight and refuses later ones", async () => {
    const ns = uniqueNamespace("unstorage");
    const driver = driverFor(ns);
    const storage = createStorage({ driver });
    await storage.setItem("k", "v");
    const pending = storage.getItem("k");
    await storage.dispose();
    await expect(pending).rejects.toThrow("disposed");
    await expect(storage.getItem("k")).rejects.toThrow("disposed");
    expect(await adminClient({ namespace: ns }).get("k")).toBe("v");
  });
});
