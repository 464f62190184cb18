import { describe, expect, it } from "vitest";
import type { StoredHead } from "../storage/storage";
import { admitChunk, isSweepable, needsRefresh, parseObjectKey, triage, type ChunkCosts, type ChunkEntry } from "./classify";

describe("parseObjectKey", () => {
  it("splits an item's object key", () => {
    expect(parseObjectKey("cc/", "cc/ns-1/0/a/b c")).toEqual({ kind: "item", namespace: "ns-1", generation: 0, key: "a/b c" });
    expect(parseObjectKey("cc/", "cc/ns/12/k")).toEqual({ kind: "item", namespace: "ns", generation: 12, key: "k" });
  });
  it("reads a key's line separators back from their stored names, and a raw one as itself", () => {
    expect(parseObjectKey("cc/", "cc/ns/0/a\u007fLb\u007fP")).toEqual({ kind: "item", namespace: "ns", generation: 0, key: "a\u2028b\u2029" });
    expect(parseObjectKey("cc/", "cc/ns/0/a\u2028")).toEqual({ kind: "item", namespace: "ns", generation: 0, key: "a\u2028" });
    expect(parseObjectKey("cc/", "cc/ns/0/a\u007fX")).toEqual({ kind: "foreign" });
  });
  it("splits an item's lease, kept apart under .leases/", () => {
    expect(parseObjectKey("cc/", "cc/.leases/ns/3/a/b")).toEqual({ kind: "lease", namespace: "ns", generation: 3, key: "a/b" });
    expect(parseObjectKey("cc/", "cc/.leases/ns/0/a\u007fL")).toEqual({ kind: "lease", namespace: "ns", generation: 0, key: "a\u2028" });
    for (const key of ["cc/.leases/NS/0/k", "cc/.leases/ns/x/k", "cc/.leases/ns", "cc/.leases/ns/0/a//b"]) expect(parseObjectKey("cc/", key), key).toEqual({ kind: "foreign" });
  });
  it("recognizes internal objects and never claims foreign ones", () => {
    expect(parseObjectKey("cc/", "cc/.generations/ns")).toEqual({ kind: "internal" });
    expect(parseObjectKey("cc/", "cc/.sweep/cursor")).toEqual({ kind: "internal" });
    for (const key of ["other/ns/0/k", "cc/NS/0/k", "cc/ns/x/k", "cc/ns/01/k", "cc/ns/0/", "cc/ns/0/a//b", "cc/ns/0/a\u0001", "cc/ns"]) {
      expect(parseObjectKey("cc/", key), key).toEqual({ kind: "foreign" });
    }
  });
});

describe("triage and isSweepable", () => {
  const now = 1_000_000_000_000;
  it("flushed generations go at once; newer ones and recent writes stay", () => {
    expect(triage(1, 2, now, now, 60)).toBe("flushed");
    expect(triage(3, 2, 0, now, 60)).toBe("newer");
    expect(triage(2, 2, now - 59_000, now, 60)).toBe("recent");
    expect(triage(2, 2, now - 60_000, now, 60)).toBe("inspect");
  });
  const head = (expiresAt: number | null, tombstone = false): StoredHead => ({ etag: '"e"', size: 1, meta: { expiresAt, contentType: "x/y" }, tombstone });
  it("deletes tombstones and items expired for longer than the grace period only", () => {
    expect(isSweepable(head(1, true), 1000, 60)).toBe("tombstone");
    expect(isSweepable(head(940), 1000, 60)).toBe("expired");
    expect(isSweepable(head(941), 1000, 60)).toBeNull();
    expect(isSweepable(head(999), 1000, 60)).toBeNull();
    expect(isSweepable(head(5000), 1000, 60)).toBeNull();
    expect(isSweepable(head(null), 1000, 60)).toBeNull();
  });
  it("keeps an item within its own grace (max-stale readers may still be served it), then deletes it", () => {
    const graced = (expiresAt: number, grace: number): StoredHead => ({ etag: '"e"', size: 1, meta: { expiresAt, grace, contentType: "x/y" }, tombstone: false });
    expect(isSweepable(graced(900, 100), 1000, 60)).toBeNull();
    expect(isSweepable(graced(841, 100), 1000, 60)).toBeNull();
    expect(isSweepable(graced(840, 100), 1000, 60)).toBe("expired");
  });
});

describe("needsRefresh", () => {
  it("rewrites generation objects older than 30 days, nothing else", () => {
    const now = Date.UTC(2026, 5, 1);
    const day = 86_400_000;
    expect(needsRefresh("cc/", "cc/.generations/ns", now - 31 * day, now)).toBe(true);
    expect(needsRefresh("cc/", "cc/.generations/ns", now - 29 * day, now)).toBe(false);
    expect(needsRefresh("cc/", "cc/.sweep/cursor", now - 31 * day, now)).toBe(false);
    expect(needsRefresh("cc/", "cc/ns/0/k", now - 31 * day, now)).toBe(false);
  });
});

describe("admitChunk", () => {
  const item = (namespace: string): ChunkEntry => ({ kind: "item", namespace });
  const known: ChunkCosts = { knownNamespaces: new Set(), singleDeletes: false, dialectUnknown: false };

  it("counts each namespace's generation once, each HEAD, one DeleteObjects per chunk", () => {
    // a: generation 2 + HEAD 1 + DeleteObjects 1; a again: HEAD 1; b: generation 2 + HEAD 1.
    expect(admitChunk([item("a"), item("a"), item("b")], 100, known)).toEqual({ admitted: 3, calls: 8 });
    expect(admitChunk([item("a"), item("a")], 100, { ...known, knownNamespaces: new Set(["a"]) })).toEqual({ admitted: 2, calls: 3 });
    expect(admitChunk([{ kind: "skip" }, item("a")], 100, known)).toEqual({ admitted: 2, calls: 4 });
    // Decided objects: a flushed one needs no HEAD.
    expect(admitChunk([{ kind: "flushed" }, { kind: "flushed" }, { kind: "inspect" }], 100, known)).toEqual({ admitted: 3, calls: 2 });
  });

  it("plans a DELETE per object and the dialect once where DeleteObjects has not worked yet", () => {
    const unknown = { ...known, singleDeletes: true, dialectUnknown: true };
    // a: 2 + 1 + 1 + 1 + 6 (the dialect, probed at worst); then 1 + 1 per item.
    expect(admitChunk([item("a"), item("a")], 100, unknown)).toEqual({ admitted: 2, calls: 13 });
    // A refresh needs the dialect too, counted once for the chunk.
    expect(admitChunk([{ kind: "refresh" }, item("a")], 100, unknown)).toEqual({ admitted: 2, calls: 9 + 5 });
    // A flushed object is deleted at no version: no dialect.
    expect(admitChunk([{ kind: "flushed" }, { kind: "flushed" }], 100, unknown)).toEqual({ admitted: 2, calls: 3 });
  });

  it("takes objects in key order, never one past an object that does not fit", () => {
    expect(admitChunk([item("a"), item("b"), item("b")], 5, known)).toEqual({ admitted: 1, calls: 4 });
    expect(admitChunk([item("a")], 3, known)).toEqual({ admitted: 0, calls: 0 });
    expect(admitChunk([{ kind: "refresh" }, item("a")], 3, known)).toEqual({ admitted: 1, calls: 3 });
  });
});
