import { describe, expect, it } from "vitest";
import { keyProblem } from "./names.js";
import { escapeKey, unescapeKey } from "./key-escape.js";

const awkward = [
  "plain",
  "keyv:user:42",
  "cacheable-request:GET:https://example.com/a//b/../c/./d",
  "/leading",
  "trailing/",
  "//",
  ".",
  "..",
  "./x",
  "a/../b",
  "100%",
  "%2F",
  "%252F",
  "tab\there",
  "nul\u0000del\u007f",
  "a b+c?d#e&f",
  "ünï/cødé/🙂",
];

describe("escapeKey / unescapeKey", () => {
  it("every escaped key is one CloudCached accepts (no empty, '.' or '..' segment, no control character)", () => {
    for (const key of awkward) {
      const stored = escapeKey(key);
      expect(keyProblem(stored), key).toBeNull();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for control characters is the point.
      expect(stored, key).not.toMatch(/[\u0000-\u001f\u007f]/);
    }
  });

  it("round-trips every key, and distinct keys stay distinct", () => {
    const stored = awkward.map(escapeKey);
    expect(stored.map(unescapeKey)).toStrictEqual(awkward);
    expect(new Set(stored).size).toBe(awkward.length);
  });

  it("leaves ordinary keys as they are", () => {
    expect(escapeKey("keyv:user:42")).toBe("keyv:user:42");
    expect(escapeKey("s1:a b+c?")).toBe("s1:a b+c?");
    expect(escapeKey("a.b/./c")).toBe("a.b%2F.%2Fc");
  });

  it("escapes %, / and control characters as %XX, and a leading '.' (so no key is '.' or '..')", () => {
    expect(escapeKey("a/b%c\n")).toBe("a%2Fb%25c%0A");
    expect(escapeKey(".")).toBe("%2E");
    expect(escapeKey("..")).toBe("%2E.");
    expect(escapeKey(".env")).toBe("%2Eenv");
  });

  it("a prefix of a key escapes to a prefix of the escaped key", () => {
    for (const key of awkward) {
      for (let end = 0; end <= key.length; end += 1) {
        expect(escapeKey(key).startsWith(escapeKey(key.slice(0, end))), `${key} / ${end}`).toBe(true);
      }
    }
  });
});
