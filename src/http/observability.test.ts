import { describe, expect, it } from "vitest";
import { RequestMetrics } from "../platform/metrics";
import { bytesOf, logLine, requestIdFor, serverTiming } from "./observability";

describe("serverTiming", () => {
  it("names the phases that happened, and the total", () => {
    expect(serverTiming({ total: 12, cache: 1, storage: 9, cacheCalls: 1, storageCalls: 2 })).toBe('cache;desc="location cache";dur=1, storage;desc="S3";dur=9, total;dur=12');
    expect(serverTiming({ total: 3, cache: 0, storage: 0, cacheCalls: 1, storageCalls: 0 })).toBe('cache;desc="location cache";dur=0, total;dur=3');
    expect(serverTiming({ total: 0, cache: 0, storage: 0, cacheCalls: 0, storageCalls: 0 })).toBe("total;dur=0");
  });
  it("tells stale by grace apart from stale-if-error, and marks a background refresh", () => {
    const base = { total: 2, cache: 1, storage: 0, cacheCalls: 1, storageCalls: 0 };
    expect(serverTiming({ ...base, served: { staleGrace: 1, staleError: 0, refresh: 0 } })).toBe('cache;desc="location cache";dur=1, stale-grace;desc="stale by grace", total;dur=2');
    expect(serverTiming({ ...base, served: { staleGrace: 0, staleError: 1, refresh: 0 } })).toBe('cache;desc="location cache";dur=1, stale-error;desc="stale-if-error", total;dur=2');
    expect(serverTiming({ ...base, served: { staleGrace: 1, staleError: 0, refresh: 1 } })).toContain('refresh;desc="location copy past freshness, refreshed in the background"');
    expect(serverTiming({ ...base, served: { staleGrace: 0, staleError: 0, refresh: 0 } })).toBe('cache;desc="location cache";dur=1, total;dur=2');
  });
  it("tells a lease won or busy, and a batch's leases by outcome; nothing when none was asked", () => {
    const base = { total: 9, cache: 0, storage: 6, cacheCalls: 0, storageCalls: 2 };
    expect(serverTiming({ ...base, leases: { won: 1, busy: 0, ms: 5 } })).toBe('storage;desc="S3";dur=6, lease;desc="won";dur=5, total;dur=9');
    expect(serverTiming({ ...base, leases: { won: 0, busy: 1, ms: 4 } })).toBe('storage;desc="S3";dur=6, lease;desc="busy";dur=4, total;dur=9');
    expect(serverTiming({ ...base, leases: { won: 1, busy: 3, ms: 8 } })).toContain('lease;desc="won 1, busy 3";dur=8');
    expect(serverTiming({ ...base, leases: { won: 0, busy: 0, ms: 0 } })).not.toContain("lease");
  });
});

describe("RequestMetrics", () => {
  it("sums each phase over its calls", async () => {
    const metrics = new RequestMetrics("id");
    metrics.record("storage", 5);
    metrics.record("storage", 7);
    await metrics.time("cache", Promise.resolve(1));
    await expect(metrics.time("cache", Promise.reject(new Error("x")))).rejects.toThrow("x");
    const summary = metrics.summary(metrics.started + 20);
    expect(summary).toMatchObject({ total: 20, storage: 12, storageCalls: 2, cacheCalls: 2 });
  });

  it("counts as its reads' the storage calls made while a read is under way, and the changes that landed", async () => {
    const metrics = new RequestMetrics("id");
    metrics.record("storage", 1); // e.g. a batch's generation, before its gets
    metrics.changed("write");
    metrics.changed("write");
    metrics.changed("delete");
    // Two reads at once (a batch's gets): each call counted once.
    await Promise.all([
      metrics.reading(async () => {
        metrics.record("storage", 1);
        metrics.record("cache", 1);
      }),
      metrics.reading(async () => metrics.record("storage", 1)),
    ]);
    await expect(metrics.reading(() => Promise.reject(new Error("storage failed")))).rejects.toThrow("storage failed");
    metrics.record("storage", 1); // after the reads
    expect(metrics.summary()).toMatchObject({ storageCalls: 4, readStorageCalls: 2, cacheCalls: 1, changes: { write: 2, delete: 1 } });
  });
});

describe("requestIdFor", () => {
  it("uses Cloudflare's ray id when it looks like one, else a random UUID", () => {
    expect(requestIdFor("8c1a2b3c4d5e6f70-AMS")).toBe("8c1a2b3c4d5e6f70-AMS");
    expect(requestIdFor(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor("bad ray\nid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor(undefined)).not.toBe(requestIdFor(undefined));
  });
});

describe("logLine", () => {
  it("counts the leases a request asked for, by outcome", () => {
    const summary = { total: 4, cache: 0, storage: 3, cacheCalls: 0, storageCalls: 2, leases: { won: 0, busy: 1, ms: 3 } };
    const parsed = JSON.parse(logLine({ requestId: "r", method: "GET", route: "/v1/:ns/items/*", namespace: "n", status: 404, cache: null, summary }));
    expect(parsed.leases).toEqual({ won: 0, busy: 1 });
  });
  it("is one JSON line with what an operator needs", () => {
    const line = logLine({
      requestId: "r1",
      method: "GET",
      route: "/v1/:ns/items/*",
      namespace: "users",
      status: 200,
      cache: "HIT",
      summary: { total: 4, cache: 1, storage: 0, cacheCalls: 1, storageCalls: 0 },
    });
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      level: "info",
      requestId: "r1",
      method: "GET",
      route: "/v1/:ns/items/*",
      namespace: "users",
      status: 200,
      cache: "HIT",
      ms: { total: 4, cache: 1, storage: 0 },
      calls: { cache: 1, storage: 0 },
    });
  });
  it("names how a read was served beyond HIT and MISS, only when it was", () => {
    const summary = { total: 4, cache: 1, storage: 0, cacheCalls: 1, storageCalls: 0 };
    const line = (served: { staleGrace: number; staleError: number; refresh: number }) =>
      JSON.parse(logLine({ requestId: "r", method: "GET", route: "/v1/:ns/items/*", namespace: "n", status: 200, cache: "STALE", summary: { ...summary, served } }));
    expect(line({ staleGrace: 1, staleError: 0, refresh: 1 }).served).toEqual({ staleGrace: 1, refresh: 1 });
    expect(line({ staleGrace: 0, staleError: 2, refresh: 0 }).served).toEqual({ staleError: 2 });
    expect(line({ staleGrace: 0, staleError: 0, refresh: 0 })).not.toHaveProperty("served");
  });
  it("marks server errors and names the error code", () => {
    const parsed = JSON.parse(
      logLine({ requestId: "r", method: "PUT", route: "/v1/:ns/items/*", namespace: undefined, status: 503, cache: null, errorCode: "storage_unavailable", summary: { total: 1, cache: 0, storage: 1, cacheCalls: 0, storageCalls: 1 } }),
    );
    expect(parsed.level).toBe("error");
    expect(parsed).not.toHaveProperty("leases");
    expect(parsed.error).toBe("storage_unavailable");
    expect(parsed).not.toHaveProperty("namespace");
  });
});

describe("bytesOf", () => {
  it("counts a Content-Length, and nothing for one absent or not a length", () => {
    expect(bytesOf("32")).toBe(32);
    expect(bytesOf("0")).toBe(0);
    for (const raw of [null, undefined, "", "-5", "abc", "Infinity"]) expect(bytesOf(raw), String(raw)).toBe(0);
  });
});
