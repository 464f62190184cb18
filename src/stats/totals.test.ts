import { describe, expect, it } from "vitest";
import { statsBody, zeroCounts } from "./totals";

describe("statsBody", () => {
  it("counts reads as hits + misses + notFound + stale, and the ratios over them", () => {
    const counts = { ...zeroCounts(), hits: 1088, misses: 80, notFound: 20, staleGrace: 12, readStorageCalls: 96, writes: 90, deletes: 4, leaseWon: 9, leaseBusy: 40 };
    const body = statsBody("app", "1h", "instance", { counts, errors: { storage_timeout: 1 }, ms: { p50: 3, p99: 50 } });
    expect(body).toEqual({
      namespace: "app",
      window: "1h",
      scope: "instance",
      reads: 1200,
      hits: 1088,
      misses: 80,
      notFound: 20,
      hitRatio: 0.907,
      stale: { grace: 12, error: 0 },
      leases: { won: 9, busy: 40 },
      writes: 90,
      deletes: 4,
      errors: { storage_timeout: 1 },
      storageCallsPerRead: 0.08,
      ms: { p50: 3, p99: 50 },
    });
  });

  it("answers 0 ratios when nothing was read", () => {
    const body = statsBody("app", "7d", "deployment", { counts: zeroCounts(), errors: {}, ms: { p50: 0, p99: 0 } });
    expect(body).toMatchObject({ reads: 0, hitRatio: 0, storageCallsPerRead: 0, scope: "deployment" });
  });
});
