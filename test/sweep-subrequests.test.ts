import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MIN_SWEEP_BUDGET, sweepCallLimit } from "../src/platform/budget";
import worker from "../src/index";
import { generationObjectKey } from "../src/cache/generation";
import { objectKey } from "../src/storage/object-key";
import { sweep, sweepCursorKey, type SweepReport } from "../src/sweep/sweep";
import { faults, refuseDeleteObjects } from "./faults";
import { uniqueNamespace } from "./helpers";
import { listAll, testConfig, testStorage, throughBinding, uniquePrefix } from "./store";
import { countSubrequests } from "./subrequests";

// A run of the sweep is one invocation: its calls to the store AND to the Cache API (the store's
// dialect, looked up before a write or delete at a version) count against the subrequest limit of
// a request. Each run here is counted where the runtime counts (test/subrequests.ts), through the
// faults (test/faults.ts), over S3 on a store that refuses DeleteObjects (one DELETE per object, each
// at its version: the dearest case), with a storage call failing once (a retry), every run in a new
// isolate (the dialect unknown, probed at first). Through the R2 binding the run is held to the same
// limit, its calls to storage included (the sweep does not tell the two limits apart).

// Fault injection only: the store is real; a wrapper makes it refuse DeleteObjects, as some do.
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Over S3, the dearest case: one DELETE per object. The binding deletes up to 1,000 keys in one call, always. */
function refuseDeleteObjectsOverS3(): void {
  if (!throughBinding) refuseDeleteObjects();
}

const DAY_MS = 86_400_000;
const encode = (text: string) => new TextEncoder().encode(text);

/**
 * A bucket area of its own: namespace `a` (current generation 0) holds `expired` items that expire
 * within a minute and one that never does; namespace `b` was flushed (generation 1) over `flushed`
 * items of generation 0. Both generation objects exist, so a run 31 days on rewrites them too.
 */
async function seedArea(expired: number, flushed: number) {
  const prefix = uniquePrefix("swsub");
  const storage = testStorage(testConfig({ S3_PREFIX: prefix }));
  const a = uniqueNamespace("swa");
  const b = uniqueNamespace("swb");
  const put = async (key: string, value: string, expiresAt: number | null) => {
    const written = await storage.put(key, encode(value), { contentType: "text/plain", expiresAt }, { kind: "none" });
    if (!written.ok) throw new Error(`seeding ${key} failed: ${written.reason}`);
  };
  const soon = Math.floor(Date.now() / 1000) + 60;
  await put(generationObjectKey(prefix, a), "0", null);
  await put(generationObjectKey(prefix, b), "1", null);
  const writes: Promise<void>[] = [put(objectKey(prefix, a, 0, "live"), "v", null)];
  for (let i = 0; i < expired; i++) writes.push(put(objectKey(prefix, a, 0, `e${String(i).padStart(3, "0")}`), "v", soon));
  for (let i = 0; i < flushed; i++) writes.push(put(objectKey(prefix, b, 0, `f${String(i).padStart(3, "0")}`), "v", null));
  await Promise.all(writes);
  const kept = [generationObjectKey(prefix, a), generationObjectKey(prefix, b), objectKey(prefix, a, 0, "live"), sweepCursorKey(prefix)].sort();
  return { prefix, a, b, kept };
}

interface Bound {
  SUBREQUEST_LIMIT: string;
  SWEEP_BUDGET: string;
  /** The calls one run may make: the smaller of the two. */
  limit: number;
}

const BOUNDS: Bound[] = [
  { SUBREQUEST_LIMIT: "50", SWEEP_BUDGET: "45", limit: 45 },
  { SUBREQUEST_LIMIT: "50", SWEEP_BUDGET: "1000", limit: 50 },
  { SUBREQUEST_LIMIT: "20", SWEEP_BUDGET: String(MIN_SWEEP_BUDGET), limit: MIN_SWEEP_BUDGET },
];

