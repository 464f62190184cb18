import { PLANNED_CALLS, SubrequestBudget } from "../budget";
import type { Config } from "../config";
import { mapLimit } from "../concurrency";
import { ApiError } from "../errors";
import { nowSeconds } from "../item";
import { storedGeneration } from "../namespaces/generation";
import { Storage, type DeleteEntry, type ListedObject, type ListPage } from "../storage/storage";
import { isSweepable, needsRefresh, parseObjectKey, triage } from "./classify";

/**
 * The sweep: removes objects of flushed generations, tombstones and items whose expiry passed
 * long enough ago, a bounded number of calls per run, resuming where the last run stopped (its
 * cursor is kept in the bucket). A pass walks the whole prefix in key order, then starts over.
 *
 * A run is one invocation, with the subrequests of one (src/budget.ts): every call to storage and
 * to the location cache (the store's dialect, looked up before a write at a version) is counted,
 * retries included. Each step is made only when its worst case fits in what is left, with one call
 * kept for saving the cursor; what does not fit waits for the next run.
 */

/** Worst-case calls per step of a run. */
const STEP_CALLS = {
  /** Saving the cursor: kept from the start of the run for its end. */
  cursor: 1,
  list: 1,
  /** A namespace's generation from storage: the GET, and a HEAD if the object were empty (a ranged GET's 416). */
  generation: 2,
  head: 1,
  /** Rewriting a generation object: the copy, or (Ceph RGW) a GET, a conditional PUT and a check whether it landed. */
  refresh: 3,
  /** DeleteObjects; a store without it gets single deletes, each only out of spare calls (storage.ts). */
  deleteMany: 1,
} as const;
/** An item is swept only once its expiry passed this long ago, and only if not written this recently. */
export const SWEEP_GRACE_SECONDS = 60;
/** Objects decided together: their HEADs run concurrently, then one DeleteObjects removes them. */
const CHUNK = 16;
const CONCURRENCY = 8;

export interface SweepOptions {
  /** Calls to storage and the location cache this run may make (`sweepCallLimit`, src/budget.ts). */
  budget: number;
  graceSeconds: number;
  /** Unix ms (tests may move it); default now. */
  now?: number;
  /** Keys per listing (default: up to 1000, fewer for small budgets). */
  pageSize?: number;
}

export interface SweepReport {
  /** Calls made to storage and the location cache, never more than `limit`. */
  calls: number;
  limit: number;
  listed: number;
  deleted: { flushed: number; expired: number; tombstones: number };
  /** Generation objects rewritten so that an age-based lifecycle rule never removes them. */
  refreshed: number;
  /** Deletions the store refused (e.g. a conditional delete that found a newer version). */
  failed: number;
  /** The listing resumes after this object key next run; "" starts a new pass. */
  cursor: string;
  /** This run reached the end of the prefix. */
  passComplete: boolean;
  stoppedBy: "end" | "budget" | "error";
  error?: string;
}

export function sweepCursorKey(prefix: string): string {
  return `${prefix}.sweep/cursor`;
}

type Outcome = "done" | "pending";

export async function sweep(config: Config, options: SweepOptions): Promise<SweepReport> {
  const prefix = config.s3.prefix;
  const now = options.now ?? Date.now();
  const budget = new SubrequestBudget(options.budget);
  budget.reserve(STEP_CALLS.cursor, "a run of the sweep");
  const storage = () => new Storage(config.s3, config.storageTimeoutMs, undefined, budget);
  const report: SweepReport = { calls: 0, limit: options.budget, listed: 0, deleted: { flushed: 0, expired: 0, tombstones: 0 }, refreshed: 0, failed: 0, cursor: "", passComplete: false, stoppedBy: "end" };

  const cursorObject = await storage().get(sweepCursorKey(prefix));
  let after = "";
  if (cursorObject) {
    try {
      const saved = JSON.parse(await new Response(cursorObject.body).text()) as { after?: unknown };
      if (typeof saved.after === "string") after = saved.after;
    } catch {
      after = "";
    }
  }
  report.cursor = after;
  const pageSize = options.pageSize ?? Math.min(1000, Math.max(100, options.budget * 8));
  const generations = new Map<string, number>();
  // Page after page while the budget lasts; a page is handled in chunks, in key order.
  for (;;) {
    let page: ListPage;
    try {
      const listed = await budget.ifSpare(STEP_CALLS.list, () => storage().list({ prefix, maxKeys: pageSize, ...(report.cursor ? { startAfter: report.cursor } : {}) }));
      if (!listed) return finish(report, budget, storage, prefix, "budget");
      page = listed.value;
    } catch (err) {
      report.error = err instanceof ApiError ? err.message : "listing failed";
      return finish(report, budget, storage, prefix, "error");
    }
    report.listed += page.objects.length;
    for (let start = 0; start < page.objects.length; start += CHUNK) {
      const chunk = page.objects.slice(start, start + CHUNK);
      const outcome = await sweepChunk(chunk, { prefix, now, graceSeconds: options.graceSeconds, budget, generations, storage: storage(), report });
      for (let i = 0; i < chunk.length; i++) {
        // The cursor only ever passes objects that are done: a pending one is met again next run.
        if (outcome[i] === "pending") return finish(report, budget, storage, prefix, "budget");
        report.cursor = (chunk[i] as ListedObject).key;
      }
    }
    if (!page.truncated || page.objects.length === 0) {
      report.cursor = "";
      report.passComplete = true;
      return finish(report, budget, storage, prefix, "end");
    }
  }
}

