import { ApiError } from "../http/errors";
import { parseMimeType, splitHeaderValues } from "../http/mime-type";
import { graceParam, readInteger, ttlParam } from "../http/schema";
import { encodeMetaValue, META_HEADER, TAGS_HEADER, WRITTEN_HEADER } from "./labels";

/** What the Worker keeps beside a value: its expiry, its grace and its content type. */
export interface ItemMeta {
  /** Absolute unix seconds, or null when the item never expires. */
  expiresAt: number | null;
  /**
   * Seconds the item stays *stale* after its expiry (served only to a reader that asks with
   * `max-stale`), then gone. Absent means 0; meaningless when the item never expires.
   */
  grace?: number;
  contentType: string;
  /** The item's tags (labels.ts); absent or empty: none. */
  tags?: string[];
  /** The user's metadata: a JSON object's text, kept and answered unchanged; absent or null: none. */
  userMeta?: string | null;
  /** When a tagged item was written (unix ms): its tags' invalidations are compared with it (tag-state.ts). */
  writtenAt?: number | null;
}

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const MAX_CONTENT_TYPE_LENGTH = 256;

export function nowSeconds(now: number = Date.now()): number {
  return Math.floor(now / 1000);
}

/**
 * The `ttl` query parameter: absent → `defaultTtl`; otherwise a non-negative whole number of seconds
 * no larger than `maxTtl`. `0` means "never expires".
 */
export function parseTtl(raw: string | null | undefined, defaultTtl: number, maxTtl: number): number {
  return readInteger(ttlParam(defaultTtl, maxTtl), raw) ?? defaultTtl;
}

/** The `grace` query parameter: absent → 0; otherwise whole seconds from 0 to `maxTtl`. */
export function parseGrace(raw: string | null | undefined, maxTtl: number): number {
  return readInteger(graceParam(maxTtl), raw) ?? 0;
}

export function expiresAtFor(ttl: number, now: number = nowSeconds()): number | null {
  return ttl === 0 ? null : now + ttl;
}

/** The rule every tier obeys: an item is expired from its expiry second on. */
export function isExpired(expiresAt: number | null, now: number = nowSeconds()): boolean {
  return expiresAt !== null && expiresAt <= now;
}

/**
 * Whether an item is gone for every reader: past its expiry and its grace. Until then an expired
 * item is stale: absent for every operation, but kept (never emptied, swept or dropped from a
 * location's cache) for the readers that ask for a stale value. Pure.
 */
export function isGone(expiresAt: number | null, grace: number | undefined, now: number = nowSeconds()): boolean {
  return isExpired(goneAt(expiresAt, grace), now);
}

/** When an item is gone for every reader (its expiry plus its grace), or null when it never expires. Pure. */
export function goneAt(expiresAt: number | null, grace: number | undefined): number | null {
  return expiresAt === null ? null : expiresAt + (grace ?? 0);
}

/** Whole seconds an item has left, or null when it never expires. */
export function remainingSeconds(expiresAt: number | null, now: number = nowSeconds()): number | null {
  return expiresAt === null ? null : Math.max(0, expiresAt - now);
}

/**
 * The stored `Content-Type`: a plain header value, short enough to fit any store's limits, and one
 * type as a browser reads it: a list (a comma outside quotes) is refused, since a browser would use
 * its last type (src/http/mime-type.ts), not the one the value seems to name.
 */
export function normalizeContentType(raw: string | null | undefined): string {
  if (raw === null || raw === undefined || raw.trim() === "") return DEFAULT_CONTENT_TYPE;
  const value = raw.trim();
  if (splitHeaderValues(value).length !== 1) {
    throw new ApiError("bad_request", "invalid Content-Type: one type, not a list (a comma outside a quoted parameter starts another type)");
  }
  if (value.length > MAX_CONTENT_TYPE_LENGTH || !/^[\x20-\x7e]+$/.test(value) || !/^[^\s/;]+\/[^\s/;]+/.test(value) || parseMimeType(value) === null) {
    throw new ApiError("bad_request", `invalid Content-Type: a type/subtype of at most ${MAX_CONTENT_TYPE_LENGTH} printable characters`);
  }
  return value;
}

