import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { hasLoneSurrogate, MAX_KEY_BYTES, parseKey, utf8Length, validateKey, validateNamespace } from "./names";

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
  it("counts UTF-8 bytes as TextEncoder writes them, lone surrogates as U+FFFD", () => {
    const encoder = new TextEncoder();
    for (const text of ["", "abc", "é", "€", "😀", "a😀b", "\ud800", "\udc00", "a\ud800b", "\ud83d\ud83d\ude00", "\ude00\ud83d", `${"x".repeat(600)}€😀`]) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(encoder.encode(text).byteLength);
    }
  });
  it("finds a surrogate without its pair, anywhere", () => {
    for (const text of ["\ud800", "a\udc00", "\ud83d\ud83d\ude00", "\ude00\ud83d", "😀\ud83d"]) expect(hasLoneSurrogate(text), JSON.stringify(text)).toBe(true);
    for (const text of ["", "abc", "😀", "a😀b😀", "€é"]) expect(hasLoneSurrogate(text), JSON.stringify(text)).toBe(false);
  });
  it("allows dots inside segments", () => {
    expect(parseKey("a.b/..c/.d")).toBe("a.b/..c/.d");
  });
});