async function finish(report: SweepReport, budget: SubrequestBudget, storage: () => Storage, prefix: string, stoppedBy: SweepReport["stoppedBy"]): Promise<SweepReport> {
  report.stoppedBy = report.stoppedBy === "error" ? "error" : stoppedBy;
  budget.release(STEP_CALLS.cursor);
  try {
    // The reserved call: the cursor is saved whatever happened, so the next run resumes here.
    const body = new TextEncoder().encode(JSON.stringify({ after: report.cursor, savedAt: new Date().toISOString() }));
    await storage().put(sweepCursorKey(prefix), body, { contentType: "application/json", expiresAt: null }, { kind: "none" });
  } catch (err) {
    report.error = err instanceof ApiError ? err.message : "saving the cursor failed";
    report.stoppedBy = "error";
  }
  report.calls = budget.used;
  return report;
}

interface ChunkContext {
  prefix: string;
  now: number;
  graceSeconds: number;
  budget: SubrequestBudget;
  generations: Map<string, number>;
  storage: Storage;
  report: SweepReport;
}

/** Decides and deletes one chunk; answers, per object, whether it is done or must wait for the next run. */
async function sweepChunk(chunk: ListedObject[], ctx: ChunkContext): Promise<Outcome[]> {
  const outcome: Outcome[] = chunk.map(() => "done");
  const parsed = chunk.map((object) => parseObjectKey(ctx.prefix, object.key));

  // The current generation of each namespace met, read from storage (never a cached copy).
  const unknown = [...new Set(parsed.flatMap((p) => (p.kind === "item" && !ctx.generations.has(p.namespace) ? [p.namespace] : [])))];
  await mapLimit(unknown, CONCURRENCY, async (namespace) => {
    try {
      const read = await ctx.budget.ifSpare(STEP_CALLS.generation, () => storedGeneration(ctx.storage, ctx.prefix, namespace));
      if (read) ctx.generations.set(namespace, read.value.generation);
    } catch {
      // Unreadable now: its objects wait for a later run.
    }
  });

  // Old generation objects are rewritten in place (only at the listed version: a flush wins).
  const refresh = chunk.flatMap((object, index) => (needsRefresh(ctx.prefix, object.key, object.lastModified, ctx.now) ? [index] : []));
  await mapLimit(refresh, CONCURRENCY, async (index) => {
    const object = chunk[index] as ListedObject;
    // A copy at a version may first need the store's dialect (its lookup, or its probe).
    const calls = STEP_CALLS.refresh + (ctx.storage.dialectUnknown() ? PLANNED_CALLS.dialectProbe : 0);
    try {
      const result = await ctx.budget.ifSpare(calls, () => ctx.storage.replaceMeta(object.key, object.etag, { contentType: "text/plain", expiresAt: null }));
      if (!result) outcome[index] = "pending";
      else if (result.value.ok) ctx.report.refreshed += 1;
    } catch {
      // Tried again next pass.
    }
  });

  const deletions: { index: number; entry: DeleteEntry; kind: "flushed" | "expired" | "tombstones" }[] = [];
  const inspect: number[] = [];
  parsed.forEach((p, index) => {
    if (p.kind !== "item") return;
    const current = ctx.generations.get(p.namespace);
    if (current === undefined) {
      outcome[index] = "pending";
      return;
    }
    const object = chunk[index] as ListedObject;
    const verdict = triage(p.generation, current, object.lastModified, ctx.now, ctx.graceSeconds);
    if (verdict === "flushed") deletions.push({ index, entry: { key: object.key }, kind: "flushed" });
    else if (verdict === "inspect") inspect.push(index);
  });

  // Read each candidate's expiry just before deleting it, and delete only that version.
  await mapLimit(inspect, CONCURRENCY, async (index) => {
    const object = chunk[index] as ListedObject;
    try {
      const looked = await ctx.budget.ifSpare(STEP_CALLS.head, () => ctx.storage.head(object.key));
      if (!looked) {
        outcome[index] = "pending";
        return;
      }
      const head = looked.value;
      if (!head) return;
      const verdict = isSweepable(head, nowSeconds(ctx.now), ctx.graceSeconds);
      if (verdict) deletions.push({ index, entry: { key: object.key, etag: head.etag }, kind: verdict === "tombstone" ? "tombstones" : "expired" });
    } catch {
      // A failed HEAD: leave the object for the next pass.
    }
  });

  if (deletions.length > 0) {
    try {
      const done = await ctx.budget.ifSpare(STEP_CALLS.deleteMany, () => ctx.storage.deleteMany(deletions.map((d) => d.entry)));
      if (!done) {
        for (const deletion of deletions) outcome[deletion.index] = "pending";
        return outcome;
      }
      const failed = new Set(done.value.failures.map((f) => f.key));
      const unsent = new Set(done.value.unsent);
      for (const deletion of deletions) {
        if (unsent.has(deletion.entry.key)) outcome[deletion.index] = "pending";
        else if (failed.has(deletion.entry.key)) ctx.report.failed += 1;
        else ctx.report.deleted[deletion.kind] += 1;
      }
    } catch {
      // The store failed the whole request: these objects wait for the next run.
      for (const deletion of deletions) outcome[deletion.index] = "pending";
    }
  }
  return outcome;
}
