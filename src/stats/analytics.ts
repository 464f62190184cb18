import type { RequestTally } from "./outcome";

/**
 * The Analytics Engine data point of one request: the namespace as the index (sampling keeps
 * namespaces apart), the verb and error code as blobs, the counts as doubles in COUNTED's order
 * (double1…double14), then the milliseconds (MS_DOUBLE), as the SQL query reads them
 * (deployment-stats.ts). A batch is one request, so one point. Pure.
 */
export function dataPointOf(namespace: string, tally: RequestTally): AnalyticsEngineDataPoint {
  return {
    indexes: [namespace],
    blobs: [tally.verb, tally.error ?? ""],
    doubles: [
      1,
      tally.hits,
      tally.misses,
      tally.notFound,
      tally.staleGrace,
      tally.staleError,
      tally.leaseWon,
      tally.leaseBusy,
      tally.writes,
      tally.deletes,
      tally.storageCalls,
      tally.cacheCalls,
      tally.bytes,
      tally.readStorageCalls,
      tally.ms,
    ],
  };
}

/** The optional binding (`[[analytics_engine_datasets]] binding = "STATS"`), when the deployment has one. */
export function analyticsBinding(env: object): AnalyticsEngineDataset | undefined {
  const binding = (env as { STATS?: unknown }).STATS;
  return typeof binding === "object" && binding !== null && typeof (binding as AnalyticsEngineDataset).writeDataPoint === "function" ? (binding as AnalyticsEngineDataset) : undefined;
}

/** Writes the point; fire-and-forget: a failure to count never fails or delays the answer. */
export function writePoint(binding: AnalyticsEngineDataset, point: AnalyticsEngineDataPoint): void {
  try {
    binding.writeDataPoint(point);
  } catch {
    // Counting is best effort by design: the answer has been made.
  }
}
