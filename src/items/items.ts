import { waitBeforeRetry, type BackoffPolicy } from "../platform/backoff";
import { type Allotment, PLANNED_CALLS } from "../platform/budget";
import { COUNTER_LIMIT, readCounter } from "./counter";
import { ApiError } from "../http/errors";
import { judgeStored, type TagStatesOf } from "./tagged";
import { expiresAtFor, isExpired, isGone, type ItemMeta } from "./item";
import { cacheKeyUrl, type LocationCache } from "../cache/location-cache";
import { encodeKeyPath, objectKey } from "../storage/object-key";
import type { ChangeRecorder } from "../platform/metrics";
import type { StoredHead, StoredObject, Storage, ValueSource, WriteCondition, WriteResult } from "../storage/storage";

/** One item, located: its object key in the bucket and its entry URL in the location cache. */
export interface ItemRef {
  namespace: string;
  key: string;
  objectKey: string;
  cacheUrl: string;
}

/** An item's place at a generation of its namespace, for one deployment (deployment.ts). Pure. */
export function itemRef(prefix: string, deployment: string, namespace: string, generation: number, key: string): ItemRef {
  return {
    namespace,
    key,
    objectKey: objectKey(prefix, namespace, generation, key),
    cacheUrl: cacheKeyUrl(deployment, namespace, generation, encodeKeyPath(key)),
  };
}

export type WriteMode = { kind: "set" } | { kind: "add" } | { kind: "replace" } | { kind: "cas"; etag: string };

export interface Written {
  etag: string;
  expiresAt: number | null;
}

/** Attempts for a conditional write that lost a race, when its value can be sent again. */
const WRITE_ATTEMPTS = 8;
/** Reads of a counter that may fail (storage errors) before the request gives up with 502. */
const COUNTER_READ_ATTEMPTS = 4;
/** Attempts for a counter under contention; each lost race costs one GET and one PUT. */
const COUNTER_ATTEMPTS = 200;

/** Whether a stored object is an item a client may see: present, not a tombstone, not expired. */
export function isLive(head: StoredHead | null, now?: number): boolean {
  return head !== null && !head.tombstone && !isExpired(head.meta.expiresAt, now);
}

/**
 * The memcached verbs over storage. Each is atomic through the store's conditional writes (never a
 * read followed by an unconditional write), and keeps this location's cache in step with what it wrote.
 *
 * Every verb takes `drop`: the call that removes this location's copy once the write is done. A
 * batch passes its own plan's (`budget.withinPlan()`); otherwise it is promised when the verb
 * starts, before anything is written (src/platform/budget.ts), so no retry can spend it: a write is
 * never answered 200 while this location keeps the old value, and a write that landed is never
 * answered as failed for want of that call.
 */
export class Items {
  constructor(
    private readonly storage: Storage,
    private readonly cache: LocationCache,
    private readonly waitUntil: (promise: Promise<unknown>) => void,
    /** The states of an item's tags: an item a tag deleted or expired is absent or expired here as on a read. */
    private readonly tagStatesOf: TagStatesOf,
    /** Told of each change that lands: the one place writes and deletes are counted, for single requests and batches alike. */
    private readonly changes: ChangeRecorder,
  ) {}

  /** What is stored at `ref` as its tags make it (tagged.ts): the one rule reads use. */
  private async judged<T extends StoredHead>(ref: ItemRef, found: Promise<T | null>): Promise<T | null> {
    const stored = await found;
    try {
      return await judgeStored(this.tagStatesOf, ref.namespace, stored);
    } catch (err) {
      if (stored && "body" in stored) await (stored as StoredObject).body.cancel().catch(() => undefined);
      throw err;
    }
  }

  /** The call that drops this location's copy after a write: the caller's, or promised now. */
  private dropCall(planned: Allotment | undefined): Allotment {
    return planned ?? this.storage.budget.allot(PLANNED_CALLS.dropCopy);
  }

