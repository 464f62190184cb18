import { SubrequestBudget, SWEEP_CALLS } from "../platform/budget";
import type { Config } from "../platform/config";
import { mapLimit } from "../platform/concurrency";
import { ApiError } from "../http/errors";
import { nowSeconds } from "../items/item";
import { storedGeneration } from "../cache/generation";
import { openStorage } from "../storage/open";
import { storedTagState, tagVerdict, type TagState } from "../cache/tag-state";
import type { DeleteEntry, ListedObject, ListPage, Storage, StoredHead } from "../storage/storage";
import { admitChunk, isSweepable, needsRefresh, parseObjectKey, triage, type ChunkCosts, type ChunkEntry, type ParsedObject } from "./classify";

/**
 * The sweep: removes objects of flushed generations, tombstones, items whose expiry passed
 * long enough ago and leases that lapsed (or were released) as long ago, a bounded number of calls per run, resuming where the last run stopped (its
 * cursor is kept in the bucket). A pass walks the whole prefix in key order, then starts over.
 *
 * A run is one invocation, with the subrequests of one (src/platform/budget.ts): every call to storage and
 * to the location cache (the store's dialect, looked up before a write at a version) is counted,
 * retries included, within `options.budget`. One call is kept for saving the cursor; a listing is
 * made only when a call is spare; a chunk takes, in key order, the objects whose worst case fits in
 * what is left (`admitChunk`), and the rest wait for the next run.
 */

/** An item is swept only once its expiry passed this long ago, and only if not written this recently. */
export const SWEEP_GRACE_SECONDS = 60;
/** Objects decided together: their HEADs run concurrently, then one DeleteObjects removes them. */
const CHUNK = 16;
const CONCURRENCY = 8;

