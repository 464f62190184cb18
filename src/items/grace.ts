import { ApiError } from "../http/errors";
import { isExpired, isGone, nowSeconds } from "./item";

/**
 * Grace: what a reader that asks for a stale value (`Cache-Control: max-stale`) may be given, as
 * pure functions. An expired item within its grace is *stale*: absent for every other operation.
 */

/** `max-stale` as a reader asked for it: null (not asked), or at most that many seconds past expiry (bare `max-stale`: any). */
export type MaxStale = number | null;
/** Bare `max-stale`: any staleness within the item's grace. */
export const ANY_STALENESS = Number.POSITIVE_INFINITY;

/**
 * `max-stale` in a `Cache-Control` request header: null when absent, ANY_STALENESS when bare,
 * else its seconds (RFC 9111 allows them quoted). A value that is not whole seconds is a 400.
 */
export function parseMaxStale(cacheControl: string | undefined): MaxStale {
  if (cacheControl === undefined) return null;
  for (const directive of cacheControl.split(",")) {
    const match = /^\s*max-stale\s*(?:=\s*(.*?))?\s*$/i.exec(directive);
    if (!match) continue;
    const raw = match[1];
    if (raw === undefined) return ANY_STALENESS;
    const seconds = /^"?([0-9]{1,16})"?$/.exec(raw)?.[1];
    if (seconds === undefined || !Number.isSafeInteger(Number(seconds))) throw new ApiError("bad_request", "invalid Cache-Control max-stale: give whole seconds (max-stale=30), or max-stale alone");
    return Number(seconds);
  }
  return null;
}

/** Whether a reader with `maxStale` may be given an item that expired but is still within its grace. Pure. */
export function acceptsStale(expiresAt: number | null, grace: number | undefined, maxStale: MaxStale, now: number = nowSeconds()): boolean {
  if (maxStale === null || expiresAt === null || !isExpired(expiresAt, now) || isGone(expiresAt, grace, now)) return false;
  return now - expiresAt <= maxStale;
}

/** This location's copy of an item, as a read sees it. */
export interface CopyFacts {
  expiresAt: number | null;
  grace: number;
  /** Until when (unix ms) the copy may be served without asking storage (EDGE_TTL after it was stored). */
  freshUntil: number;
}

/**
 * How a read may answer from this location's copy, or null when it must ask storage. A fresh copy
 * of a live item is a HIT; of a stale one, STALE for a reader whose `max-stale` takes it. Past its
 * freshness a copy is taken only by a reader whose `max-stale` also covers how long it has been
 * past it, and is then refreshed from storage in the background. Pure.
 */
export function answerFromCopy(copy: CopyFacts, maxStale: MaxStale, nowMs: number = Date.now()): { xCache: "HIT" | "STALE"; refresh: boolean } | null {
  const now = nowSeconds(nowMs);
  const live = !isExpired(copy.expiresAt, now);
  if (!live && !acceptsStale(copy.expiresAt, copy.grace, maxStale, now)) return null;
  const xCache = live ? "HIT" : "STALE";
  if (nowMs < copy.freshUntil) return { xCache, refresh: false };
  if (maxStale === null || nowMs - copy.freshUntil > maxStale * 1000) return null;
  return { xCache, refresh: true };
}
