// getOrSet against the real Worker and the embedded store: exactly one factory run across processes
// (the lease), a dead winner's lease taken over, stale values within grace while one refresh runs,
// the soft and hard timeouts, and factories that throw.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CloudCached, CloudCachedError } from "../src/index.js";
import { adminClient, adminToken, workerUrl } from "./support/helpers.js";
import { ROOT } from "./support/stack.js";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A factory that counts its runs and answers `value` after `ms`. */
function slowFactory<T>(value: T, ms: number): { factory: () => Promise<T>; runs: () => number } {
  let runs = 0;
  return {
    factory: async () => {
      runs += 1;
      await sleep(ms);
      return value;
    },
    runs: () => runs,
  };
}

/** Writes `value` with a 1 s ttl and `grace`, then waits until the Worker no longer serves it as live. */
async function expiredWithGrace(cache: CloudCached, key: string, value: string, grace: number): Promise<void> {
  await cache.set(key, value, { ttl: 1, grace });
  while ((await cache.get(key, { fresh: true })) !== null) await sleep(200);
}

/** A raw read asking for the key's lease, as a caller that then dies would: its token is never used. */
async function takeLeaseAndDie(cache: CloudCached, key: string, lease: number): Promise<string | null> {
  const response = await fetch(`${workerUrl()}/v1/${cache.namespace}/items/${encodeURIComponent(key)}`, {
    headers: { authorization: `Bearer ${adminToken()}`, "x-lease": String(lease) },
  });
  await response.body?.cancel();
  return response.headers.get("x-lease");
}

