import { describe, expect, it } from "vitest";
import type { ReadCounts } from "../platform/metrics";
import { readOutcomeOf, type RequestFacts, tallyOf, verbOf } from "./outcome";

const NO_READS: ReadCounts = { hit: 0, miss: 0, staleGrace: 0, staleError: 0, notFound: 0 };
const reads = (counts: Partial<ReadCounts>): ReadCounts => ({ ...NO_READS, ...counts });

function facts(overrides: Partial<RequestFacts>): RequestFacts {
  return { method: "GET", route: "/v1/:ns/items/*", status: 200, errorCode: undefined, reads: NO_READS, leases: { won: 0, busy: 0 }, changes: { write: 0, delete: 0 }, storageCalls: 0, readStorageCalls: 0, cacheCalls: 1, bytes: 5, ms: 2, ...overrides };
}

describe("readOutcomeOf", () => {
  it("names how a read ended from what it found", () => {
    expect(readOutcomeOf(null)).toBe("notFound");
    expect(readOutcomeOf({ xCache: "HIT", staleBy: null })).toBe("hit");
    expect(readOutcomeOf({ xCache: "MISS", staleBy: null })).toBe("miss");
    expect(readOutcomeOf({ xCache: "STALE", staleBy: "grace" })).toBe("staleGrace");
    expect(readOutcomeOf({ xCache: "STALE", staleBy: "error" })).toBe("staleError");
  });
});

describe("verbOf", () => {
  it("names each route's verb", () => {
    expect(verbOf("GET", "/v1/:ns/items/*")).toBe("read");
    expect(verbOf("HEAD", "/v1/:ns/items/*")).toBe("read");
    expect(verbOf("PUT", "/v1/:ns/items/*")).toBe("write");
    expect(verbOf("POST", "/v1/:ns/items/*")).toBe("write");
    expect(verbOf("DELETE", "/v1/:ns/items/*")).toBe("delete");
    expect(verbOf("PATCH", "/v1/:ns/items/*")).toBe("other");
    expect(verbOf("POST", "/v1/:ns/batch")).toBe("batch");
    expect(verbOf("POST", "/v1/:ns/flush")).toBe("flush");
    expect(verbOf("GET", "/v1/:ns/keys")).toBe("keys");
    expect(verbOf("GET", "/v1/:ns/stats")).toBe("stats");
    expect(verbOf("GET", "*")).toBe("other");
  });
});

describe("tallyOf", () => {
  it("counts a hit, a miss and a not-found read", () => {
    expect(tallyOf(facts({ reads: reads({ hit: 1 }) }))).toMatchObject({ verb: "read", hits: 1, misses: 0, notFound: 0 });
    expect(tallyOf(facts({ reads: reads({ miss: 1 }) }))).toMatchObject({ hits: 0, misses: 1 });
    expect(tallyOf(facts({ status: 404, errorCode: "not_found", reads: reads({ notFound: 1 }) }))).toMatchObject({ notFound: 1, error: undefined });
  });

  it("counts each of a batch's gets by how it ended", () => {
    const batch = facts({ method: "POST", route: "/v1/:ns/batch", reads: { hit: 3, miss: 2, staleGrace: 1, staleError: 1, notFound: 4 }, leases: { won: 1, busy: 2 } });
    expect(tallyOf(batch)).toMatchObject({ verb: "batch", hits: 3, misses: 2, staleGrace: 1, staleError: 1, notFound: 4, leaseWon: 1, leaseBusy: 2, writes: 0 });
  });

  it("counts a batch's sets and deletes that landed, and the storage calls of its gets alone", () => {
    const batch = facts({ method: "POST", route: "/v1/:ns/batch", reads: reads({ miss: 2 }), changes: { write: 3, delete: 2 }, storageCalls: 8, readStorageCalls: 2 });
    expect(tallyOf(batch)).toMatchObject({ verb: "batch", writes: 3, deletes: 2, storageCalls: 8, readStorageCalls: 2 });
  });

  it("tells stale by grace from stale by error", () => {
    expect(tallyOf(facts({ reads: reads({ staleGrace: 1 }) }))).toMatchObject({ staleGrace: 1, staleError: 0, hits: 0 });
    expect(tallyOf(facts({ reads: reads({ staleError: 1 }) }))).toMatchObject({ staleGrace: 0, staleError: 1 });
  });

  it("counts leases won and busy", () => {
    expect(tallyOf(facts({ reads: reads({ miss: 1 }), leases: { won: 1, busy: 0 } }))).toMatchObject({ leaseWon: 1, leaseBusy: 0 });
    expect(tallyOf(facts({ status: 404, errorCode: "not_found", reads: reads({ notFound: 1 }), leases: { won: 0, busy: 1 } }))).toMatchObject({ leaseWon: 0, leaseBusy: 1, notFound: 1 });
  });

  it("counts the writes and deletes that landed (as the item verbs counted them), and errors by code", () => {
    expect(tallyOf(facts({ method: "PUT", status: 204, changes: { write: 1, delete: 0 } }))).toMatchObject({ verb: "write", writes: 1 });
    expect(tallyOf(facts({ method: "PUT", status: 412, errorCode: "precondition_failed" }))).toMatchObject({ writes: 0, error: "precondition_failed" });
    expect(tallyOf(facts({ method: "DELETE", status: 204, changes: { write: 0, delete: 1 } }))).toMatchObject({ verb: "delete", deletes: 1 });
    expect(tallyOf(facts({ status: 504, errorCode: "storage_timeout" }))).toMatchObject({ hits: 0, misses: 0, error: "storage_timeout" });
  });

  it("carries calls, bytes and time as given", () => {
    expect(tallyOf(facts({ reads: reads({ miss: 1 }), storageCalls: 2, readStorageCalls: 2, cacheCalls: 3, bytes: 1000, ms: 40 }))).toMatchObject({ storageCalls: 2, readStorageCalls: 2, cacheCalls: 3, bytes: 1000, ms: 40 });
  });
});
