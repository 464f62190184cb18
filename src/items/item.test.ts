import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import {
  decodeExpiry,
  decodeGrace,
  encodeExpiry,
  encodeLifetime,
  expiresAtFor,
  EXPIRES_HEADER,
  GRACE_HEADER,
  isExpired,
  normalizeContentType,
  nowSeconds,
  parseGrace,
  parseTtl,
  remainingSeconds,
  userMetadataBytes,
} from "./item";

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
  it("keeps a grace beside the expiry (counted in the metadata's bytes), none when 0 or the item never expires", () => {
    const headers = encodeLifetime({ expiresAt: 1767225600, grace: 300 });
    expect(headers).toEqual({ [EXPIRES_HEADER]: "1767225600", [GRACE_HEADER]: "300" });
    expect(userMetadataBytes(headers)).toBe("cc-expires".length + 10 + "cc-grace".length + 3);
    expect(encodeLifetime({ expiresAt: 1767225600, grace: 0 })).toEqual({ [EXPIRES_HEADER]: "1767225600" });
    expect(encodeLifetime({ expiresAt: 1767225600 })).toEqual({ [EXPIRES_HEADER]: "1767225600" });
    expect(encodeLifetime({ expiresAt: null, grace: 300 })).toEqual({});
    expect(decodeGrace("300")).toBe(300);
  });
  it("treats an absent or unreadable grace as none (never served stale)", () => {
    expect(decodeGrace(null)).toBe(0);
    expect(decodeGrace("-5")).toBe(0);
    expect(decodeGrace("long")).toBe(0);
  });
});

describe("parseGrace", () => {
  it("is 0 when absent, whole seconds up to MAX_TTL otherwise", () => {
    expect(parseGrace(undefined, 100)).toBe(0);
    expect(parseGrace("100", 100)).toBe(100);
    for (const raw of ["-1", "1.5", "101", "x", ""]) expect(() => parseGrace(raw, 100), raw).toThrow(ApiError);
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
  it.each(["text", "a/b\u0001", `${"x".repeat(300)}/y`, "/plain", "text/", "text/plain/x", "te(xt/plain"])("refuses %j", (raw) => {
    expect(thrown(() => normalizeContentType(raw))).toBe("400 bad_request");
  });
  it.each(["text/plain;,text/html", "text/plain,text/html", "text/plain; charset=utf-8, text/html", 'text/plain;a="b",text/html', "text/plain,"])(
    "refuses the list %j: a browser would use its last type",
    (raw) => {
      expect(thrown(() => normalizeContentType(raw))).toBe("400 bad_request");
    },
  );
  it("keeps a comma inside a quoted parameter", () => {
    expect(normalizeContentType('text/plain;a="x,text/html"')).toBe('text/plain;a="x,text/html"');
  });
});
