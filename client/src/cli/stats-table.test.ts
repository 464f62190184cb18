import { describe, expect, it } from "vitest";
import type { ServerStats } from "../client.js";
import { statsTable } from "./stats-table.js";

const STATS: ServerStats = {
  namespace: "app",
  window: "1h",
  scope: "deployment",
  reads: 1200,
  hits: 1088,
  misses: 80,
  notFound: 20,
  hitRatio: 0.907,
  stale: { grace: 12, error: 0 },
  leases: { won: 9, busy: 40 },
  writes: 90,
  deletes: 4,
  errors: { storage_timeout: 1, bad_request: 2 },
  storageCallsPerRead: 0.08,
  ms: { p50: 3.1, p99: 41 },
};

describe("statsTable", () => {
  it("prints one aligned row per figure, the ratio as a percentage and errors by code", () => {
    const lines = statsTable(STATS).split("\n");
    expect(lines[0]).toMatch(/^namespace\s+app$/);
    expect(lines).toContain("hit ratio               90.7 %");
    expect(lines.find((line) => line.startsWith("errors"))).toMatch(/bad_request 2, storage_timeout 1$/);
    expect(lines.find((line) => line.startsWith("scope"))).toContain("deployment (every location)");
    const valueColumn = new Set(lines.map((line) => /^(\S.*?|\s+\S.*?)\s{2,}\S/.exec(line)?.[0].length));
    expect(valueColumn.size).toBe(1);
  });

  it("says 'none' without errors and labels instance counts", () => {
    const table = statsTable({ ...STATS, scope: "instance", errors: {} });
    expect(table).toMatch(/errors\s+none/);
    expect(table).toContain("instance (only the Worker instance that answered)");
  });
});
