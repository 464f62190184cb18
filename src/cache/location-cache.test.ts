import { describe, expect, it } from "vitest";
import { cacheKeyUrl, cacheMaxAge, isCacheable, MAX_CACHED_BYTES } from "./location-cache";

describe("cacheMaxAge", () => {
  it("is EDGE_TTL for items that never expire", () => {
    expect(cacheMaxAge(null, 60, 1000)).toBe(60);
  });
  it("is the remaining TTL when that is shorter", () => {
    expect(cacheMaxAge(1010, 60, 1000)).toBe(10);
    expect(cacheMaxAge(2000, 60, 1000)).toBe(60);
  });
  it("is 0 for an expired item or EDGE_TTL 0", () => {
    expect(cacheMaxAge(1000, 60, 1000)).toBe(0);
    expect(cacheMaxAge(null, 0, 1000)).toBe(0);
  });
});

describe("isCacheable", () => {
  it("needs at least a second of life and a bounded size", () => {
    expect(isCacheable(10, 1)).toBe(true);
    expect(isCacheable(10, 0)).toBe(false);
    expect(isCacheable(MAX_CACHED_BYTES, 60)).toBe(true);
    expect(isCacheable(MAX_CACHED_BYTES + 1, 60)).toBe(false);
  });
});

describe("cacheKeyUrl", () => {
  it("separates deployments, namespaces, generations and keys", () => {
    const a = cacheKeyUrl("d1", "ns", 0, "a%20b");
    expect(a).not.toBe(cacheKeyUrl("d1", "ns", 1, "a%20b"));
    expect(a).not.toBe(cacheKeyUrl("d1", "ns2", 0, "a%20b"));
    expect(a).not.toBe(cacheKeyUrl("d1", "ns", 0, "a%2Bb"));
    expect(a).not.toBe(cacheKeyUrl("d2", "ns", 0, "a%20b"));
    expect(new URL(a).protocol).toBe("https:");
  });
});
