import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "./base64.js";
import { decodeBatchValue, decodeValue, encodeBatchValue, encodeValue, kindOf, mediaType } from "./codec.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("encodeValue", () => {
  it("strings are text/plain UTF-8, even when they look like numbers or JSON", () => {
    expect(encodeValue("42")).toMatchObject({ body: "42", contentType: "text/plain; charset=utf-8", replayable: true });
    expect(encodeValue('{"a":1}').contentType).toBe("text/plain; charset=utf-8");
  });

  it("numbers, booleans, null, objects and arrays are application/json", () => {
    for (const [value, text] of [[42, "42"], [true, "true"], [null, "null"], [{ a: [1] }, '{"a":[1]}'], [[], "[]"]] as const) {
      expect(encodeValue(value)).toMatchObject({ body: text, contentType: "application/json" });
    }
  });

  it("bytes are application/octet-stream: Uint8Array as is, ArrayBuffer and other views as their bytes", () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    expect(encodeValue(bytes).body).toBe(bytes);
    expect([...(encodeValue(bytes.buffer).body as Uint8Array)]).toStrictEqual([1, 2, 3, 4]);
    expect([...(encodeValue(new DataView(bytes.buffer, 1, 2)).body as Uint8Array)]).toStrictEqual([2, 3]);
    expect([...(encodeValue(new Uint16Array([0x0102])).body as Uint8Array)]).toHaveLength(2);
    expect(encodeValue(bytes).contentType).toBe("application/octet-stream");
  });

  it("a Blob keeps its type (octet-stream without one); a stream needs its size and is not replayable", () => {
    expect(encodeValue(new Blob(["x"], { type: "image/png" })).contentType).toBe("image/png");
    expect(encodeValue(new Blob(["x"])).contentType).toBe("application/octet-stream");
    expect(() => encodeValue(new ReadableStream())).toThrow(/size/);
    expect(() => encodeValue(new ReadableStream(), { size: -1 })).toThrow(/size/);
    expect(encodeValue(new ReadableStream(), { size: 3 })).toMatchObject({ size: 3, replayable: false });
  });

  it("contentType overrides", () => {
    expect(encodeValue("<p>", { contentType: "text/html" }).contentType).toBe("text/html");
  });

  it("refuses what JSON would change: undefined, NaN, ±Infinity, Map, Set, functions, bigints, cycles", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [undefined, Number.NaN, Number.NEGATIVE_INFINITY, new Map(), new Set(), () => 1, 1n, cycle]) {
      expect(() => encodeValue(bad as never)).toThrow(TypeError);
    }
  });
});

describe("decodeValue", () => {
  it("by media type: JSON (and +json) parsed, text/* a string, anything else bytes", () => {
    expect(decodeValue(utf8("42"), "application/json")).toBe(42);
    expect(decodeValue(utf8('{"a":1}'), "application/vnd.api+json; charset=utf-8")).toStrictEqual({ a: 1 });
    expect(decodeValue(utf8("42"), "text/plain; charset=utf-8")).toBe("42");
    expect(decodeValue(utf8("<p>"), "TEXT/HTML")).toBe("<p>");
    expect(decodeValue(utf8("42"), "application/octet-stream")).toStrictEqual(utf8("42"));
    expect(decodeValue(utf8("x"), null)).toStrictEqual(utf8("x"));
    expect(decodeValue(utf8("x"), "image/png")).toBeInstanceOf(Uint8Array);
  });

  it("honours a text charset the runtime knows", () => {
    expect(decodeValue(new Uint8Array([0xe9]), "text/plain; charset=iso-8859-1")).toBe("é");
    expect(decodeValue(utf8("é"), "text/plain; charset=unknown-thing")).toBe("é");
  });

  it("mediaType and kindOf", () => {
    expect(mediaType(" Application/JSON ; charset=utf-8")).toBe("application/json");
    expect(kindOf("application/problem+json")).toBe("json");
    expect(kindOf("text/csv")).toBe("text");
    expect(kindOf("application/xml")).toBe("bytes");
  });
});

describe("batch values", () => {
  it("text and JSON travel as UTF-8 text, bytes as base64", () => {
    expect(encodeBatchValue("hi")).toStrictEqual({ value: "hi", contentType: "text/plain; charset=utf-8" });
    expect(encodeBatchValue({ a: 1 })).toStrictEqual({ value: '{"a":1}', contentType: "application/json" });
    expect(encodeBatchValue(new Uint8Array([0, 1, 2]))).toStrictEqual({ value: "AAEC", encoding: "base64", contentType: "application/octet-stream" });
    expect(() => encodeBatchValue(new Blob(["x"]))).toThrow(TypeError);
  });

  it("decodes both encodings by content type", () => {
    expect(decodeBatchValue("hello", "utf8", "text/plain")).toBe("hello");
    expect(decodeBatchValue("[1,2]", "utf8", "application/json")).toStrictEqual([1, 2]);
    expect(decodeBatchValue("AAEC", "base64", "application/octet-stream")).toStrictEqual(new Uint8Array([0, 1, 2]));
    expect(decodeBatchValue(bytesToBase64(utf8("é")), "base64", "text/plain")).toBe("é");
    expect(decodeBatchValue("abc", undefined, "application/octet-stream")).toStrictEqual(utf8("abc"));
  });
});

describe("base64", () => {
  it("round-trips every byte value and large inputs", () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect(base64ToBytes(bytesToBase64(all))).toStrictEqual(all);
    const big = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    expect(base64ToBytes(bytesToBase64(big))).toStrictEqual(big);
    expect(bytesToBase64(new Uint8Array([0, 1, 2]))).toBe("AAEC");
  });
});
