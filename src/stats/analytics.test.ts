import { describe, expect, it } from "vitest";
import { dataPointOf } from "./analytics";
import type { RequestTally } from "./outcome";
import { COUNTED, MS_DOUBLE } from "./totals";

describe("dataPointOf", () => {
  it("keeps the counts in COUNTED's order and the time in MS_DOUBLE, as the SQL query reads them", () => {
    const tally: RequestTally = { verb: "read", hits: 0, misses: 1, notFound: 0, staleGrace: 0, staleError: 0, leaseWon: 1, leaseBusy: 0, writes: 0, deletes: 0, error: "storage_timeout", storageCalls: 2, readStorageCalls: 2, cacheCalls: 3, bytes: 400, ms: 17 };
    const point = dataPointOf("app", tally);
    expect(point.indexes).toEqual(["app"]);
    expect(point.blobs).toEqual(["read", "storage_timeout"]);
    const doubles = point.doubles ?? [];
    expect(doubles).toHaveLength(MS_DOUBLE);
    const at = (name: (typeof COUNTED)[number]) => doubles[COUNTED.indexOf(name)];
    expect([at("requests"), at("misses"), at("leaseWon"), at("storageCalls"), at("cacheCalls"), at("bytes"), at("readStorageCalls")]).toEqual([1, 1, 1, 2, 3, 400, 2]);
    expect(doubles[MS_DOUBLE - 1]).toBe(17);
  });

  it("carries a batch's writes, deletes and its reads' storage calls in its one point, within Analytics Engine's limits", () => {
    const tally: RequestTally = { verb: "batch", hits: 1, misses: 2, notFound: 0, staleGrace: 0, staleError: 0, leaseWon: 0, leaseBusy: 0, writes: 3, deletes: 2, error: undefined, storageCalls: 9, readStorageCalls: 2, cacheCalls: 4, bytes: 0, ms: 5 };
    const point = dataPointOf("app", tally);
    const doubles = point.doubles ?? [];
    const at = (name: (typeof COUNTED)[number]) => doubles[COUNTED.indexOf(name)];
    expect([at("writes"), at("deletes"), at("storageCalls"), at("readStorageCalls")]).toEqual([3, 2, 9, 2]);
    // Analytics Engine takes at most 20 doubles, 20 blobs and one index per point.
    expect(doubles.length).toBeLessThanOrEqual(20);
    expect(point.blobs?.length ?? 0).toBeLessThanOrEqual(20);
    expect(point.indexes).toHaveLength(1);
  });
});
