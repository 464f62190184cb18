import { Flights } from "./coalesce";
import { remember } from "../platform/bounded-memory";
import { acceptsStale, answerFromCopy, type MaxStale } from "./grace";
import { goneAt, isGone } from "./item";
import { judgeStored, judgeTags } from "./tagged";
import type { TagVerdict } from "../cache/tag-state";
import { isLive, type ItemRef } from "./items";
import { cacheMaxAge, isCacheable, type CachedItem } from "../cache/location-cache";
import { newerGeneration } from "../cache/generation";
import type { RequestContext } from "../http/request-context";
import { canServeStale } from "./stale";
import { storageUnavailableError } from "../storage/failures";
import type { StoredHead, StoredObject } from "../storage/storage";
import { readOutcomeOf } from "../stats/outcome";

/**
 * The one read of an item, used by GET, HEAD and every `get` of a batch: the namespace's
 * generation (memory, confirmed beside the item lookup), this location's copy and its freshness,
 * else storage (one GET shared by concurrent readers), stale-if-error, grace (`max-stale`), the
 * refill of the copy, and the expiry check before anything is served.
 */

/** A live item, or a stale one for a reader that asked for it, as a read found it. */
export interface FoundItem {
  etag: string;
  expiresAt: number | null;
  contentType: string;
  size: number;
  /** The value; null for a HEAD. The caller reads it or cancels it. */
  body: ReadableStream<Uint8Array> | null;
  /**
   * HIT: this location's copy of a live item; MISS: storage was asked; STALE: an expired item within
   * its grace for a `max-stale` reader, or storage failed and a live copy stood in (`staleBy`).
   */
  xCache: "HIT" | "MISS" | "STALE";
  /** Why the answer is STALE: the item's grace, or stale-if-error; null for HIT and MISS. */
  staleBy: "grace" | "error" | null;
  /** The item's tags (empty: none). */
  tags: string[];
  /** The item's metadata as written (X-Meta), or null. */
  userMeta: string | null;
}

