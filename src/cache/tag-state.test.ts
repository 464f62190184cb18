import { describe, expect, it } from "vitest";
import { isTrusted, laterState, parseTagState, tagCacheUrl, tagName, tagObjectKey, tagVerdict } from "./tag-state";

describe("tag state", () => {
  const written = 1_700_000_000_000;

  it("leaves an item whose tags were never invalidated, or only before it was written", () => {
    expect(tagVerdict(2_000_000_000, written, [{ expiredAt: 0, deletedAt: 0 }])).toEqual({ deleted: false, expiresAt: 2_000_000_000 });
    expect(tagVerdict(null, written, [{ expiredAt: written - 1, deletedAt: written - 1 }])).toEqual({ deleted: false, expiresAt: null });
  });

  it("expires an item written before an expire at that second, never later than its own expiry", () => {
    const at = written + 5_500;
    expect(tagVerdict(2_000_000_000, written, [{ expiredAt: at, deletedAt: 0 }])).toEqual({ deleted: false, expiresAt: Math.floor(at / 1000) });
    expect(tagVerdict(null, written, [{ expiredAt: at, deletedAt: 0 }])).toEqual({ deleted: false, expiresAt: Math.floor(at / 1000) });
    expect(tagVerdict(1_000, written, [{ expiredAt: at, deletedAt: 0 }]).expiresAt).toBe(1_000);
  });

  it("deletes an item written before a delete of any of its tags; a call in the write's millisecond counts as after it", () => {
    expect(tagVerdict(null, written, [{ expiredAt: 0, deletedAt: 0 }, { expiredAt: 0, deletedAt: written + 1 }]).deleted).toBe(true);
    expect(tagVerdict(null, written, [{ expiredAt: 0, deletedAt: written }]).deleted).toBe(true);
    // Without a write time (not written by this version), any invalidation reaches it.
    expect(tagVerdict(null, null, [{ expiredAt: 0, deletedAt: 1 }]).deleted).toBe(true);
  });

  it("only grows, time by time", () => {
    expect(laterState({ expiredAt: 5, deletedAt: 1 }, { expiredAt: 3, deletedAt: 4 })).toEqual({ expiredAt: 5, deletedAt: 4 });
    expect(laterState(undefined, { expiredAt: 3, deletedAt: 4 })).toEqual({ expiredAt: 3, deletedAt: 4 });
  });

  it("reads only what it writes", () => {
    expect(parseTagState('{"expiredAt":1,"deletedAt":2}')).toEqual({ expiredAt: 1, deletedAt: 2 });
    for (const text of ["", "{}", '{"expiredAt":1}', '{"expiredAt":"1","deletedAt":2}', "[1,2]", "nope"]) expect(parseTagState(text), text).toBeNull();
  });

  it("names a tag in keys and URLs so that no tag makes a path", () => {
    expect(tagName("a/../b%")).toBe("612f2e2e2f6225");
    expect(tagObjectKey("cc/", "ns", "a/b")).toBe("cc/.tags/ns/612f62");
    expect(tagCacheUrl("d", "ns", "..")).toBe("https://cloudcached.cache/d/.tag/ns/2e2e");
  });

  it("is used from memory only before its trust ends, never for no-cache, never unknown", () => {
    const known = { state: { expiredAt: 0, deletedAt: 0 }, trustedUntil: 5_000 };
    expect(isTrusted(known, false, 4_999)).toBe(true);
    expect(isTrusted(known, false, 5_000)).toBe(false);
    expect(isTrusted(known, true, 4_999)).toBe(false);
    expect(isTrusted(undefined, false, 0)).toBe(false);
  });
});
