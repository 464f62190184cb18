import { describe, expect, it } from "vitest";
import { backoffMs, DEFAULT_RETRY, isIdempotent, parseRetryAfter } from "./retry.js";

describe("isIdempotent", () => {
  it("reads and unconditional deletes only", () => {
    expect(isIdempotent("GET", false)).toBe(true);
    expect(isIdempotent("head", false)).toBe(true);
    expect(isIdempotent("DELETE", false)).toBe(true);
    expect(isIdempotent("DELETE", true)).toBe(false);
    expect(isIdempotent("PUT", false)).toBe(false);
    expect(isIdempotent("POST", false)).toBe(false);
  });
});

describe("backoffMs", () => {
  const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  it("doubles per attempt between half and all of the ceiling, capped", () => {
    expect(backoffMs(1, policy, 0)).toBe(50);
    expect(backoffMs(1, policy, 1)).toBe(100);
    expect(backoffMs(2, policy, 1)).toBe(200);
    expect(backoffMs(3, policy, 0)).toBe(200);
    expect(backoffMs(10, policy, 1)).toBe(1000);
  });
  it("waits at least Retry-After, never more than the cap", () => {
    expect(backoffMs(1, policy, 0, 0.5)).toBe(500);
    expect(backoffMs(1, policy, 0, 60)).toBe(1000);
    expect(backoffMs(1, DEFAULT_RETRY, 1)).toBeLessThanOrEqual(DEFAULT_RETRY.maxDelayMs);
  });
  it("parseRetryAfter takes seconds only", () => {
    expect(parseRetryAfter("2")).toBe(2);
    expect(parseRetryAfter(" 3 ")).toBe(3);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
