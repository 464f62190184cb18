import { describe, expect, it } from "vitest";
import { overLimit } from "./value-size.js";

describe("overLimit", () => {
  it("is true only for a declared length over the limit", () => {
    expect(overLimit("1001", 1000)).toBe(true);
    expect(overLimit("1000", 1000)).toBe(false);
    expect(overLimit("0", 0)).toBe(false);
    expect(overLimit("1", 0)).toBe(true);
  });

  it("is false without a limit or without a usable length", () => {
    expect(overLimit("5000", undefined)).toBe(false);
    expect(overLimit(null, 10)).toBe(false);
    expect(overLimit("12abc", 10)).toBe(false);
    expect(overLimit("", 10)).toBe(false);
  });
});
