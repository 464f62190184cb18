import type { ItemMeta } from "../items/item";
import type { SubrequestBudget } from "../platform/budget";
import type { StoredHead, StoredObject } from "./object-format";

/**
 * What the Worker asks of storage, whichever way it reaches it: the S3 API (s3/) or an R2 binding
 * (r2/). Everything above this interface is written against it alone; one implementation is chosen
 * per isolate from the configuration (open.ts). Every object holds a random nonce before the value
 * (object-format.ts), so every write has its own ETag.
 */
export interface Storage {
  /** The request's subrequests: every call to storage is counted in it (src/platform/budget.ts). */
  readonly budget: SubrequestBudget;

  /** Whether a write conditional on a version may need a probe of the store's dialect first (its calls, planned). */
  dialectUnknown(): boolean;

  /** Whether `deleteMany` may need one call per object (a store that refuses bulk deletes). */
  mayDeleteOneByOne(): boolean;

  /** The item's facts without its value, or null when there is no object. */
  head(key: string): Promise<StoredHead | null>;

  /** The value as a stream (the nonce skipped), or null when absent. */
  get(key: string): Promise<StoredObject | null>;

  /** A write with the item's metadata, optionally conditional; `ok` means storage has it. */
  put(key: string, value: ValueSource, meta: ItemMeta, condition: WriteCondition): Promise<WriteResult>;

  /** Rewrites an object's metadata (a new expiry), only if it is still the version `etag`. */
  replaceMeta(key: string, etag: string, meta: ItemMeta): Promise<WriteResult>;

  /** Empties an object and marks it expired, only if it is still the version `etag`: a delete without a race. */
  tombstone(key: string, etag: string): Promise<WriteResult>;

  /**
   * Deletes an object, whether or not it exists. With `ifMatch`, a store with conditional deletes
   * deletes only that version and answers false when it changed; others delete it regardless.
   */
  delete(key: string, ifMatch?: string): Promise<boolean>;

  /** Up to `maxKeys` objects under `prefix`, in key order, after `startAfter`. */
  list(options: ListOptions): Promise<ListPage>;

  /**
   * Deletes up to MAX_KEYS_PER_CALL objects; an entry with an ETag only at that version where the
   * store can. Answers the keys not deleted, the keys left unsent for want of subrequests (to be
   * deleted another time), and the calls it took.
   */
  deleteMany(entries: readonly DeleteEntry[]): Promise<DeleteManyResult>;

  /** Asks storage anything: any answer about a (likely absent) object proves it is up. */
  ping(key: string): Promise<void>;
}

/** Most keys one listing or bulk delete handles (S3's and R2's own limit). */
export const MAX_KEYS_PER_CALL = 1000;

export { NONCE_BYTES, quoteEtag, type StoredHead, type StoredObject } from "./object-format";

/** A value to write: bytes already in memory (replayable) or a stream of known length (sent once). */
export type ValueSource = Uint8Array | { stream: ReadableStream<Uint8Array>; length: number };

export type WriteCondition =
  | { kind: "none" }
  | { kind: "absent" } // If-None-Match: *
  | { kind: "match"; etag: string }; // If-Match: "<etag>"

/**
 * A refused write. `conflict`: a race (409 ConditionalRequestConflict); `lost`: storage failed
 * (5xx) and the write is known not to be stored (s3/landed.ts). Both may be sent again.
 */
export type WriteResult = { ok: true; etag: string } | { ok: false; reason: "precondition_failed" | "conflict" | "lost" };

export interface ListOptions {
  prefix: string;
  startAfter?: string;
  maxKeys: number;
}

export interface ListedObject {
  /** The object key, as stored. */
  key: string;
  /** Bytes of the object (a value's object includes the nonce). */
  size: number;
  /** Unix milliseconds. */
  lastModified: number;
  etag: string;
}

export interface ListPage {
  objects: ListedObject[];
  /** More keys follow the last one listed. */
  truncated: boolean;
}

export interface DeleteEntry {
  key: string;
  /** Delete only this version (honoured by AWS S3 and Ceph; ignored by stores that lack conditional deletes). */
  etag?: string;
}

export interface DeleteFailure {
  key: string;
  code: string;
}

export interface DeleteManyResult {
  failures: DeleteFailure[];
  unsent: string[];
  calls: number;
}
