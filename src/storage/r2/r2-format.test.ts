import { describe, expect, it } from "vitest";
import { encodeExpiry, TOMBSTONE_HEADER } from "../../items/item";
import { customMetadataOf, headOfR2Object, onlyIfHeaders } from "./r2-format";

describe("objects through the binding, in the S3 way's format", () => {
  it("writes S3 user metadata as the binding's custom metadata, and nothing else", () => {
    expect(customMetadataOf({ ...encodeExpiry(1700000000), [TOMBSTONE_HEADER]: "1", "content-type": "text/plain" })).toEqual({ "cc-expires": "1700000000", "cc-tombstone": "1" });
  });

  it("reads an object's facts back: quoted ETag, size without the nonce, expiry, tombstone, content type", () => {
    expect(headOfR2Object({ etag: "abc", size: 21, httpMetadata: { contentType: "text/plain" }, customMetadata: { "cc-expires": "1700000000" } })).toEqual({
      etag: '"abc"',
      size: 5,
      meta: { contentType: "text/plain", expiresAt: 1700000000 },
      tombstone: false,
    });
    expect(headOfR2Object({ etag: "t", size: 0, customMetadata: { "cc-expires": "1", "cc-tombstone": "1" } })).toMatchObject({ size: 0, tombstone: true, meta: { contentType: "application/octet-stream", expiresAt: 1 } });
    // An expiry this Worker did not write counts as expired, as on the S3 way.
    expect(headOfR2Object({ etag: "x", size: 16, customMetadata: { "cc-expires": "soon" } }).meta.expiresAt).toBe(0);
  });

  it("turns a write condition into the binding's onlyIf, the ETag quoted", () => {
    expect(onlyIfHeaders({ kind: "none" })).toBeUndefined();
    expect(onlyIfHeaders({ kind: "absent" })?.get("if-none-match")).toBe("*");
    expect(onlyIfHeaders({ kind: "match", etag: '"abc"' })?.get("if-match")).toBe('"abc"');
    expect(onlyIfHeaders({ kind: "match", etag: "abc" })?.get("if-match")).toBe('"abc"');
  });
});
