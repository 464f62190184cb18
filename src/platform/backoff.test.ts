import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  const policy = { floorMs: 20, baseMs: 5, capMs: 200 };
  it("is the floor plus a jitter under a ceiling that doubles per attempt", () => {
    expect(backoffDelay(1, policy, 0)).toBe(20);
    expect(backoffDelay(1, policy, 0.5)).toBe(25);
    expect(backoffDelay(2, policy, 0.5)).toBe(30);
    expect(backoffDelay(3, policy, 0.999)).toBeCloseTo(20 + 39.96);
  });
  it("never exceeds floor + cap, however many attempts", () => {
    expect(backoffDelay(6, policy, 0.999)).toBeLessThan(220);
    expect(backoffDelay(60, policy, 0.999)).toBeLessThan(220);
    expect(backoffDelay(2000, policy, 0.5)).toBe(120);
  });
  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-3, policy, 1)).toBe(25);
  });
});
