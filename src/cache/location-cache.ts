import { type Allotment, SubrequestBudget } from "../platform/budget";
import { timed, type PhaseRecorder } from "../platform/metrics";
import { decodeGrace, goneAt, isGone, remainingSeconds, type ItemMeta } from "../items/item";

/**
 * The location's hot tier (Workers Cache API, `caches.default`). It knows nothing of S3: it keeps
 * finished responses under a synthetic URL and hands them back, and every entry carries the item's
 * expiry so a hit can be refused once the item has expired.
 */

/** Largest value kept in the location cache: a copy is made while the value streams to the client. */
export const MAX_CACHED_BYTES = 10 * 1024 * 1024;

/** Header on a cached entry: the item's expiry, checked on every hit (`never` when it never expires). */
const ENTRY_EXPIRES = "x-expires-at";
/** Header on a cached entry: the item's grace (seconds past its expiry a `max-stale` reader may be given it). */
const ENTRY_GRACE = "x-grace";
/** Header on a cached entry: until when (unix ms) it may be served without asking storage. */
const ENTRY_FRESH_UNTIL = "x-fresh-until";

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

/** Whether an entry may still be served without asking storage. Pure. */
export function isFresh(freshUntil: string | null, nowMs: number = Date.now()): boolean {
  return nowMs < readFreshUntil(freshUntil);
}

/** An entry's freshness marker (unix ms); 0 (long past) when it cannot be read. Pure. */
export function readFreshUntil(freshUntil: string | null): number {
  return freshUntil !== null && /^\d{1,16}$/.test(freshUntil) ? Number(freshUntil) : 0;
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

export interface CachedItem {
  response: Response;
  expiresAt: number | null;
  /** The item's grace, in seconds (0: none). */
  grace: number;
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
    const raw = response.headers.get(ENTRY_EXPIRES);
    const expiresAt = raw === null || raw === "never" ? null : Number(raw);
    const grace = decodeGrace(response.headers.get(ENTRY_GRACE));
    if (Number.isNaN(expiresAt) || isGone(expiresAt, grace, now)) {
      await response.body?.cancel();
      if (this.budget.tryTake("cache")) await this.timed(this.cache.delete(url));
      return null;
    }
    const freshUntil = readFreshUntil(response.headers.get(ENTRY_FRESH_UNTIL));
    return { response, expiresAt, grace, freshUntil, fresh: (now === undefined ? Date.now() : now * 1000) < freshUntil };
  }

  /**
   * Stores a value's response, fresh for `maxAge` seconds and kept until the item is gone (the caller
   * checks `isCacheable` first). The body is collected first (entries are at most MAX_CACHED_BYTES):
   * a body that fails or comes up short is never stored — Miniflare's cache was seen keeping the
   * part of a stream that arrived before it failed.
   */
  async put(url: string, body: ReadableStream<Uint8Array> | null, headers: Headers, lifetime: Pick<ItemMeta, "expiresAt" | "grace">, maxAge: number, nowMs: number = Date.now()): Promise<void> {
    const { expiresAt, grace = 0 } = lifetime;
    // A refill is optional: without a spare subrequest the value is served, not kept.
    if (!this.budget.tryTake("cache")) {
      await body?.cancel();
      return;
    }
    const bytes = body ? new Uint8Array(await new Response(body).arrayBuffer()) : new Uint8Array(0);
    const declared = headers.get("content-length");
    if (declared !== null && Number(declared) !== bytes.byteLength) throw new Error("the value came up short: not cached");
    const entryHeaders = new Headers(headers);
    entryHeaders.set(ENTRY_EXPIRES, expiresAt === null ? "never" : String(expiresAt));
    entryHeaders.set(ENTRY_GRACE, String(grace));
    entryHeaders.set(ENTRY_FRESH_UNTIL, String(nowMs + maxAge * 1000));
    // The cache's own lifetime; the client's copy carries API.md's `private, no-cache` instead.
    entryHeaders.set("cache-control", `max-age=${Math.max(maxAge, entryLifetime(goneAt(expiresAt, grace), Math.floor(nowMs / 1000)))}`);
    await this.timed(this.cache.put(url, new Response(bytes, { status: 200, headers: entryHeaders })));
  }

  /** Removes an entry on a call promised to it (after a write, this location must not serve the old value). */
  async delete(url: string, call: Allotment): Promise<void> {
    call.take("cache");
    await this.timed(this.cache.delete(url));
  }

  /** Removes an entry only out of spare subrequests (hygiene: a stale copy found absent in storage). */
  async deleteIfSpare(url: string): Promise<void> {
    if (this.budget.tryTake("cache")) await this.timed(this.cache.delete(url));
  }
}
