// NEEDS the batch endpoint (POST /v1/{ns}/batch, API.md "Batch"): getMany / setMany / deleteMany.
import { describe, expect, it } from "vitest";
import { MAX_BATCH_KEYS } from "../src/batch.js";
import { CloudCached, CloudCachedError, type ManyEntry } from "../src/index.js";
import { startFaultServer } from "./support/fault-server.js";
import { adminClient, adminToken, workerUrl } from "./support/helpers.js";

describe("batches", () => {
  it("setMany then getMany: every type restored, null for an absent key", async () => {
    const cache = adminClient();
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const results = await cache.setMany({ s: "42", n: 42, o: { a: [1, null] }, b: bytes, t: true, z: null }, { ttl: 120 });
    expect([...results.keys()].sort()).toStrictEqual(["b", "n", "o", "s", "t", "z"]);
    for (const result of results.values()) {
      expect(result).not.toBeInstanceOf(CloudCachedError);
      expect(result).toMatchObject({ etag: expect.stringMatching(/^"/) });
      expect((result as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now() / 1000 + 100);
    }
    const got = await cache.getMany(["s", "n", "o", "b", "t", "z", "absent"]);
    expect(got.get("s")).toBe("42");
    expect(got.get("n")).toBe(42);
    expect(got.get("o")).toStrictEqual({ a: [1, null] });
    expect(got.get("b")).toStrictEqual(bytes);
    expect(got.get("t")).toBe(true);
    expect(got.get("z")).toBeNull();
    expect(got.has("absent")).toBe(true);
    expect(got.get("absent")).toBeNull();
    // What a batch wrote, a plain get reads with the same type.
    expect(await cache.get("b")).toStrictEqual(bytes);
    expect(await cache.get("s")).toBe("42");
  });

  it("more than 100 keys are split into several requests", async () => {
    const cache = adminClient();
    const entries = Array.from({ length: 130 }, (_, i) => [`k/${i}`, i] as const);
    const written = await cache.setMany(entries);
    expect(written.size).toBe(130);
    const got = await cache.getMany(entries.map(([key]) => key));
    expect(got.size).toBe(130);
    for (const [key, value] of entries) expect(got.get(key)).toBe(value);
    const deleted = await cache.deleteMany(entries.map(([key]) => key));
    expect([...deleted.values()].every((d) => d === true)).toBe(true);
    const after = await cache.getMany(entries.slice(0, 120).map(([key]) => key));
    expect([...after.values()].every((v) => v === null)).toBe(true);
  });

  it("setMany: an entry's own ttl wins over the call's, which applies to the rest", async () => {
    const cache = adminClient();
    const now = Math.floor(Date.now() / 1000);
    const results = await cache.setMany([["own", 1, { ttl: 30 }], ["never", 2, { ttl: 0 }], ["shared", 3]], { ttl: 600 });
    const expiry = (key: string) => (results.get(key) as { expiresAt: number | null }).expiresAt;
    expect(expiry("own")).toBeGreaterThanOrEqual(now + 30);
    expect(expiry("own")).toBeLessThan(now + 60);
    expect(expiry("never")).toBeNull();
    expect(expiry("shared")).toBeGreaterThanOrEqual(now + 600);
    expect((await cache.info("own"))?.expiresAt).toBe(expiry("own"));
    await expect(cache.setMany([["bad", 1, { ttl: -1 }]])).rejects.toThrow(TypeError);
  });

  it("hasMany: true for live items (a stored null and a value too large for a batch included), false for absent or deleted, in batches of 100", async () => {
    const cache = adminClient();
    await cache.setMany(Array.from({ length: 120 }, (_, i) => [`k${i}`, i] as const));
    await cache.set("null", null);
    await cache.set("big", new Uint8Array(1024 * 1024 + 1));
    await cache.delete("k3");
    const keys = [...Array.from({ length: 120 }, (_, i) => `k${i}`), "null", "big", "absent"];
    const present = await cache.hasMany(keys);
    expect(present.size).toBe(keys.length);
    expect([...present.entries()].filter(([, there]) => !there).map(([key]) => key).sort()).toStrictEqual(["absent", "k3"]);
    expect(present.get("null")).toBe(true);
    expect(present.get("big")).toBe(true);
    expect((await cache.getMany(["big"])).get("big")).toMatchObject({ code: "value_too_large", message: expect.stringMatching(/^key "big": /) });
  }, 120_000);

  it("the raw batch answers as API.md shows", async () => {
    const cache = adminClient();
    const answer = await cache.batch({
      set: [
        { key: "a", value: "hello", ttl: 60, contentType: "text/plain" },
        { key: "b", value: "AAEC", encoding: "base64", contentType: "application/octet-stream" },
      ],
      delete: ["c"],
      get: ["a", "b", "zz"],
    });
    expect(answer.get?.a).toMatchObject({ value: "hello", encoding: "utf8", contentType: "text/plain" });
    expect(answer.get?.b).toMatchObject({ value: "AAEC", encoding: "base64", contentType: "application/octet-stream" });
    expect(answer.get?.zz).toBeNull();
    expect(answer.delete?.c).toStrictEqual({});
    expect(answer.set?.a).toMatchObject({ etag: expect.any(String) });
  });

  it("a bad entry is refused, naming its key, before anything is sent: nothing of the call is written", async () => {
    const cache = adminClient();
    const tooLong = "x".repeat(600);
    await expect(cache.getMany(["fine", tooLong])).rejects.toThrow(`getMany: key "${tooLong}": invalid key`);
    await expect(cache.setMany([["fine", 1], ["a//b", 2]])).rejects.toThrow('setMany: key "a//b": invalid key: empty path segment');
    await expect(cache.setMany([["fine", 1], ["k", 2, { ttl: -1 }]])).rejects.toThrow(new TypeError('setMany: key "k": ttl must be a non-negative integer, got -1'));
    await expect(cache.setMany([["fine", 1], ["nan", Number.NaN]])).rejects.toThrow(/^setMany: key "nan": /);
    expect(await cache.get("fine")).toBeNull();
  });
});

describe("one key's failure is that key's own: the others keep their values and results", () => {
  /** A client whose token reaches only keys under `ok/`, and the admin's client of the same namespace. */
  async function scoped(): Promise<{ cache: CloudCached; admin: CloudCached }> {
    const admin = adminClient();
    const { token } = await admin.mintToken({ namespaces: [admin.namespace], prefix: "ok/", scopes: ["read", "write"], ttl: 600 });
    return { cache: new CloudCached({ url: workerUrl(), token, namespace: admin.namespace }), admin };
  }

  it("getMany and hasMany: a refused key is its error (naming it), the others' values are there", async () => {
    const { cache, admin } = await scoped();
    await admin.setMany({ "ok/a": "A", "no/b": "B", "ok/big": "x".repeat(1024 * 1024 + 1) });
    const got = await cache.getMany(["ok/a", "no/b", "ok/absent", "ok/big"]);
    expect(got.get("ok/a")).toBe("A");
    expect(got.get("ok/absent")).toBeNull();
    expect(got.get("no/b")).toMatchObject({ status: 403, code: "forbidden", message: expect.stringMatching(/^key "no\/b": /) });
    expect(got.get("ok/big")).toMatchObject({ code: "value_too_large" });
    const present = await cache.hasMany(["ok/a", "no/b", "ok/absent"]);
    expect(present.get("ok/a")).toBe(true);
    expect(present.get("ok/absent")).toBe(false);
    expect(present.get("no/b")).toMatchObject({ code: "forbidden" });
  });

  it("setMany and deleteMany: each key's result or its own error, nothing thrown", async () => {
    const { cache, admin } = await scoped();
    const written = await cache.setMany({ "ok/a": 1, "no/b": 2 });
    expect(written.get("ok/a")).toMatchObject({ etag: expect.stringMatching(/^"/) });
    expect(written.get("no/b")).toMatchObject({ code: "forbidden", message: expect.stringMatching(/^key "no\/b": /) });
    expect(await admin.get("ok/a")).toBe(1);
    expect(await admin.get("no/b")).toBeNull();
    await admin.set("no/b", "kept");
    const deleted = await cache.deleteMany(["ok/a", "no/b"]);
    expect(deleted.get("ok/a")).toBe(true);
    expect(deleted.get("no/b")).toMatchObject({ code: "forbidden" });
    expect(await admin.get("no/b")).toBe("kept");
  });

  it("setMany after earlier batches were applied: a later request refused whole for one entry (a ttl over MAX_TTL) is that entry's error, named by its key; the rest is stored", async () => {
    const cache = adminClient();
    const size = await cache.batchSize();
    const entries: ManyEntry[] = Array.from({ length: size + 3 }, (_, i) => [`k${i}`, i]);
    // In the second request: a ttl only the server knows is too long.
    entries[size + 1] = [`k${size + 1}`, "late", { ttl: 10 * 365 * 24 * 3600 }];
    const written = await cache.setMany(entries);
    expect(written.size).toBe(size + 3);
    const refused = written.get(`k${size + 1}`);
    expect(refused).toMatchObject({ status: 400, code: "bad_request" });
    expect((refused as Error).message).toMatch(new RegExp(`^key "k${size + 1}": ttl: at most \\d+ seconds$`));
    for (const [key, value] of entries) {
      if (key === `k${size + 1}`) continue;
      expect(written.get(key), key).not.toBeInstanceOf(CloudCachedError);
      expect(await cache.get(key), key).toBe(value);
    }
    expect(await cache.get(`k${size + 1}`)).toBeNull();
  });

  it("setMany: a request that fails with no answer is its keys' error; the applied ones keep their results, the later ones are not sent", async () => {
    const admin = adminClient();
    const size = await admin.batchSize();
    // The index, the first batch, then a connection dropped before any answer.
    const faulty = await startFaultServer([{ forward: workerUrl() }, { forward: workerUrl() }, { destroy: true }], { forward: workerUrl() });
    try {
      const cache = new CloudCached({ url: faulty.url, token: adminToken(), namespace: admin.namespace });
      const keys = Array.from({ length: 2 * size + 1 }, (_, i) => `k${i}`);
      // And a value too large for any batch, whose PUT would come last: not sent either.
      const written = await cache.setMany([...keys.map((key) => [key, key] as const), ["huge", "h".repeat(17 * 1024 * 1024)] as const]);
      expect(written.size).toBe(keys.length + 1);
      expect(written.get("huge")).toMatchObject({ code: "network_error", message: expect.stringMatching(/^not sent/) });
      for (const key of keys.slice(0, size)) expect(written.get(key), key).toMatchObject({ etag: expect.any(String) });
      for (const key of keys.slice(size, 2 * size)) expect(written.get(key), key).toMatchObject({ code: "network_error" });
      expect(written.get(keys[2 * size] as string)).toMatchObject({ code: "network_error", message: expect.stringMatching(/^not sent/) });
      expect(faulty.requests.map((r) => r.method)).toStrictEqual(["GET", "POST", "POST"]);
      expect(await admin.get("k0")).toBe("k0");
      expect(await admin.get(keys[2 * size] as string)).toBeNull();
    } finally {
      await faulty.close();
    }
  });

  it("setMany splits by body size too (a request holds at most 16 MiB of JSON), and sends a value too large for any batch by PUT", async () => {
    const cache = adminClient();
    const sixMiB = "a".repeat(6 * 1024 * 1024);
    const seventeenMiB = "b".repeat(17 * 1024 * 1024);
    const written = await cache.setMany({ one: sixMiB, two: sixMiB, three: sixMiB, huge: seventeenMiB });
    for (const key of ["one", "two", "three", "huge"]) expect(written.get(key), key).toMatchObject({ etag: expect.stringMatching(/^"/) });
    expect([...written.keys()]).toStrictEqual(["one", "two", "three", "huge"]);
    expect((await cache.getBytes("three"))?.value.byteLength).toBe(sixMiB.length);
    expect((await cache.getBytes("huge"))?.value.byteLength).toBe(seventeenMiB.length);
  }, 120_000);
});

describe("the batch size a deployment allows (GET /v1)", () => {
  it("getMany, setMany and deleteMany split their keys by it", async () => {
    const cache = adminClient();
    const size = await cache.batchSize();
    expect(size).toBeGreaterThanOrEqual(1);
    expect(size).toBeLessThanOrEqual(MAX_BATCH_KEYS);
    const entries = Array.from({ length: 2 * size + 1 }, (_, i) => [`split/${i}`, i] as const);
    const written = await cache.setMany(entries);
    expect([...written.values()].every((w) => !(w instanceof CloudCachedError))).toBe(true);
    const got = await cache.getMany(entries.map(([key]) => key));
    for (const [key, value] of entries) expect(got.get(key)).toBe(value);
  });
});
