import { describe, expect, it } from "vitest";
import { type RequestFacts, tallyOf, verbOf } from "./outcome";

const NONE = { staleGrace: 0, staleError: 0, refresh: 0 };

function facts(overrides: Partial<RequestFacts>): RequestFacts {
  return { method: "GET", route: "/v1/:ns/items/*", status: 200, xCache: null, lease: null, errorCode: undefined, served: NONE, storageCalls: 0, cacheCalls: 1, bytes: 5, ms: 2, ...overrides };
}

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
    expect(tallyOf(facts({ xCache: "HIT" }))).toMatchObject({ verb: "read", hits: 1, misses: 0, notFound: 0 });
    expect(tallyOf(facts({ xCache: "MISS" }))).toMatchObject({ hits: 0, misses: 1 });
    expect(tallyOf(facts({ status: 404, errorCode: "not_found" }))).toMatchObject({ notFound: 1, error: undefined });
  });

  it("tells stale by grace from stale by error", () => {
    expect(tallyOf(facts({ xCache: "STALE", served: { ...NONE, staleGrace: 1 } }))).toMatchObject({ staleGrace: 1, staleError: 0, hits: 0 });
    expect(tallyOf(facts({ xCache: "STALE", served: { ...NONE, staleError: 1 } }))).toMatchObject({ staleGrace: 0, staleError: 1 });
  });

  it("counts leases won and busy from X-Lease", () => {
    expect(tallyOf(facts({ xCache: "MISS", lease: "won" }))).toMatchObject({ leaseWon: 1, leaseBusy: 0 });
    expect(tallyOf(facts({ status: 404, errorCode: "not_found", lease: "busy" }))).toMatchObject({ leaseWon: 0, leaseBusy: 1, notFound: 1 });
  });

  it("counts writes and deletes only when they succeeded, and errors by code", () => {
    expect(tallyOf(facts({ method: "PUT", status: 204 }))).toMatchObject({ verb: "write", writes: 1 });
    expect(tallyOf(facts({ method: "PUT", status: 412, errorCode: "precondition_failed" }))).toMatchObject({ writes: 0, error: "precondition_failed" });
    expect(tallyOf(facts({ method: "DELETE", status: 204 }))).toMatchObject({ verb: "delete", deletes: 1 });
    expect(tallyOf(facts({ status: 504, errorCode: "storage_timeout" }))).toMatchObject({ hits: 0, misses: 0, error: "storage_timeout" });
  });

  it("carries calls, bytes and time as given", () => {
    expect(tallyOf(facts({ xCache: "MISS", storageCalls: 2, cacheCalls: 3, bytes: 1000, ms: 40 }))).toMatchObject({ storageCalls: 2, cacheCalls: 3, bytes: 1000, ms: 40 });
  });
});
