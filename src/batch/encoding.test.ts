import { describe, expect, it } from "vitest";
import { encodeValue, isTextualType, toBase64 } from "./encoding";

describe("batch value encoding", () => {
  it("knows textual types", () => {
    for (const type of ["text/plain", "text/html; charset=utf-8", "application/json", "Application/JSON", "application/ld+json", "application/vnd.api+json;x=1"]) {
      expect(isTextualType(type), type).toBe(true);
    }
    for (const type of ["application/octet-stream", "image/png", "application/jsonx", "application/xml", "json"]) expect(isTextualType(type), type).toBe(false);
  });
  it("answers text only for valid UTF-8 of a textual type", () => {
    const utf8 = new TextEncoder().encode("héllo 😀");
    expect(encodeValue(utf8, "text/plain")).toEqual({ value: "héllo 😀", encoding: "utf8" });
    expect(encodeValue(utf8, "application/octet-stream")).toEqual({ value: toBase64(utf8), encoding: "base64" });
    expect(encodeValue(new Uint8Array([0xff, 0xfe, 0x00]), "text/plain")).toEqual({ value: "//4A", encoding: "base64" });
  });
  it("keeps a leading byte-order mark", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
    expect(encodeValue(bytes, "text/plain").value).toBe("\ufeffa");
  });
  it("base64-encodes large values", () => {
    const bytes = new Uint8Array(100_000).map((_, i) => i % 256);
    expect(Uint8Array.from(atob(toBase64(bytes)), (c) => c.charCodeAt(0))).toEqual(bytes);
  });
});
