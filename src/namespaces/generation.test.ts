import { describe, expect, inject, it } from "vitest";
import { testConfig, testStorage, uniquePrefix } from "../../test/store";
import { Generations, generationCacheUrl, parseGeneration } from "./generation";

/** Nothing listens there (test/global-setup.ts). */
const UNREACHABLE = inject("brokenEndpoints").closed;

describe("parseGeneration", () => {
  it("reads whole numbers only", () => {
    expect(parseGeneration("0")).toBe(0);
    expect(parseGeneration(" 42\n")).toBe(42);
    for (const bad of ["", "-1", "1.5", "x", "1e3", "9".repeat(16)]) expect(parseGeneration(bad), bad).toBeNull();
  });
});

describe("Generations (real store, a cache of its own)", () => {
  const setup = async (edgeTtl = 60) => {
    const config = testConfig({ S3_PREFIX: uniquePrefix("gen") });
    const cache = await caches.open(`gen-${Math.random()}`);
    const broken = testConfig({ S3_PREFIX: config.s3.prefix, S3_ENDPOINT: UNREACHABLE });
    return {
      config,
      cache,
      live: new Generations(testStorage(config), config.s3.prefix, cache, edgeTtl),
      offline: new Generations(testStorage(broken), config.s3.prefix, cache, edgeTtl),
    };
  };

  it("starts at 0 and counts up by one per flush", async () => {
    const { live } = await setup();
    expect(await live.current("ns")).toBe(0);
    expect(await live.flush("ns")).toBe(1);
    expect(await live.flush("ns")).toBe(2);
    expect(await live.current("ns")).toBe(2);
    expect(await live.current("other")).toBe(0);
  });

  it("asks storage at most once per EDGE_TTL, then again", async () => {
    const { live, offline } = await setup(60);
    const t0 = Date.now();
    expect(await live.current("ns", { now: t0 })).toBe(0);
    // Within EDGE_TTL: answered from the location cache, storage unreachable or not.
    expect(await offline.current("ns", { now: t0 + 59_000 })).toBe(0);
    // Past it: storage is asked (and here it cannot be reached).
    await expect(offline.current("ns", { now: t0 + 60_000 })).rejects.toMatchObject({ code: "storage_unavailable" });
    // `fresh` always asks.
    await expect(offline.current("ns", { fresh: true, now: t0 })).rejects.toMatchObject({ code: "storage_unavailable" });
  });

  it("never lowers the generation a location knows: a slow read of the old one cannot undo a flush", async () => {
    const { live, cache, config } = await setup(60);
    expect(await live.flush("ns")).toBe(1);
    // A stale answer (generation 0) arriving after the flush: the entry keeps 1.
    await cache.put(generationCacheUrl(config.s3.prefix, "ns"), new Response("0", { headers: { "cache-control": "max-age=60", "x-fetched-at": String(Date.now()) } }));
    expect(await live.current("ns")).toBe(1);
  });

  it("after a flush, writes the location's entry again a moment later, over a stale one stored meanwhile", async () => {
    const { live, cache, config } = await setup(60);
    const later: Promise<unknown>[] = [];
    expect(await live.flush("ns", (promise) => later.push(promise))).toBe(1);
    // Another isolate of this location stores the generation it read before the flush.
    await cache.put(generationCacheUrl(config.s3.prefix, "ns"), new Response("0", { headers: { "cache-control": "max-age=60", "x-fetched-at": String(Date.now()) } }));
    await Promise.all(later);
    const entry = await cache.match(generationCacheUrl(config.s3.prefix, "ns"));
    expect(await entry?.text()).toBe("1");
  });

  it("does not cache when EDGE_TTL is 0", async () => {
    const { live, offline } = await setup(0);
    expect(await live.current("ns")).toBe(0);
    await expect(offline.current("ns")).rejects.toMatchObject({ code: "storage_unavailable" });
  });
});
