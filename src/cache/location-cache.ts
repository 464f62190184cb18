import { type Allotment, SubrequestBudget } from "../platform/budget";
import { timed, type PhaseRecorder } from "../platform/metrics";
import { goneAt, isGone, remainingSeconds } from "../items/item";
import { asciiJson } from "../items/labels";

/**
 * The location's hot tier (Workers Cache API, `caches.default`). It knows nothing of S3: it keeps
 * finished responses under a synthetic URL and hands them back, and every entry carries the item's
 * expiry so a hit can be refused once the item has expired.
 */

/** Largest value kept in the location cache: a copy is made while the value streams to the client. */
export const MAX_CACHED_BYTES = 10 * 1024 * 1024;

/**
 * The one header of a cached entry that says what it holds (`CopyLabels` and its freshness, as a
 * JSON array): every header an entry carries costs each lookup, so the labels travel in one. It
 * keeps the name of the earlier format's expiry header, so that an isolate of an earlier version
 * (both run during a rollout) reads this value as an unreadable expiry and drops the entry rather
 * than misreading it, and an entry of the earlier format is unreadable here the same way.
 */
const ENTRY_LABELS = "x-expires-at";

/**
 * Longest an entry is kept for an item that never expires. Past its freshness an entry is only
 * served when storage fails (stale-if-error, `X-Cache: STALE`) or to a reader that asks for it
 * (`max-stale`), so it is kept as long as the item lives or is stale: until its expiry plus its
 * grace, and at most this.
 */
export const MAX_ENTRY_SECONDS = 7 * 24 * 3600;

/**
 * Seconds an entry is fresh (answered without asking storage): the item's remaining lifetime
 * (`goneAt`: its expiry plus its grace), capped at `EDGE_TTL`, the bound on how stale another
 * location's copy can be. 0 means: do not cache. An expired item's entry is never a HIT, fresh or
 * not (read.ts). The entry itself is kept longer (`entryLifetime`).
 */
export function cacheMaxAge(goneAt: number | null, edgeTtl: number, now?: number): number {
  const remaining = remainingSeconds(goneAt, now);
  return remaining === null ? edgeTtl : Math.min(remaining, edgeTtl);
}

/** Seconds the cache keeps an entry: until the item is gone (its expiry plus its grace), at most a week. Pure. */
export function entryLifetime(goneAt: number | null, now?: number): number {
  const remaining = remainingSeconds(goneAt, now);
  return remaining === null ? MAX_ENTRY_SECONDS : Math.min(remaining, MAX_ENTRY_SECONDS);
}

/** What a location copy says of its item beside its value: all a hit answers with, and what its tags are judged by. */
export interface CopyLabels {
  etag: string;
  contentType: string;
  size: number;
  expiresAt: number | null;
  /** The item's grace, in seconds (0: none). */
  grace: number;
  /** The item's tags (empty: none), validated when it was written. */
  tags: string[];
  /** When a tagged item was written (unix ms), which its tags' invalidations are compared with; null: unknown. */
  writtenAt: number | null;
  /** The item's metadata (X-Meta) as written, or null. */
  userMeta: string | null;
}

