import { describe, expect, it } from "vitest";
import { ambiguousWriteOutcome, uploadEtag } from "./landed";

describe("did an ambiguous write land?", () => {
  it("the ETag of a single-part upload is the quoted MD5 of its bytes", async () => {
    expect(await uploadEtag(new TextEncoder().encode("hello"))).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(await uploadEtag(new Uint8Array(0))).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
  });
  it("landed only when the stored ETag is exactly ours", () => {
    expect(ambiguousWriteOutcome('"abc"', '"abc"')).toBe("landed");
    expect(ambiguousWriteOutcome('"abc"', '"abd"')).toBe("lost");
    expect(ambiguousWriteOutcome('"abc"', null)).toBe("lost");
  });
});
