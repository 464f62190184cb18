import { describe, expect, it } from "vitest";
import { InstanceCounters, MAX_COUNTED_NAMESPACES, msBin, quantileOf } from "./instance-counters";
import type { RequestTally } from "./outcome";

function tally(overrides: Partial<RequestTally>): RequestTally {
  return { verb: "read", hits: 0, misses: 0, notFound: 0, staleGrace: 0, staleError: 0, leaseWon: 0, leaseBusy: 0, writes: 0, deletes: 0, error: undefined, storageCalls: 0, readStorageCalls: 0, cacheCalls: 1, bytes: 0, ms: 1, ...overrides };
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe("InstanceCounters", () => {
  it("sums a namespace's requests over the window", () => {
    const counters = new InstanceCounters();
    counters.record("app", tally({ hits: 1 }), T0);
    counters.record("app", tally({ misses: 1, storageCalls: 2, readStorageCalls: 2 }), T0 + 1000);
    counters.record("app", tally({ verb: "write", writes: 1, storageCalls: 1 }), T0 + 2000);
    counters.record("app", tally({ error: "storage_timeout" }), T0 + 3000);
    counters.record("other", tally({ hits: 1 }), T0);
    const totals = counters.totals("app", "1h", T0 + 5000);
    expect(totals.counts).toMatchObject({ requests: 4, hits: 1, misses: 1, writes: 1, storageCalls: 3, readStorageCalls: 2 });
    expect(totals.errors).toEqual({ storage_timeout: 1 });
    expect(counters.totals("nobody", "1h", T0).counts.requests).toBe(0);
  });

  it("drops what is older than the window, and keeps it for the longer windows", () => {
    const counters = new InstanceCounters();
    counters.record("app", tally({ hits: 1 }), T0);
    counters.record("app", tally({ hits: 1 }), T0 + 2 * HOUR);
    expect(counters.totals("app", "1h", T0 + 2 * HOUR).counts.hits).toBe(1);
    expect(counters.totals("app", "24h", T0 + 2 * HOUR).counts.hits).toBe(2);
    expect(counters.totals("app", "24h", T0 + 30 * HOUR).counts.hits).toBe(0);
    expect(counters.totals("app", "7d", T0 + 30 * HOUR).counts.hits).toBe(2);
    // A bucket reused after the ring has turned starts from zero.
    counters.record("app", tally({ misses: 1 }), T0 + 168 * HOUR);
    expect(counters.totals("app", "7d", T0 + 168 * HOUR).counts).toMatchObject({ hits: 1, misses: 1 });
  });

  it("keeps counters for a bounded number of namespaces: a new one takes the place of the least recently counted", () => {
    const counters = new InstanceCounters();
    for (let i = 0; i < MAX_COUNTED_NAMESPACES; i++) counters.record(`ns${i}`, tally({ hits: 1 }), T0);
    counters.record("ns0", tally({ hits: 1 }), T0); // ns0 is counted again: ns1 is now the least recent
    counters.record("new", tally({ hits: 1 }), T0);
    expect(counters.totals("new", "1h", T0).counts.hits).toBe(1);
    expect(counters.totals("ns0", "1h", T0).counts.hits).toBe(2);
    expect(counters.totals("ns1", "1h", T0).counts.hits).toBe(0);
    expect(counters.totals("ns2", "1h", T0).counts.hits).toBe(1);
  });

  it("counts a request later, once: when settled, or first by a read of the totals before that", () => {
    const counters = new InstanceCounters();
    let made = 0;
    const later = (hits: number) => () => {
      made += 1;
      return { namespace: "app", tally: tally({ hits }) };
    };
    const first = counters.countLater(later(1), T0);
    const second = counters.countLater(later(10), T0 + 1000);
    expect(made).toBe(0);
    expect(first.settle()?.tally.hits).toBe(1);
    expect(first.settle()?.tally.hits).toBe(1);
    expect(made).toBe(1);
    // A read sees the request answered before it, though its counting has not run yet.
    expect(counters.totals("app", "1h", T0 + 2000).counts).toMatchObject({ requests: 2, hits: 11 });
    expect(made).toBe(2);
    // Settling it afterwards gives its tally and counts nothing twice.
    expect(second.settle()?.tally.hits).toBe(10);
    expect(counters.totals("app", "1h", T0 + 2000).counts).toMatchObject({ requests: 2, hits: 11 });
    // A request without a namespace is not counted.
    expect(counters.countLater(() => undefined, T0).settle()).toBeUndefined();
    expect(counters.totals("app", "1h", T0 + 2000).counts.requests).toBe(2);
  });

  it("reports p50 and p99 of the time as bin bounds", () => {
    const counters = new InstanceCounters();
    for (let i = 0; i < 99; i++) counters.record("app", tally({ ms: 1 }), T0);
    counters.record("app", tally({ ms: 450 }), T0);
    counters.record("app", tally({ ms: 450 }), T0);
    expect(counters.totals("app", "1h", T0).ms).toEqual({ p50: 1, p99: 500 });
  });
});

describe("histogram", () => {
  it("bins durations and reads quantiles", () => {
    expect(msBin(0)).toBe(0);
    expect(msBin(4)).toBe(3);
    expect(msBin(1e9)).toBe(20);
    expect(quantileOf([0, 0], 0.5)).toBe(0);
    expect(quantileOf([1, 1, 1, 1], 0.5)).toBe(2);
  });
});
