import { describe, expect, it } from "vitest";
import { CloudCachedError } from "../errors.js";
import { EXIT, exitCodeFor, InputError } from "./exit-codes.js";

describe("exitCodeFor", () => {
  it("4xx → 3, 5xx → 4, no answer → 5, a bad argument or local file → 2", () => {
    expect(exitCodeFor(new CloudCachedError(401, "unauthorized", "m"))).toBe(EXIT.refused);
    expect(exitCodeFor(new CloudCachedError(409, "not_a_number", "m"))).toBe(3);
    expect(exitCodeFor(new CloudCachedError(502, "storage_error", "m"))).toBe(4);
    expect(exitCodeFor(new CloudCachedError(504, "storage_timeout", "m"))).toBe(4);
    expect(exitCodeFor(new CloudCachedError(0, "network_error", "m"))).toBe(5);
    expect(exitCodeFor(new CloudCachedError(0, "timeout", "m"))).toBe(5);
    expect(exitCodeFor(new TypeError("ttl must be"))).toBe(2);
    expect(exitCodeFor(Object.assign(new Error("no such file"), { code: "ENOENT" }))).toBe(2);
    expect(exitCodeFor(new InputError("--file /x: no such file"))).toBe(2);
    expect(exitCodeFor(new Error("?"))).toBe(4);
  });
});
