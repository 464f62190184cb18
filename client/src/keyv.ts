// cloudcached/keyv: a Keyv storage adapter over the typed client (docs/keyv.md).
//
// Keyv prefixes every key with its namespace (`keyv:` unless told otherwise) and sets the adapter's
// `namespace`; the adapter keeps those keys as they are, escaped (key-escape.ts), in one CloudCached
// namespace. So `clear()` under a Keyv namespace deletes the keys with that prefix (a listing and
// batch deletes), and without one it flushes the whole CloudCached namespace (O(1)).
import type { KeyvStoreAdapter, StoredData } from "keyv";
import { keyvTtlSeconds } from "./adapter-ttl.js";
import { type ClientSource, clientOf, deleteByPrefix } from "./adapters.js";
import type { CloudCached } from "./client.js";
import { CloudCachedError } from "./errors.js";
import type { Storable } from "./codec.js";
import { escapeKey } from "./key-escape.js";

/** The client's own options (url, token, namespace, …), or `{ client }`: a client already made. */
export type KeyvCloudCachedOptions = ClientSource;

/** One entry of Keyv's `setMany`: the key (prefixed), the serialized value, its ttl in milliseconds. */
export interface KeyvEntry {
  key: string;
  value: unknown;
  ttl?: number | undefined;
}

type ErrorListener = (error: unknown) => void;

/** Conditional deletes tried before a delete that keeps losing races is made unconditional. */
const DELETE_ATTEMPTS = 5;

/**
 * A Keyv store on CloudCached: `new Keyv({ store: new KeyvCloudCached({ url, token, namespace }) })`.
 * Values arrive already serialized by Keyv (a string) and are stored as text; ttl is in milliseconds.
 */
export class KeyvCloudCached implements KeyvStoreAdapter {
  /** Keyv's namespace, set by Keyv itself: the prefix (`namespace:`) of every key it sends. */
  namespace?: string | undefined;
  /** What the adapter is, for Keyv and for code that inspects stores. */
  readonly opts: { dialect: "cloudcached"; url: string; namespace: string };
  readonly client: CloudCached;
  private readonly errorListeners: ErrorListener[] = [];

  constructor(options: KeyvCloudCachedOptions) {
    this.client = clientOf(options);
    this.opts = { dialect: "cloudcached", url: "url" in options ? options.url : "", namespace: this.client.namespace };
  }

  /** Keyv subscribes to `error`: a failed `get` (which Keyv reads as a miss) is reported there too. */
  on(event: string, listener: ErrorListener): this {
    if (event === "error") this.errorListeners.push(listener);
    return this;
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    try {
      const value = await this.client.get<StoredData<Value>>(escapeKey(key));
      return value ?? undefined;
    } catch (error) {
      this.report(error);
      throw error;
    }
  }

  private report(error: unknown): void {
    for (const listener of this.errorListeners) listener(error);
  }

  /** Reports each key's own error of a call over many keys, each error once (a failed request is every key's error). */
  private reportFailures(outcomes: Iterable<unknown>): void {
    const reported = new Set<unknown>();
    for (const outcome of outcomes) {
      if (!(outcome instanceof CloudCachedError) || reported.has(outcome)) continue;
      reported.add(outcome);
      this.report(outcome);
    }
  }

  /**
   * Many values in batches of the deployment's batch size, in the order asked: undefined for a
   * miss, and for a key whose read failed (its error is reported; the other keys' values are kept).
   */
  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const stored = keys.map(escapeKey);
    const values = await this.client.getMany<StoredData<Value>>(stored);
    this.reportFailures(values.values());
    return stored.map((key) => {
      const value = values.get(key);
      return value instanceof CloudCachedError ? undefined : (value ?? undefined);
    });
  }

  /** Stores Keyv's value (the client refuses, as a TypeError, what it cannot store). */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await this.client.set(escapeKey(key), value as Storable, { ttl: keyvTtlSeconds(ttl) });
    return true;
  }

  /**
   * Sets many entries in batches, each with its own ttl. Keyv's adapter type wants nothing back: a
   * key that was not stored has its error (naming the key) reported, which Keyv emits, and the
   * others are stored all the same; nothing is thrown once anything may have been written.
   */
  async setMany(entries: KeyvEntry[]): Promise<void> {
    const stored = entries.map(({ key, value, ttl }) => [escapeKey(key), value as Storable, { ttl: keyvTtlSeconds(ttl) }] as const);
    this.reportFailures((await this.client.setMany(stored)).values());
  }

  async has(key: string): Promise<boolean> {
    return this.client.has(escapeKey(key));
  }

  /**
   * Deletes the key; true only if this call deleted a live item. The server's DELETE does not say
   * whether anything was there, so the item's version is read from storage and only that version
   * is deleted: of two racing deletes, one answers true.
   */
  async delete(key: string): Promise<boolean> {
    const stored = escapeKey(key);
    for (let attempt = 0; attempt < DELETE_ATTEMPTS; attempt += 1) {
      const info = await this.client.info(stored, { fresh: true });
      if (info === null) return false;
      if (await this.client.delete(stored, { etag: info.etag })) return true;
    }
    await this.client.delete(stored);
    return true;
  }

  /** Whether each key is there, in batches: false for a key whose read failed (its error is reported). */
  async hasMany(keys: string[]): Promise<boolean[]> {
    const stored = keys.map(escapeKey);
    const present = await this.client.hasMany(stored);
    this.reportFailures(present.values());
    return stored.map((key) => present.get(key) === true);
  }

  /**
   * Deletes the keys in batches; true if any of them was there (asked in batches first). A key
   * that could not be asked about or deleted has its error reported; the others are deleted.
   */
  async deleteMany(keys: string[]): Promise<boolean> {
    const stored = keys.map(escapeKey);
    const present = await this.client.hasMany(stored);
    const deleted = await this.client.deleteMany(stored);
    this.reportFailures([...present.values(), ...deleted.values()]);
    return [...present.values()].some((value) => value === true);
  }

  /** Under a Keyv namespace: deletes that namespace's keys. Without one: flushes the CloudCached namespace. */
  async clear(): Promise<void> {
    if (!this.namespace) return this.client.flush();
    return deleteByPrefix(this.client, escapeKey(`${this.namespace}:`));
  }
}
