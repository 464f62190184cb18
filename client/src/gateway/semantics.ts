// memcached's rules, mapped onto the HTTP API: exptime → ttl, client flags ↔ content type,
// unsigned 64-bit incr/decr, key checks. Pure functions (unit tests beside them).

import { keyProblem } from "../names.js";

/** memcached's longest key. */
export const MAX_KEY_BYTES = 250;
/** An exptime above this many seconds is an absolute unix time (memcached's REALTIME_MAXDELTA). */
export const RELATIVE_EXPTIME_LIMIT = 60 * 60 * 24 * 30;
export const MAX_FLAGS = 0xffff_ffff;
export const U64_MAX = (1n << 64n) - 1n;

/** Where client flags live: a parameter of the stored content type. */
export const FLAGS_PARAMETER = "memcached-flags";
export const BYTES_TYPE = "application/octet-stream";

/** What an exptime means for a write: a ttl for the API (0 = never), or "already expired". */
export type Expiry = { kind: "ttl"; ttl: number } | { kind: "expired" };

/** memcached's exptime: 0 = never, ≤ 30 days relative, above an absolute unix time, negative (or a past time) expired. */
export function expiryOf(exptime: number, nowSeconds: number): Expiry {
  if (exptime === 0) return { kind: "ttl", ttl: 0 };
  if (exptime < 0) return { kind: "expired" };
  if (exptime <= RELATIVE_EXPTIME_LIMIT) return { kind: "ttl", ttl: exptime };
  const left = exptime - Math.floor(nowSeconds);
  return left > 0 ? { kind: "ttl", ttl: left } : { kind: "expired" };
}

/** The ttl that keeps an item's current expiry on a rewrite (0 when it never expires; ≥ 1 otherwise). */
export function ttlKeeping(expiresAt: number | null, nowSeconds: number): number {
  if (expiresAt === null) return 0;
  return Math.max(1, expiresAt - Math.floor(nowSeconds));
}

/** The content type a value with these flags is stored with. */
export function contentTypeFor(flags: number): string {
  return flags === 0 ? BYTES_TYPE : `${BYTES_TYPE}; ${FLAGS_PARAMETER}=${flags}`;
}

/** The flags a stored content type carries: 0 for any item not written with flags (one written over HTTP). */
export function flagsOf(contentType: string | undefined | null): number {
  if (!contentType) return 0;
  const match = /;\s*memcached-flags=(\d{1,10})\s*(?:;|$)/i.exec(contentType);
  if (!match) return 0;
  const flags = Number(match[1]);
  return flags <= MAX_FLAGS ? flags : 0;
}

/** Why a key cannot be used (memcached's limits plus the API's), or null. `bytes` is its length in UTF-8. */
export function keyError(key: string, bytes: number): string | null {
  if (bytes === 0 || bytes > MAX_KEY_BYTES) return "bad command line format";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
  if (/[\x00-\x20\x7f]/.test(key)) return "bad command line format";
  return keyProblem(key);
}

/** A decimal unsigned integer of at most `max` (memcached's safe_strtoul/strtoull for a command argument). */
export function parseUnsigned(text: string, max: bigint): bigint | null {
  if (!/^\d{1,20}$/.test(text)) return null;
  const value = BigInt(text);
  return value <= max ? value : null;
}

/** A decimal signed 32-bit integer (memcached's safe_strtol for exptime). */
export function parseSigned32(text: string): number | null {
  if (!/^-?\d{1,10}$/.test(text)) return null;
  const value = Number(text);
  return value >= -0x8000_0000 && value <= 0x7fff_ffff ? value : null;
}

/**
 * A stored value read as memcached's incr/decr reads it (strtoull, then: the number must end the
 * value or be followed by whitespace; no minus sign; no overflow), or null: "non-numeric".
 */
export function counterValue(bytes: Uint8Array): bigint | null {
  if (bytes.byteLength === 0) return null;
  const text = Buffer.from(bytes).toString("latin1");
  const match = /^[ \t\n\v\f\r]*\+?(\d+)(.*)$/s.exec(text);
  if (!match) return null;
  const rest = match[2] ?? "";
  if (rest !== "" && !/^[ \t\n\v\f\r]/.test(rest)) return null;
  const value = BigInt(match[1] as string);
  return value <= U64_MAX ? value : null;
}

/** memcached's delta: incr wraps at 2^64, decr stops at 0. */
export function applyDelta(value: bigint, delta: bigint, incr: boolean): bigint {
  if (incr) return (value + delta) & U64_MAX;
  return delta > value ? 0n : value - delta;
}

/**
 * The bytes memcached stores after incr/decr: the decimal number, padded with spaces to the old
 * length when it got shorter (memcached rewrites a counter in place).
 */
export function counterBytes(value: bigint, previousLength: number): Uint8Array {
  const text = value.toString();
  return Buffer.from(text.length < previousLength ? text.padEnd(previousLength, " ") : text, "latin1");
}
