import { describe, expect, it } from "vitest";
import { checkItemMetadataFits } from "./item";
import { asciiJson, decodeMetaValue, decodeTags, encodeMetaValue, parseTagsHeader, validateMeta } from "./labels";

describe("X-Tags", () => {
  it("splits on commas, trims spaces, keeps each tag once", () => {
    expect(parseTagsHeader("a, b,c ,a")).toEqual(["a", "b", "c"]);
    expect(parseTagsHeader(undefined)).toEqual([]);
    expect(parseTagsHeader("product/42:price")).toEqual(["product/42:price"]);
  });

  it("refuses empty, too long, too many or non-printable tags, naming the header", () => {
    for (const raw of ["a,,b", "", "x".repeat(129), Array.from({ length: 17 }, (_, i) => `t${i}`).join(","), "caf\u00e9", "a\tb"]) {
      expect(() => parseTagsHeader(raw), raw).toThrow(/X-Tags/);
    }
    expect(parseTagsHeader("x".repeat(128))).toHaveLength(1);
  });

  it("reads stored tags back, dropping what this Worker would not have written", () => {
    expect(decodeTags("a,b")).toEqual(["a", "b"]);
    expect(decodeTags(null)).toEqual([]);
    expect(decodeTags("a,,b c")).toEqual(["a"]);
  });
});

describe("X-Meta", () => {
  it("accepts a JSON object of at most 1,024 ASCII bytes, unchanged", () => {
    const raw = '{"a":  1, "b":"\\u00e9"}';
    expect(validateMeta(raw)).toBe(raw);
    expect(validateMeta(`{"a":"${"x".repeat(1016)}"}`)).toHaveLength(1024);
    expect(validateMeta(undefined)).toBeNull();
  });

  it("refuses what is not an object, not JSON, not ASCII or too large, naming the header", () => {
    for (const raw of ["[1]", "1", "null", '"s"', "{", '{"a":"é"}', `{"a":"${"x".repeat(1017)}"}`]) {
      expect(() => validateMeta(raw), raw).toThrow(/X-Meta/);
    }
  });

  it("is stored with spaces and percent signs escaped, and read back byte for byte", () => {
    const raw = '{"a":"100%  %20 x"}';
    expect(encodeMetaValue(raw)).not.toContain(" ");
    expect(decodeMetaValue(encodeMetaValue(raw))).toBe(raw);
  });

  it("escapes non-ASCII characters of a batch's meta object as \\u", () => {
    expect(asciiJson({ é: "ü😀" })).toBe('{"\\u00e9":"\\u00fc\\ud83d\\ude00"}');
    expect(JSON.parse(asciiJson({ é: "ü😀" }))).toEqual({ é: "ü😀" });
  });

  it("refuses tags and metadata that would not fit S3's 2 KB beside the item's other metadata", () => {
    const tags = Array.from({ length: 16 }, (_, i) => `${i}`.padEnd(100, "t"));
    expect(() => checkItemMetadataFits({ contentType: "text/plain", expiresAt: null, tags })).not.toThrow();
    expect(() => checkItemMetadataFits({ contentType: "text/plain", expiresAt: null, tags, userMeta: `{"a":"${"x".repeat(500)}"}` })).toThrow(/X-Tags and X-Meta/);
    expect(() => checkItemMetadataFits({ contentType: "text/plain", expiresAt: null, userMeta: `{"a":"${"x".repeat(1016)}"}` })).not.toThrow();
  });
});
