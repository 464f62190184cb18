import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, parseLimit, parsePrefix } from "./listing";

describe("listing parameters", () => {
  it("limit: 1 to 1000, default 100", () => {
    expect(parseLimit(undefined)).toBe(100);
    expect(parseLimit("1")).toBe(1);
    expect(parseLimit("1000")).toBe(1000);
    for (const bad of ["0", "1001", "-1", "1.5", "", "abc", "10000"]) expect(() => parseLimit(bad), bad).toThrow(/limit/);
  });
  it("prefix: any key start, no control characters, at most 512 bytes", () => {
    expect(parsePrefix(undefined)).toBe("");
    expect(parsePrefix("user/42/")).toBe("user/42/");
    expect(() => parsePrefix("a\u0001")).toThrow(/control/);
    expect(() => parsePrefix("é".repeat(257))).toThrow(/512/);
  });
  it("cursor: round-trips any key, refuses anything else", () => {
    for (const key of ["a", "a b/c+d&é😀", "x".repeat(512)]) expect(decodeCursor(encodeCursor(key))).toBe(key);
    expect(encodeCursor("a/b")).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(undefined)).toBeNull();
    const forged = btoa(JSON.stringify({ v: 2, after: "a" })).replace(/=+$/, "");
    for (const bad of ["", "!!", "abc", forged, btoa("[]").replace(/=+$/, "")]) expect(() => decodeCursor(bad), bad).toThrow(/cursor/);
  });
});
