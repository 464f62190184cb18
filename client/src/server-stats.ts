// The answer of `GET /v1/{ns}/stats` (API.md), a leaf of no imports: the Worker builds its answer
// to this type (src/stats/totals.ts) and the client reads it, so the two never drift.

/** The windows `serverStats` can ask for. */
export type StatsWindow = "1h" | "24h" | "7d";

/**
 * `GET /v1/{ns}/stats`: the namespace's traffic over the window. `scope` says whose counts they are:
 * `"deployment"` (every location, from Analytics Engine) or `"instance"` (the one Worker instance
 * that answered). `reads` = `hits` + `misses` + `notFound` + stale reads.
 */
export interface ServerStats {
  namespace: string;
  window: StatsWindow;
  scope: "instance" | "deployment";
  reads: number;
  hits: number;
  misses: number;
  notFound: number;
  hitRatio: number;
  stale: { grace: number; error: number };
  leases: { won: number; busy: number };
  writes: number;
  deletes: number;
  errors: Record<string, number>;
  storageCallsPerRead: number;
  ms: { p50: number; p99: number };
}
