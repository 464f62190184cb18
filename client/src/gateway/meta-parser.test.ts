import { describe, expect, it } from "vitest";
import { flagToken, hasFlag, parseMeta } from "./meta-parser.js";

describe("parseMeta", () => {
  it("key, data length and flags with their tokens", () => {
    const request = parseMeta("ms", ["k", "5", "T10", "F3", "q", "Oab"]);
    expect(request).toEqual({
      code: "ms", key: "k", keyToken: "k", dataLength: 5,
      flags: [{ name: "T", token: "10" }, { name: "F", token: "3" }, { name: "q", token: "" }, { name: "O", token: "ab" }],
    });
    if ("error" in request) return;
    expect(hasFlag(request, "q")).toBe(true);
    expect(flagToken(request, "T")).toBe("10");
    expect(flagToken(request, "C")).toBeUndefined();
  });

  it("base64 keys with b", () => {
    expect(parseMeta("mg", ["Y2zDqQ==", "b", "v"])).toMatchObject({ key: "clé", keyToken: "Y2zDqQ==" });
    expect(parseMeta("mg", ["y", "b"])).toEqual({ error: "CLIENT_ERROR error decoding key" });
  });

  it("errors", () => {
    expect(parseMeta("mg", [])).toEqual({ error: "ERROR" });
    expect(parseMeta("ms", ["k"])).toEqual({ error: "CLIENT_ERROR bad command line format" });
    expect(parseMeta("ms", ["k", "x"])).toEqual({ error: "CLIENT_ERROR bad command line format" });
    expect(parseMeta("mg", ["k", "1"])).toEqual({ error: "CLIENT_ERROR invalid flag" });
    expect(parseMeta("mg", ["k".repeat(251)])).toEqual({ error: "CLIENT_ERROR bad command line format" });
    expect(parseMeta("mn", [])).toMatchObject({ code: "mn" });
  });
});
