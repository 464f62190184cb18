import { timed, type PhaseRecorder } from "../platform/metrics";
import { type Allotment, PLANNED_CALLS, type SubrequestBudget } from "../platform/budget";

/**
 * A small value this location keeps for at most EDGE_TTL after storage was asked: a namespace's
 * flush generation (generation.ts) and a tag's state (tag-state.ts) — one mechanism, two uses.
 * Values only grow, so an entry is never replaced by an older one.
 */

/** Header on the cached entry: when storage was asked (unix ms), checked against EDGE_TTL on a hit. */
const FETCHED_AT = "x-fetched-at";

export interface EntryPlace {
  cache: Cache;
  budget: SubrequestBudget;
  edgeTtl: number;
  /** Told how long each Cache API call took (the request's Server-Timing). */
  recorder?: PhaseRecorder | undefined;
}

export interface EntryCodec<T> {
  parse(text: string): T | null;
  serialize(value: T): string;
  /** Whether `existing` already says all `value` says (it is as new or newer). */
  covers(existing: T, value: T): boolean;
  /** What to keep when `existing` does not cover `value`: never less than either. */
  merge(existing: T | undefined, value: T): T;
}

/**
 * The entry, unless it is missing, unreadable or older than EDGE_TTL (whatever the cache's own clock
 * does). A planned call: the caller's promise (`call`), else one its plan holds.
 */
export async function readEntry<T>(place: EntryPlace, url: string, now: number, codec: EntryCodec<T>, call: Allotment = place.budget.withinPlan()): Promise<{ value: T; fetchedAt: number } | null> {
  call.take("cache");
  const hit = await timed(place.recorder, "cache", place.cache.match(url));
  if (!hit) return null;
  const fetchedAt = Number(hit.headers.get(FETCHED_AT));
  const value = codec.parse(await hit.text());
  if (value === null || !Number.isFinite(fetchedAt) || now - fetchedAt >= place.edgeTtl * 1000) return null;
  return { value, fetchedAt };
}

/**
 * Keeps `value` (learned from storage at `now`) for EDGE_TTL on the calls promised to it (a match and
 * a put), unless the entry already covers it; gives back what it did not use.
 */
async function keepOn<T>(place: EntryPlace, url: string, value: T, now: number, codec: EntryCodec<T>, calls: Allotment): Promise<void> {
  try {
    if (place.edgeTtl < 1) return;
    const existing = await readEntry(place, url, now, codec, calls);
    if (existing !== null && codec.covers(existing.value, value)) return;
    const headers = { "content-type": "text/plain", "cache-control": `max-age=${place.edgeTtl}`, [FETCHED_AT]: String(now) };
    calls.take("cache");
    await timed(place.recorder, "cache", place.cache.put(url, new Response(codec.serialize(codec.merge(existing?.value, value)), { headers })));
  } finally {
    calls.close();
  }
}

/**
 * Keeps `value` (learned from storage at `now`) for EDGE_TTL, unless the entry already covers it.
 * Optional (the next request asks storage again): only out of spare subrequests.
 */
export async function keepEntry<T>(place: EntryPlace, url: string, value: T, now: number, codec: EntryCodec<T>): Promise<void> {
  const calls = place.budget.tryAllot(PLANNED_CALLS.publishEntry);
  if (calls) await keepOn(place, url, value, now, codec, calls);
}

/** After a change made here, the entry is checked and, if older, written again this much later. */
const KEEP_AGAIN_MS = 100;

/**
 * The publication to this location of a change (a flush, a tag's invalidation): its calls are
 * promised before the change is written, never left to what retries spare, so the change keeps its
 * bound (the rest of the location sees it within a second). `close` gives back what was not used.
 */
export class ReservedPublication {
  private constructor(
    private readonly place: EntryPlace,
    private readonly calls: Allotment,
  ) {}

  /** Promises the publication's calls now: the request's clear 503 before anything is written when they are not spare. */
  static reserve(place: EntryPlace): ReservedPublication {
    return new ReservedPublication(place, place.budget.allot(PLANNED_CALLS.publishEntry));
  }

  /**
   * Keeps the value this request just wrote to storage, now on the promised calls and once more a
   * moment later (with `waitUntil`, out of spare calls): a read elsewhere in this location that
   * fetched the old value just before the change, and stored it just after this entry, is
   * overwritten rather than left for EDGE_TTL. The change has landed: a failing Cache API never
   * turns its answer into an error.
   */
  async publish<T>(url: string, value: T, codec: EntryCodec<T>, waitUntil?: (promise: Promise<unknown>) => void): Promise<void> {
    await keepOn(this.place, url, value, Date.now(), codec, this.calls).catch(() => undefined);
    waitUntil?.(
      new Promise((resolve) => setTimeout(resolve, KEEP_AGAIN_MS))
        .then(() => keepEntry(this.place, url, value, Date.now(), codec))
        .catch(() => undefined),
    );
  }

  /** Gives back the promised calls not made (the change failed, or was published). */
  close(): void {
    this.calls.close();
  }
}
