import type { Config } from "../config";
import { mapLimit } from "../concurrency";
import { ApiError } from "../errors";
import { nowSeconds } from "../item";
import { storedGeneration } from "../namespaces/generation";
import { Storage, type DeleteEntry, type ListedObject, type ListPage } from "../storage/storage";
import { isSweepable, needsRefresh, parseObjectKey, triage } from "./classify";

/**
 * The sweep: removes objects of flushed generations, tombstones and items whose expiry passed
 * long enough ago, a bounded number of storage calls per run, resuming where the last run stopped
 * (its cursor is kept in the bucket). A pass walks the whole prefix in key order, then starts over.
 */

/** Storage calls per run unless SWEEP_BUDGET says otherwise: fits the 50 subrequests of any plan. */
export const DEFAULT_SWEEP_BUDGET = 45;
/** An item is swept only once its expiry passed this long ago, and only if not written this recently. */
export const SWEEP_GRACE_SECONDS = 60;
/** Objects decided together: their HEADs run concurrently, then one DeleteObjects removes them. */
const CHUNK = 16;
const CONCURRENCY = 8;

export interface SweepOptions {
  budget: number;
  graceSeconds: number;
  /** Unix ms (tests may move it); default now. */
  now?: number;
  /** Keys per listing (default: up to 1000, fewer for small budgets). */
  pageSize?: number;
}

export interface SweepReport {
  calls: number;
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

/** SWEEP_BUDGET: a whole number of storage calls ≥ 5, else the default. Pure. */
export function sweepBudget(raw: unknown): number {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (!/^\d{1,6}$/.test(text) || Number(text) < 5) return DEFAULT_SWEEP_BUDGET;
  return Number(text);
}

export function sweepCursorKey(prefix: string): string {
  return `${prefix}.sweep/cursor`;
}

class Budget {
  constructor(public left: number) {}
  take(): boolean {
    if (this.left <= 0) return false;
    this.left -= 1;
    return true;
  }
  /** Calls already made beyond those taken (the per-key fallback of a store without DeleteObjects). */
  charge(calls: number): void {
    this.left -= calls;
  }
}

type Outcome = "done" | "pending";

export async function sweep(config: Config, options: SweepOptions): Promise<SweepReport> {
  const prefix = config.s3.prefix;
  const now = options.now ?? Date.now();
  const budget = new Budget(options.budget - 1); // one call is kept for saving the cursor
  const storage = () => new Storage(config.s3, config.storageTimeoutMs);
  const report: SweepReport = { calls: 0, listed: 0, deleted: { flushed: 0, expired: 0, tombstones: 0 }, refreshed: 0, failed: 0, cursor: "", passComplete: false, stoppedBy: "end" };

  budget.take();
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
    if (!budget.take()) return finish(report, budget, options, storage, prefix, "budget");
    let page: ListPage;
    try {
      page = await storage().list({ prefix, maxKeys: pageSize, ...(report.cursor ? { startAfter: report.cursor } : {}) });
    } catch (err) {
      report.error = err instanceof ApiError ? err.message : "listing failed";
      return finish(report, budget, options, storage, prefix, "error");
    }
    report.listed += page.objects.length;
    for (let start = 0; start < page.objects.length; start += CHUNK) {
      const chunk = page.objects.slice(start, start + CHUNK);
      const outcome = await sweepChunk(chunk, { prefix, now, graceSeconds: options.graceSeconds, budget, generations, storage: storage(), report });
      for (let i = 0; i < chunk.length; i++) {
        // The cursor only ever passes objects that are done: a pending one is met again next run.
        if (outcome[i] === "pending") return finish(report, budget, options, storage, prefix, "budget");
        report.cursor = (chunk[i] as ListedObject).key;
      }
    }
    if (!page.truncated || page.objects.length === 0) {
      report.cursor = "";
      report.passComplete = true;
      return finish(report, budget, options, storage, prefix, "end");
    }
  }
}

async function finish(report: SweepReport, budget: Budget, options: SweepOptions, storage: () => Storage, prefix: string, stoppedBy: SweepReport["stoppedBy"]): Promise<SweepReport> {
  report.stoppedBy = report.stoppedBy === "error" ? "error" : stoppedBy;
  try {
    // The reserved call: the cursor is saved whatever happened, so the next run resumes here.
    const body = new TextEncoder().encode(JSON.stringify({ after: report.cursor, savedAt: new Date().toISOString() }));
    await storage().put(sweepCursorKey(prefix), body, { contentType: "application/json", expiresAt: null }, { kind: "none" });
  } catch (err) {
    report.error = err instanceof ApiError ? err.message : "saving the cursor failed";
    report.stoppedBy = "error";
  }
  report.calls = options.budget - budget.left;
  return report;
}

interface ChunkContext {
  prefix: string;
  now: number;
  graceSeconds: number;
  budget: Budget;
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
    if (!ctx.budget.take()) return;
    try {
      ctx.generations.set(namespace, (await storedGeneration(ctx.storage, ctx.prefix, namespace)).generation);
    } catch {
      // Unreadable now: its objects wait for a later run.
    }
  });

  // Old generation objects are rewritten in place (only at the listed version: a flush wins).
  const refresh = chunk.flatMap((object, index) => (needsRefresh(ctx.prefix, object.key, object.lastModified, ctx.now) ? [index] : []));
  await mapLimit(refresh, CONCURRENCY, async (index) => {
    if (!ctx.budget.take()) {
      outcome[index] = "pending";
      return;
    }
    const object = chunk[index] as ListedObject;
    try {
      const result = await ctx.storage.replaceMeta(object.key, object.etag, { contentType: "text/plain", expiresAt: null });
      if (result.ok) ctx.report.refreshed += 1;
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
    if (!ctx.budget.take()) {
      outcome[index] = "pending";
      return;
    }
    const object = chunk[index] as ListedObject;
    try {
      const head = await ctx.storage.head(object.key);
      if (!head) return;
      const verdict = isSweepable(head, nowSeconds(ctx.now), ctx.graceSeconds);
      if (verdict) deletions.push({ index, entry: { key: object.key, etag: head.etag }, kind: verdict === "tombstone" ? "tombstones" : "expired" });
    } catch {
      // A failed HEAD: leave the object for the next pass.
    }
  });

  if (deletions.length > 0) {
    if (!ctx.budget.take()) {
      for (const deletion of deletions) outcome[deletion.index] = "pending";
      return outcome;
    }
    try {
      const { failures, calls } = await ctx.storage.deleteMany(deletions.map((d) => d.entry));
      ctx.budget.charge(calls - 1);
      const failed = new Set(failures.map((f) => f.key));
      for (const deletion of deletions) {
        if (failed.has(deletion.entry.key)) ctx.report.failed += 1;
        else ctx.report.deleted[deletion.kind] += 1;
      }
    } catch {
      // The store failed the whole request: these objects wait for the next run.
      for (const deletion of deletions) outcome[deletion.index] = "pending";
    }
  }
  return outcome;
}
