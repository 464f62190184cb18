// Expiry as the adapters' libraries give it, in CloudCached's whole seconds (API.md: `ttl` is an
// integer; 0 = never expires). The server stores `expiresAt = floor(now) + ttl`, so an item lives
// between ttl − 1 and ttl seconds. Pure functions.

/**
 * Keyv's ttl (milliseconds; undefined = no expiry, as Keyv also passes 0) as seconds. Rounded up
 * and one second added, so the item never expires before Keyv's own deadline (Keyv hides it from
 * the exact millisecond, from the `expires` it serializes with the value).
 */
export function keyvTtlSeconds(ttlMs: number | undefined): number {
  if (ttlMs === undefined || ttlMs === 0) return 0;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`a Keyv ttl must be a non-negative number of milliseconds, got ${String(ttlMs)}`);
  return Math.ceil(ttlMs / 1000) + 1;
}

/**
 * unstorage's `ttl` option (seconds, as its redis, Deno KV and Cloudflare KV drivers take it;
 * undefined, null or 0 = no expiry) as whole seconds, a fraction rounded up.
 */
export function unstorageTtlSeconds(ttl: unknown): number {
  if (ttl === undefined || ttl === null || ttl === 0) return 0;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl < 0) {
    throw new RangeError(`an unstorage ttl must be a non-negative number of seconds, got ${String(ttl)}`);
  }
  return Math.ceil(ttl);
}
