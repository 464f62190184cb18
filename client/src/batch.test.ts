import { describe, expect, it } from "vitest";
import { type BatchAnswer, batchKeysFrom, chunk, MAX_BATCH_KEYS, readDeleted, readGot, readPresent, readWritten } from "./batch.js";
import { CloudCachedError } from "./errors.js";

describe("chunk", () => {
  it("splits into runs of at most n, dropping repeats (the last given wins)", () => {
    expect(chunk([1, 2, 3, 4, 5], 2, String)).toStrictEqual([[1, 2], [3, 4], [5]]);
    expect(chunk(["a", "b", "a"], 100, (k) => k)).toStrictEqual([["a", "b"]]);
    expect(chunk([{ k: "a", v: 1 }, { k: "a", v: 2 }], 100, (e) => e.k)).toStrictEqual([[{ k: "a", v: 2 }]]);
    expect(chunk([], 100, String)).toStrictEqual([]);
  });
});

describe("reading a batch answer", () => {
  const answer: BatchAnswer = {
    get: {
      a: { value: "hello", encoding: "utf8", contentType: "text/plain", etag: '"1"', expiresAt: 1 },
      b: { value: "AAEC", encoding: "base64", contentType: "application/octet-stream", etag: '"2"', expiresAt: null },
      j: { value: '{"x":1}', encoding: "utf8", contentType: "application/json", etag: '"3"', expiresAt: null },
      zz: null,
      no: { error: { code: "forbidden", message: "outside the token's prefix" } },
      big: { error: { code: "value_too_large", message: "read it with GET" } },
      __proto__: { value: "proto", encoding: "utf8", contentType: "text/plain", etag: '"4"', expiresAt: null },
    },
    set: { a: { etag: '"5"', expiresAt: null }, bad: { error: { code: "value_too_large", message: "too big" } } },
    delete: { c: {}, d: { error: { code: "forbidden", message: "no" } } },
  };

  it("gets: values typed by content type, null for absent, the key's own error", () => {
    expect(readGot(answer, "a")).toBe("hello");
    expect(readGot(answer, "b")).toStrictEqual(new Uint8Array([0, 1, 2]));
    expect(readGot(answer, "j")).toStrictEqual({ x: 1 });
    expect(readGot(answer, "zz")).toBeNull();
    expect(readGot(answer, "no")).toMatchObject({ status: 403, code: "forbidden" });
    expect(readGot(answer, "missing")).toBeInstanceOf(CloudCachedError);
    expect(readGot(answer, "constructor")).toBeInstanceOf(CloudCachedError);
  });

  it("presence: a value or a value too large for a batch is there, null is not, other errors are the key's", () => {
    expect(readPresent(answer, "a")).toBe(true);
    expect(readPresent(answer, "big")).toBe(true);
    expect(readPresent(answer, "zz")).toBe(false);
    expect(readPresent(answer, "no")).toMatchObject({ status: 403, code: "forbidden" });
    expect(readPresent(answer, "missing")).toBeInstanceOf(CloudCachedError);
  });

  it("sets and deletes", () => {
    expect(readWritten(answer, "a")).toStrictEqual({ etag: '"5"', expiresAt: null });
    expect(readWritten(answer, "bad")).toMatchObject({ status: 413, code: "value_too_large" });
    expect(readDeleted(answer, "c")).toBe(true);
    expect(readDeleted(answer, "d")).toMatchObject({ code: "forbidden" });
    expect(readDeleted(answer, "e")).toBeInstanceOf(CloudCachedError);
  });
});

describe("batchKeysFrom (GET /v1)", () => {
  it("is the index's limits.batchKeys, at most 100; 100 when the index does not say", () => {
    expect(batchKeysFrom({ limits: { batchKeys: 16, subrequestsPerRequest: 50 } })).toBe(16);
    expect(batchKeysFrom({ limits: { batchKeys: 250 } })).toBe(MAX_BATCH_KEYS);
    for (const unknown of [null, {}, { limits: null }, { limits: { batchKeys: 0 } }, { limits: { batchKeys: "11" } }, { limits: { batchKeys: 2.5 } }]) {
      expect(batchKeysFrom(unknown)).toBe(MAX_BATCH_KEYS);
    }
  });
});
