import { ApiError } from "../http/errors";
import { leaseHeader, leaseTokenHeader, readInteger, refreshBelowHeader } from "../http/schema";

/**
 * The rules of a lease (API.md, "Caching under load"): which reads ask for one, what a lease object
 * holds, and when a held one has lapsed. Pure. The storage side is leases.ts.
 *
 * A lease is one small object per item (object-key.ts, `leaseObjectKey`) holding an opaque random
 * token and the moment it lapses. It is won by creating that object (`If-None-Match: *`) or, once it
 * has lapsed or been released, by overwriting the version that was read (`If-Match`): of many
 * readers anywhere, exactly one write succeeds per version.
 */

/** What a read asked for: a lease of `seconds`, and an early refresh when less than `refreshBelow` seconds are left. */
export interface LeaseAsk {
  seconds: number;
  refreshBelow: number | null;
}

/** What asking gave: the lease (its token), or the time until the one who holds it lapses. */
export type LeaseOutcome = { state: "won"; token: string } | { state: "busy"; retryAfterMs: number };

/**
 * What a lease object holds: its holder's token (null once released), when it lapses (unix ms), and
 * for a released one when it was released (unix ms; its winner's value was written just before).
 */
export interface LeaseRecord {
  token: string | null;
  lapsesAt: number;
  releasedAt?: number;
}

/**
 * The lease a read asks for, from its `X-Lease` and `X-Refresh-Below` values; null when it asks none.
 * A bad value is a 400 naming the header (before anything touches storage).
 */
export function parseLeaseAsk(lease: string | null | undefined, refreshBelow: string | null | undefined): LeaseAsk | null {
  const seconds = readInteger(leaseHeader, lease ?? undefined);
  const below = readInteger(refreshBelowHeader, refreshBelow ?? undefined);
  if (seconds === undefined) {
    if (below !== undefined) throw new ApiError("bad_request", `${refreshBelowHeader.name} needs ${leaseHeader.name} (the seconds a lease lasts)`);
    return null;
  }
  return { seconds, refreshBelow: below ?? null };
}

const TOKEN_PATTERN = new RegExp(leaseTokenHeader.schema.pattern ?? "");

/** The `X-Lease-Token` of a write or delete: null when absent; a malformed one is a 400. */
export function parseLeaseToken(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  if (!TOKEN_PATTERN.test(raw)) throw new ApiError("bad_request", `invalid ${leaseTokenHeader.name}: the token a read's X-Lease: won gave`);
  return raw;
}

/** Random bytes of a token: 144 bits, as base64url (24 characters). */
const TOKEN_BYTES = 18;

/** A new lease token: opaque, random, URL- and header-safe. */
export function newLeaseToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/**
 * Whether a read asks for the item's lease given what it found: when it found no live item (nothing,
 * or a stale one served within its grace), or a live one with less than `refreshBelow` seconds left.
 */
export function leaseWanted(found: { expiresAt: number | null } | null, ask: LeaseAsk, nowMs: number): boolean {
  if (found === null) return true;
  if (found.expiresAt === null) return false;
  const leftMs = found.expiresAt * 1000 - nowMs;
  if (leftMs <= 0) return true;
  return ask.refreshBelow !== null && leftMs < ask.refreshBelow * 1000;
}

/** A lease object's body. */
export function encodeLease(record: LeaseRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ token: record.token, lapsesAt: record.lapsesAt, releasedAt: record.releasedAt }));
}

/** A lease object's body read back; anything else counts as a lapsed lease (it is taken over). */
export function decodeLease(text: string): LeaseRecord {
  try {
    const value = JSON.parse(text) as { token?: unknown; lapsesAt?: unknown; releasedAt?: unknown };
    if ((typeof value.token === "string" || value.token === null) && typeof value.lapsesAt === "number" && Number.isFinite(value.lapsesAt)) {
      const record: LeaseRecord = { token: value.token, lapsesAt: value.lapsesAt };
      if (typeof value.releasedAt === "number" && Number.isFinite(value.releasedAt)) record.releasedAt = value.releasedAt;
      return record;
    }
  } catch {
    // Not JSON: not ours.
  }
  return { token: null, lapsesAt: 0 };
}

/** A released lease: no holder, lapsed already. */
export const RELEASED: LeaseRecord = { token: null, lapsesAt: 0 };

/** The lease as its winner leaves it once its value is written: released, at `nowMs`. */
export function releasedAt(nowMs: number): LeaseRecord {
  return { ...RELEASED, releasedAt: nowMs };
}

/**
 * Whether a lease was released after `sinceMs`, the moment the asking read began: its winner's value
 * was written after that read looked, so the reader must look again (busy, retry at once) rather than
 * win and compute the value a second time. Clocks of two locations may differ a little: a reader
 * wrongly told so only reads once more; one wrongly not told computes again, as without this check.
 */
export function releasedSince(record: LeaseRecord, sinceMs: number): boolean {
  return record.token === null && record.releasedAt !== undefined && record.releasedAt >= sinceMs;
}

/** Whether a stored lease may be taken: released, or past its lapse. */
export function hasLapsed(record: LeaseRecord, nowMs: number): boolean {
  return record.token === null || record.lapsesAt <= nowMs;
}

/** The expiry kept in a lease object's metadata (whole seconds, never early): what the sweep reads. */
export function leaseExpirySeconds(record: LeaseRecord): number {
  return Math.max(1, Math.ceil(record.lapsesAt / 1000));
}

/** A busy answer: the time left until the held lease lapses (0 when it just did). */
export function busyFor(record: LeaseRecord | null, nowMs: number): LeaseOutcome {
  return { state: "busy", retryAfterMs: record === null || hasLapsed(record, nowMs) ? 0 : Math.ceil(record.lapsesAt - nowMs) };
}

/** The answer headers that tell a lease's outcome (`Retry-After` in whole seconds, may be 0). */
export function leaseHeaders(outcome: LeaseOutcome | null): Record<string, string> {
  if (outcome === null) return {};
  if (outcome.state === "won") return { "x-lease": "won", "x-lease-token": outcome.token };
  return { "x-lease": "busy", "retry-after": String(Math.floor(outcome.retryAfterMs / 1000)), "x-lease-retry-ms": String(outcome.retryAfterMs) };
}