describe.each(BOUNDS)("a run of the sweep at SUBREQUEST_LIMIT=$SUBREQUEST_LIMIT, SWEEP_BUDGET=$SWEEP_BUDGET", (bound) => {
  it(`makes at most ${bound.limit} calls, storage and Cache API together, stops for its budget, and the next runs finish the work`, async () => {
    const expired = 30;
    const flushed = 20;
    const { prefix, a, b, kept } = await seedArea(expired, flushed);
    const bindings = { S3_PREFIX: prefix, ...faults.store(), SUBREQUEST_LIMIT: bound.SUBREQUEST_LIMIT, SWEEP_BUDGET: bound.SWEEP_BUDGET, STORAGE_TIMEOUT_MS: "5000" };
    // One HEAD and one generation read fail once: retried only out of spare calls. The generation
    // read's fault is set once the first pass has rewritten both generation objects: a store whose
    // rewrite reads the object first (Ceph RGW) would otherwise take it on the rewrite, which is
    // then tried again a pass later, not the read this is about.
    await faults.fault({ mode: "error500", path: `/${prefix}${a}/0/e000`, method: "HEAD", count: 1 });
    let generationReadFaulted = false;
    refuseDeleteObjectsOverS3();
    const now = Date.now() + 31 * DAY_MS;
    const reports: SweepReport[] = [];
    let cacheCalls = 0;
    // Two passes: an object whose HEAD failed (its retry not spare) is left for the next pass.
    const passes = () => reports.filter((r) => r.passComplete).length;
    for (let run = 0; run < 80 && passes() < 2; run++) {
      if (!generationReadFaulted && reports.reduce((total, r) => total + r.refreshed, 0) >= 2) {
        await faults.fault({ mode: "error500", path: `/${prefix}.generations/${b}`, method: "GET", count: 1 });
        generationReadFaulted = true;
      }
      // A new isolate each run: settings parsed anew, so the dialect and DeleteObjects are unknown here.
      const config = testConfig(bindings);
      expect(sweepCallLimit(config.sweepBudget, config.subrequestLimit)).toBe(bound.limit);
      const counted = await countSubrequests(() => sweep(config, { budget: sweepCallLimit(config.sweepBudget, config.subrequestLimit), graceSeconds: 60, now }));
      const report = counted.result;
      console.info(JSON.stringify({ sweepRun: run, limit: bound.limit, total: counted.total, storage: counted.storage, cache: counted.cache, deleted: report.deleted, stoppedBy: report.stoppedBy }));
      expect(counted.total, JSON.stringify(report)).toBeLessThanOrEqual(bound.limit);
      // The sweep's own count is the runtime's: no call goes uncounted.
      expect(report.calls).toBe(counted.total);
      expect(report.error, JSON.stringify(report)).toBeUndefined();
      expect(["budget", "end"]).toContain(report.stoppedBy);
      cacheCalls += counted.cache.match + counted.cache.put + counted.cache.delete;
      reports.push(report);
    }
    // Both faults were met (and each once), so both retries were really exercised.
    expect(generationReadFaulted).toBe(true);
    const faulted = (await faults.requests(`/${prefix}`)).filter((request) => request.fault !== null).map((request) => `${request.method} ${request.path.slice(request.path.indexOf(prefix) + prefix.length)}`);
    expect(faulted.sort()).toEqual([`GET .generations/${b}`, `HEAD ${a}/0/e000`].sort());
    await faults.clear(`/${prefix}`);
    // Over S3, more than one run fits: the first stopped for its budget, later ones went on from its
    // cursor, and the store's dialect was looked up in the Cache API. Through the binding (one bulk
    // delete per page, one dialect) a pass of these 50 objects fits one run.
    if (!throughBinding) {
      expect(reports[0]?.stoppedBy).toBe("budget");
      expect(reports.findIndex((r) => r.passComplete)).toBeGreaterThan(0);
      expect(cacheCalls).toBeGreaterThan(0);
    }
    expect(passes()).toBe(2);
    const sum = (pick: (r: SweepReport) => number) => reports.reduce((total, r) => total + pick(r), 0);
    expect(sum((r) => r.deleted.expired)).toBe(expired);
    expect(sum((r) => r.deleted.flushed)).toBe(flushed);
    // Each pass rewrites both generation objects (31 days old for every run here).
    expect(sum((r) => r.refreshed)).toBe(4);
    expect(sum((r) => r.failed)).toBe(0);
    expect((await listAll(prefix)).map((o) => o.key).sort()).toEqual(kept);
  });
});

// Over S3 alone: through the binding, 60 objects take a run a few calls (a listing, one bulk
// delete), far from any budget; the Cron Trigger's handler is the same either way.
describe.skipIf(throughBinding)("the Cron Trigger's run", () => {
  it("holds a SWEEP_BUDGET above SUBREQUEST_LIMIT to the limit, and says it stopped for its budget", async () => {
    const { prefix, b } = await seedArea(0, 60);
    refuseDeleteObjectsOverS3();
    const logged: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      logged.push(String(line));
    });
    try {
      const counted = await countSubrequests(async () => {
        const ctx = createExecutionContext();
        await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), { ...env, S3_PREFIX: prefix, ...faults.store(), SUBREQUEST_LIMIT: "50", SWEEP_BUDGET: "1000" } as Env, ctx);
        await waitOnExecutionContext(ctx);
      });
      expect(counted.total).toBeLessThanOrEqual(50);
      const line = logged.map((text) => JSON.parse(text) as { sweep?: SweepReport }).find((entry) => entry.sweep)?.sweep;
      expect(line).toMatchObject({ limit: 50, calls: counted.total, stoppedBy: "budget", passComplete: false });
      expect(line?.deleted.flushed).toBeGreaterThan(0);
      expect(line?.deleted.flushed).toBeLessThan(60);
    } finally {
      log.mockRestore();
    }
    expect((await listAll(`${prefix}${b}/0/`)).length).toBeGreaterThan(0);
  });
});
