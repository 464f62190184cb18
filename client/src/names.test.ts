import { describe, expect, it } from "vitest";
import { hasLoneSurrogate, keyProblem, MAX_KEY_BYTES, namespaceProblem, utf8Length } from "./names.js";

describe("namespaceProblem", () => {
  it.each(["a", "0", "users", "my_ns-1", "a".repeat(64)])("accepts %s", (ns) => {
    expect(namespaceProblem(ns)).toBeNull();
  });
  it.each(["", ".", "..", "-a", "_a", "A", "a.b", "a/b", "a b", "ä", "a".repeat(65), "%61", "%2e"])("refuses %j", (ns) => {
    expect(namespaceProblem(ns)).toBe("invalid namespace: 1-64 characters of a-z 0-9 _ -, starting with a letter or digit");
  });
});

describe("keyProblem", () => {
  it.each(["k", "a/b/c", "a.b/..c/.d", "...", "a b+c%2F", "✓/😀", "\u2028", "\u0085", "\ufeff", "a".repeat(MAX_KEY_BYTES)])("accepts %j", (key) => {
    expect(keyProblem(key)).toBeNull();
  });
  it.each([
    ["", "invalid key: empty"],
    ["a".repeat(MAX_KEY_BYTES + 1), `invalid key: longer than ${MAX_KEY_BYTES} bytes of UTF-8`],
    ["é".repeat(257), `invalid key: longer than ${MAX_KEY_BYTES} bytes of UTF-8`],
    ["a\u0000b", "invalid key: contains a control character"],
    ["a\nb", "invalid key: contains a control character"],
    ["\u001f", "invalid key: contains a control character"],
    ["a\u007f", "invalid key: contains a control character"],
    ["a\ud800", "invalid key: not valid UTF-8"],
    ["\udc00a", "invalid key: not valid UTF-8"],
    ["a//b", "invalid key: empty path segment"],
    ["/a", "invalid key: empty path segment"],
    ["a/", "invalid key: empty path segment"],
    [".", "invalid key: '.' and '..' segments are not allowed"],
    ["..", "invalid key: '.' and '..' segments are not allowed"],
    ["a/./b", "invalid key: '.' and '..' segments are not allowed"],
    ["a/..", "invalid key: '.' and '..' segments are not allowed"],
  ])("refuses %j: %s", (key, message) => {
    expect(keyProblem(key)).toBe(message);
  });
  it("counts bytes of UTF-8, not characters: 256 two-byte characters fit", () => {
    expect(keyProblem("é".repeat(256))).toBeNull();
  });
});

describe("utf8Length and hasLoneSurrogate (no encoding per request)", () => {
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
});
