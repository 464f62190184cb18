// POST /v1/{ns}/batch (API.md, Batch): the request and answer shapes, splitting work into
// requests the Worker takes (at most its batch size of keys, at most 16 MiB of JSON), and reading
// a refusal of a whole request that names one of its entries. Pure functions.

import { type BatchValue, type CachedValue, decodeBatchValue } from "./codec.js";
import { CloudCachedError, errorFromBatch } from "./errors.js";
import { utf8Length } from "./names.js";

/** At most this many keys (get + set + delete) in one batch request. */
export const MAX_BATCH_KEYS = 100;

/** The largest batch request body the Worker reads (API.md): a value that cannot fit goes through PUT. */
export const MAX_BATCH_BODY_BYTES = 16 * 1024 * 1024;

/** Room kept in a batch body for what surrounds its entries (`{"set":[`, `]}`). */
const BODY_ENVELOPE_BYTES = 64;

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
  ttl?: number | undefined;
  /** Seconds the item stays stale after it expires. */
  grace?: number | undefined;
  tags?: string[] | undefined;
  meta?: Record<string, unknown> | undefined;
}

/** A batch get that asks for more than the key: a stale value (`maxStale`, seconds or `true` for any within grace). */
export interface BatchGetEntry {
  key: string;
  maxStale?: number | true | undefined;
}

export interface BatchRequest {
  get?: (string | BatchGetEntry)[] | undefined;
  set?: BatchSetEntry[] | undefined;
  delete?: string[] | undefined;
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
  /** The item's tags, when it has any. */
  tags?: string[];
  /** The item's metadata, when it has any. */
  meta?: Record<string, unknown>;
  /** true when the value is served stale (a GET's `X-Cache: STALE`). */
  stale?: true;
}

/** A `get` entry read whole: the value and what a single GET's headers tell of the item. */
export interface GotItem {
  value: CachedValue;
  etag: string;
  expiresAt: number | null;
  contentType: string;
  /** "STALE" when served stale; null otherwise (a batch does not tell a hit from a miss). */
  cache: "STALE" | null;
  tags: string[];
  meta: Record<string, unknown> | null;
}

export interface BatchAnswer {
  get?: Record<string, GotEntry | ErrorEntry | null>;
  set?: Record<string, WrittenEntry | ErrorEntry>;
  delete?: Record<string, Record<string, never> | ErrorEntry>;
}

/** The list without repeated entries (by `keyOf`): the last one given for a key wins, in the place of the first. */
export function unique<T>(items: Iterable<T>, keyOf: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) seen.set(keyOf(item), item);
  return [...seen.values()];
}

/** Splits a list into runs of at most `size`, dropping repeated entries (by `keyOf`). */
export function chunk<T>(items: readonly T[], size: number, keyOf: (item: T) => string): T[][] {
  const once = unique(items, keyOf);
  const runs: T[][] = [];
  for (let i = 0; i < once.length; i += size) runs.push(once.slice(i, i + size));
  return runs;
}

/** The bytes a `set` entry adds to a batch body: its JSON and a comma. */
export function setEntryBytes(entry: BatchSetEntry): number {
  return utf8Length(JSON.stringify(entry)) + 1;
}

/**
 * Splits `set` entries (already without repeats) into requests of at most `maxKeys` entries and
 * `maxBodyBytes` of JSON, in their order; an entry too large for any batch on its own is in
 * `alone` (sent by PUT, which streams any size the Worker takes).
 */
export function planSets<T>(
  entries: readonly T[],
  bytesOf: (entry: T) => number,
  maxKeys: number,
  maxBodyBytes: number = MAX_BATCH_BODY_BYTES,
): { runs: T[][]; alone: T[] } {
  const room = maxBodyBytes - BODY_ENVELOPE_BYTES;
  const runs: T[][] = [];
  const alone: T[] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = bytesOf(entry);
    if (size > room) {
      alone.push(entry);
      continue;
    }
    if (run.length === maxKeys || bytes + size > room) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(entry);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return { runs, alone };
}

/**
 * The entry a refusal of a whole batch request names (`set[3].ttl: at most … seconds`: the
 * Worker checks every entry before it touches storage, so nothing of that request was applied):
 * its place in the request and the reason without the place; null when the refusal names none.
 */
export function refusedEntry(error: unknown, part: "get" | "set" | "delete", count: number): { index: number; reason: string } | null {
  if (!(error instanceof CloudCachedError) || error.status !== 400) return null;
  const named = new RegExp(`^${part}\\[(\\d+)\\](?:\\.(\\w+))?: (.*)$`, "s").exec(error.message);
  if (named === null) return null;
  const index = Number(named[1]);
  if (index >= count) return null;
  return { index, reason: named[2] === undefined ? (named[3] ?? "") : `${named[2]}: ${named[3] ?? ""}` };
}

function entryFor<T>(answer: Record<string, T> | undefined, key: string): T | undefined {
  return answer !== undefined && Object.hasOwn(answer, key) ? answer[key] : undefined;
}

/** A key's own error from a batch answer, its message naming the key. */
function keyError(key: string, error: CloudCachedError): CloudCachedError {
  return new CloudCachedError(error.status, error.code, `key ${JSON.stringify(key)}: ${error.message}`);
}

function missing(part: string, key: string): CloudCachedError {
  return new CloudCachedError(500, "internal", `the batch answer has no '${part}' entry for key ${JSON.stringify(key)}`);
}

/** A `get` entry as the item (its value, ETag, expiry, content type, tags and metadata), null (absent), or the key's own error. */
export function readGotItem(answer: BatchAnswer, key: string): GotItem | null | CloudCachedError {
  const entry = entryFor(answer.get, key);
  if (entry === undefined) return missing("get", key);
  if (entry === null) return null;
  const failed = errorFromBatch(entry);
  if (failed) return keyError(key, failed);
  const got = entry as GotEntry;
  return {
    value: decodeBatchValue(got.value, got.encoding, got.contentType),
    etag: got.etag,
    expiresAt: got.expiresAt ?? null,
    contentType: got.contentType ?? "application/octet-stream",
    cache: got.stale === true ? "STALE" : null,
    tags: got.tags ?? [],
    meta: got.meta ?? null,
  };
}

/** A `get` entry as a value, null (absent), or the key's own error. */
export function readGot(answer: BatchAnswer, key: string): CachedValue | null | CloudCachedError {
  const item = readGotItem(answer, key);
  return item === null || item instanceof CloudCachedError ? item : item.value;
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
  if (failed) return failed.code === "value_too_large" ? true : keyError(key, failed);
  return true;
}

export function readWritten(answer: BatchAnswer, key: string): WrittenEntry | CloudCachedError {
  const entry = entryFor(answer.set, key);
  if (entry === undefined) return missing("set", key);
  const failed = errorFromBatch(entry);
  if (failed) return keyError(key, failed);
  const written = entry as WrittenEntry;
  return { etag: written.etag, expiresAt: written.expiresAt ?? null };
}

export function readDeleted(answer: BatchAnswer, key: string): true | CloudCachedError {
  const entry = entryFor(answer.delete, key);
  if (entry === undefined) return missing("delete", key);
  const failed = errorFromBatch(entry);
  return failed ? keyError(key, failed) : true;
}
