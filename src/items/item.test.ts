import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { decodeExpiry, encodeExpiry, expiresAtFor, EXPIRES_HEADER, isExpired, normalizeContentType, nowSeconds, parseTtl, remainingSeconds, userMetadataBytes } from "./item";

function thrown(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? `${err.status} ${err.code}` : "other";
  }
  return undefined;
}

describe("parseTtl", () => {
  it("defaults when absent", () => {
    expect(parseTtl(null, 3600, 100_000)).toBe(3600);
    expect(parseTtl(undefined, 60, 100_000)).toBe(60);
  });
  it("takes whole non-negative seconds up to the maximum", () => {
    expect(parseTtl("0", 3600, 100)).toBe(0);
    expect(parseTtl("100", 3600, 100)).toBe(100);
  });
  it.each(["-1", "1.5", "1e3", "", " 1", "abc", "101", "0x10", "99999999999999999"])("refuses %j", (raw) => {
    expect(thrown(() => parseTtl(raw, 3600, 100))).toBe("400 bad_request");
  });
});

describe("expiry arithmetic", () => {
  it("ttl 0 never expires", () => {
    expect(expiresAtFor(0, 1000)).toBeNull();
    expect(isExpired(null, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(remainingSeconds(null, 5)).toBeNull();
  });
  it("expires from its expiry second on", () => {
    const at = expiresAtFor(10, 1000);
    expect(at).toBe(1010);
    expect(isExpired(at, 1009)).toBe(false);
    expect(isExpired(at, 1010)).toBe(true);
    expect(remainingSeconds(at, 1004)).toBe(6);
    expect(remainingSeconds(at, 2000)).toBe(0);
  });
  it("nowSeconds floors milliseconds", () => {
    expect(nowSeconds(1_999)).toBe(1);
  });
});

describe("metadata codec", () => {
  it("round-trips an expiry and omits a missing one", () => {
    expect(encodeExpiry(null)).toEqual({});
    const headers = encodeExpiry(1767225600);
    expect(headers[EXPIRES_HEADER]).toBe("1767225600");
    expect(decodeExpiry(headers[EXPIRES_HEADER] ?? null)).toBe(1767225600);
    expect(decodeExpiry(null)).toBeNull();
  });
  it("treats an unreadable expiry as already expired", () => {
    expect(decodeExpiry("soon")).toBe(0);
    expect(isExpired(decodeExpiry("-5"), 1)).toBe(true);
  });
  it("counts user metadata bytes as S3 does (names without the x-amz-meta- prefix, and values)", () => {
    expect(userMetadataBytes({ "x-amz-meta-cc-expires": "12345", "content-type": "text/plain" })).toBe("cc-expires".length + 5);
  });
});

describe("normalizeContentType", () => {
  it("defaults to application/octet-stream", () => {
    expect(normalizeContentType(null)).toBe("application/octet-stream");
    expect(normalizeContentType("  ")).toBe("application/octet-stream");
  });
  it("keeps a valid type with parameters", () => {
    expect(normalizeContentType("text/plain; charset=utf-8")).toBe("text/plain; charset=utf-8");
    expect(normalizeContentType("application/vnd.api+json")).toBe("application/vnd.api+json");
  });
  it.each(["text", "a/b\u0001", `${"x".repeat(300)}/y`, "/plain", "text/"])("refuses %j", (raw) => {
    expect(thrown(() => normalizeContentType(raw))).toBe("400 bad_request");
  });
});
