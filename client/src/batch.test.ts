import { describe, expect, it } from "vitest";
import {
  type BatchAnswer,
  batchKeysFrom,
  chunk,
  MAX_BATCH_BODY_BYTES,
  MAX_BATCH_KEYS,
  planSets,
  readDeleted,
  readGot,
  readGotItem,
  readPresent,
  readWritten,
  refusedEntry,
  setEntryBytes,
  unique,
} from "./batch.js";
import { CloudCachedError } from "./errors.js";

describe("chunk", () => {
  it("splits into runs of at most n, dropping repeats (the last given wins)", () => {
    expect(chunk([1, 2, 3, 4, 5], 2, String)).toStrictEqual([[1, 2], [3, 4], [5]]);
    expect(chunk(["a", "b", "a"], 100, (k) => k)).toStrictEqual([["a", "b"]]);
    expect(chunk([{ k: "a", v: 1 }, { k: "a", v: 2 }], 100, (e) => e.k)).toStrictEqual([[{ k: "a", v: 2 }]]);
    expect(chunk([], 100, String)).toStrictEqual([]);
  });
});

describe("unique", () => {
  it("keeps one entry a key, the last given, in the place of the first", () => {
    expect(unique([{ k: "a", v: 1 }, { k: "b", v: 2 }, { k: "a", v: 3 }], (e) => e.k)).toStrictEqual([{ k: "a", v: 3 }, { k: "b", v: 2 }]);
  });
});

describe("planSets: batch requests the Worker takes", () => {
  const sized = (sizes: number[]): { n: number; size: number }[] => sizes.map((size, n) => ({ n, size }));
  const names = (runs: { n: number }[][]): number[][] => runs.map((run) => run.map((e) => e.n));

  it("at most maxKeys entries a request, in order", () => {
    const { runs, alone } = planSets(sized([1, 1, 1, 1, 1]), (e) => e.size, 2);
    expect(names(runs)).toStrictEqual([[0, 1], [2, 3], [4]]);
    expect(alone).toStrictEqual([]);
  });

  it("at most maxBodyBytes of JSON a request; an entry too large for any request is sent alone (by PUT)", () => {
    const { runs, alone } = planSets(sized([400, 400, 300, 2000, 100]), (e) => e.size, 100, 1000);
    expect(names(runs)).toStrictEqual([[0, 1], [2, 4]]);
    expect(alone.map((e) => e.n)).toStrictEqual([3]);
    // The default is the Worker's batch body limit.
    expect(planSets(sized([MAX_BATCH_BODY_BYTES]), (e) => e.size, 100).alone).toHaveLength(1);
    expect(planSets([], (e: { size: number }) => e.size, 100)).toStrictEqual({ runs: [], alone: [] });
  });

  it("setEntryBytes counts the entry's JSON in bytes of UTF-8, and a comma", () => {
    const entry = { key: "é", value: "✓", contentType: "text/plain; charset=utf-8" };
    expect(setEntryBytes(entry)).toBe(new TextEncoder().encode(JSON.stringify(entry)).byteLength + 1);
  });
});

describe("refusedEntry: a refusal of a whole batch that names one entry", () => {
  const refusal = (message: string): CloudCachedError => new CloudCachedError(400, "bad_request", message);
  it("finds the entry and the reason without its place", () => {
    expect(refusedEntry(refusal("set[3].ttl: at most 31536000 seconds"), "set", 5)).toStrictEqual({ index: 3, reason: "ttl: at most 31536000 seconds" });
    expect(refusedEntry(refusal("set[0]: each set entry must be an object"), "set", 1)).toStrictEqual({ index: 0, reason: "each set entry must be an object" });
    expect(refusedEntry(refusal("delete[1]: invalid key: empty"), "delete", 2)).toStrictEqual({ index: 1, reason: "invalid key: empty" });
  });

  it("is null for a refusal naming no entry, another part, a place outside the request, or another error", () => {
    expect(refusedEntry(refusal("malformed JSON body"), "set", 5)).toBeNull();
    expect(refusedEntry(refusal("get[1]: invalid key"), "set", 5)).toBeNull();
    expect(refusedEntry(refusal("set[5].ttl: at most 1 seconds"), "set", 5)).toBeNull();
    expect(refusedEntry(new CloudCachedError(403, "forbidden", "set[0]: no"), "set", 5)).toBeNull();
    expect(refusedEntry(new Error("set[0]: no"), "set", 5)).toBeNull();
  });
});

describe("reading a batch answer", () => {
  const answer: BatchAnswer = {
    get: {
      a: { value: "hello", encoding: "utf8", contentType: "text/plain", etag: '"1"', expiresAt: 1 },
      b: { value: "AAEC", encoding: "base64", contentType: "application/octet-stream", etag: '"2"', expiresAt: null },
      j: { value: '{"x":1}', encoding: "utf8", contentType: "application/json", etag: '"3"', expiresAt: null },
      t: { value: "p", encoding: "utf8", contentType: "text/plain", etag: '"6"', expiresAt: 9, tags: ["product-42", "pages"], meta: { by: "web-3" }, stale: true },
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
    expect(readGot(answer, "no")).toMatchObject({ status: 403, code: "forbidden", message: `key "no": outside the token's prefix` });
    expect(readGot(answer, "missing")).toBeInstanceOf(CloudCachedError);
    expect(readGot(answer, "constructor")).toBeInstanceOf(CloudCachedError);
  });

  it("gets as items: the value with its ETag, expiry, content type, tags and metadata; stale as STALE", () => {
    expect(readGotItem(answer, "t")).toStrictEqual({ value: "p", etag: '"6"', expiresAt: 9, contentType: "text/plain", cache: "STALE", tags: ["product-42", "pages"], meta: { by: "web-3" } });
    expect(readGotItem(answer, "a")).toStrictEqual({ value: "hello", etag: '"1"', expiresAt: 1, contentType: "text/plain", cache: null, tags: [], meta: null });
    expect(readGotItem(answer, "zz")).toBeNull();
    expect(readGotItem(answer, "no")).toMatchObject({ status: 403, code: "forbidden" });
    expect(readGot(answer, "t")).toBe("p");
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
    expect(readWritten(answer, "bad")).toMatchObject({ status: 413, code: "value_too_large", message: `key "bad": too big` });
    expect(readDeleted(answer, "c")).toBe(true);
    expect(readDeleted(answer, "d")).toMatchObject({ code: "forbidden", message: `key "d": no` });
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
