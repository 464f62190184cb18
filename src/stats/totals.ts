import type { ServerStats } from "../../client/src/server-stats";
import type { StatsWindow } from "./windows";

/** The counted fields, in the order the counters and Analytics Engine's doubles keep them. */
export const COUNTED = ["requests", "hits", "misses", "notFound", "staleGrace", "staleError", "leaseWon", "leaseBusy", "writes", "deletes", "storageCalls", "cacheCalls", "bytes", "readStorageCalls"] as const;

export type Counted = (typeof COUNTED)[number];

/** The Analytics Engine double (1-based, as SQL names it) holding a request's milliseconds: after the counts. */
export const MS_DOUBLE = 15;

/** A namespace's counts over a window, wherever they were read from (this instance, or Analytics Engine). */
export interface StatsTotals {
  counts: Record<Counted, number>;
  errors: Record<string, number>;
  ms: { p50: number; p99: number };
}

/** API.md's answer of `GET /v1/{ns}/stats`: the client's own type (client/src/server-stats.ts). */
export type StatsBody = ServerStats;

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** The answer for `totals`: reads = hits + misses + notFound + stale; ratios 0 when nothing was read. Pure. */
export function statsBody(namespace: string, window: StatsWindow, scope: StatsBody["scope"], totals: StatsTotals): StatsBody {
  const c = totals.counts;
  const reads = c.hits + c.misses + c.notFound + c.staleGrace + c.staleError;
  return {
    namespace,
    window,
    scope,
    reads,
    hits: c.hits,
    misses: c.misses,
    notFound: c.notFound,
    hitRatio: reads === 0 ? 0 : round3(c.hits / reads),
    stale: { grace: c.staleGrace, error: c.staleError },
    leases: { won: c.leaseWon, busy: c.leaseBusy },
    writes: c.writes,
    deletes: c.deletes,
    errors: totals.errors,
    storageCallsPerRead: reads === 0 ? 0 : round3(c.readStorageCalls / reads),
    ms: { p50: round3(totals.ms.p50), p99: round3(totals.ms.p99) },
  };
}

/** All counts zero. */
export function zeroCounts(): Record<Counted, number> {
  return Object.fromEntries(COUNTED.map((name) => [name, 0])) as Record<Counted, number>;
}
