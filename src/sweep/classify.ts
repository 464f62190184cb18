import { PLANNED_CALLS, SWEEP_CALLS } from "../platform/budget";
import { isGone } from "../items/item";
import { validateKey, validateNamespace } from "../items/names";
import { keyOfStoredName, LEASES_FOLDER } from "../storage/object-key";
import type { StoredHead } from "../storage/storage";

/** What the sweep decides about one listed object, as pure functions of what it knows. */

export type ParsedObject =
  | { kind: "internal" } // `<prefix>.…`: generations, the sweep's cursor, the health probe
  | { kind: "foreign" } // not written by CloudCached: never touched
  // An item, or an item's lease (`<prefix>.leases/…`, swept by the same rules: its expiry is when it lapses).
  | { kind: "item" | "lease"; namespace: string; generation: number; key: string };

/** Splits `<prefix><namespace>/<generation>/<key>` (or `<prefix>.leases/<namespace>/<generation>/<key>`) back into its parts. */
export function parseObjectKey(prefix: string, objectKey: string): ParsedObject {
  if (!objectKey.startsWith(prefix)) return { kind: "foreign" };
  let rest = objectKey.slice(prefix.length);
  const lease = rest.startsWith(LEASES_FOLDER);
  if (lease) rest = rest.slice(LEASES_FOLDER.length);
  else if (rest.startsWith(".")) return { kind: "internal" };
  const match = /^([^/]+)\/(0|[1-9][0-9]{0,14})\/(.+)$/s.exec(rest);
  if (!match) return { kind: "foreign" };
  try {
    return { kind: lease ? "lease" : "item", namespace: validateNamespace(match[1] as string), generation: Number(match[2]), key: validateKey(keyOfStoredName(match[3] as string)) };
  } catch {
    return { kind: "foreign" };
  }
}

export type Triage =
  | "flushed" // a generation before the namespace's current one: delete, no need to look closer
  | "newer" // a generation the sweep did not know of (a flush during the sweep): leave it
  | "recent" // written within the grace period: leave it for a later pass
  | "inspect"; // current generation, old enough: HEAD it to read its expiry

export function triage(generation: number, current: number, lastModifiedMs: number, nowMs: number, graceSeconds: number): Triage {
  if (generation < current) return "flushed";
  if (generation > current) return "newer";
  if (lastModifiedMs > nowMs - graceSeconds * 1000) return "recent";
  return "inspect";
}

/**
 * Whether a HEAD shows an object the sweep may delete: a tombstone, or an item gone (past its expiry
 * and its own grace) at least `graceSeconds` ago (for a lease: it lapsed, or was released, that long
 * ago). A live item, a stale one still within its grace (max-stale readers may be served it), or one
 * only just gone, is left alone.
 */
export function isSweepable(head: StoredHead, nowSeconds: number, graceSeconds: number): "tombstone" | "expired" | null {
  if (head.tombstone) return "tombstone";
  if (head.meta.expiresAt !== null && isGone(head.meta.expiresAt + graceSeconds, head.meta.grace, nowSeconds)) return "expired";
  return null;
}

/**
 * A generation object must outlive any age-based bucket lifecycle rule (losing it would bring a
 * flushed generation back), so the sweep rewrites one that is older than this. Pure.
 */
export const GENERATION_REFRESH_DAYS = 30;

export function needsRefresh(prefix: string, objectKey: string, lastModifiedMs: number, nowMs: number): boolean {
  return objectKey.startsWith(`${prefix}.generations/`) && lastModifiedMs < nowMs - GENERATION_REFRESH_DAYS * 86_400_000;
}

/** What one listed object may cost a run. */
export type ChunkEntry =
  | { kind: "skip" } // foreign, internal with nothing to do, too recent, of a newer generation
  | { kind: "refresh" } // an old generation object, to rewrite at its version
  | { kind: "flushed" } // of a flushed generation: deleted without a closer look
  | { kind: "inspect" } // a HEAD, then deleted at that version if it expired
  | { kind: "item"; namespace: string }; // its generation not read yet: at worst its read, then "inspect"

export interface ChunkCosts {
  /** Namespaces whose generation this run already read. */
  knownNamespaces: ReadonlySet<string>;
  /** Until a DeleteObjects has worked, the store may want one DELETE per object (src/storage/s3/s3-storage.ts). */
  singleDeletes: boolean;
  /** A write or delete at a version may first need the store's dialect (its lookup or probe): once. */
  dialectUnknown: boolean;
}

/**
 * How many of a chunk's objects, in key order, fit in `spare` calls at their worst, and those
 * calls: each namespace's generation once, each HEAD, the chunk's DeleteObjects once, each object's
 * own DELETE where the store may want one, the dialect once. Taking objects in order, never skipping
 * one, means the first object of a chunk always comes first: the cursor always moves. Pure.
 */
export function admitChunk(entries: readonly ChunkEntry[], spare: number, costs: ChunkCosts): { admitted: number; calls: number } {
  const namespaces = new Set(costs.knownNamespaces);
  let dialectCounted = !costs.dialectUnknown;
  let deletionCounted = false;
  let calls = 0;
  let admitted = 0;
  for (const entry of entries) {
    let cost = 0;
    let needsDialect = false;
    let deletes = false;
    if (entry.kind === "refresh") {
      cost = SWEEP_CALLS.refresh;
      needsDialect = true;
    } else if (entry.kind !== "skip") {
      deletes = true;
      if (entry.kind === "item" && !namespaces.has(entry.namespace)) cost += SWEEP_CALLS.generation;
      if (entry.kind !== "flushed") cost += SWEEP_CALLS.head;
      if (!deletionCounted) cost += SWEEP_CALLS.deleteMany;
      if (costs.singleDeletes) {
        cost += SWEEP_CALLS.singleDelete;
        // A flushed object is deleted whatever its version; any other at the version its HEAD saw.
        needsDialect = entry.kind !== "flushed";
      }
    }
    if (needsDialect && !dialectCounted) cost += PLANNED_CALLS.dialectProbe;
    if (calls + cost > spare) break;
    calls += cost;
    admitted += 1;
    if (needsDialect) dialectCounted = true;
    if (deletes) deletionCounted = true;
    if (entry.kind === "item") namespaces.add(entry.namespace);
  }
  return { admitted, calls };
}
