import { describe, expect, it } from "vitest";
import { conditionalPutOutcome, conditionHeaders, decodeDialect, dialectFromProbe, dialectNamed, encodeDialect, ifMatchValue, nameOfDialect, STANDARD_DIALECT } from "./dialect";

describe("ifMatchValue", () => {
  it("quotes for standard stores and strips for RGW-style ones", () => {
    expect(ifMatchValue('"abc"', STANDARD_DIALECT)).toBe('"abc"');
    expect(ifMatchValue("abc", STANDARD_DIALECT)).toBe('"abc"');
    expect(ifMatchValue('W/"abc"', STANDARD_DIALECT)).toBe('"abc"');
    expect(ifMatchValue('"abc"', { ifMatch: "bare", copyIfMatch: false })).toBe("abc");
    expect(ifMatchValue("*", { ifMatch: "bare", copyIfMatch: false })).toBe("*");
  });
});

describe("dialectFromProbe", () => {
  it("AWS / R2 / Miniflare: quoted If-Match works, copy honours its condition", () => {
    expect(dialectFromProbe({ quotedIfMatch: 200, wrongCopyIfMatch: 412 })).toEqual({ ifMatch: "quoted", copyIfMatch: true });
  });
  it("Ceph RGW 16: quoted If-Match refused, bare accepted; copy ignores its condition", () => {
    expect(dialectFromProbe({ quotedIfMatch: 412, bareIfMatch: 200, wrongCopyIfMatch: 200 })).toEqual({ ifMatch: "bare", copyIfMatch: false });
  });
  it("a store that refuses both forms keeps the RFC form (cas then fails safely)", () => {
    expect(dialectFromProbe({ quotedIfMatch: 412, bareIfMatch: 412, wrongCopyIfMatch: 412 }).ifMatch).toBe("quoted");
    expect(dialectFromProbe({ quotedIfMatch: 501, bareIfMatch: 501, wrongCopyIfMatch: 501 }).copyIfMatch).toBe(true);
  });
});

describe("conditionalPutOutcome", () => {
  it("429 (R2: one key written more than about once a second) is a conflict: nothing written, try again", () => {
    expect(conditionalPutOutcome(429, "TooManyRequests", true)).toBe("conflict");
    expect(conditionalPutOutcome(429, undefined, false)).toBe("conflict");
  });
  it("412 is a failed precondition everywhere", () => {
    expect(conditionalPutOutcome(412, "PreconditionFailed", true)).toBe("precondition_failed");
    expect(conditionalPutOutcome(412, undefined, false)).toBe("precondition_failed");
  });
  it("AWS's 404 NoSuchKey for If-Match on a missing key is a failed precondition", () => {
    expect(conditionalPutOutcome(404, "NoSuchKey", true)).toBe("precondition_failed");
    expect(conditionalPutOutcome(404, "NoSuchBucket", true)).toBeNull();
    expect(conditionalPutOutcome(404, "NoSuchKey", false)).toBeNull();
  });
  it("409 ConditionalRequestConflict is a race worth retrying; other 409s are errors", () => {
    expect(conditionalPutOutcome(409, "ConditionalRequestConflict", true)).toBe("conflict");
    expect(conditionalPutOutcome(409, "OperationAborted", false)).toBe("conflict");
    expect(conditionalPutOutcome(409, "BucketNotEmpty", true)).toBeNull();
  });
});

describe("named dialects (S3_DIALECT)", () => {
  it("knows standard and ceph-rgw, and nothing else", () => {
    expect(dialectNamed("standard")).toEqual({ ifMatch: "quoted", copyIfMatch: true });
    expect(dialectNamed("ceph-rgw")).toEqual({ ifMatch: "bare", copyIfMatch: false });
    for (const name of ["", "Standard", "rgw", "toString", "__proto__"]) expect(dialectNamed(name)).toBeUndefined();
  });
  it("names what a probe found, when a name stands for it", () => {
    expect(nameOfDialect(dialectFromProbe({ quotedIfMatch: 200, wrongCopyIfMatch: 412 }))).toBe("standard");
    expect(nameOfDialect(dialectFromProbe({ quotedIfMatch: 412, bareIfMatch: 200, wrongCopyIfMatch: 200 }))).toBe("ceph-rgw");
    expect(nameOfDialect({ ifMatch: "quoted", copyIfMatch: false })).toBeUndefined();
  });
});

describe("a kept dialect", () => {
  it("reads back what was kept", () => {
    for (const dialect of [STANDARD_DIALECT, { ifMatch: "bare", copyIfMatch: false }, { ifMatch: "quoted", copyIfMatch: false }] as const) {
      expect(decodeDialect(encodeDialect(dialect))).toEqual(dialect);
    }
  });
  it("refuses anything else (the store is then probed again)", () => {
    for (const text of ["", "not json", "null", "[]", '{"ifMatch":"weak","copyIfMatch":true}', '{"ifMatch":"bare"}', '{"ifMatch":"bare","copyIfMatch":"yes"}']) {
      expect(decodeDialect(text)).toBeNull();
    }
  });
});

describe("conditionHeaders", () => {
  it("sends each condition in the store's dialect", () => {
    expect(conditionHeaders({ kind: "none" }, STANDARD_DIALECT)).toEqual({});
    expect(conditionHeaders({ kind: "absent" }, { ifMatch: "bare", copyIfMatch: false })).toEqual({ "if-none-match": "*" });
    expect(conditionHeaders({ kind: "match", etag: '"e"' }, STANDARD_DIALECT)).toEqual({ "if-match": '"e"' });
    expect(conditionHeaders({ kind: "match", etag: '"e"' }, { ifMatch: "bare", copyIfMatch: false })).toEqual({ "if-match": "e" });
  });
});
