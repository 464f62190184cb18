// NEEDS the batch endpoint (POST /v1/{ns}/batch, API.md "Batch"): getMany / setMany / deleteMany.
import { describe, expect, it } from "vitest";
import { MAX_BATCH_KEYS } from "../src/batch.js";
import { CloudCachedError } from "../src/index.js";
import { adminClient } from "./support/helpers.js";

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
    await expect(cache.getMany(["big"])).rejects.toMatchObject({ code: "value_too_large" });
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

  it("one key's failure is that key's CloudCachedError (setMany), or thrown (getMany)", async () => {
    const cache = adminClient();
    const tooLong = "x".repeat(600);
    await expect(cache.getMany([tooLong])).rejects.toBeInstanceOf(CloudCachedError);
    const results = await cache.setMany([["ok", 1]]);
    expect(results.get("ok")).not.toBeInstanceOf(CloudCachedError);
  });
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