/** User metadata header holding the expiry (unix seconds); absent means "never". */
export const EXPIRES_HEADER = "x-amz-meta-cc-expires";
/** Marks a tombstone: an emptied, expired object left by a conditional delete until the sweep removes it. */
export const TOMBSTONE_HEADER = "x-amz-meta-cc-tombstone";
/** AWS allows 2 KB of user metadata in all; ours must always fit, whatever the store enforces. */
export const MAX_USER_METADATA_BYTES = 2048;

/** User metadata header holding the grace (seconds); absent means 0. */
export const GRACE_HEADER = "x-amz-meta-cc-grace";

export function encodeExpiry(expiresAt: number | null): Record<string, string> {
  return expiresAt === null ? {} : { [EXPIRES_HEADER]: String(expiresAt) };
}

/** The expiry and the grace as user metadata (counted in its 2 KB); no grace header when it is 0 or the item never expires. */
export function encodeLifetime(meta: Pick<ItemMeta, "expiresAt" | "grace">): Record<string, string> {
  const headers = encodeExpiry(meta.expiresAt);
  if (meta.expiresAt !== null && meta.grace) headers[GRACE_HEADER] = String(meta.grace);
  return headers;
}

/**
 * Everything the Worker keeps in an object's user metadata: its lifetime, its tags with its write
 * time, and the user's metadata. All of it counts against S3's 2 KB (`MAX_USER_METADATA_BYTES`).
 */
export function encodeItemMetadata(meta: ItemMeta): Record<string, string> {
  const headers = encodeLifetime(meta);
  if (meta.tags && meta.tags.length > 0) {
    headers[TAGS_HEADER] = meta.tags.join(",");
    if (meta.writtenAt !== undefined && meta.writtenAt !== null) headers[WRITTEN_HEADER] = String(meta.writtenAt);
  }
  if (meta.userMeta !== undefined && meta.userMeta !== null) headers[META_HEADER] = encodeMetaValue(meta.userMeta);
  return headers;
}

/**
 * Refuses, before any storage call, an item whose tags and metadata would not fit beside the rest
 * of what the Worker keeps (S3's 2 KB of user metadata). The worst case of the rest is counted (an
 * expiry and a grace of 16 digits), so a later touch or counter step always fits too.
 */
export function checkItemMetadataFits(meta: ItemMeta, where = "X-Tags and X-Meta"): void {
  const worst = encodeItemMetadata({ ...meta, expiresAt: 10 ** 15, grace: 10 ** 15, writtenAt: meta.tags?.length ? 10 ** 15 : null });
  const used = userMetadataBytes(worst);
  if (used > MAX_USER_METADATA_BYTES) {
    throw new ApiError("bad_request", `${where} take ${used} bytes of the ${MAX_USER_METADATA_BYTES} bytes of metadata S3 keeps beside an item (with its expiry and grace): send fewer or shorter tags, or smaller metadata`);
  }
}

/** Reads the grace back: a value this Worker did not write counts as no grace (never served stale). */
export function decodeGrace(raw: string | null): number {
  return raw !== null && /^\d{1,16}$/.test(raw) ? Number(raw) : 0;
}

/**
 * Reads the expiry back. A value this Worker did not write (garbage) counts as already expired:
 * serving an item whose expiry cannot be read could serve it past its expiry.
 */
export function decodeExpiry(raw: string | null): number | null {
  if (raw === null) return null;
  return /^\d{1,16}$/.test(raw) ? Number(raw) : 0;
}

export function userMetadataBytes(headers: Record<string, string>): number {
  let total = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("x-amz-meta-")) total += name.length - "x-amz-meta-".length + value.length;
  }
  return total;
}
