import { describe, expect, it } from "vitest";
import { busyFromMemory, HELD_MEMORY_KEYS, HELD_MEMORY_MS, HeldLeases, memoryOf } from "./held-leases";
import type { LeaseOutcome } from "./lease";

describe("busyFromMemory", () => {
  it("busy until the memory ends, with the time left until the lease lapses; nothing after", () => {
    const memory = { until: 1_000, lapsesAt: 5_000 };
    expect(busyFromMemory(memory, 400)).toEqual({ state: "busy", retryAfterMs: 4_600 });
    expect(busyFromMemory(memory, 1_000)).toBeNull();
    expect(busyFromMemory(undefined, 0)).toBeNull();
  });
});

describe("memoryOf", () => {
  it("a lease won here is remembered until it lapses, at most HELD_MEMORY_MS", () => {
    expect(memoryOf({ state: "won", token: "t" }, 30, 10_000)).toEqual({ until: 10_000 + HELD_MEMORY_MS, lapsesAt: 40_000 });
  });

  it("a lease found held: until it lapses, at most HELD_MEMORY_MS", () => {
    expect(memoryOf({ state: "busy", retryAfterMs: 200 }, 30, 10_000)).toEqual({ until: 10_200, lapsesAt: 10_200 });
    expect(memoryOf({ state: "busy", retryAfterMs: 20_000 }, 30, 10_000)).toEqual({ until: 10_000 + HELD_MEMORY_MS, lapsesAt: 30_000 });
  });

  it("busy, to be asked again at once (lapsed, or released since the read): not remembered", () => {
    expect(memoryOf({ state: "busy", retryAfterMs: 0 }, 30, 10_000)).toBeUndefined();
  });
});

describe("HeldLeases", () => {
  const deferred = () => {
    let settle: (outcome: LeaseOutcome) => void = () => undefined;
    let fail: (err: Error) => void = () => undefined;
    const promise = new Promise<LeaseOutcome>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    return { promise, settle, fail };
  };

  it("while an ask is in flight the key is busy; once won, busy until the memory ends; then storage is asked again", async () => {
    let now = 1_000;
    const held = new HeldLeases(() => now);
    expect(held.busy("k")).toBeNull();
    const ask = deferred();
    const tracked = held.track("k", 10, ask.promise);
    expect(held.busy("k")).toEqual({ state: "busy", retryAfterMs: 10_000 });
    expect(held.busy("other")).toBeNull();
    ask.settle({ state: "won", token: "t" });
    expect(await tracked).toEqual({ state: "won", token: "t" });
    now += 100;
    expect(held.busy("k")).toEqual({ state: "busy", retryAfterMs: 9_900 });
    now += HELD_MEMORY_MS;
    expect(held.busy("k")).toBeNull();
    expect(held.size).toBe(0);
  });

  it("a failed ask teaches nothing", async () => {
    const held = new HeldLeases(() => 0);
    const ask = deferred();
    const tracked = held.track("k", 10, ask.promise);
    ask.fail(new Error("storage down"));
    await expect(tracked).rejects.toThrow("storage down");
    expect(held.busy("k")).toBeNull();
  });

  it("a release here is forgotten at once, also while an ask is in flight", async () => {
    const held = new HeldLeases(() => 0);
    await held.track("k", 10, Promise.resolve({ state: "won", token: "t" }));
    held.forget("k");
    expect(held.busy("k")).toBeNull();
    const ask = deferred();
    const tracked = held.track("k", 10, ask.promise);
    held.forget("k");
    ask.settle({ state: "busy", retryAfterMs: 5_000 });
    await tracked;
    expect(held.busy("k")).toBeNull();
  });

  it("holds at most HELD_MEMORY_KEYS keys, forgetting the oldest", async () => {
    const held = new HeldLeases(() => 0);
    for (let i = 0; i <= HELD_MEMORY_KEYS; i++) await held.track(`k${i}`, 10, Promise.resolve({ state: "won", token: "t" }));
    expect(held.size).toBe(HELD_MEMORY_KEYS);
    expect(held.busy("k0")).toBeNull();
    expect(held.busy(`k${HELD_MEMORY_KEYS}`)).not.toBeNull();
  });
});
