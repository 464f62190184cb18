import { describe, expect, it } from "vitest";
import { metadumpLine, metadumpScope, uriEncodeKey } from "./metadump.js";

describe("metadumpScope", () => {
  it("lists everything for all, hash, or a class list naming the gateway's one class", () => {
    expect(metadumpScope("all")).toEqual({ kind: "all" });
    expect(metadumpScope("hash")).toEqual({ kind: "all" });
    expect(metadumpScope("1")).toEqual({ kind: "all" });
    expect(metadumpScope("3,1,7")).toEqual({ kind: "all" });
  });

  it("lists nothing for other valid classes, and refuses what is not a class", () => {
    expect(metadumpScope("2")).toEqual({ kind: "none" });
    expect(metadumpScope("2,63")).toEqual({ kind: "none" });
    for (const bad of ["64", "-1", "x", "", "1,", "1,,2", "ALL"]) expect(metadumpScope(bad)).toEqual({ kind: "badClass" });
  });
});

describe("metadumpLine", () => {
  it("writes memcached's fields in its order, the key URI-encoded as memcached does", () => {
    expect(metadumpLine({ key: "user:42", size: 5, lastModified: 1767222000 })).toBe("key=user%3A42 exp=-1 la=1767222000 cas=0 fetch=no cls=1 size=5\n");
    expect(metadumpLine({ key: "a-b.c_d~e", size: 0, lastModified: "1767222000" })).toBe("key=a-b.c_d~e exp=-1 la=1767222000 cas=0 fetch=no cls=1 size=0\n");
  });

  it("encodes every byte of a UTF-8 key but the unreserved ones", () => {
    expect(uriEncodeKey("café/ü!*()'")).toBe("caf%C3%A9%2F%C3%BC%21%2A%28%29%27");
  });
});
