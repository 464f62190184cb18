import { afterEach, describe, expect, it } from "vitest";
import { BATCH_CONCURRENCY } from "../src/batch/run";
import { aroundStorageCalls } from "./faults";
import { uniqueNamespace, withBindings } from "./helpers";

// Observation only: every storage call still goes to the real store; this wrapper counts them in flight.
let undo = (): void => undefined;
afterEach(() => undo());

function countInFlight(): { peak: number; total: number } {
  undo();
  const seen = { peak: 0, total: 0 };
  let now = 0;
  undo = aroundStorageCalls(async (_call, forward) => {
    now += 1;
    seen.total += 1;
    seen.peak = Math.max(seen.peak, now);
    try {
      return await forward();
    } finally {
      now -= 1;
    }
  });
  return seen;
}

const post = (ns: string, body: unknown, headers: Record<string, string> = {}) =>
  withBindings({}, `/v1/${ns}/batch`, { method: "POST", body: JSON.stringify(body), headers }).then(async (r) => {
    expect(r.status).toBe(200);
    return (await r.json()) as { set: Record<string, unknown>; get: Record<string, unknown> };
  });

describe("batch concurrency", () => {
  it("runs storage calls concurrently, within a bound", async () => {
    const ns = uniqueNamespace("bconc");
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const writes = countInFlight();
    const written = await post(ns, { set: keys.map((key) => ({ key, value: key, contentType: "text/plain" })) });
    expect(Object.keys(written.set)).toHaveLength(40);
    // A set is a HEAD and a PUT at once: up to twice BATCH_CONCURRENCY calls.
    expect(writes.peak).toBeGreaterThan(1);
    expect(writes.peak).toBeLessThanOrEqual(2 * BATCH_CONCURRENCY);

    const reads = countInFlight();
    const { get } = await post(ns, { get: keys }, { "cache-control": "no-cache" });
    expect(Object.values(get).every((v) => v !== null)).toBe(true);
    expect(reads.total).toBeGreaterThanOrEqual(40);
    expect(reads.peak).toBeGreaterThan(1);
    expect(reads.peak).toBeLessThanOrEqual(BATCH_CONCURRENCY);
  });
});
