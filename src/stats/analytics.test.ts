import { describe, expect, it } from "vitest";
import { dataPointOf } from "./analytics";
import type { RequestTally } from "./outcome";
import { COUNTED, MS_DOUBLE } from "./totals";

describe("dataPointOf", () => {
  it("keeps the counts in COUNTED's order and the time in MS_DOUBLE, as the SQL query reads them", () => {
    const tally: RequestTally = { verb: "read", hits: 0, misses: 1, notFound: 0, staleGrace: 0, staleError: 0, leaseWon: 1, leaseBusy: 0, writes: 0, deletes: 0, error: "storage_timeout", storageCalls: 2, cacheCalls: 3, bytes: 400, ms: 17 };
    const point = dataPointOf("app", tally);
    expect(point.indexes).toEqual(["app"]);
    expect(point.blobs).toEqual(["read", "storage_timeout"]);
    const doubles = point.doubles ?? [];
    expect(doubles).toHaveLength(MS_DOUBLE);
    const at = (name: (typeof COUNTED)[number]) => doubles[COUNTED.indexOf(name)];
    expect([at("requests"), at("misses"), at("leaseWon"), at("storageCalls"), at("cacheCalls"), at("bytes"), at("readStorageCalls")]).toEqual([1, 1, 1, 2, 3, 400, 2]);
    expect(doubles[MS_DOUBLE - 1]).toBe(17);
  });
});
