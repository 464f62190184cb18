import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { busyFor, decodeLease, encodeLease, hasLapsed, leaseExpirySeconds, leaseHeaders, leaseWanted, newLeaseToken, parseLeaseAsk, parseLeaseToken, RELEASED, releasedAt, releasedSince } from "./lease";

describe("parseLeaseAsk", () => {
  it("reads X-Lease (1–300 seconds) and X-Refresh-Below; nothing asked without X-Lease", () => {
    expect(parseLeaseAsk(undefined, undefined)).toBeNull();
    expect(parseLeaseAsk("1", undefined)).toEqual({ seconds: 1, refreshBelow: null });
    expect(parseLeaseAsk("300", "10")).toEqual({ seconds: 300, refreshBelow: 10 });
  });
  it("refuses anything else with a 400 naming the header", () => {
    for (const bad of ["0", "301", "-1", "1.5", "", " 5", "ten", "1e2"]) {
      expect(() => parseLeaseAsk(bad, undefined), bad).toThrow(/X-Lease: a whole number from 1 to 300/);
    }
    expect(() => parseLeaseAsk("30", "0")).toThrow(/X-Refresh-Below/);
    expect(() => parseLeaseAsk("30", "soon")).toThrow(/X-Refresh-Below/);
    expect(() => parseLeaseAsk(undefined, "10")).toThrow(/X-Refresh-Below needs X-Lease/);
    try {
      parseLeaseAsk("0", undefined);
    } catch (err) {
      expect(err instanceof ApiError && err.code).toBe("bad_request");
    }
  });
});

describe("lease tokens", () => {
  it("are random, header-safe, and what X-Lease-Token accepts back", () => {
    const token = newLeaseToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(newLeaseToken()).not.toBe(token);
    expect(parseLeaseToken(token)).toBe(token);
    expect(parseLeaseToken(undefined)).toBeNull();
    for (const bad of ["", "short", "has space in it here", "x".repeat(65), "ünïcödé-ünïcödé-ü"]) expect(() => parseLeaseToken(bad), bad).toThrow(/X-Lease-Token/);
  });
});

describe("leaseWanted", () => {
  const now = 1_000_000_000_000;
  const ask = { seconds: 30, refreshBelow: null };
  it("asks when the read found no live item: nothing, or a stale one (past its expiry)", () => {
    expect(leaseWanted(null, ask, now)).toBe(true);
    expect(leaseWanted({ expiresAt: now / 1000 - 5 }, ask, now)).toBe(true);
    expect(leaseWanted({ expiresAt: now / 1000 }, ask, now)).toBe(true);
  });
  it("never for a live item, unless it has less than X-Refresh-Below seconds left", () => {
    expect(leaseWanted({ expiresAt: now / 1000 + 5 }, ask, now)).toBe(false);
    expect(leaseWanted({ expiresAt: null }, { seconds: 30, refreshBelow: 10 }, now)).toBe(false);
    expect(leaseWanted({ expiresAt: now / 1000 + 5 }, { seconds: 30, refreshBelow: 10 }, now)).toBe(true);
    expect(leaseWanted({ expiresAt: now / 1000 + 10 }, { seconds: 30, refreshBelow: 10 }, now)).toBe(false);
    expect(leaseWanted({ expiresAt: now / 1000 + 11 }, { seconds: 30, refreshBelow: 10 }, now)).toBe(false);
  });
});

describe("a lease object", () => {
  it("holds its token and lapse, read back as written; anything else counts as lapsed", () => {
    const record = { token: newLeaseToken(), lapsesAt: 1_767_225_600_123 };
    expect(decodeLease(new TextDecoder().decode(encodeLease(record)))).toEqual(record);
    expect(decodeLease(new TextDecoder().decode(encodeLease(RELEASED)))).toEqual(RELEASED);
    for (const junk of ["", "{", "[]", '{"token":5,"lapsesAt":1}', '{"token":"t"}']) expect(hasLapsed(decodeLease(junk), 0), junk).toBe(true);
  });
  it("has lapsed once its time is up, or once released", () => {
    expect(hasLapsed({ token: "t", lapsesAt: 1000 }, 999)).toBe(false);
    expect(hasLapsed({ token: "t", lapsesAt: 1000 }, 1000)).toBe(true);
    expect(hasLapsed(RELEASED, 0)).toBe(true);
  });
  it("keeps its lapse as an expiry in whole seconds, never early (the sweep reads it)", () => {
    expect(leaseExpirySeconds({ token: "t", lapsesAt: 1_000_001 })).toBe(1001);
    expect(leaseExpirySeconds({ token: "t", lapsesAt: 1_000_000 })).toBe(1000);
    expect(leaseExpirySeconds(RELEASED)).toBe(1);
  });
});

describe("answering a lease", () => {
  it("busy: the time until the held lease lapses, 0 when it has or is unknown", () => {
    expect(busyFor({ token: "t", lapsesAt: 5_400 }, 1_000)).toEqual({ state: "busy", retryAfterMs: 4_400 });
    expect(busyFor({ token: "t", lapsesAt: 1_000 }, 1_000)).toEqual({ state: "busy", retryAfterMs: 0 });
    expect(busyFor(null, 1_000)).toEqual({ state: "busy", retryAfterMs: 0 });
  });
  it("headers: X-Lease won with the token, or busy with Retry-After (whole seconds, may be 0) and X-Lease-Retry-Ms", () => {
    expect(leaseHeaders(null)).toEqual({});
    expect(leaseHeaders({ state: "won", token: "abc" })).toEqual({ "x-lease": "won", "x-lease-token": "abc" });
    expect(leaseHeaders({ state: "busy", retryAfterMs: 4_400 })).toEqual({ "x-lease": "busy", "retry-after": "4", "x-lease-retry-ms": "4400" });
    expect(leaseHeaders({ state: "busy", retryAfterMs: 300 })).toEqual({ "x-lease": "busy", "retry-after": "0", "x-lease-retry-ms": "300" });
  });
});

describe("a lease released after the asking read began", () => {
  it("is not won again: its winner's value was written after the read looked", () => {
    const released = releasedAt(1_000);
    expect(releasedSince(released, 900)).toBe(true);
    expect(releasedSince(released, 1_000)).toBe(true);
    expect(releasedSince(released, 1_001)).toBe(false);
    // A lease released with no time known, or one still held, is never "released since".
    expect(releasedSince(RELEASED, 0)).toBe(false);
    expect(releasedSince({ token: "t", lapsesAt: 5_000 }, 0)).toBe(false);
    expect(decodeLease(new TextDecoder().decode(encodeLease(released)))).toEqual(released);
    expect(hasLapsed(released, 0)).toBe(true);
  });
});