export interface SweepOptions {
  /** Calls to storage and the location cache this run may make (`sweepCallLimit`, src/platform/budget.ts). */
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
  const prefix = config.prefix;
  const now = options.now ?? Date.now();
  const budget = new SubrequestBudget(options.budget);
  budget.reserve(SWEEP_CALLS.cursorSave, "a run of the sweep");
  const storage = () => openStorage(config, budget);
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
  const tagStates = new Map<string, TagState>();
  // Page after page while the budget lasts; a page is handled in chunks, in key order.
  for (;;) {
    let page: ListPage;
    try {
      const listed = await budget.ifSpare(SWEEP_CALLS.list, () => storage().list({ prefix, maxKeys: pageSize, ...(report.cursor ? { startAfter: report.cursor } : {}) }));
      if (!listed) return finish(report, budget, storage, prefix, "budget");
      page = listed.value;
    } catch (err) {
      report.error = err instanceof ApiError ? err.message : "listing failed";
      return finish(report, budget, storage, prefix, "error");
    }
    report.listed += page.objects.length;
    for (let start = 0; start < page.objects.length; start += CHUNK) {
      const chunk = page.objects.slice(start, start + CHUNK);
      const outcome = await sweepChunk(chunk, { prefix, now, graceSeconds: options.graceSeconds, budget, generations, tagStates, storage: storage(), report });
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
  budget.release(SWEEP_CALLS.cursorSave);
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
  /** Tag states read this run, by namespace and tag: an item a deleted tag removed is swept. */
  tagStates: Map<string, TagState>;
  storage: Storage;
  report: SweepReport;
}

/** Decides and deletes one chunk; answers, per object, whether it is done or must wait for the next run. */
async function sweepChunk(chunk: ListedObject[], ctx: ChunkContext): Promise<Outcome[]> {
  const parsed = chunk.map((object) => parseObjectKey(ctx.prefix, object.key));
  const costs = (): ChunkCosts => ({ knownNamespaces: new Set(ctx.generations.keys()), singleDeletes: ctx.storage.mayDeleteOneByOne(), dialectUnknown: ctx.storage.dialectUnknown() });
  const entries = () => chunk.map((object, index) => entryOf(object, parsed[index] as ParsedObject, ctx));

  // First the generations of the namespaces met, as far as their objects, at their worst, fit.
  const reach = admitChunk(entries(), ctx.budget.spare, costs());
  const unread = [...new Set(parsed.slice(0, reach.admitted).flatMap((p) => ((p.kind === "item" || p.kind === "lease") && !ctx.generations.has(p.namespace) ? [p.namespace] : [])))];
  await ctx.budget.ifSpare(reach.calls, () => readGenerations(unread, ctx));

  // Then each object as it now stands, in key order, as far as its calls fit; an object whose
  // generation is still unknown (unread, or unreadable) waits, and every one after it.
  const decided = entries();
  const unknown = decided.findIndex((entry) => entry.kind === "item");
  const plan = admitChunk(unknown === -1 ? decided : decided.slice(0, unknown), ctx.budget.spare, costs());
  const outcome: Outcome[] = chunk.map((_, index) => (index < plan.admitted ? "done" : "pending"));
  const deletions = (await ctx.budget.ifSpare(plan.calls, () => inspectChunk(chunk.slice(0, plan.admitted), decided, ctx)))?.value ?? [];
  if (deletions.length === 0) return outcome;

  // The calls promised to the chunk are given back by now, for the deletion to use (a store without
  // DeleteObjects gets single DELETEs, each only out of spare calls: src/storage/s3/s3-storage.ts).
  try {
    const { failures, unsent } = await ctx.storage.deleteMany(deletions.map((d) => d.entry));
    const failed = new Set(failures.map((f) => f.key));
    const later = new Set(unsent);
    for (const deletion of deletions) {
      if (later.has(deletion.entry.key)) outcome[deletion.index] = "pending";
      else if (failed.has(deletion.entry.key)) ctx.report.failed += 1;
      else ctx.report.deleted[deletion.kind] += 1;
    }
  } catch {
    // The store failed the whole request: these objects wait for the next run.
    for (const deletion of deletions) outcome[deletion.index] = "pending";
  }
  return outcome;
}

/** What one object may still cost, given the generations read so far. */
function entryOf(object: ListedObject, parsed: ParsedObject, ctx: ChunkContext): ChunkEntry {
  if (parsed.kind !== "item" && parsed.kind !== "lease") return needsRefresh(ctx.prefix, object.key, object.lastModified, ctx.now) ? { kind: "refresh" } : { kind: "skip" };
  const current = ctx.generations.get(parsed.namespace);
  if (current === undefined) return { kind: "item", namespace: parsed.namespace };
  const verdict = triage(parsed.generation, current, object.lastModified, ctx.now, ctx.graceSeconds);
  return verdict === "flushed" || verdict === "inspect" ? { kind: verdict } : { kind: "skip" };
}

/** The current generation of each namespace, read from storage (never a cached copy). */
async function readGenerations(namespaces: string[], ctx: ChunkContext): Promise<void> {
  await mapLimit(namespaces, CONCURRENCY, async (namespace) => {
    try {
      ctx.generations.set(namespace, (await storedGeneration(ctx.storage, ctx.prefix, namespace)).generation);
    } catch {
      // Unreadable now: its objects wait for a later run.
    }
  });
}

/**
 * An item as its tags leave it: one a deleted tag removed counts as long expired, one an expired tag
 * expired has that expiry. Its tags' states are read from storage once per run, only out of spare
 * calls: null when they cannot be (the item waits for a later pass).
 */
async function withTags(head: StoredHead, namespace: string, ctx: ChunkContext): Promise<StoredHead | null> {
  const tags = head.meta.tags ?? [];
  if (tags.length === 0 || head.tombstone) return head;
  const id = (tag: string) => `${namespace}\n${tag}`;
  const unread = tags.filter((tag) => !ctx.tagStates.has(id(tag)));
  if (unread.length > 0) {
    const read = await ctx.budget.ifSpare(unread.length, () =>
      Promise.all(unread.map(async (tag) => ctx.tagStates.set(id(tag), (await storedTagState(ctx.storage, ctx.prefix, namespace, tag)).state))),
    );
    if (!read) return null;
  }
  const verdict = tagVerdict(head.meta.expiresAt, head.meta.writtenAt ?? null, tags.map((tag) => ctx.tagStates.get(id(tag)) as TagState));
  // Deleted: as if it expired at the epoch, with no grace left.
  return { ...head, meta: { ...head.meta, ...(verdict.deleted ? { expiresAt: 0, grace: 0 } : { expiresAt: verdict.expiresAt }) } };
}

interface Deletion {
  index: number;
  entry: DeleteEntry;
  kind: "flushed" | "expired" | "tombstones";
}

/** Rewrites the chunk's old generation objects and HEADs its candidates: what to delete. */
async function inspectChunk(admitted: ListedObject[], entries: ChunkEntry[], ctx: ChunkContext): Promise<Deletion[]> {
  const deletions: Deletion[] = [];
  const indexes = (kind: ChunkEntry["kind"]) => admitted.flatMap((_, index) => ((entries[index] as ChunkEntry).kind === kind ? [index] : []));
  for (const index of indexes("flushed")) deletions.push({ index, entry: { key: (admitted[index] as ListedObject).key }, kind: "flushed" });

  // Old generation objects are rewritten in place (only at the listed version: a flush wins).
  await mapLimit(indexes("refresh"), CONCURRENCY, async (index) => {
    const object = admitted[index] as ListedObject;
    try {
      const result = await ctx.storage.replaceMeta(object.key, object.etag, { contentType: "text/plain", expiresAt: null });
      if (result.ok) ctx.report.refreshed += 1;
    } catch {
      // Tried again next pass.
    }
  });

  // Read each candidate's expiry just before deleting it, and delete only that version.
  await mapLimit(indexes("inspect"), CONCURRENCY, async (index) => {
    const object = admitted[index] as ListedObject;
    try {
      const found = await ctx.storage.head(object.key);
      if (!found) return;
      const head = await withTags(found, (parseObjectKey(ctx.prefix, object.key) as { namespace: string }).namespace, ctx);
      if (!head) return;
      const verdict = isSweepable(head, nowSeconds(ctx.now), ctx.graceSeconds);
      if (verdict) deletions.push({ index, entry: { key: object.key, etag: head.etag }, kind: verdict === "tombstone" ? "tombstones" : "expired" });
    } catch {
      // A failed HEAD: leave the object for the next pass.
    }
  });
  return deletions;
}
