import { describe, expect, it } from "vitest";
import { leaseStateOf, pollDelayMs, resolveSettings, stepFor, waitBudgetMs } from "./get-or-set-plan.js";

const headers = (entries: Record<string, string>) => new Headers(entries);

describe("resolveSettings", () => {
  it("applies the defaults, the client's over the built-in ones and the call's over the client's; durations become ms", () => {
    const resolved = resolveSettings({ lease: 10, timeout: 0.2, grace: 60 }, { lease: 5, hardTimeout: 2 });
    expect(resolved).toEqual({ ttl: undefined, grace: 60, lease: 5, timeoutMs: 200, hardTimeoutMs: 2000, refreshBelow: undefined, graceBackoffMs: 10_000 });
    expect(resolveSettings({}, {}).lease).toBe(30);
  });

  it("carries the tags and metadata the value is written with, the call's over the client's", () => {
    expect(resolveSettings({ tags: ["a"], meta: { by: "client" } }, { tags: ["b"] })).toMatchObject({ tags: ["b"], meta: { by: "client" } });
    expect(resolveSettings({}, {})).toMatchObject({ tags: undefined, meta: undefined });
  });

  it("refuses a lease outside 1–300, fractional ttl, negative timeouts", () => {
    expect(() => resolveSettings({}, { lease: 0 })).toThrow(TypeError);
    expect(() => resolveSettings({}, { lease: 301 })).toThrow(TypeError);
    expect(() => resolveSettings({}, { ttl: 1.5 })).toThrow(TypeError);
    expect(() => resolveSettings({}, { timeout: -1 })).toThrow(TypeError);
    expect(() => resolveSettings({}, { refreshBelow: 0 })).toThrow(TypeError);
  });
});

describe("leaseStateOf", () => {
  it("reads won with its token, busy with its retry time (ms over Retry-After), and none", () => {
    expect(leaseStateOf(headers({ "x-lease": "won", "x-lease-token": "t1" }))).toEqual({ kind: "won", token: "t1" });
    expect(leaseStateOf(headers({ "x-lease": "busy", "x-lease-retry-ms": "1234", "retry-after": "2" }))).toEqual({ kind: "busy", retryAfterMs: 1234 });
    expect(leaseStateOf(headers({ "x-lease": "busy", "retry-after": "2" }))).toEqual({ kind: "busy", retryAfterMs: 2000 });
    expect(leaseStateOf(headers({ "x-lease": "busy" }))).toEqual({ kind: "busy", retryAfterMs: null });
    expect(leaseStateOf(headers({ "x-lease": "won" }))).toEqual({ kind: "none" });
    expect(leaseStateOf(headers({}))).toEqual({ kind: "none" });
  });
});

describe("stepFor", () => {
  const won = { kind: "won", token: "t" } as const;
  const busy = { kind: "busy", retryAfterMs: 100 } as const;
  const none = { kind: "none" } as const;
  it("a live value is returned, and refreshed by the lease's winner (early refresh)", () => {
    expect(stepFor("live", none)).toBe("return");
    expect(stepFor("live", busy)).toBe("return");
    expect(stepFor("live", won)).toBe("refresh");
  });
  it("a stale value is returned while another computes; the winner computes holding it", () => {
    expect(stepFor("stale", busy)).toBe("return");
    expect(stepFor("stale", none)).toBe("return");
    expect(stepFor("stale", won)).toBe("compute");
  });
  it("nothing: the winner computes, the others wait; a server that gives no lease is computed against", () => {
    expect(stepFor("absent", won)).toBe("compute");
    expect(stepFor("absent", busy)).toBe("wait");
    expect(stepFor("absent", none)).toBe("compute");
  });
});

describe("pollDelayMs", () => {
  it("grows from 25 ms to at most 1 s, jittered between half and all of it", () => {
    expect(pollDelayMs(1, null, 60_000, 0)).toBe(13);
    expect(pollDelayMs(1, null, 60_000, 1)).toBe(25);
    expect(pollDelayMs(3, null, 60_000, 1)).toBe(100);
    expect(pollDelayMs(20, null, 60_000, 1)).toBe(1000);
    expect(pollDelayMs(20, null, 60_000, 0)).toBe(500);
  });
  it("never sleeps past the lease's lapse (just after it) nor past the caller's deadline", () => {
    expect(pollDelayMs(20, 40, 60_000, 1)).toBe(45);
    expect(pollDelayMs(20, null, 30, 1)).toBe(30);
    expect(pollDelayMs(20, 0, 60_000, 1)).toBe(5);
  });
});

describe("waitBudgetMs", () => {
  it("is the lease plus the hard timeout, unbounded without one", () => {
    expect(waitBudgetMs(resolveSettings({}, { lease: 5, hardTimeout: 1.5 }))).toBe(6500);
    expect(waitBudgetMs(resolveSettings({}, { lease: 5 }))).toBe(Number.POSITIVE_INFINITY);
  });
});
