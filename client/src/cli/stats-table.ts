// `cloudcached stats`: the server's counts for a namespace as a two-column table. Pure.

import type { ServerStats } from "../client.js";
import { twoColumns } from "./two-columns.js";

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;

/** The rows of the table, in the order a reader looks for them: ratio first, then where reads went. */
export function statsRows(stats: ServerStats): [string, string][] {
  const errors = Object.entries(stats.errors)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${code} ${count}`)
    .join(", ");
  return [
    ["namespace", stats.namespace],
    ["window", stats.window],
    ["scope", stats.scope === "deployment" ? "deployment (every location)" : "instance (only the Worker instance that answered)"],
    ["hit ratio", percent(stats.hitRatio)],
    ["reads", String(stats.reads)],
    ["  hits", String(stats.hits)],
    ["  misses", String(stats.misses)],
    ["  not found", String(stats.notFound)],
    ["  stale (grace)", String(stats.stale.grace)],
    ["  stale (error)", String(stats.stale.error)],
    ["leases won / busy", `${stats.leases.won} / ${stats.leases.busy}`],
    ["writes", String(stats.writes)],
    ["deletes", String(stats.deletes)],
    ["errors", errors === "" ? "none" : errors],
    ["storage calls per read", String(stats.storageCallsPerRead)],
    ["time p50 / p99", `${stats.ms.p50} ms / ${stats.ms.p99} ms`],
  ];
}

/** The table as text, names padded to one column. */
export function statsTable(stats: ServerStats): string {
  return twoColumns(statsRows(stats));
}
