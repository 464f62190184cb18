import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { MAX_KEY_BYTES, parseKey, validateKey, validateNamespace } from "./names";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? `${err.status} ${err.code}` : "other";
  }
  return undefined;
}

describe("validateNamespace", () => {
  it("passes a valid namespace through and refuses others as 400 bad_request (rules: client/src/names.test.ts)", () => {
    expect(validateNamespace("my_ns-1")).toBe("my_ns-1");
    expect(code(() => validateNamespace("."))).toBe("400 bad_request");
  });
});

describe("parseKey", () => {
  it("decodes once", () => {
    expect(parseKey("a%20b")).toBe("a b");
    expect(parseKey("a+b")).toBe("a+b");
    expect(parseKey("a%2Bb")).toBe("a+b");
    expect(parseKey("a%252F")).toBe("a%2F");
    expect(parseKey("%E2%9C%93/%F0%9F%98%80")).toBe("✓/😀");
    expect(parseKey("a/b/c")).toBe("a/b/c");
    expect(parseKey("a%2Fb")).toBe("a/b");
  });
  it.each([
    ["", "empty"],
    ["a//b", "empty segment"],
    ["/a", "leading slash"],
    ["a/", "trailing slash"],
    ["a%2F..%2Fb", "encoded dot-dot"],
    ["%2e%2e", "encoded .."],
    [".", "dot"],
    ["a/./b", "dot segment"],
    ["a%00b", "NUL"],
    ["a%0Ab", "newline"],
    ["a%7Fb", "DEL"],
    ["%FF", "invalid UTF-8"],
    ["%E2%82", "truncated UTF-8"],
    ["%ED%A0%80", "encoded surrogate"],
    ["%zz", "bad escape"],
  ])("refuses %j (%s)", (raw) => {
    expect(code(() => parseKey(raw))).toBe("400 bad_request");
  });
  it("limits keys to 512 bytes of UTF-8, not characters", () => {
    expect(parseKey("a".repeat(MAX_KEY_BYTES))).toHaveLength(MAX_KEY_BYTES);
    expect(code(() => parseKey("a".repeat(MAX_KEY_BYTES + 1)))).toBe("400 bad_request");
    // "é" is 2 bytes: 256 of them fit, 257 do not.
    expect(code(() => validateKey("é".repeat(256)))).toBeUndefined();
    expect(code(() => validateKey("é".repeat(257)))).toBe("400 bad_request");
  });
  it("refuses lone surrogates in decoded keys", () => {
    expect(code(() => validateKey("a\ud800"))).toBe("400 bad_request");
    expect(validateKey("😀")).toBe("😀");
  });
  it("allows dots inside segments", () => {
    expect(parseKey("a.b/..c/.d")).toBe("a.b/..c/.d");
  });
});
