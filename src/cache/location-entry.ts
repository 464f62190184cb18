import { timed, type PhaseRecorder } from "../platform/metrics";
import type { SubrequestBudget } from "../platform/budget";

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

/** The entry, unless it is missing, unreadable or older than EDGE_TTL (whatever the cache's own clock does). A planned call. */
export async function readEntry<T>(place: EntryPlace, url: string, now: number, codec: EntryCodec<T>): Promise<{ value: T; fetchedAt: number } | null> {
  place.budget.take("cache");
  const hit = await timed(place.recorder, "cache", place.cache.match(url));
  if (!hit) return null;
  const fetchedAt = Number(hit.headers.get(FETCHED_AT));
  const value = codec.parse(await hit.text());
  if (value === null || !Number.isFinite(fetchedAt) || now - fetchedAt >= place.edgeTtl * 1000) return null;
  return { value, fetchedAt };
}

/**
 * Keeps `value` (learned from storage at `now`) for EDGE_TTL, unless the entry already covers it.
 * Optional (the next request asks storage again): a match and a put, only out of spare subrequests.
 */
export async function keepEntry<T>(place: EntryPlace, url: string, value: T, now: number, codec: EntryCodec<T>): Promise<void> {
  if (place.edgeTtl < 1) return;
  const { budget } = place;
  if (!budget.tryReserve(2)) return;
  try {
    const existing = await readEntry(place, url, now, codec);
    if (existing !== null && codec.covers(existing.value, value)) return;
    const headers = { "content-type": "text/plain", "cache-control": `max-age=${place.edgeTtl}`, [FETCHED_AT]: String(now) };
    budget.take("cache");
    await timed(place.recorder, "cache", place.cache.put(url, new Response(codec.serialize(codec.merge(existing?.value, value)), { headers })));
  } finally {
    budget.release(2);
  }
}

/** After a change made here, the entry is checked and, if older, written again this much later. */
const KEEP_AGAIN_MS = 100;

/**
 * Keeps a value this request just changed in storage, now and once more a moment later (with
 * `waitUntil`): a read elsewhere in this location that fetched the old value just before the change,
 * and stored it just after this entry, is overwritten rather than left for EDGE_TTL.
 */
export async function keepChangedEntry<T>(place: EntryPlace, url: string, value: T, codec: EntryCodec<T>, waitUntil?: (promise: Promise<unknown>) => void): Promise<void> {
  await keepEntry(place, url, value, Date.now(), codec);
  waitUntil?.(
    new Promise((resolve) => setTimeout(resolve, KEEP_AGAIN_MS))
      .then(() => keepEntry(place, url, value, Date.now(), codec))
      .catch(() => undefined),
  );
}
