import type { ChangeCounts, ReadCounts, ReadOutcome, RequestSummary } from "../platform/metrics";

/** What a request did, as the stats count it: the route's verb. */
export type Verb = "read" | "write" | "delete" | "batch" | "flush" | "keys" | "stats" | "other";

/** The facts of one answered request the stats are made of (read by the observability middleware). */
export interface RequestFacts {
  method: string;
  /** Hono's matched route, e.g. `/v1/:ns/items/*`. */
  route: string;
  status: number;
  errorCode: string | undefined;
  /** The request's reads by outcome (one for GET or HEAD, one per `get` of a batch), as read.ts counted them. */
  reads: ReadCounts;
  /** The leases its reads asked for, won or busy. */
  leases: Pick<RequestSummary["leases"], "won" | "busy">;
  /** The changes that landed, as the item verbs counted them (items.ts): a PUT's one, a batch's sets and deletes. */
  changes: ChangeCounts;
  storageCalls: number;
  /** The storage calls its reads made (a GET's, a batch's gets'), as the reads counted them. */
  readStorageCalls: number;
  cacheCalls: number;
  /** The value's bytes: the answer's Content-Length on a read, the request's on a write. */
  bytes: number;
  ms: number;
}

/** One request's contribution to the counters: reads, leases, writes and deletes one each (a batch has many). */
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
  /** The storage calls made by its reads (storage calls per read, in the stats). */
  readStorageCalls: number;
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

/** How a read ended (read.ts counts each read by it): a `FoundItem`'s X-Cache and staleness, or null for absent. Pure. */
export function readOutcomeOf(found: { xCache: "HIT" | "MISS" | "STALE"; staleBy: "grace" | "error" | null } | null): ReadOutcome {
  if (found === null) return "notFound";
  if (found.xCache === "HIT") return "hit";
  if (found.xCache === "MISS") return "miss";
  return found.staleBy === "error" ? "staleError" : "staleGrace";
}

/**
 * How one request counts: its reads as each ended (a GET's one, a batch's gets), the leases they
 * won or found busy and the storage calls they made, the writes and deletes that landed (a PUT's
 * one, a batch's sets and deletes), an error answer under its code. Pure.
 */
export function tallyOf(facts: RequestFacts): RequestTally {
  const verb = verbOf(facts.method, facts.route);
  const ok = facts.status < 400;
  const { reads } = facts;
  return {
    verb,
    hits: reads.hit,
    misses: reads.miss,
    notFound: reads.notFound,
    staleGrace: reads.staleGrace,
    staleError: reads.staleError,
    leaseWon: facts.leases.won,
    leaseBusy: facts.leases.busy,
    writes: facts.changes.write,
    deletes: facts.changes.delete,
    error: facts.errorCode !== undefined && facts.errorCode !== "not_found" && !ok ? facts.errorCode : undefined,
    storageCalls: facts.storageCalls,
    readStorageCalls: facts.readStorageCalls,
    cacheCalls: facts.cacheCalls,
    bytes: facts.bytes,
    ms: facts.ms,
  };
}
