import { describe, expect, it } from "vitest";
import { conditionFor, isLive } from "./items";
import type { StoredHead } from "../storage/storage";

const NOW = 1_000_000;
function head(etag: string, expiresAt: number | null, tombstone = false): StoredHead {
  return { etag, size: 1, meta: { contentType: "text/plain", expiresAt }, tombstone };
}

describe("isLive", () => {
  it("is false for absent, expired and tombstoned objects", () => {
    expect(isLive(null, NOW)).toBe(false);
    expect(isLive(head('"a"', NOW), NOW)).toBe(false);
    expect(isLive(head('"a"', null, true), NOW)).toBe(false);
    expect(isLive(head('"a"', NOW + 1), NOW)).toBe(true);
    expect(isLive(head('"a"', null), NOW)).toBe(true);
  });
});

describe("conditionFor", () => {
  it("add: If-None-Match * when absent, If-Match on an expired version, refused when live", () => {
    expect(conditionFor({ kind: "add" }, null, NOW)).toEqual({ kind: "absent" });
    expect(conditionFor({ kind: "add" }, head('"old"', NOW - 1), NOW)).toEqual({ kind: "match", etag: '"old"' });
    expect(conditionFor({ kind: "add" }, head('"t"', 1, true), NOW)).toEqual({ kind: "match", etag: '"t"' });
    expect(conditionFor({ kind: "add" }, head('"live"', null), NOW)).toBeNull();
  });
  it("replace: only over a live version, pinned to it", () => {
    expect(conditionFor({ kind: "replace" }, head('"live"', null), NOW)).toEqual({ kind: "match", etag: '"live"' });
    expect(conditionFor({ kind: "replace" }, head('"old"', NOW - 1), NOW)).toBeNull();
    expect(conditionFor({ kind: "replace" }, null, NOW)).toBeNull();
  });
  it("cas: only the named live version", () => {
    expect(conditionFor({ kind: "cas", etag: '"v1"' }, head('"v1"', null), NOW)).toEqual({ kind: "match", etag: '"v1"' });
    expect(conditionFor({ kind: "cas", etag: '"v1"' }, head('"v2"', null), NOW)).toBeNull();
    expect(conditionFor({ kind: "cas", etag: '"v1"' }, head('"v1"', NOW - 5), NOW)).toBeNull();
  });
});