export interface ReadOptions {
  head: boolean;
  /** The reader's `max-stale` (grace.ts); null or absent: never a stale value. */
  maxStale?: MaxStale;
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

// Values a reader got from another reader's storage GET (shared bytes): the reader that made the GET
// keeps the location copy, so a burst of misses for one key costs one Cache API put, not one each.
const joined = new WeakSet<StoredObject>();

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
  if (shared.bytes) {
    const object: StoredObject = { ...shared.stored, body: new Response(shared.bytes).body as ReadableStream<Uint8Array> };
    if (!leader) joined.add(object);
    return object;
  }
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

function fromCopy(copy: CachedItem, xCache: "HIT" | "STALE", staleBy: FoundItem["staleBy"], head: boolean): FoundItem {
  if (head) void drop(copy);
  return {
    etag: copy.etag,
    expiresAt: copy.expiresAt,
    contentType: copy.contentType,
    size: copy.size,
    body: head ? null : copy.response.body,
    xCache,
    staleBy,
    tags: copy.tags,
    userMeta: copy.userMeta,
  };
}

/** Storage failed: the location's copy if the item still lives (never for `no-cache`), else the error. */
async function staleOr(ctx: RequestContext, copy: CachedItem | null, err: unknown, head: boolean): Promise<FoundItem> {
  if (copy && canServeStale(err, copy.expiresAt, ctx.fresh)) return fromCopy(copy, "STALE", "error", head);
  await drop(copy);
  throw err;
}

/** Seconds this location may keep `found` fresh (its remaining lifetime, grace included, within EDGE_TTL); 0: not kept. */
function copyMaxAge(ctx: RequestContext, found: StoredHead): number {
  const maxAge = cacheMaxAge(goneAt(found.meta.expiresAt, found.meta.grace), ctx.config.edgeTtl);
  return isCacheable(found.size, maxAge) ? maxAge : 0;
}

/** Keeps a copy of `found` at this location, its value read from `body` (the caller checked `copyMaxAge`). */
function keepCopy(ctx: RequestContext, ref: ItemRef, found: StoredHead, body: ReadableStream<Uint8Array>, maxAge: number): Promise<boolean> {
  const { meta } = found;
  const labels = { etag: found.etag, contentType: meta.contentType, size: found.size, expiresAt: meta.expiresAt, grace: meta.grace ?? 0, tags: meta.tags ?? [], writtenAt: meta.writtenAt ?? null, userMeta: meta.userMeta ?? null };
  return ctx.cache.put(ref.cacheUrl, body, labels, maxAge);
}

// Background refreshes of location copies in flight in this isolate, by cache URL (it names the
// deployment, the generation and the key): at most one per key at a time.
const refreshes = new Flights<void>();

// When this isolate's last refresh of each copy ended (unix ms, by cache URL), if it replaced or
// removed the copy: a reader that found the copy before that refresh ended, already past its
// freshness, does not refresh it again (the refresh left a newer one, or none).
const refreshed = new Map<string, number>();
const MAX_REFRESHED = 1_000;

/**
 * A copy past its freshness was given to a `max-stale` reader: it is refreshed from storage after
 * the answer, once per isolate and key however many readers take it meanwhile. Optional work, made
 * only out of spare subrequests.
 */
function refreshLater(ctx: RequestContext, ref: ItemRef, copy: CachedItem): void {
  ctx.metrics.served("refresh");
  if ((refreshed.get(ref.cacheUrl) ?? 0) > copy.freshUntil) return;
  const { promise, leader } = refreshes.run(ref.cacheUrl, async () => {
    if (!(await refreshCopy(ctx, ref))) return;
    remember(refreshed, MAX_REFRESHED, ref.cacheUrl, Date.now());
  });
  if (leader) ctx.waitUntil(promise.catch(() => undefined));
}

/** Refreshes the copy from storage: true when it was replaced or removed, false when no call was spare for it. */
async function refreshCopy(ctx: RequestContext, ref: ItemRef): Promise<boolean> {
  // The GET, and a HEAD when the value is empty (S3 answers its ranged GET 416).
  const got = await ctx.budget.ifSpare(2, () => sharedGet(ctx, ref.objectKey));
  if (!got) return false;
  const found = got.value;
  const maxAge = found && !found.tombstone && !isGone(found.meta.expiresAt, found.meta.grace) ? copyMaxAge(ctx, found) : 0;
  if (!found || maxAge === 0) {
    // Absent, gone, or no longer kept at this location.
    await release(found);
    return ctx.cache.deleteIfSpare(ref.cacheUrl);
  }
  return keepCopy(ctx, ref, found, found.body, maxAge);
}

/**
 * Reads one item: the found item, or null when it is absent, deleted or expired (a 404) — an
 * expired one within its grace is found only by a reader whose `maxStale` takes it (STALE).
 * Storage failures throw, unless a live copy may stand in (STALE). Every read (GET, HEAD, each
 * batch `get`) is counted here, by how it ended, for the stats, Server-Timing and the log line.
 */
export async function readItem(ctx: RequestContext, namespace: string, key: string, options: ReadOptions): Promise<FoundItem | null> {
  // The storage calls it makes are the read's (storage calls per read, in the stats).
  const found = await ctx.metrics.reading(() => findItem(ctx, namespace, key, options));
  const outcome = readOutcomeOf(found);
  ctx.metrics.read(outcome);
  if (outcome === "staleGrace" || outcome === "staleError") ctx.metrics.served(outcome);
  return found;
}

async function findItem(ctx: RequestContext, namespace: string, key: string, options: ReadOptions): Promise<FoundItem | null> {
  const { head } = options;
  const maxStale = options.maxStale ?? null;
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
  if (copy) {
    // One of its tags deleted since the copy was written makes it absent; one expired expires it.
    // Tags confirmed within the second are judged at once: nothing is awaited.
    let verdict: TagVerdict;
    try {
      const judged = judgeTags(ctx, namespace, copy);
      verdict = judged instanceof Promise ? await judged : judged;
    } catch (err) {
      void stored?.then(release, () => undefined);
      return staleOr(ctx, copy, err, head);
    }
    if (verdict.deleted) {
      await drop(copy);
      ctx.waitUntil(ctx.cache.deleteIfSpare(ref.cacheUrl).catch(() => undefined));
      copy = null;
    } else if (verdict.expiresAt !== copy.expiresAt) {
      copy = { ...copy, expiresAt: verdict.expiresAt };
    }
  }
  const fromHere = copy && answerFromCopy(copy, maxStale);
  if (copy && fromHere) {
    if (fromHere.refresh) refreshLater(ctx, ref, copy);
    return fromCopy(copy, fromHere.xCache, fromHere.xCache === "STALE" ? "grace" : null, head);
  }

  let found: StoredHead | StoredObject | null;
  try {
    found = await (stored ?? fetchStored(ref));
  } catch (err) {
    return staleOr(ctx, copy, err, head);
  }
  await drop(copy);
  // Whether this reader writes the location's copy: of readers sharing one storage read, only the one
  // that made it (decided before the tags' verdict, which may give the item a new shape).
  const keepsCopy = !(found && hasBody(found) && joined.has(found));
  try {
    // Its tags: one deleted since the write makes it absent for every reader (the sweep removes the
    // object), one expired expires it. The same rule as the conditional writes' (items.ts).
    found = await judgeStored(ctx.tagStatesOf, namespace, found);
  } catch (err) {
    await release(found);
    throw err;
  }
  if (!found || found.tombstone || isGone(found.meta.expiresAt, found.meta.grace)) {
    await release(found);
    if (found) ctx.items.expireLater(ref, found);
    if (copy) ctx.waitUntil(ctx.cache.deleteIfSpare(ref.cacheUrl).catch(() => undefined));
    return null;
  }
  const stale = !isLive(found);
  if (stale && !acceptsStale(found.meta.expiresAt, found.meta.grace, maxStale)) {
    // Stale, and this reader did not ask for it: absent. The object and this location's copy are
    // kept for the readers that do, until the grace is over.
    await release(found);
    return null;
  }
  const item: FoundItem = {
    etag: found.etag,
    expiresAt: found.meta.expiresAt,
    contentType: found.meta.contentType,
    size: found.size,
    body: null,
    xCache: stale ? "STALE" : "MISS",
    staleBy: stale ? "grace" : null,
    tags: found.meta.tags ?? [],
    userMeta: found.meta.userMeta ?? null,
  };
  if (!hasBody(found)) return item;
  item.body = found.body;
  const maxAge = keepsCopy ? copyMaxAge(ctx, found) : 0;
  if (maxAge > 0) {
    // The copy is refilled from the same stream the caller reads, never at the caller's expense.
    const [forCaller, forCache] = found.body.tee();
    item.body = forCaller;
    ctx.waitUntil(keepCopy(ctx, ref, found, forCache, maxAge).catch(() => undefined));
  }
  return item;
}
