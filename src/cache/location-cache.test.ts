import { describe, expect, it } from "vitest";
import { cacheKeyUrl, cacheMaxAge, type CopyLabels, decodeEntryLabels, encodeEntryLabels, isCacheable, MAX_CACHED_BYTES } from "./location-cache";

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

describe("an entry's labels", () => {
  const labels: CopyLabels = {
    etag: '"abc"',
    contentType: 'text/plain; charset="utf-8"',
    size: 32,
    expiresAt: 1_800_000_000,
    grace: 600,
    tags: ["product-42", "pages"],
    writtenAt: 1_700_000_000_123,
    userMeta: '{"owner":"Zoë \\"q\\"","n":1}',
  };
  it("come back as written, with the entry's freshness", () => {
    expect(decodeEntryLabels(encodeEntryLabels(labels, 1_700_000_060_000))).toEqual({ labels, freshUntil: 1_700_000_060_000 });
    const bare: CopyLabels = { ...labels, expiresAt: null, grace: 0, tags: [], writtenAt: null, userMeta: null };
    expect(decodeEntryLabels(encodeEntryLabels(bare, 5))).toEqual({ labels: bare, freshUntil: 5 });
  });
  it("travel as one ASCII header value", () => {
    const raw = encodeEntryLabels({ ...labels, contentType: "text/plain; name=café" }, 1);
    expect(raw).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeEntryLabels(raw)?.labels.contentType).toBe("text/plain; name=café");
    expect(new Headers({ "x-expires-at": raw }).get("x-expires-at")).toBe(raw);
  });
  it("are unreadable when absent, of the earlier format (a bare expiry), or damaged: such an entry is never served", () => {
    const raw = encodeEntryLabels(labels, 1);
    for (const bad of [null, "", "1800000000", "never", "[", "{}", "[1,2]", raw.replace("600", "-1"), raw.replace("32", '"32"'), raw.replace('"product-42,pages"', "7")]) {
      expect(decodeEntryLabels(bad), String(bad)).toBeNull();
    }
  });
});
