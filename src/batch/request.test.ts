import { describe, expect, it } from "vitest";
import { decodeBase64, MAX_BATCH_KEYS, parseBatch } from "./request";

const parse = (body: unknown) => parseBatch(JSON.stringify(body), 31_536_000);

describe("parseBatch", () => {
  it("reads API.md's example", () => {
    const batch = parse({
      set: [
        { key: "a", value: "hello", ttl: 60, contentType: "text/plain" },
        { key: "b", value: "AAEC", encoding: "base64" },
      ],
      delete: ["c"],
      get: ["a", "b", "zz"],
    });
    expect(batch.get).toEqual([{ key: "a" }, { key: "b" }, { key: "zz" }]);
    expect(batch.delete).toEqual(["c"]);
    expect(batch.set[0]).toEqual({ key: "a", value: new TextEncoder().encode("hello"), ttl: 60, contentType: "text/plain" });
    expect(batch.set[1]).toEqual({ key: "b", value: new Uint8Array([0, 1, 2]), ttl: undefined, contentType: "application/octet-stream" });
  });
  it("accepts an empty batch and repeated gets or deletes (answered once)", () => {
    expect(parse({})).toEqual({ get: [], set: [], delete: [], leases: new Map() });
    expect(parse({ get: ["a", "a"], delete: ["b", "b"] })).toEqual({ get: [{ key: "a" }], set: [], delete: ["b"], leases: new Map() });
  });
  it("reads get entries asking for a lease, beside plain keys, each key once", () => {
    const batch = parse({ get: ["a", { key: "b", lease: 30 }, { key: "c", lease: 300, refreshBelow: 10 }, { key: "b", lease: 30 }] });
    expect(batch.get.map((get) => get.key)).toEqual(["a", "b", "c"]);
    expect(batch.leases).toEqual(
      new Map([
        ["b", { seconds: 30, refreshBelow: null }],
        ["c", { seconds: 300, refreshBelow: 10 }],
      ]),
    );
  });
  it("reads a get entry asking for both a stale value and a lease", () => {
    const batch = parse({ get: [{ key: "a", maxStale: 30, lease: 10 }] });
    expect(batch.get).toEqual([{ key: "a", maxStale: 30, lease: { seconds: 10, refreshBelow: null } }]);
    expect(() => parse({ get: [{ key: "b", refreshBelow: 5 }] })).toThrow(/only with lease/);
  });
  it("refuses malformed or unexpected bodies, naming the problem", () => {
    const cases: [string, RegExp][] = [
      ["{", /malformed JSON/],
      ["[]", /JSON object/],
      ['"x"', /JSON object/],
      [JSON.stringify({ gets: [] }), /unknown field 'gets'/],
      [JSON.stringify({ get: "a" }), /get: an array/],
      [JSON.stringify({ get: [1] }), /get\[0\]: a key must be a string/],
      [JSON.stringify({ get: ["a//b"] }), /get\[0\].*empty path segment/],
      [JSON.stringify({ get: [{ key: "a", lease: 0 }] }), /get\[0\].lease/],
      [JSON.stringify({ get: [{ key: "a", lease: 301 }] }), /get\[0\].lease/],
      [JSON.stringify({ get: [{ key: "a", lease: "30" }] }), /get\[0\].lease/],
      [JSON.stringify({ get: [{ key: "a", lease: 30, refreshBelow: 0 }] }), /get\[0\].refreshBelow/],
      [JSON.stringify({ get: [{ key: "a", lease: 30, ttl: 5 }] }), /get\[0\]: unknown field 'ttl'/],
      [JSON.stringify({ get: [{ lease: 30 }] }), /get\[0\].key/],
      [JSON.stringify({ get: ["a", { key: "a", lease: 30 }] }), /asked twice with different options/],
      [JSON.stringify({ delete: [".."] }), /delete\[0\]/],
      [JSON.stringify({ set: {} }), /set: an array/],
      [JSON.stringify({ set: [{ key: "a", value: "x", extra: 1 }] }), /set\[0\]: unknown field 'extra'/],
      [JSON.stringify({ set: [{ key: "a" }] }), /set\[0\].value/],
      [JSON.stringify({ set: [{ key: "a", value: 5 }] }), /set\[0\].value/],
      [JSON.stringify({ set: [{ key: "a", value: "!", encoding: "base64" }] }), /invalid base64/],
      [JSON.stringify({ set: [{ key: "a", value: "x", encoding: "hex" }] }), /encoding/],
      [JSON.stringify({ set: [{ key: "a", value: "x", ttl: -1 }] }), /ttl/],
      [JSON.stringify({ set: [{ key: "a", value: "x", ttl: 1.5 }] }), /ttl/],
      [JSON.stringify({ set: [{ key: "a", value: "x", ttl: "60" }] }), /ttl/],
      [JSON.stringify({ set: [{ key: "a", value: "x", ttl: 31_536_001 }] }), /at most/],
      [JSON.stringify({ set: [{ key: "a", value: "x", contentType: "nope" }] }), /contentType/],
      [JSON.stringify({ set: [{ key: "a", value: "x" }, { key: "a", value: "y" }] }), /set twice/],
      [JSON.stringify({ set: [{ key: "a", value: "x" }], delete: ["a"] }), /both set and deleted/],
      [JSON.stringify({ set: [{ key: "a", value: "x", grace: -1 }] }), /set\[0\].grace/],
      [JSON.stringify({ set: [{ key: "a", value: "x", grace: 2.5 }] }), /set\[0\].grace/],
      [JSON.stringify({ set: [{ key: "a", value: "x", grace: 31_536_001 }] }), /set\[0\].grace: at most/],
      [JSON.stringify({ get: [{ key: "a", maxStale: -1 }] }), /get\[0\].maxStale/],
      [JSON.stringify({ get: [{ key: "a", maxStale: "30" }] }), /get\[0\].maxStale/],
      [JSON.stringify({ get: [{ key: "a", maxStale: false }] }), /get\[0\].maxStale/],
      [JSON.stringify({ get: [{ maxStale: 3 }] }), /get\[0\].key/],
      [JSON.stringify({ get: [{ key: "a", stale: 3 }] }), /get\[0\]: unknown field 'stale'/],
      [JSON.stringify({ get: ["a", { key: "a", maxStale: 3 }] }), /'a' is asked twice with different options/],
      [JSON.stringify({ get: Array.from({ length: 60 }, (_, i) => `g${i}`), delete: Array.from({ length: 41 }, (_, i) => `d${i}`) }), /too many keys: 101/],
    ];
    for (const [body, message] of cases) expect(() => parseBatch(body, 31_536_000), body).toThrow(message);
  });
  it("reads a set's grace and a get's maxStale (seconds, or true for any staleness within grace)", () => {
    const batch = parse({ set: [{ key: "s", value: "v", ttl: 60, grace: 300 }], get: ["a", { key: "b", maxStale: 30 }, { key: "c", maxStale: true }, { key: "d" }, { key: "b", maxStale: 30 }] });
    expect(batch.set[0]?.grace).toBe(300);
    expect(batch.get).toEqual([{ key: "a" }, { key: "b", maxStale: 30 }, { key: "c", maxStale: Number.POSITIVE_INFINITY }, { key: "d" }]);
    expect(parse({ set: [{ key: "s", value: "v" }] }).set[0]?.grace).toBeUndefined();
  });
  it("allows exactly the maximum", () => {
    expect(parse({ get: Array.from({ length: MAX_BATCH_KEYS }, (_, i) => `k${i}`) }).get).toHaveLength(MAX_BATCH_KEYS);
  });
  it("decodes strict base64 only", () => {
    expect(decodeBase64("AAEC")).toEqual(new Uint8Array([0, 1, 2]));
    expect(decodeBase64("")).toEqual(new Uint8Array(0));
    for (const bad of ["AAE", "AA=C", "A-_B", "AAEC "]) expect(decodeBase64(bad), bad).toBeNull();
  });
});