  /**
   * Drops this location's copy on its promised call. The write is done by now (or may have landed):
   * a failing Cache API never turns its answer into an error.
   */
  private async dropCopy(ref: ItemRef, call: Allotment): Promise<void> {
    try {
      await this.cache.delete(ref.cacheUrl, call);
    } catch {
      // The copy is kept: the read that finds it stale (EDGE_TTL) is the bound left.
    } finally {
      call.close();
    }
  }

  /** set / add / replace / cas. */
  async write(ref: ItemRef, value: ValueSource, meta: ItemMeta, mode: WriteMode, drop?: Allotment): Promise<Written> {
    const call = this.dropCall(drop);
    // This location's copy is dropped once, after storage has the value and before the answer:
    // the old copy is gone when the client hears back, and so is one that a read refilled from
    // storage while the value travelled. (Dropping it also before the PUT, beside it, undid
    // nothing more and cost a second Cache API call: ~1 ms of a set in the benchmark's runtime.)
    try {
      const written = mode.kind === "set" ? await this.set(ref, value, meta) : await this.conditionalWrite(ref, value, meta, mode);
      this.changes.changed("write");
      return written;
    } finally {
      await this.dropCopy(ref, call);
    }
  }

  /** One PUT and nothing before it: a plain set does not say whether it created the item (API.md). */
  private async set(ref: ItemRef, value: ValueSource, meta: ItemMeta): Promise<Written> {
    let result = await this.storage.put(ref.objectKey, value, meta, { kind: "none" });
    // AWS may answer 409 ConditionalRequestConflict to writes racing on one key: a value still in
    // memory is sent again (bounded, with jitter); a streamed one cannot be.
    // Each retry only out of spare subrequests (src/platform/budget.ts).
    for (let attempt = 1; !result.ok && result.reason !== "precondition_failed" && value instanceof Uint8Array && attempt < WRITE_ATTEMPTS; attempt++) {
      await backoff(attempt);
      result = await this.storage.budget.attempt(attempt + 1, PLANNED_CALLS.retriedPut, () => this.storage.put(ref.objectKey, value, meta, { kind: "none" }));
    }
    if (!result.ok) throw notStored(result.reason);
    return { etag: result.etag, expiresAt: meta.expiresAt };
  }

  private async conditionalWrite(ref: ItemRef, value: ValueSource, meta: ItemMeta, mode: Exclude<WriteMode, { kind: "set" }>): Promise<Written> {
    const replayable = value instanceof Uint8Array;
    for (let attempt = 1; ; attempt++) {
      // An add of a small value first assumes the key is free: one round trip in the common case.
      // A retry only out of spare subrequests (src/platform/budget.ts).
      const result: WriteResult = await this.storage.budget.attempt(attempt, PLANNED_CALLS.retriedConditionalWrite, async () => {
        const current = mode.kind === "add" && replayable && attempt === 1 ? null : await this.judged(ref, this.storage.head(ref.objectKey));
        const condition = conditionFor(mode, current);
        if (condition === null) throw preconditionFailed(mode);
        return this.storage.put(ref.objectKey, value, meta, condition);
      });
      if (result.ok) return { etag: result.etag, expiresAt: meta.expiresAt };
      // A cas names one version: once that is gone, the answer is final.
      if (mode.kind === "cas" && result.reason === "precondition_failed") throw preconditionFailed(mode);
      if (replayable && attempt < WRITE_ATTEMPTS) {
        if (result.reason !== "precondition_failed") await backoff(attempt);
        continue;
      }
      // Retries spent on conflicts or failures (not on the condition): say so, nothing was stored.
      if (result.reason !== "precondition_failed") throw notStored(result.reason);
      // The value was streamed once and cannot be sent again: say what happened, nothing was written.
      const now = await this.judged(ref, this.storage.head(ref.objectKey));
      if (mode.kind === "add" ? isLive(now) : true) throw preconditionFailed(mode);
      throw new ApiError("storage_unavailable", "the item changed while a streamed write was in flight; nothing was stored, retry");
    }
  }

