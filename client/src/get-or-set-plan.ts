// getOrSet's decisions, as pure functions: its settings, the lease a read answered, what a caller does
// with a read's answer, and how long a waiting caller sleeps before it asks again.

import type { ItemMeta } from "./client.js";

/** getOrSet's settings; every duration is in seconds (fractions allowed where it says so). */
export interface GetOrSetSettings {
  /** Seconds the value lives; 0 = never expires. Omitted: the server's `DEFAULT_TTL`. */
  ttl?: number | undefined;
  /** Seconds the value stays stale after its expiry, served to getOrSet callers while one refreshes it. Default 0. */
  grace?: number | undefined;
  /** Seconds one caller may take to compute the value before another takes over (1–300). Default 30. */
  lease?: number | undefined;
  /**
   * Soft timeout, seconds (fractions allowed): a caller holding a stale value returns it when the factory
   * has not finished within it, and the factory goes on in the background. 0 = always serve the stale
   * value at once and refresh in the background. Default: wait for the factory.
   */
  timeout?: number | undefined;
  /** Hard timeout, seconds (fractions allowed): give up waiting (for the factory or for another caller's value) and throw `factory_timeout`. Default: none. */
  hardTimeout?: number | undefined;
  /** Early refresh: when a live value has fewer than this many seconds left, one caller recomputes it while every caller gets it. */
  refreshBelow?: number | undefined;
  /** Seconds (fractions allowed) this client waits before recomputing a key whose factory failed while a stale value stood in. Default 10. */
  graceBackoff?: number | undefined;
  /** Tags the computed value is written with (as `WriteOptions.tags`). */
  tags?: readonly string[] | undefined;
  /** Metadata the computed value is written with (as `WriteOptions.meta`). */
  meta?: ItemMeta | undefined;
}

/** The settings with their defaults applied, durations in milliseconds where the client waits on them. */
export interface ResolvedSettings {
  ttl: number | undefined;
  grace: number;
  lease: number;
  timeoutMs: number | undefined;
  hardTimeoutMs: number | undefined;
  refreshBelow: number | undefined;
  graceBackoffMs: number;
  tags: readonly string[] | undefined;
  meta: ItemMeta | undefined;
}

export const DEFAULT_LEASE = 30;
export const DEFAULT_GRACE_BACKOFF = 10;
/** The API's bounds of `X-Lease`. */
const MAX_LEASE = 300;

function wholeSeconds(value: number | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be a whole number of seconds from ${min}${max === Number.MAX_SAFE_INTEGER ? "" : ` to ${max}`}, got ${String(value)}`);
  }
  return value;
}

function durationMs(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number of seconds, got ${String(value)}`);
  return Math.round(value * 1000);
}

/** The call's settings over the client's defaults, checked. */
export function resolveSettings(defaults: GetOrSetSettings, call: GetOrSetSettings): ResolvedSettings {
  const merged: GetOrSetSettings = { ...defaults };
  for (const [name, value] of Object.entries(call) as [keyof GetOrSetSettings, GetOrSetSettings[keyof GetOrSetSettings]][]) {
    if (value !== undefined) Object.assign(merged, { [name]: value });
  }
  return {
    ttl: wholeSeconds(merged.ttl, "ttl", 0),
    grace: wholeSeconds(merged.grace, "grace", 0) ?? 0,
    lease: wholeSeconds(merged.lease, "lease", 1, MAX_LEASE) ?? DEFAULT_LEASE,
    timeoutMs: durationMs(merged.timeout, "timeout"),
    hardTimeoutMs: durationMs(merged.hardTimeout, "hardTimeout"),
    refreshBelow: wholeSeconds(merged.refreshBelow, "refreshBelow", 1),
    graceBackoffMs: durationMs(merged.graceBackoff, "graceBackoff") ?? DEFAULT_GRACE_BACKOFF * 1000,
    tags: merged.tags,
    meta: merged.meta,
  };
}

/** What a read said of the key's lease: this caller won it, another holds it, or none was asked or given. */
export type LeaseState = { kind: "won"; token: string } | { kind: "busy"; retryAfterMs: number | null } | { kind: "none" };

/** The lease of a read's answer headers (`X-Lease`, `X-Lease-Token`, `X-Lease-Retry-Ms`, `Retry-After`). */
export function leaseStateOf(headers: { get(name: string): string | null }): LeaseState {
  const lease = headers.get("x-lease")?.trim().toLowerCase();
  const token = headers.get("x-lease-token");
  if (lease === "won" && token) return { kind: "won", token };
  if (lease !== "busy") return { kind: "none" };
  const ms = headers.get("x-lease-retry-ms");
  if (ms !== null && /^\d{1,9}$/.test(ms.trim())) return { kind: "busy", retryAfterMs: Number(ms.trim()) };
  const seconds = headers.get("retry-after");
  if (seconds !== null && /^\d{1,6}$/.test(seconds.trim())) return { kind: "busy", retryAfterMs: Number(seconds.trim()) * 1000 };
  return { kind: "busy", retryAfterMs: null };
}

/** What a read found: a live value, a stale one (past its expiry, within its grace), or nothing. */
export type Found = "live" | "stale" | "absent";

/**
 * What a caller does with a read's answer:
 * - `return`: give the value it holds (a hit, or a stale value while another caller refreshes it);
 * - `refresh`: give the value it holds and recompute it (an early refresh of a live value);
 * - `compute`: run the factory, holding the stale value if any (it won the lease, or the server gives no leases);
 * - `wait`: another caller is computing and there is nothing to serve: ask again later.
 */
export type Step = "return" | "refresh" | "compute" | "wait";

export function stepFor(found: Found, lease: LeaseState): Step {
  if (found === "live") return lease.kind === "won" ? "refresh" : "return";
  if (lease.kind === "won") return "compute";
  if (found === "stale") return "return";
  // Absent and no lease said: a server without leases (or one that gave none): compute as a plain get-then-set would.
  return lease.kind === "busy" ? "wait" : "compute";
}

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 1000;

/**
 * How long a waiting caller sleeps before its `attempt`-th read (1 for the first): exponential from
 * 25 ms to 1 s with jitter between half and all of it (so that callers who started together do not
 * ask together), never past the moment the lease lapses (`retryAfterMs`, when the server said it) nor
 * past the caller's own deadline (`remainingMs`).
 */
export function pollDelayMs(attempt: number, retryAfterMs: number | null, remainingMs: number, random: number): number {
  const ceiling = Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** Math.max(0, attempt - 1));
  let delay = Math.round(ceiling / 2 + (ceiling / 2) * random);
  // Just after the lapse, so that the read that follows can win the lease.
  if (retryAfterMs !== null) delay = Math.min(delay, retryAfterMs + 5);
  return Math.max(0, Math.min(delay, remainingMs));
}

/**
 * How long a waiting caller may wait in all, from its first read: the winner's lease plus the caller's
 * hard timeout (unbounded without one: a lapsed lease is won by the next reader, who then computes).
 */
export function waitBudgetMs(settings: ResolvedSettings): number {
  return settings.hardTimeoutMs === undefined ? Number.POSITIVE_INFINITY : settings.lease * 1000 + settings.hardTimeoutMs;
}
