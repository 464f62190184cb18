import { ApiError } from "../http/errors";
import { isExpired } from "./item";

/** Storage failures a location's copy may stand in for: storage erred, was unreachable or too slow. Pure. */
export function isStorageFailure(err: unknown): boolean {
  return err instanceof ApiError && (err.code === "storage_error" || err.code === "storage_unavailable" || err.code === "storage_timeout");
}

/**
 * stale-if-error: when storage fails, a location's copy past its freshness (EDGE_TTL) may still be
 * served, marked `X-Cache: STALE`, as long as the item itself has not expired. Never for a request
 * that asked for storage's answer (`Cache-Control: no-cache`): it gets the error. Pure.
 */
export function canServeStale(err: unknown, copyExpiresAt: number | null | undefined, noCache: boolean, now?: number): boolean {
  if (noCache || copyExpiresAt === undefined) return false;
  return isStorageFailure(err) && !isExpired(copyExpiresAt, now);
}
