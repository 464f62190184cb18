import { describe, expect, it } from "vitest";
import { testConfig, testStorage, uniquePrefix, unreachableStore } from "../../test/store";
import { Generations, generationCacheUrl, generationPlan, MEMORY_TRUST_MS, newerGeneration, parseGeneration, trustedUntil } from "./generation";

/** Nothing listens there (test/global-setup.ts). */

describe("parseGeneration", () => {
  it("reads whole numbers only", () => {
    expect(parseGeneration("0")).toBe(0);
    expect(parseGeneration(" 42\n")).toBe(42);
    for (const bad of ["", "-1", "1.5", "x", "1e3", "9".repeat(16)]) expect(parseGeneration(bad), bad).toBeNull();
  });
});

describe("generationPlan", () => {
  const known = { generation: 3, trustedUntil: 10_000 };
  it("nothing known: the generation first", () => {
    expect(generationPlan(undefined, 0, false)).toBe("first");
    expect(generationPlan(undefined, 0, true)).toBe("first");
  });
  it("confirmed within the last second: memory only (no lookup)", () => {
    expect(generationPlan(known, 9_999, false)).toBe("memory");
  });
  it("older, or a no-cache read: confirmed beside the item lookup", () => {
    expect(generationPlan(known, 10_000, false)).toBe("beside");
    expect(generationPlan(known, 0, true)).toBe("beside");
  });
});

describe("trustedUntil", () => {
  it("a second after the confirming lookup began, never past EDGE_TTL after storage was asked", () => {
    expect(trustedUntil(5_000, 5_000, 60)).toBe(5_000 + MEMORY_TRUST_MS);
    // Confirmed from a location entry fetched 59.5 s ago (EDGE_TTL 60): trusted 0.5 s more only.
    expect(trustedUntil(100_000, 40_500, 60)).toBe(100_500);
    // EDGE_TTL 0: never trusted without asking.
    expect(trustedUntil(5_000, 5_000, 0)).toBe(5_000);
  });
});

describe("newerGeneration", () => {
  it("generations only grow: the higher of memory and a lookup", () => {
    expect(newerGeneration(undefined, 2)).toBe(2);
    expect(newerGeneration(3, 2)).toBe(3);
    expect(newerGeneration(3, 4)).toBe(4);
  });
});

describe("Generations (real store, a cache of its own)", () => {
  const setup = async (edgeTtl = 60) => {
    const config = testConfig({ S3_PREFIX: uniquePrefix("gen") });
    const cache = await caches.open(`gen-${Math.random()}`);
    const broken = testConfig({ S3_PREFIX: config.prefix, ...unreachableStore() });
    // One deployment (its own name), so the isolate's memory is shared between the two views of it.
    const deployment = `gen-${Math.random().toString(36).slice(2)}`;
    const background: Promise<unknown>[] = [];
    const waitUntil = (promise: Promise<unknown>) => background.push(promise);
    // One Generations object serves one request: each call below is a request of its own.
    return {
      config,
      cache,
      deployment,
      settled: () => Promise.all(background.splice(0)),
      live: () => new Generations(testStorage(config), deployment, config.prefix, cache, edgeTtl, waitUntil),
      offline: () => new Generations(testStorage(broken), deployment, config.prefix, cache, edgeTtl, waitUntil),
    };
  };

  it("starts at 0 and counts up by one per flush", async () => {
    const { live } = await setup();
    expect(await live().current("ns")).toBe(0);
    expect(await live().flush("ns")).toBe(1);
    expect(await live().flush("ns")).toBe(2);
    expect(await live().current("ns")).toBe(2);
    expect(await live().current("other")).toBe(0);
  });

  it("asks storage at most once per EDGE_TTL, then again; within a second of a confirmation, asks nothing", async () => {
    const { live, offline, settled } = await setup(60);
    const t0 = Date.now();
    expect(await live().current("ns", { now: t0 })).toBe(0);
    await settled();
    // Within a second: from memory, no lookup at all.
    expect(offline().lookup("ns", { now: t0 + 999 })).toStrictEqual({ known: 0, confirmation: null });
    // Within EDGE_TTL: answered from the location cache, storage unreachable or not.
    const later = offline().lookup("ns", { now: t0 + 59_000 });
    expect(later.known).toBe(0);
    expect(await later.confirmation).toBe(0);
    // Past it: storage is asked (and here it cannot be reached).
    await expect(offline().current("ns", { now: t0 + 60_000 })).rejects.toMatchObject({ code: "storage_unavailable" });
    // `fresh` always asks.
    await expect(offline().current("ns", { fresh: true, now: t0 })).rejects.toMatchObject({ code: "storage_unavailable" });
  });

  it("one request confirms a namespace once, however many reads it makes", async () => {
    const { live, offline, settled } = await setup(60);
    const t0 = Date.now();
    expect(await live().current("ns", { now: t0 })).toBe(0);
    await settled();
    const request = offline();
    const first = request.lookup("ns", { now: t0 + 70_000 });
    const second = request.lookup("ns", { now: t0 + 70_000 });
    expect(second.confirmation).toBe(first.confirmation);
    await expect(first.confirmation).rejects.toMatchObject({ code: "storage_unavailable" });
  });

  it("never lowers the generation a location knows: a slow read of the old one cannot undo a flush", async () => {
    const { live, cache, deployment } = await setup(60);
    expect(await live().flush("ns")).toBe(1);
    // A stale answer (generation 0) arriving after the flush: the entry keeps 1.
    await cache.put(generationCacheUrl(deployment, "ns"), new Response("0", { headers: { "cache-control": "max-age=60", "x-fetched-at": String(Date.now()) } }));
    expect(await live().current("ns", { now: Date.now() + 5_000 })).toBe(1);
  });

  it("after a flush, writes the location's entry again a moment later, over a stale one stored meanwhile", async () => {
    const { live, cache, deployment } = await setup(60);
    const later: Promise<unknown>[] = [];
    expect(await live().flush("ns", (promise) => later.push(promise))).toBe(1);
    // Another isolate of this location stores the generation it read before the flush.
    await cache.put(generationCacheUrl(deployment, "ns"), new Response("0", { headers: { "cache-control": "max-age=60", "x-fetched-at": String(Date.now()) } }));
    await Promise.all(later);
    const entry = await cache.match(generationCacheUrl(deployment, "ns"));
    expect(await entry?.text()).toBe("1");
  });

  it("does not cache when EDGE_TTL is 0", async () => {
    const { live, offline } = await setup(0);
    expect(await live().current("ns")).toBe(0);
    await expect(offline().current("ns")).rejects.toMatchObject({ code: "storage_unavailable" });
  });
});
