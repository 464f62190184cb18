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

/** C's isspace: what strtoull skips before a number and what may follow it. */
const C_SPACE = "[ \\t\\n\\v\\f\\r]";
const C_INTEGER = new RegExp(`^${C_SPACE}*([+-]?)(\\d+)(?:${C_SPACE}.*)?$`, "s");

/** A command argument read as C's strtoull/strtol read it in base 10: the sign and the digits' value, or null. */
function readInteger(text: string): { negative: boolean; magnitude: bigint } | null {
  const match = C_INTEGER.exec(text);
  return match ? { negative: match[1] === "-", magnitude: BigInt(match[2] as string) } : null;
}

/**
 * An unsigned argument as memcached's safe_strtoull reads it (cas uniques, incr/decr deltas, flags),
 * at most `max`: leading whitespace and a sign allowed (`-0` is 0, `+1` is 1), anything after the
 * digits but whitespace refused, more than 64 bits refused, and a minus sign refused once it makes
 * the number negative (so `-1` is refused, as memcached does). Pure.
 */
export function parseUnsigned(text: string, max: bigint): bigint | null {
  const read = readInteger(text);
  if (read === null || read.magnitude > U64_MAX) return null;
  const value = read.negative ? (U64_MAX + 1n - read.magnitude) & U64_MAX : read.magnitude;
  if (value > U64_MAX >> 1n && text.includes("-")) return null;
  return value <= max ? value : null;
}

/**
 * A signed argument as memcached's safe_strtol reads it (exptimes, data lengths): whitespace, sign and
 * digits as for `parseUnsigned`; a value outside 32 bits is refused (memcached wraps it around). Pure.
 */
export function parseSigned32(text: string): number | null {
  const read = readInteger(text);
  if (read === null) return null;
  const value = read.negative ? -read.magnitude : read.magnitude;
  return value >= -0x8000_0000n && value <= 0x7fff_ffffn ? Number(value) : null;
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
