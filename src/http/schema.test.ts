import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { allowedFields, batchSetSchema, byParam, initialParam, limitParam, opParam, readEnum, readInteger, ttlParam } from "./schema";

function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? `${err.status} ${err.message}` : "other";
  }
  return undefined;
}

describe("readInteger", () => {
  it("gives the spec's default when absent", () => {
    expect(readInteger(ttlParam(60, 100), undefined)).toBe(60);
    expect(readInteger(limitParam, null)).toBe(100);
    expect(readInteger(initialParam, undefined)).toBeUndefined();
  });
  it("enforces the spec's bounds and names them", () => {
    expect(readInteger(ttlParam(60, 100), "100")).toBe(100);
    expect(refusal(() => readInteger(ttlParam(60, 100), "101"))).toBe("400 invalid ttl: a whole number from 0 to 100");
    expect(refusal(() => readInteger(limitParam, "0"))).toMatch(/^400 invalid limit: a whole number from 1 to 1000/);
    expect(readInteger(initialParam, "-5")).toBe(-5);
    expect(refusal(() => readInteger(byParam, "-1"))).toMatch(/^400 invalid by/);
  });
  it.each(["1.5", "1e3", " 1", "", "0x1", "+1", "99999999999999999"])("refuses %j", (raw) => {
    expect(refusal(() => readInteger(initialParam, raw))).toMatch(/^400 invalid initial/);
  });
});

describe("readEnum", () => {
  it("accepts only the spec's values", () => {
    expect(readEnum(opParam, "incr")).toBe("incr");
    expect(refusal(() => readEnum(opParam, "INCR"))).toBe("400 invalid op: one of touch, expire, incr, decr, release");
    expect(refusal(() => readEnum(opParam, undefined))).toMatch(/^400/);
  });
});

describe("allowedFields", () => {
  it("lists an object schema's properties", () => {
    expect(allowedFields(batchSetSchema)).toEqual(["key", "value", "encoding", "ttl", "contentType", "grace", "tags", "meta"]);
  });
});
