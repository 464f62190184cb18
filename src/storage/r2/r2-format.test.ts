import { describe, expect, it } from "vitest";
import { encodeExpiry, TOMBSTONE_HEADER } from "../../items/item";
import { itemMetadata } from "../object-format";
import { customMetadataOf, headOfR2Object, onlyIfHeaders } from "./r2-format";

describe("objects through the binding, in the S3 way's format", () => {
  it("writes S3 user metadata as the binding's custom metadata, and nothing else", () => {
    expect(customMetadataOf({ ...encodeExpiry(1700000000), [TOMBSTONE_HEADER]: "1", "content-type": "text/plain" })).toEqual({ "cc-expires": "1700000000", "cc-tombstone": "1" });
  });

  it("reads an object's facts back: quoted ETag, size without the nonce, expiry, tombstone, content type", () => {
    expect(headOfR2Object({ etag: "abc", size: 21, httpMetadata: { contentType: "text/plain" }, customMetadata: { "cc-expires": "1700000000" } })).toEqual({
      etag: '"abc"',
      size: 5,
      meta: { contentType: "text/plain", expiresAt: 1700000000, grace: 0 },
      tombstone: false,
    });
    expect(headOfR2Object({ etag: "t", size: 0, customMetadata: { "cc-expires": "1", "cc-tombstone": "1" } })).toMatchObject({ size: 0, tombstone: true, meta: { contentType: "application/octet-stream", expiresAt: 1 } });
    // An expiry this Worker did not write counts as expired, as on the S3 way.
    expect(headOfR2Object({ etag: "x", size: 16, customMetadata: { "cc-expires": "soon" } }).meta.expiresAt).toBe(0);
  });

  it("keeps an item's grace both ways: written by itemMetadata as cc-grace, read back by the one reader", () => {
    const meta = { contentType: "text/plain", expiresAt: 1700000000, grace: 120 };
    const customMetadata = customMetadataOf(itemMetadata(meta));
    expect(customMetadata).toEqual({ "cc-expires": "1700000000", "cc-grace": "120" });
    expect(headOfR2Object({ etag: "g", size: 20, httpMetadata: { contentType: "text/plain" }, customMetadata }).meta).toEqual(meta);
    // No grace, or an item that never expires: no cc-grace written.
    expect(customMetadataOf(itemMetadata({ contentType: "text/plain", expiresAt: null, grace: 120 }))).toEqual({});
  });

  it("turns a write condition into the binding's onlyIf, the ETag quoted", () => {
    expect(onlyIfHeaders({ kind: "none" })).toBeUndefined();
    expect(onlyIfHeaders({ kind: "absent" })?.get("if-none-match")).toBe("*");
    expect(onlyIfHeaders({ kind: "match", etag: '"abc"' })?.get("if-match")).toBe('"abc"');
    expect(onlyIfHeaders({ kind: "match", etag: "abc" })?.get("if-match")).toBe('"abc"');
  });
});