/** An entry's labels as its one header carries them, with until when (unix ms) it is fresh. Pure. */
export function encodeEntryLabels(labels: CopyLabels, freshUntil: number): string {
  const { expiresAt, grace, etag, contentType, size, tags, writtenAt, userMeta } = labels;
  return asciiJson([expiresAt, grace, freshUntil, etag, contentType, size, tags.join(","), writtenAt, userMeta]);
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isCountOrNull = (value: unknown): value is number | null => value === null || isCount(value);
const isTextOrNull = (value: unknown): value is string | null => value === null || typeof value === "string";

/**
 * The labels and freshness an entry's header carries; null when it carries none this version wrote
 * (absent, the earlier format, or damaged): such an entry is never served. Pure.
 */
export function decodeEntryLabels(raw: string | null): { labels: CopyLabels; freshUntil: number } | null {
  if (raw === null || raw.charCodeAt(0) !== 0x5b /* [ */) return null;
  let fields: unknown;
  try {
    fields = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(fields) || fields.length !== 9) return null;
  const [expiresAt, grace, freshUntil, etag, contentType, size, tags, writtenAt, userMeta] = fields as unknown[];
  if (!isCountOrNull(expiresAt) || !isCount(grace) || !isCount(freshUntil) || typeof etag !== "string" || typeof contentType !== "string") return null;
  if (!isCount(size) || typeof tags !== "string" || !isCountOrNull(writtenAt) || !isTextOrNull(userMeta)) return null;
  // Only `put` writes the tags, from tags validated when the item was written: split, not checked again.
  return { labels: { expiresAt, grace, etag, contentType, size, tags: tags === "" ? [] : tags.split(","), writtenAt, userMeta }, freshUntil };
}

export function isCacheable(size: number, maxAge: number): boolean {
  return maxAge >= 1 && size <= MAX_CACHED_BYTES;
}

/**
 * The cache key of an item: one per deployment (deployment.ts), namespace generation and key, on a
 * host of its own so that no request URL ever collides with it.
 */
export function cacheKeyUrl(deployment: string, namespace: string, generation: number, encodedKey: string): string {
  return `https://cloudcached.cache/${deployment}/${namespace}/${generation}/${encodedKey}`;
}

export interface CachedItem extends CopyLabels {
  /** The entry as the cache answered it: its body is the value. */
  response: Response;
  /** Until when (unix ms) the entry may be served without asking storage: EDGE_TTL after it was stored. */
  freshUntil: number;
  /**
   * Within EDGE_TTL of when it was stored. Past it, only a STALE answer when storage fails, or an
   * answer to a reader whose `max-stale` takes it (src/items/grace.ts).
   */
  fresh: boolean;
}

/**
 * Every call is counted in the request's subrequests (src/platform/budget.ts): a lookup and the removal of a
 * written item's entry are planned (the removal promised before the write starts); a refill and the removal of an expired entry (the cache drops it
 * at its own max-age anyway) are made only out of spare subrequests.
 */
export class LocationCache {
  constructor(
    private readonly cache: Cache,
    private readonly recorder?: PhaseRecorder,
    private readonly budget: SubrequestBudget = SubrequestBudget.unbounded(),
  ) {}

  /** Times one call to the Cache API for the request's Server-Timing. */
  private timed<T>(work: Promise<T>): Promise<T> {
    return timed(this.recorder, "cache", work);
  }

  /**
   * An entry of a live or stale item, or null. One gone (past its expiry and its grace) is dropped.
   * A stale item's entry is kept for `max-stale` readers; the caller checks the expiry before
   * serving anything (read.ts, grace.ts).
   */
  async match(url: string, now?: number): Promise<CachedItem | null> {
    this.budget.take("cache");
    const response = await this.timed(this.cache.match(url));
    if (!response) return null;
    const entry = decodeEntryLabels(response.headers.get(ENTRY_LABELS));
    if (entry === null || isGone(entry.labels.expiresAt, entry.labels.grace, now)) {
      await response.body?.cancel();
      if (this.budget.tryTake("cache")) await this.timed(this.cache.delete(url));
      return null;
    }
    const { labels, freshUntil } = entry;
    return { ...labels, response, freshUntil, fresh: (now === undefined ? Date.now() : now * 1000) < freshUntil };
  }

  /**
   * Stores a value with its labels, fresh for `maxAge` seconds and kept until the item is gone (the
   * caller checks `isCacheable` first). The body is collected first (entries are at most
   * MAX_CACHED_BYTES): a body that fails or comes up short is never stored — Miniflare's cache was
   * seen keeping the part of a stream that arrived before it failed. False: no subrequest was
   * spare, nothing kept.
   */
  async put(url: string, body: ReadableStream<Uint8Array> | null, labels: CopyLabels, maxAge: number, nowMs: number = Date.now()): Promise<boolean> {
    // A refill is optional: without a spare subrequest the value is served, not kept.
    if (!this.budget.tryTake("cache")) {
      await body?.cancel();
      return false;
    }
    const bytes = body ? new Uint8Array(await new Response(body).arrayBuffer()) : new Uint8Array(0);
    if (bytes.byteLength !== labels.size) throw new Error("the value came up short: not cached");
    const headers = {
      [ENTRY_LABELS]: encodeEntryLabels(labels, nowMs + maxAge * 1000),
      // The cache's own lifetime; the client's copy carries API.md's `private, no-cache` instead.
      "cache-control": `max-age=${Math.max(maxAge, entryLifetime(goneAt(labels.expiresAt, labels.grace), Math.floor(nowMs / 1000)))}`,
    };
    await this.timed(this.cache.put(url, new Response(bytes, { status: 200, headers })));
    return true;
  }

  /** Removes an entry on a call promised to it (after a write, this location must not serve the old value). */
  async delete(url: string, call: Allotment): Promise<void> {
    call.take("cache");
    await this.timed(this.cache.delete(url));
  }

  /** Removes an entry only out of spare subrequests (hygiene: a stale copy found absent in storage). */
  async deleteIfSpare(url: string): Promise<boolean> {
    if (!this.budget.tryTake("cache")) return false;
    await this.timed(this.cache.delete(url));
    return true;
  }
}
