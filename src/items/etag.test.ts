import { describe, expect, it } from "vitest";
import { noneMatchHits, parseEtagList } from "./etag";

describe("parseEtagList", () => {
  it("reads *, one tag or a list, ignoring weakness", () => {
    expect(parseEtagList(null)).toBeNull();
    expect(parseEtagList("*")).toBe("*");
    expect(parseEtagList('"a"')).toEqual(['"a"']);
    expect(parseEtagList('W/"a", "b"')).toEqual(['"a"', '"b"']);
  });
  it("gives an empty list for garbage, which matches nothing", () => {
    expect(parseEtagList("abc")).toEqual([]);
    expect(parseEtagList('"a" junk')).toEqual([]);
    expect(noneMatchHits("abc", '"abc"')).toBe(false);
  });
  it("matches If-None-Match", () => {
    expect(noneMatchHits('"x", "y"', '"y"')).toBe(true);
    expect(noneMatchHits("*", '"y"')).toBe(true);
    expect(noneMatchHits(undefined, '"y"')).toBe(false);
  });
});
