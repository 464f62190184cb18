import { describe, expect, it } from "vitest";
import { twoColumns } from "./two-columns.js";

describe("twoColumns", () => {
  it("pads every name to the longest, two spaces before the value, one row a line", () => {
    expect(twoColumns([["a", "1"], ["longer", "2"]])).toBe("a       1\nlonger  2");
  });

  it("no rows: no text", () => {
    expect(twoColumns([])).toBe("");
  });
});
