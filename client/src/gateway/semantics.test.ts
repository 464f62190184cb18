import { describe, expect, it } from "vitest";
import { applyDelta, contentTypeFor, counterBytes, counterValue, expiryOf, flagsOf, keyError, parseSigned32, parseUnsigned, ttlKeeping, U64_MAX } from "./semantics.js";

const NOW = 1_800_000_000;

describe("expiryOf", () => {
  it("0 never, up to 30 days relative, above absolute, negative or past expired", () => {
    expect(expiryOf(0, NOW)).toEqual({ kind: "ttl", ttl: 0 });
    expect(expiryOf(1, NOW)).toEqual({ kind: "ttl", ttl: 1 });
    expect(expiryOf(2_592_000, NOW)).toEqual({ kind: "ttl", ttl: 2_592_000 });
    expect(expiryOf(NOW + 10, NOW + 0.9)).toEqual({ kind: "ttl", ttl: 10 });
    expect(expiryOf(NOW, NOW)).toEqual({ kind: "expired" });
    expect(expiryOf(2_592_001, NOW)).toEqual({ kind: "expired" }); // an absolute time in 1970
    expect(expiryOf(-1, NOW)).toEqual({ kind: "expired" });
  });

  it("ttlKeeping keeps an expiry across a rewrite", () => {
    expect(ttlKeeping(null, NOW)).toBe(0);
    expect(ttlKeeping(NOW + 50, NOW + 0.5)).toBe(50);
    expect(ttlKeeping(NOW - 5, NOW)).toBe(1);
  });
});

describe("flags in the content type", () => {
  it("round-trips every 32-bit value; anything else reads as 0", () => {
    for (const flags of [0, 1, 5, 0x7fffffff, 0xffffffff]) expect(flagsOf(contentTypeFor(flags))).toBe(flags);
    expect(contentTypeFor(0)).toBe("application/octet-stream");
    expect(contentTypeFor(5)).toBe("application/octet-stream; memcached-flags=5");
    expect(flagsOf("text/plain; charset=utf-8")).toBe(0);
    expect(flagsOf("application/octet-stream; memcached-flags=4294967296")).toBe(0);
    expect(flagsOf("application/octet-stream; memcached-flags=7; x=y")).toBe(7);
    expect(flagsOf(null)).toBe(0);
  });
});

describe("keys", () => {
  it("memcached's 250 bytes, no control characters or spaces, and the API's path rules", () => {
    expect(keyError("a", 1)).toBeNull();
    expect(keyError("k".repeat(250), 250)).toBeNull();
    expect(keyError("k".repeat(251), 251)).toBe("bad command line format");
    expect(keyError("a\tb", 3)).toBe("bad command line format");
    expect(keyError("a\x7f", 2)).toBe("bad command line format");
    expect(keyError("a//b", 4)).toBe("invalid key: empty path segment");
    expect(keyError("a/./b", 5)).toBe("invalid key: '.' and '..' segments are not allowed");
  });
});

describe("numbers", () => {
  it("parseUnsigned and parseSigned32 read a number as memcached's safe_strtoull and safe_strtol do", () => {
    expect(parseUnsigned("18446744073709551615", U64_MAX)).toBe(U64_MAX);
    expect(parseUnsigned("018446744073709551615", U64_MAX)).toBe(U64_MAX);
    expect(parseUnsigned("18446744073709551616", U64_MAX)).toBeNull();
    expect(parseUnsigned("-1", U64_MAX)).toBeNull();
    expect(parseUnsigned("-0", U64_MAX)).toBe(0n);
    expect(parseUnsigned("+1", U64_MAX)).toBe(1n);
    expect(parseUnsigned("\t7", U64_MAX)).toBe(7n);
    expect(parseUnsigned("7\r", U64_MAX)).toBe(7n);
    // strtoull negates a magnitude modulo 2^64; memcached refuses the minus only when the result looks negative
    expect(parseUnsigned("-18446744073709551615", U64_MAX)).toBe(1n);
    expect(parseUnsigned("-18446744073709551616", U64_MAX)).toBeNull();
    for (const bad of ["", "1x", "0x10", "1.5", "+", "-", " ", "1x 2"]) expect(parseUnsigned(bad, U64_MAX)).toBeNull();
    expect(parseUnsigned("4294967296", 4294967295n)).toBeNull();
    expect(parseSigned32("-1")).toBe(-1);
    expect(parseSigned32("-0")).toBe(0);
    expect(parseSigned32("+100")).toBe(100);
    expect(parseSigned32("2147483647")).toBe(2147483647);
    expect(parseSigned32("-2147483648")).toBe(-2147483648);
    expect(parseSigned32("2147483648")).toBeNull();
    expect(parseSigned32("")).toBeNull();
    expect(parseSigned32("12abc")).toBeNull();
  });

  it("counterValue reads a value as memcached's strtoull does", () => {
    const read = (text: string): bigint | null => counterValue(Buffer.from(text));
    expect(read("42")).toBe(42n);
    expect(read(" 42")).toBe(42n);
    expect(read("9 ")).toBe(9n); // memcached's own padding after a decr
    expect(read("12 34")).toBe(12n);
    expect(read("18446744073709551615")).toBe(U64_MAX);
    expect(read("18446744073709551616")).toBeNull();
    expect(read("-5")).toBeNull();
    expect(read("12abc")).toBeNull();
    expect(read("")).toBeNull();
    expect(read("abc")).toBeNull();
  });

  it("applyDelta: incr wraps at 2^64, decr stops at 0", () => {
    expect(applyDelta(U64_MAX, 2n, true)).toBe(1n);
    expect(applyDelta(5n, 3n, true)).toBe(8n);
    expect(applyDelta(5n, 6n, false)).toBe(0n);
    expect(applyDelta(5n, 5n, false)).toBe(0n);
    expect(applyDelta(5n, 2n, false)).toBe(3n);
  });

  it("counterBytes pads a shorter number with spaces to the old length, as memcached rewrites in place", () => {
    expect(Buffer.from(counterBytes(9n, 2)).toString()).toBe("9 ");
    expect(Buffer.from(counterBytes(100n, 2)).toString()).toBe("100");
    expect(Buffer.from(counterBytes(0n, 0)).toString()).toBe("0");
  });
});
