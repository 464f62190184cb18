// POST /v1/{ns}/batch (API.md, Batch): the request and answer shapes, and splitting work into
// requests of at most 100 keys. Pure functions.

import { type BatchValue, type CachedValue, decodeBatchValue } from "./codec.js";
import { CloudCachedError, errorFromBatch } from "./errors.js";

/** At most this many keys (get + set + delete) in one batch request. */
export const MAX_BATCH_KEYS = 100;

/**
 * How many keys one batch may hold on this deployment, from its `GET /v1` index (`limits.batchKeys`:
 * what fits the deployment's subrequests per request, 16 at the Free plan's 50); MAX_BATCH_KEYS when
 * the index does not say (an older server). Pure.
 */
export function batchKeysFrom(index: unknown): number {
  const limits = typeof index === "object" && index !== null ? (index as { limits?: unknown }).limits : undefined;
  const keys = typeof limits === "object" && limits !== null ? (limits as { batchKeys?: unknown }).batchKeys : undefined;
  return typeof keys === "number" && Number.isInteger(keys) && keys >= 1 ? Math.min(keys, MAX_BATCH_KEYS) : MAX_BATCH_KEYS;
}

export interface BatchSetEntry extends BatchValue {
  key: string;
  ttl?: number;
  tags?: string[];
  meta?: Record<string, unknown>;
}

export interface BatchRequest {
  get?: string[];
  set?: BatchSetEntry[];
  delete?: string[];
}

export interface ErrorEntry {
  error: { code: string; message: string };
}

export interface WrittenEntry {
  etag: string;
  expiresAt: number | null;
}

export interface GotEntry {
  value: string;
  encoding?: "utf8" | "base64";
  contentType?: string;
  etag: string;
  expiresAt: number | null;
}

export interface BatchAnswer {
  get?: Record<string, GotEntry | ErrorEntry | null>;
  set?: Record<string, WrittenEntry | ErrorEntry>;
  delete?: Record<string, Record<string, never> | ErrorEntry>;
}

/** Splits a list into runs of at most `size`, dropping repeated entries (by `keyOf`). */
export function chunk<T>(items: readonly T[], size: number, keyOf: (item: T) => string): T[][] {
  const seen = new Map<string, T>();
  for (const item of items) seen.set(keyOf(item), item); // the last one given for a key wins
  const unique = [...seen.values()];
  const runs: T[][] = [];
  for (let i = 0; i < unique.length; i += size) runs.push(unique.slice(i, i + size));
  return runs;
}

function entryFor<T>(answer: Record<string, T> | undefined, key: string): T | undefined {
  return answer !== undefined && Object.hasOwn(answer, key) ? answer[key] : undefined;
}

function missing(part: string, key: string): CloudCachedError {
  return new CloudCachedError(500, "internal", `the batch answer has no '${part}' entry for key ${JSON.stringify(key)}`);
}

/** A `get` entry as a value, null (absent), or the key's own error. */
export function readGot(answer: BatchAnswer, key: string): CachedValue | null | CloudCachedError {
  const entry = entryFor(answer.get, key);
  if (entry === undefined) return missing("get", key);
  if (entry === null) return null;
  const failed = errorFromBatch(entry);
  if (failed) return failed;
  const got = entry as GotEntry;
  return decodeBatchValue(got.value, got.encoding, got.contentType);
}

/**
 * Whether a `get` entry shows a live item: a value, or the key's `value_too_large` (there, too big
 * for a batch to carry); null is absent; any other per-key error is that error.
 */
export function readPresent(answer: BatchAnswer, key: string): boolean | CloudCachedError {
  const entry = entryFor(answer.get, key);
  if (entry === undefined) return missing("get", key);
  if (entry === null) return false;
  const failed = errorFromBatch(entry);
  if (failed) return failed.code === "value_too_large" ? true : failed;
  return true;
}

export function readWritten(answer: BatchAnswer, key: string): WrittenEntry | CloudCachedError {
  const entry = entryFor(answer.set, key);
  if (entry === undefined) return missing("set", key);
  const failed = errorFromBatch(entry);
  if (failed) return failed;
  const written = entry as WrittenEntry;
  return { etag: written.etag, expiresAt: written.expiresAt ?? null };
}

export function readDeleted(answer: BatchAnswer, key: string): true | CloudCachedError {
  const entry = entryFor(answer.delete, key);
  if (entry === undefined) return missing("delete", key);
  return errorFromBatch(entry) ?? true;
}