describe("getOrSet: one caller computes", () => {
  it("64 concurrent calls on one cold key from 4 processes: the factory runs exactly once and every caller gets its value", async () => {
    const cache = adminClient();
    const child = join(ROOT, "client/test/support/get-or-set-child.mjs");
    const startAt = String(Date.now() + 1500);
    const outputs = await Promise.all(
      [0, 1, 2, 3].map(() => run(process.execPath, [child, workerUrl(), adminToken(), cache.namespace, "report", startAt, "16"], { cwd: ROOT })),
    );
    const results = outputs.map(({ stdout }) => JSON.parse(stdout) as { runs: number; values: string[]; stats: { leasesWon: number } });
    expect(results.reduce((sum, r) => sum + r.runs, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.stats.leasesWon, 0)).toBe(1);
    const values = results.flatMap((r) => r.values);
    expect(values).toHaveLength(64);
    expect(new Set(values).size).toBe(1);
    expect(await cache.get("report")).toBe(values[0]);
  }, 60_000);

  it("the winner dies without writing: after its lease lapses another caller wins and completes", async () => {
    const cache = adminClient();
    expect(await takeLeaseAndDie(cache, "k", 2)).toBe("won");
    const { factory, runs } = slowFactory("fresh", 10);
    expect(await cache.getOrSet("k", factory, { lease: 2 })).toBe("fresh");
    expect(runs()).toBe(1);
    expect(cache.stats()).toMatchObject({ waits: 1, leasesWon: 1, misses: 1, factoryRuns: 1 });
    expect(await cache.get("k")).toBe("fresh");
  }, 20_000);

  it("a waiting caller never waits past lease + hardTimeout: factory_timeout", async () => {
    const cache = adminClient();
    expect(await takeLeaseAndDie(cache, "k", 30)).toBe("won");
    const { factory, runs } = slowFactory("never", 10);
    const error: unknown = await cache.getOrSet("k", factory, { lease: 1, hardTimeout: 0.5 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CloudCachedError);
    expect((error as CloudCachedError).code).toBe("factory_timeout");
    expect(runs()).toBe(0);
    expect(cache.stats()).toMatchObject({ waits: 1, timeouts: 1 });
  }, 20_000);
});

describe("getOrSet with grace", () => {
  it("within grace callers get the stale value at once while one refresh runs; a plain get never sees it; after the refresh the new value", async () => {
    const cache = adminClient();
    await expiredWithGrace(cache, "k", "old", 60);
    const { factory, runs } = slowFactory("new", 500);
    const pending: Promise<unknown>[] = [];
    const values = await Promise.all(
      Array.from({ length: 8 }, () => cache.getOrSet("k", factory, { ttl: 600, grace: 60, timeout: 0, waitUntil: (p) => pending.push(p) })),
    );
    expect(values).toEqual(Array(8).fill("old"));
    expect(await cache.get("k")).toBeNull();
    expect((await cache.gets("k", { maxStale: true }))?.cache).toBe("STALE");
    await Promise.all(pending);
    expect(runs()).toBe(1);
    expect(pending).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ staleServed: 8, leasesWon: 1, factoryRuns: 1 });
    expect(await cache.get("k")).toBe("new");
  }, 20_000);

  it("after grace the item is absent for everyone: getOrSet computes", async () => {
    const cache = adminClient();
    await cache.set("k", "old", { ttl: 1, grace: 1 });
    await sleep(3000);
    expect(await cache.get("k", { maxStale: true })).toBeNull();
    expect(await cache.getOrSet("k", () => "new")).toBe("new");
    expect(cache.stats()).toMatchObject({ misses: 1, staleServed: 0 });
  }, 20_000);

  it("timeout: the stale value is returned when the factory has not finished within it, and the factory still writes", async () => {
    const cache = adminClient();
    await expiredWithGrace(cache, "k", "old", 60);
    let finished: Promise<unknown> = Promise.resolve();
    const { factory } = slowFactory("new", 1500);
    expect(await cache.getOrSet("k", factory, { grace: 60, timeout: 0.05, waitUntil: (p) => (finished = p) })).toBe("old");
    expect(cache.stats()).toMatchObject({ timeouts: 1, staleServed: 1 });
    await finished;
    expect(await cache.get("k")).toBe("new");
  }, 20_000);

  it("hardTimeout with nothing to serve: factory_timeout, and the factory's value is written when it finishes", async () => {
    const cache = adminClient();
    let finished: Promise<unknown> = Promise.resolve();
    const { factory } = slowFactory("late", 1500);
    const error: unknown = await cache.getOrSet("k", factory, { hardTimeout: 0.05, waitUntil: (p) => (finished = p) }).catch((err: unknown) => err);
    expect((error as CloudCachedError).code).toBe("factory_timeout");
    await finished;
    expect(await cache.get("k")).toBe("late");
  }, 20_000);
});

describe("getOrSet: early refresh", () => {
  it("refreshBelow: a live value near its expiry is returned at once while one caller refreshes it; a failing refresh keeps it", async () => {
    const cache = adminClient();
    await cache.set("k", "old", { ttl: 60 });
    const pending: Promise<unknown>[] = [];
    const { factory, runs } = slowFactory("new", 100);
    const values = await Promise.all(
      Array.from({ length: 4 }, () => cache.getOrSet("k", factory, { ttl: 600, refreshBelow: 3600, waitUntil: (p) => pending.push(p) })),
    );
    expect(values).toEqual(Array(4).fill("old"));
    await Promise.all(pending);
    expect(runs()).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 4, leasesWon: 1, factoryRuns: 1 });
    expect(await cache.get("k")).toBe("new");

    await cache.set("f", "kept", { ttl: 60 });
    const background: Promise<unknown>[] = [];
    const failing = () => Promise.reject(new Error("database down"));
    expect(await cache.getOrSet("f", failing, { refreshBelow: 3600, waitUntil: (p) => background.push(p) })).toBe("kept");
    await Promise.all(background);
    expect(await cache.get("f", { fresh: true })).toBe("kept");
  }, 20_000);
});

