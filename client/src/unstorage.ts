// cloudcached/unstorage: an unstorage driver over the typed client (docs/unstorage.md).
//
// unstorage hands the driver normalized keys (`a/b` arrives as `a:b`); each is stored escaped
// (key-escape.ts) under the driver's `base`, in one CloudCached namespace. `ttl` is in seconds, as
// unstorage's other drivers take it. Listing (`getKeys`, `clear` with a base) pages through
// `GET /v1/{ns}/keys`; `clear()` of the whole driver with no `base` is a namespace flush.
import { defineDriver, type StorageMeta, type TransactionOptions } from "unstorage";
import { unstorageTtlSeconds } from "./adapter-ttl.js";
import { type ClientSource, clientOf, deleteByPrefix } from "./adapters.js";
import { type CloudCached, MAX_LIST_LIMIT } from "./client.js";
import type { Storable } from "./codec.js";
import { CloudCachedError, throwIfAnyFailed } from "./errors.js";
import { escapeKey, unescapeKey } from "./key-escape.js";

export type CloudCachedDriverOptions = ClientSource & {
  /** A key prefix inside the namespace (`base:`) for every key of this driver. */
  base?: string | undefined;
  /** Seconds to live for writes that pass no `ttl` of their own; default none (the item never expires). */
  ttl?: number | undefined;
};

const DRIVER_NAME = "cloudcached";

/** A driver's `base` as the prefix of its keys: `base:`, or nothing. */
function basePrefix(base: string | undefined): string {
  const trimmed = (base ?? "").replace(/:+$/, "");
  return trimmed === "" ? "" : `${trimmed}:`;
}

async function bytesOf(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/**
 * `createStorage({ driver: cloudcachedDriver({ url, token, namespace }) })`.
 *
 * `storage.clear(base)` does not reach this driver when it is mounted above `base` (the root
 * mount, say): unstorage 1 clears only whole mounts at or below the base, so it deletes nothing
 * here. To remove the keys under a base, list and remove them
 * (`for (const key of await storage.getKeys(base)) await storage.removeItem(key)`), or mount the
 * driver at that base and clear the mount.
 */
export const cloudcachedDriver = defineDriver((options: CloudCachedDriverOptions) => {
  const client = clientOf(options);
  const prefix = basePrefix(options.base);
  // dispose() aborts every call in flight and refuses later ones.
  const lifetime = new AbortController();
  const call = { signal: lifetime.signal };
  const stored = (key: string): string => escapeKey(prefix + key);
  // unstorage has no tags of its own: a `tags` array in a call's options is passed through.
  const tagsOf = (own: TransactionOptions | undefined): { tags?: string[] } => {
    const tags: unknown = own?.tags;
    return Array.isArray(tags) && tags.every((tag) => typeof tag === "string") ? { tags } : {};
  };
  const ttlOf = (own: TransactionOptions | undefined, common?: TransactionOptions): number =>
    unstorageTtlSeconds(own?.ttl ?? common?.ttl ?? options.ttl);

  return {
    name: DRIVER_NAME,
    options,
    getInstance: (): CloudCached => client,

    hasItem: (key) => client.has(stored(key), call),

    async getItem(key) {
      return client.get(stored(key), call);
    },

    /**
     * In batches (`POST /v1/{ns}/batch`). A key whose read failed is left out of the answer (an
     * absent key is there with null), so one key's error never hides the others' values; when no
     * key could be read at all, the first error is thrown.
     */
    async getItems(items) {
      const values = await client.getMany(items.map(({ key }) => stored(key)), call);
      const read = items.filter(({ key }) => !(values.get(stored(key)) instanceof CloudCachedError));
      if (read.length === 0 && items.length > 0) throw values.get(stored(items[0]?.key ?? ""));
      return read.map(({ key }) => ({ key, value: values.get(stored(key)) ?? null }));
    },

    /** The stored bytes, whatever their content type. */
    async getItemRaw(key) {
      const item = await client.getStream(stored(key), call);
      return item === null ? null : bytesOf(item.body);
    },

    async setItem(key, value, topts) {
      await client.set(stored(key), value, { ...call, ttl: ttlOf(topts), ...tagsOf(topts) });
    },

    /** Bytes (Uint8Array, ArrayBuffer, a Blob…) as `application/octet-stream`; a string as text. */
    async setItemRaw(key, value: unknown, topts) {
      await client.set(stored(key), value as Storable, { ...call, ttl: ttlOf(topts), ...tagsOf(topts) });
    },

    /**
     * In batches, each item with its own ttl and tags (else the call's). When some keys were not stored, a PartialFailureError
     * names them (and holds every key's outcome in `results`); the others are stored.
     */
    async setItems(items, commonOptions) {
      const entries = items.map(({ key, value, options: own }) => [stored(key), value, { ttl: ttlOf(own, commonOptions), ...tagsOf(own ?? commonOptions) }] as const);
      throwIfAnyFailed(await client.setMany(entries, call), "stored");
    },

    async removeItem(key) {
      await client.delete(stored(key), call);
    },

    /** `etag`, `contentType`, `ttl` (seconds left; absent when it never expires), `mtime` and `size` (from the listing). */
    async getMeta(key) {
      const [info, page] = await Promise.all([client.info(stored(key), call), client.listKeys({ ...call, prefix: stored(key), limit: 1 })]);
      if (info === null) return null;
      const meta: StorageMeta = { etag: info.etag, contentType: info.contentType };
      // The item's own metadata (X-Meta) and tags, when it has them.
      if (info.meta !== null) meta.meta = info.meta;
      if (info.tags.length > 0) meta.tags = info.tags;
      if (info.expiresAt !== null) meta.ttl = Math.max(0, info.expiresAt - Math.floor(Date.now() / 1000));
      const listed = page.keys[0];
      if (listed?.key === stored(key)) {
        meta.mtime = new Date(Number(listed.lastModified) * 1000);
        meta.size = listed.size;
      }
      return meta;
    },

    /** Every key under `base` (unstorage's `a:b:` form), page after page of the listing. */
    async getKeys(base) {
      const keys: string[] = [];
      for await (const { key } of client.keys({ ...call, prefix: stored(base ?? ""), limit: MAX_LIST_LIMIT })) {
        keys.push(unescapeKey(key).slice(prefix.length));
      }
      return keys;
    },

    /** Under a base (or a driver `base`): deletes the listed keys. Otherwise flushes the namespace (O(1)). */
    async clear(base) {
      if (prefix === "" && !base) return client.flush(call);
      return deleteByPrefix(client, stored(base ?? ""), call);
    },

    dispose() {
      lifetime.abort(new Error("[unstorage] [cloudcached] the driver was disposed"));
    },
  };
});

export default cloudcachedDriver;
