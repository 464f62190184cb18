import { Flights } from "./coalesce";
import { isExpired } from "./item";
import { isLive, type ItemRef } from "./items";
import { cacheMaxAge, isCacheable, type CachedItem } from "../cache/location-cache";
import { newerGeneration } from "../cache/generation";
import type { RequestContext } from "../http/request-context";
import { canServeStale } from "./stale";
import { storageUnavailableError } from "../storage/failures";
import type { StoredHead, StoredObject } from "../storage/storage";

/**
 * The one read of an item, used by GET, HEAD and every `get` of a batch: the namespace's
 * generation (memory, confirmed beside the item lookup), this location's copy and its freshness,
 * else storage (one GET shared by concurrent readers), stale-if-error, the refill of the copy, and
 * the expiry check before anything is served.
 */

/** A live item, as a read found it. */
export interface FoundItem {
  etag: string;
  expiresAt: number | null;
  contentType: string;
  size: number;
  /** The value; null for a HEAD. The caller reads it or cancels it. */
  body: ReadableStream<Uint8Array> | null;
  /** HIT: this location's fresh copy; MISS: storage was asked; STALE: storage failed and a live copy stood in. */
  xCache: "HIT" | "MISS" | "STALE";
}

/** Values up to this size are shared by concurrent readers of one key (one storage GET for all). */
export const COALESCED_BYTES = 1024 * 1024;

interface SharedRead {
  stored: StoredObject;
  /** The value, read once for every reader; null when too large to share (the leader streams it). */
  bytes: Uint8Array | null;
}

// Storage GETs in flight in this isolate, by deployment and object key.
const reads = new Flights<SharedRead | null>();

/**
 * A storage GET shared by every concurrent reader of the key. Small values are read whole once and
 * each reader gets its own stream of them; a body cut short fails them all (503), never a short value.
 */
async function sharedGet(ctx: RequestContext, objectKey: string): Promise<StoredObject | null> {
  const { storage } = ctx;
  const { promise, leader } = reads.run(`${ctx.deployment}\n${objectKey}`, async () => {
    for (let attempt = 1; ; attempt++) {
      const stored = await storage.get(objectKey);
      if (!stored || stored.size > COALESCED_BYTES) return stored && { stored, bytes: null };
      try {
        return { stored, bytes: new Uint8Array(await new Response(stored.body).arrayBuffer()) };
      } catch {
        // The body was cut short (see streams.ts, exactLength): a GET is safe to try once more, within budget.
        if (attempt >= 2) throw storageUnavailableError("GET");
      }
    }
  });
  const shared = await promise;
  if (!shared) return null;
  if (shared.bytes) return { ...shared.stored, body: new Response(shared.bytes).body as ReadableStream<Uint8Array> };
  // A large value streams to one reader only; the others read their own.
  return leader ? shared.stored : storage.get(objectKey);
}

function hasBody(stored: StoredHead | StoredObject): stored is StoredObject {
  return "body" in stored;
}

async function release(stored: StoredHead | StoredObject | null | undefined): Promise<void> {
  if (stored && hasBody(stored)) await stored.body.cancel().catch(() => undefined);
}

async function drop(copy: CachedItem | null): Promise<void> {
  await copy?.response.body?.cancel().catch(() => undefined);
}

function fromCopy(copy: CachedItem, xCache: "HIT" | "STALE", head: boolean): FoundItem {
  const headers = copy.response.headers;
  if (head) void drop(copy);
  return {
    etag: headers.get("etag") ?? "",
    expiresAt: copy.expiresAt,
    contentType: headers.get("content-type") ?? "application/octet-stream",
    size: Number(headers.get("content-length") ?? "0"),
    body: head ? null : copy.response.body,
    xCache,
  };
}

/** Storage failed: the location's copy if the item still lives (never for `no-cache`), else the error. */
async function staleOr(ctx: RequestContext, copy: CachedItem | null, err: unknown, head: boolean): Promise<FoundItem> {
  if (copy && canServeStale(err, copy.expiresAt, ctx.fresh)) return fromCopy(copy, "STALE", head);
  await drop(copy);
  throw err;
}

/**
 * Reads one item: the found item, or null when it is absent, deleted or expired (a 404). Storage
 * failures throw, unless a live copy may stand in (STALE).
 */
export async function readItem(ctx: RequestContext, namespace: string, key: string, options: { head: boolean }): Promise<FoundItem | null> {
  const { head } = options;
  const { known, confirmation } = ctx.generations.lookup(namespace, { fresh: ctx.fresh });
  // Nothing known yet in this isolate: the generation comes first (once per namespace and isolate).
  let generation = known ?? (await (confirmation as Promise<number>));
  const toAgree = known === null ? null : confirmation;
  let ref = ctx.ref(namespace, generation, key);
  const fetchStored = (at: ItemRef): Promise<StoredHead | StoredObject | null> => (head ? ctx.storage.head(at.objectKey) : sharedGet(ctx, at.objectKey));

  let copy: CachedItem | null = null;
  let stored: Promise<StoredHead | StoredObject | null> | null = null;
  // The lookup under the generation this isolate knows runs beside its confirmation, never after it:
  // `no-cache` asks storage, any other read this location's cache.
  if (ctx.fresh) {
    stored = fetchStored(ref);
    stored.catch(() => undefined);
  } else {
    copy = await ctx.cache.match(ref.cacheUrl);
  }
  if (toAgree) {
    let confirmed: number;
    try {
      confirmed = await toAgree;
    } catch (err) {
      // The generation cannot be confirmed (storage failed): the copy at the one known here, as STALE.
      void stored?.then(release, () => undefined);
      return staleOr(ctx, copy, err, head);
    }
    // Generations only grow: a confirmation below what this isolate knew when the read began (a
    // flush seen here since it was asked: a batch's gets share one) changes nothing.
    const current = newerGeneration(generation, confirmed);
    if (current !== generation) {
      // Flushed since this isolate last looked: the item is read again under the current generation.
      void stored?.then(release, () => undefined);
      await drop(copy);
      generation = current;
      ref = ctx.ref(namespace, generation, key);
      if (ctx.fresh) stored = fetchStored(ref);
      else copy = await ctx.cache.match(ref.cacheUrl);
    }
  }
  if (copy?.fresh) return fromCopy(copy, "HIT", head);

  let found: StoredHead | StoredObject | null;
  try {
    found = await (stored ?? fetchStored(ref));
  } catch (err) {
    return staleOr(ctx, copy, err, head);
  }
  await drop(copy);
  if (!found || !isLive(found)) {
    await release(found);
    if (found && isExpired(found.meta.expiresAt)) ctx.items.expireLater(ref, found);
    if (copy) ctx.waitUntil(ctx.cache.deleteIfSpare(ref.cacheUrl).catch(() => undefined));
    return null;
  }
  const item: FoundItem = { etag: found.etag, expiresAt: found.meta.expiresAt, contentType: found.meta.contentType, size: found.size, body: null, xCache: "MISS" };
  if (!hasBody(found)) return item;
  item.body = found.body;
  const maxAge = cacheMaxAge(found.meta.expiresAt, ctx.config.edgeTtl);
  if (isCacheable(found.size, maxAge)) {
    // The copy is refilled from the same stream the caller reads, never at the caller's expense.
    const [forCaller, forCache] = found.body.tee();
    item.body = forCaller;
    const entry = new Headers({ etag: found.etag, "content-type": found.meta.contentType, "content-length": String(found.size) });
    ctx.waitUntil(ctx.cache.put(ref.cacheUrl, forCache, entry, found.meta.expiresAt, maxAge).catch(() => undefined));
  }
  return item;
}