describe("getOrSet: a factory that throws", () => {
  it("with nothing stored: the call rejects with the factory's error and the lease is released (the next caller computes at once)", async () => {
    const cache = adminClient({ getOrSet: { lease: 30 } });
    const failure = new Error("database down");
    await expect(cache.getOrSet("k", () => Promise.reject(failure))).rejects.toBe(failure);
    const other = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: cache.namespace });
    expect(await other.getOrSet("k", () => "recovered")).toBe("recovered");
    expect(other.stats()).toMatchObject({ waits: 0, leasesWon: 1 });
    expect(cache.stats()).toMatchObject({ factoryErrors: 1, leasesWon: 1 });
  }, 20_000);

  it("with a stale value: the caller gets it, and this client waits graceBackoff before running the factory again", async () => {
    const cache = adminClient({ getOrSet: { grace: 60, graceBackoff: 60 } });
    await expiredWithGrace(cache, "k", "old", 60);
    let runs = 0;
    const failing = () => {
      runs += 1;
      throw new Error("database down");
    };
    expect(await cache.getOrSet("k", failing)).toBe("old");
    expect(await cache.getOrSet("k", failing)).toBe("old");
    expect(runs).toBe(1);
    expect(cache.stats()).toMatchObject({ factoryErrors: 1, staleServed: 2 });
    expect(await cache.get("k", { maxStale: true })).toBe("old");
  }, 20_000);

  it("with a stale value: the lease is released without touching the item, so another client refreshes at once", async () => {
    const cache = adminClient({ getOrSet: { grace: 60, lease: 60 } });
    await expiredWithGrace(cache, "k", "old", 60);
    expect(await cache.getOrSet("k", () => Promise.reject(new Error("database down")))).toBe("old");
    expect(cache.stats()).toMatchObject({ factoryErrors: 1, leasesWon: 1, staleServed: 1 });
    expect(await cache.get("k", { maxStale: true })).toBe("old");
    const other = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: cache.namespace, getOrSet: { grace: 60, lease: 60 } });
    expect(await other.getOrSet("k", () => "new")).toBe("new");
    expect(other.stats()).toMatchObject({ leasesWon: 1, factoryRuns: 1 });
    expect(await cache.get("k", { fresh: true })).toBe("new");
  }, 20_000);

  it("with nothing stored: releasing the lease never deletes a value another writer stored meanwhile", async () => {
    const cache = adminClient({ getOrSet: { lease: 60 } });
    const writer = new CloudCached({ url: workerUrl(), token: adminToken(), namespace: cache.namespace });
    const failure = new Error("database down");
    const factory = async () => {
      await writer.set("k", "written meanwhile", { ttl: 600 });
      throw failure;
    };
    await expect(cache.getOrSet("k", factory)).rejects.toBe(failure);
    expect(await cache.get("k", { fresh: true })).toBe("written meanwhile");
  }, 20_000);

  it("releaseLease: true for the holder's token, false once it holds nothing; the item is untouched", async () => {
    const cache = adminClient();
    await cache.set("k", "old", { ttl: 600, grace: 60 });
    await cache.expire("k");
    const won = await cache.getWithLease("k", { maxStale: true, lease: 60 });
    expect(won.lease.kind).toBe("won");
    const token = won.lease.kind === "won" ? won.lease.token : "";
    expect((await cache.getWithLease("k", { maxStale: true, lease: 60 })).lease.kind).toBe("busy");
    expect(await cache.releaseLease("k", token)).toBe(true);
    expect(await cache.releaseLease("k", token)).toBe(false);
    expect(await cache.get("k", { maxStale: true, fresh: true })).toBe("old");
    expect((await cache.getWithLease("k", { maxStale: true, lease: 60 })).lease.kind).toBe("won");
  });

  it("expire(): soft expiry keeps the value for getOrSet (stale) while a plain get finds it absent", async () => {
    const cache = adminClient();
    await cache.set("k", "old", { ttl: 600, grace: 60 });
    expect(await cache.expire("k")).not.toBeNull();
    expect(await cache.get("k")).toBeNull();
    expect(await cache.get("k", { maxStale: true })).toBe("old");
    expect(await cache.expire("absent")).toBeNull();
  });
});
