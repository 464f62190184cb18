import { describe, expect, it } from "vitest";
import { storedAfterTags } from "./tagged";
import type { StoredHead } from "../storage/storage";

const head = (meta: Partial<StoredHead["meta"]>): StoredHead => ({ etag: '"e"', size: 1, tombstone: false, meta: { contentType: "text/plain", expiresAt: 5000, tags: ["t"], writtenAt: 1_000_000, ...meta } });

describe("storedAfterTags", () => {
  it("keeps an item no state invalidated after its write as it is", () => {
    const found = head({});
    expect(storedAfterTags(found, [{ expiredAt: 999_999, deletedAt: 999_999 }])).toBe(found);
    expect(storedAfterTags(found, [{ expiredAt: 0, deletedAt: 0 }])).toBe(found);
  });

  it("makes an item a tag deleted after its write an emptied one (absent, its ETag kept)", () => {
    const judged = storedAfterTags(head({}), [{ expiredAt: 0, deletedAt: 0 }, { expiredAt: 0, deletedAt: 1_000_000 }]);
    expect(judged.tombstone).toBe(true);
    expect(judged.etag).toBe('"e"');
  });

  it("expires an item a tag expired after its write at that second, its grace kept", () => {
    const judged = storedAfterTags(head({ grace: 60 }), [{ expiredAt: 2_000_500, deletedAt: 0 }]);
    expect(judged.tombstone).toBe(false);
    expect(judged.meta.expiresAt).toBe(2000);
    expect(judged.meta.grace).toBe(60);
  });
});