  /**
   * Sets a new expiry without sending the value again; the item keeps its grace. `touch` gives a
   * later expiry, `expire` (soft expiry) now: the item is stale from now on, for its grace.
   */
  async touch(ref: ItemRef, expiresAt: number | null, drop?: Allotment): Promise<{ etag: string; expiresAt: number | null }> {
    const call = this.dropCall(drop);
    try {
      const touched = await this.touchStored(ref, expiresAt, call);
      this.changes.changed("write");
      return touched;
    } finally {
      call.close();
    }
  }

  private async touchStored(ref: ItemRef, expiresAt: number | null, call: Allotment): Promise<{ etag: string; expiresAt: number | null }> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.storage.budget.attempt(attempt, PLANNED_CALLS.retriedTouch, async () => {
        const current = await this.judged(ref, this.storage.head(ref.objectKey));
        if (!current || !isLive(current)) throw new ApiError("not_found", "no such item");
        // Everything else the item carries (grace, tags, write time, metadata) is kept.
        return this.storage.replaceMeta(ref.objectKey, current.etag, { ...current.meta, expiresAt, grace: current.meta.grace ?? 0 });
      });
      if (result.ok) {
        await this.dropCopy(ref, call);
        return { etag: result.etag, expiresAt };
      }
      if (attempt >= WRITE_ATTEMPTS) throw new ApiError("storage_unavailable", "the item kept changing during touch; retry");
      await backoff(attempt);
    }
  }

  /** incr / decr: read, compute, write back only if unchanged; a lost race is tried again. */
  async count(ref: ItemRef, delta: number, options: { initial?: number; ttl?: number; defaultTtl: number }, drop?: Allotment): Promise<{ value: number; etag: string }> {
    const call = this.dropCall(drop);
    try {
      const counted = await this.countStored(ref, delta, options, call);
      this.changes.changed("write");
      return counted;
    } finally {
      call.close();
    }
  }

  private async countStored(ref: ItemRef, delta: number, options: { initial?: number; ttl?: number; defaultTtl: number }, call: Allotment): Promise<{ value: number; etag: string }> {
    let readFailures = 0;
    for (let attempt = 1; ; attempt++) {
      let current: StoredObject | null;
      try {
        // A retried step only out of spare subrequests (src/platform/budget.ts).
        current = await this.storage.budget.attempt(attempt + readFailures, PLANNED_CALLS.retriedCount, () => this.judged(ref, this.storage.get(ref.objectKey)));
      } catch (err) {
        // Nothing is written yet, so the whole step may start over. Ceph RGW answers a GET racing
        // the creation of the same key with 500 UnknownError, more than once in a row.
        if (err instanceof ApiError && err.code === "storage_error" && ++readFailures < COUNTER_READ_ATTEMPTS) {
          await backoff(readFailures);
          continue;
        }
        throw err;
      }
      let next: number;
      let meta: ItemMeta;
      let condition: WriteCondition;
      if (!current || !isLive(current)) {
        await current?.body.cancel();
        if (options.initial === undefined) throw new ApiError("not_found", "no such item (give 'initial' to create it)");
        next = options.initial;
        meta = { contentType: "text/plain", expiresAt: expiresAtFor(options.ttl ?? options.defaultTtl) };
        condition = current ? { kind: "match", etag: current.etag } : { kind: "absent" };
      } else {
        const value = await readCounter(current.body);
        next = value + delta;
        if (!Number.isSafeInteger(next)) throw new ApiError("out_of_range", `the result is outside ±${COUNTER_LIMIT}`);
        meta = { ...current.meta, expiresAt: options.ttl === undefined ? current.meta.expiresAt : expiresAtFor(options.ttl), grace: current.meta.grace ?? 0 };
        condition = { kind: "match", etag: current.etag };
      }
      const result = await this.storage.put(ref.objectKey, new TextEncoder().encode(String(next)), meta, condition);
      if (result.ok) {
        await this.dropCopy(ref, call);
        return { value: next, etag: result.etag };
      }
      if (attempt >= COUNTER_ATTEMPTS) throw result.reason === "lost" ? notStored("lost") : new ApiError("storage_unavailable", "too much contention on this counter; retry");
      await backoff(Math.min(attempt, 6));
    }
  }

  /** DELETE; with `ifMatch`, only that live version (or any live one for `*`). */
  async remove(ref: ItemRef, ifMatch: "*" | string | null, drop?: Allotment): Promise<void> {
    const call = this.dropCall(drop);
    try {
      await this.removeStored(ref, ifMatch);
    } catch (err) {
      call.close();
      throw err;
    }
    this.changes.changed("delete");
    await this.dropCopy(ref, call);
  }

  private async removeStored(ref: ItemRef, ifMatch: "*" | string | null): Promise<void> {
    if (ifMatch === null) {
      await this.storage.delete(ref.objectKey);
    } else {
      const current = await this.judged(ref, this.storage.head(ref.objectKey));
      if (!current || !isLive(current) || (ifMatch !== "*" && current.etag !== ifMatch)) {
        throw new ApiError("precondition_failed", "the item is absent or not at that ETag");
      }
      const result = await this.storage.tombstone(ref.objectKey, current.etag);
      if (!result.ok) throw new ApiError("precondition_failed", "the item changed: it is no longer at that ETag");
    }
  }

  /**
   * An object found gone on a read (past its expiry and its grace) is emptied in the background,
   * only if it is still that version. A stale one, within its grace, is kept.
   */
  expireLater(ref: ItemRef, head: StoredHead): void {
    if (head.tombstone || !isGone(head.meta.expiresAt, head.meta.grace)) return;
    // Optional (a later read or the sweep does it otherwise): only out of spare subrequests,
    // a probe of the store's dialect included when it is not known yet.
    const calls = 1 + (this.storage.dialectUnknown() ? PLANNED_CALLS.dialectProbe : 0);
    this.waitUntil(this.storage.budget.ifSpare(calls, () => this.storage.tombstone(ref.objectKey, head.etag)).catch(() => undefined));
  }
}

