import type { ServedCounts } from "../platform/metrics";

/** What a request did, as the stats count it: the route's verb. */
export type Verb = "read" | "write" | "delete" | "batch" | "flush" | "keys" | "stats" | "other";

/** The facts of one answered request the stats are made of (read by the observability middleware). */
export interface RequestFacts {
  method: string;
  /** Hono's matched route, e.g. `/v1/:ns/items/*`. */
  route: string;
  status: number;
  /** The answer's `X-Cache` (HIT, MISS, STALE) or null. */
  xCache: string | null;
  /** The answer's `X-Lease` (won, busy) or null. */
  lease: string | null;
  errorCode: string | undefined;
  served: ServedCounts;
  storageCalls: number;
  cacheCalls: number;
  /** The value's bytes: the answer's Content-Length on a read, the request's on a write. */
  bytes: number;
  ms: number;
}

/** One request's contribution to the counters: every count 0 or 1, except calls, bytes and ms. */
export interface RequestTally {
  verb: Verb;
  hits: number;
  misses: number;
  notFound: number;
  staleGrace: number;
  staleError: number;
  leaseWon: number;
  leaseBusy: number;
  writes: number;
  deletes: number;
  /** The error code of an error answer other than `not_found` (a miss, counted as `notFound`). */
  error: string | undefined;
  storageCalls: number;
  cacheCalls: number;
  bytes: number;
  ms: number;
}

/** The verb of a route and method. Pure. */
export function verbOf(method: string, route: string): Verb {
  if (route.endsWith("/items/*")) {
    if (method === "GET" || method === "HEAD") return "read";
    if (method === "PUT" || method === "POST") return "write";
    if (method === "DELETE") return "delete";
    return "other";
  }
  if (route.endsWith("/batch")) return "batch";
  if (route.endsWith("/flush")) return "flush";
  if (route.endsWith("/keys")) return "keys";
  if (route.endsWith("/stats")) return "stats";
  return "other";
}

/**
 * How one request counts: a read is a hit, a miss, a stale answer (by grace or by error, as the
 * request's metrics say) or a not-found; a lease is won or busy as `X-Lease` says; a write or delete
 * counts when it succeeded; an error answer counts under its code. Pure.
 */
export function tallyOf(facts: RequestFacts): RequestTally {
  const verb = verbOf(facts.method, facts.route);
  const ok = facts.status < 400;
  const read = verb === "read";
  const stale = read && facts.xCache === "STALE";
  const staleByError = stale && facts.served.staleError > 0;
  return {
    verb,
    hits: read && facts.xCache === "HIT" ? 1 : 0,
    misses: read && facts.xCache === "MISS" ? 1 : 0,
    notFound: read && facts.errorCode === "not_found" ? 1 : 0,
    staleGrace: stale && !staleByError ? 1 : 0,
    staleError: staleByError ? 1 : 0,
    leaseWon: facts.lease === "won" ? 1 : 0,
    leaseBusy: facts.lease === "busy" ? 1 : 0,
    writes: verb === "write" && ok ? 1 : 0,
    deletes: verb === "delete" && ok ? 1 : 0,
    error: facts.errorCode !== undefined && facts.errorCode !== "not_found" && !ok ? facts.errorCode : undefined,
    storageCalls: facts.storageCalls,
    cacheCalls: facts.cacheCalls,
    bytes: facts.bytes,
    ms: facts.ms,
  };
}
