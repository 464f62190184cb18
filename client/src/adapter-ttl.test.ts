import { describe, expect, it } from "vitest";
import { keyvTtlSeconds, unstorageTtlSeconds } from "./adapter-ttl.js";

describe("keyvTtlSeconds", () => {
  it("no ttl (undefined or 0) is 0: never expires", () => {
    expect(keyvTtlSeconds(undefined)).toBe(0);
    expect(keyvTtlSeconds(0)).toBe(0);
  });

  it("milliseconds round up to seconds, plus one: the item outlives Keyv's deadline even when written at the end of a second", () => {
    expect(keyvTtlSeconds(1)).toBe(2);
    expect(keyvTtlSeconds(999)).toBe(2);
    expect(keyvTtlSeconds(1000)).toBe(2);
    expect(keyvTtlSeconds(1001)).toBe(3);
    expect(keyvTtlSeconds(60_000)).toBe(61);
    // The server's expiry is floor(now) + ttl: the shortest life is ttl − 1 seconds, never less than asked.
    for (const ms of [1, 500, 1000, 1500, 2999, 3000, 86_400_000]) expect((keyvTtlSeconds(ms) - 1) * 1000).toBeGreaterThanOrEqual(ms);
  });

  it("a negative or non-finite ttl is refused", () => {
    expect(() => keyvTtlSeconds(-1)).toThrow(RangeError);
    expect(() => keyvTtlSeconds(Number.NaN)).toThrow(RangeError);
    expect(() => keyvTtlSeconds(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe("unstorageTtlSeconds", () => {
  it("no ttl (undefined, null, 0) is 0: never expires", () => {
    expect(unstorageTtlSeconds(undefined)).toBe(0);
    expect(unstorageTtlSeconds(null)).toBe(0);
    expect(unstorageTtlSeconds(0)).toBe(0);
  });

  it("seconds as given; a fraction rounds up", () => {
    expect(unstorageTtlSeconds(1)).toBe(1);
    expect(unstorageTtlSeconds(3600)).toBe(3600);
    expect(unstorageTtlSeconds(0.2)).toBe(1);
    expect(unstorageTtlSeconds(1.5)).toBe(2);
  });

  it("anything else is refused", () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, "60", true, {}]) expect(() => unstorageTtlSeconds(bad), String(bad)).toThrow(RangeError);
  });
});
