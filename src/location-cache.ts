import { isExpired, remainingSeconds } from "./item";

/**
 * The location's hot tier (Workers Cache API, `caches.default`). It knows nothing of S3: it keeps
 * finished responses under a synthetic URL and hands them back, and every entry carries the item's
 * expiry so a hit can be refused once the item has expired.
 */

/** Largest value kept in the location cache: a copy is made while the value streams to the client. */
export const MAX_CACHED_BYTES = 10 * 1024 * 1024;

/** Header on a cached entry: the item's expiry, checked on every hit (`never` when it never expires). */
const ENTRY_EXPIRES = "x-expires-at";

/**
 * Seconds an entry may live in the location cache: the item's remaining TTL, capped at `EDGE_TTL`,
 * the bound on how stale another location's copy can be. 0 means: do not cache.
 */
export function cacheMaxAge(expiresAt: number | null, edgeTtl: number, now?: number): number {
  const remaining = remainingSeconds(expiresAt, now);
  return remaining === null ? edgeTtl : Math.min(remaining, edgeTtl);
}

export function isCacheable(size: number, maxAge: number): boolean {
  return maxAge >= 1 && size <= MAX_CACHED_BYTES;
}

/**
 * The cache key of an item: one per namespace generation and key, on a host of its own so that no
 * request URL ever collides with it.
 */
export function cacheKeyUrl(namespace: string, generation: number, encodedKey: string): string {
  return `https://cloudcached.cache/${namespace}/${generation}/${encodedKey}`;
}

export interface CachedItem {
  response: Response;
  expiresAt: number | null;
}

export class LocationCache {
  constructor(private readonly cache: Cache) {}

  static default(): LocationCache {
    return new LocationCache(caches.default);
  }

  /** A live entry, or null. An expired one is dropped, never served. */
  async match(url: string, now?: number): Promise<CachedItem | null> {
    const response = await this.cache.match(url);
    if (!response) return null;
    const raw = response.headers.get(ENTRY_EXPIRES);
    const expiresAt = raw === null || raw === "never" ? null : Number(raw);
    if (Number.isNaN(expiresAt) || isExpired(expiresAt, now)) {
      await response.body?.cancel();
      await this.cache.delete(url);
      return null;
    }
    return { response, expiresAt };
  }

  /** Stores a value's response for `maxAge` seconds (the caller checks `isCacheable` first). */
  put(url: string, body: ReadableStream<Uint8Array> | Uint8Array | null, headers: Headers, expiresAt: number | null, maxAge: number): Promise<void> {
    const entryHeaders = new Headers(headers);
    entryHeaders.set(ENTRY_EXPIRES, expiresAt === null ? "never" : String(expiresAt));
    // The cache's own freshness; the client's copy carries API.md's `private, no-cache` instead.
    entryHeaders.set("cache-control", `max-age=${maxAge}`);
    return this.cache.put(url, new Response(body, { status: 200, headers: entryHeaders }));
  }

  async delete(url: string): Promise<void> {
    await this.cache.delete(url);
  }
}