/** The storage precondition for a verb, given what is stored now; null when the verb must fail. Pure. */
export function conditionFor(mode: Exclude<WriteMode, { kind: "set" }>, current: StoredHead | null, now?: number): WriteCondition | null {
  const live = isLive(current, now);
  switch (mode.kind) {
    case "add":
      if (current === null) return { kind: "absent" };
      return live ? null : { kind: "match", etag: current.etag };
    case "replace":
      return live && current ? { kind: "match", etag: current.etag } : null;
    case "cas":
      return live && current?.etag === mode.etag ? { kind: "match", etag: mode.etag } : null;
  }
}

/** A write storage kept failing (5xx) or refusing as conflicting: nothing was stored. */
function notStored(reason: "precondition_failed" | "conflict" | "lost"): ApiError {
  return reason === "lost"
    ? new ApiError("storage_error", "storage kept failing the write; nothing was stored, retry")
    : new ApiError("storage_unavailable", "storage kept refusing the write as conflicting; nothing was stored, retry");
}

function preconditionFailed(mode: Exclude<WriteMode, { kind: "set" }>): ApiError {
  const why = {
    add: "the item already exists",
    replace: "the item does not exist",
    cas: "the item is absent or not at that ETag",
  }[mode.kind];
  return new ApiError("precondition_failed", why);
}

/** Between tries of a write that lost a race or met a busy store: up to 10, 20, … 200 ms. */
const WRITE_RETRY: BackoffPolicy = { floorMs: 0, baseMs: 5, capMs: 200 };

function backoff(attempt: number): Promise<void> {
  return waitBeforeRetry(attempt, WRITE_RETRY);
}
