import { Hono } from "hono";
import { authorize, type Scope } from "../auth";
import { ApiError, otherMethods } from "../errors";
import { noneMatchHits, parseEtagList } from "../etag";
import type { AppContext, AppEnv } from "../http";
import { expiresAtFor, isExpired, normalizeContentType, parseTtl } from "../item";
import { isLive, Items, type ItemRef, type WriteMode } from "../items";
import { Flights } from "../coalesce";
import { cacheKeyUrl, cacheMaxAge, isCacheable, LocationCache, type CachedItem } from "../location-cache";
import { parseKey, validateNamespace } from "../names";
import { generationsFor, wantsFresh } from "../namespaces/context";
import { lastKnownGeneration } from "../namespaces/generation";
import { encodeKeyPath, objectKey } from "../storage/object-key";
import { storageUnavailableError } from "../storage/failures";
import { Storage, type StoredHead, type StoredObject, type ValueSource } from "../storage/storage";
import { canServeStale, isStorageFailure } from "../stale";
import { byParam, initialParam, opParam, readEnum, readInteger } from "../schema";

/** Values up to this size are read into memory, so a conditional write that lost a race can be retried. */
export const REPLAYABLE_BYTES = 1024 * 1024;

const ITEM_PATH = /^\/v1\/([^/]*)\/items\/(.*)$/;

export const items = new Hono<AppEnv>();

items.get("/:ns/items/*", read);
items.put("/:ns/items/*", write);
items.post("/:ns/items/*", operate);
items.delete("/:ns/items/*", remove);
items.all("/:ns/items/*", otherMethods(["GET", "HEAD", "PUT", "POST", "DELETE"]));

interface Located {
  ref: ItemRef;
  storage: Storage;
  items: Items;
  /**
   * A read with `Cache-Control: no-cache` starts with this location's generation and asks storage
   * for the current one at the same time (no extra round trip): this is the ref to use once known.
   */
  confirmed?: Promise<ItemRef>;
}

interface Address {
  namespace: string;
  key: string;
}

/** Validates the item's address and access: a refusal never costs a storage call. */
function address(c: AppContext, scope: Scope): Address {
  const match = ITEM_PATH.exec(new URL(c.req.url).pathname);
  if (!match) throw new ApiError("no_such_route", "no such route");
  const namespace = validateNamespace(match[1] ?? "");
  const key = parseKey(match[2] ?? "");
  authorize(c.get("principal"), { scope, namespace, key });
  return { namespace, key };
}

/**
 * Finds the item's place: the namespace's flush generation (this location's cache; storage at
 * most once per EDGE_TTL, or for a read with `Cache-Control: no-cache`). Handlers validate the
 * rest of the request before calling it, so a 4xx never waits on storage.
 */
async function locate(c: AppContext, scope: Scope, { namespace, key }: Address = address(c, scope)): Promise<Located> {
  const config = c.get("config");
  const storage = new Storage(config.s3, config.storageTimeoutMs, c.get("metrics"));
  const generations = generationsFor(c, storage);
  const refAt = (generation: number): ItemRef => ({
    namespace,
    key,
    objectKey: objectKey(config.s3.prefix, namespace, generation, key),
    cacheUrl: cacheKeyUrl(namespace, generation, encodeKeyPath(key)),
  });
  const fresh = scope === "read" && wantsFresh(c);
  const confirmed = fresh ? generations.current(namespace, { fresh: true }).then(refAt) : undefined;
  confirmed?.catch(() => undefined); // awaited by the read; never an unhandled rejection
  const ref = refAt(await generations.current(namespace));
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  return { ref, storage, items: new Items(storage, LocationCache.default(c.get("metrics")), waitUntil), ...(confirmed ? { confirmed } : {}) };
}

function itemHeaders(etag: string, expiresAt: number | null, xCache: "HIT" | "MISS" | "STALE"): Headers {
  const headers = new Headers({ etag, "cache-control": "private, no-cache", "x-cache": xCache });
  if (expiresAt !== null) headers.set("x-expires-at", String(expiresAt));
  return headers;
}

function hasBody(stored: StoredHead | StoredObject): stored is StoredObject {
  return "body" in stored;
}

function notFound(): never {
  throw new ApiError("not_found", "no such item");
}

/** Values up to this size are shared by concurrent readers of one key (one storage GET for all). */
export const COALESCED_BYTES = 1024 * 1024;

interface SharedRead {
  stored: StoredObject;
  /** The value, read once for every reader; null when too large to share (the leader streams it). */
  bytes: Uint8Array | null;
}

// Storage GETs in flight in this isolate, by store and object key.
const reads = new Flights<SharedRead | null>();

/**
 * A storage GET shared by every concurrent reader of the key. Small values are read whole once and
 * each reader gets its own stream of them; a body cut short fails them all (503), never a short value.
 */
async function sharedGet(storage: Storage, flightKey: string, objectKey: string): Promise<StoredObject | null> {
  const { promise, leader } = reads.run(flightKey, async () => {
    for (let attempt = 1; ; attempt++) {
      const stored = await storage.get(objectKey);
      if (!stored || stored.size > COALESCED_BYTES) return stored && { stored, bytes: null };
      try {
        return { stored, bytes: new Uint8Array(await new Response(stored.body).arrayBuffer()) };
      } catch {
        // The body was cut short (see exact-length.ts): a GET is safe to try once more, within budget.
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

/** An answer from the location's copy: HIT when fresh, STALE when storage failed. */
async function fromCopy(copy: CachedItem, xCache: "HIT" | "STALE", head: boolean, ifNoneMatch: string | undefined): Promise<Response> {
  const etag = copy.response.headers.get("etag") ?? "";
  const headers = itemHeaders(etag, copy.expiresAt, xCache);
  if (noneMatchHits(ifNoneMatch, etag)) {
    await copy.response.body?.cancel();
    return new Response(null, { status: 304, headers });
  }
  headers.set("content-type", copy.response.headers.get("content-type") ?? "application/octet-stream");
  headers.set("content-length", copy.response.headers.get("content-length") ?? "0");
  if (head) await copy.response.body?.cancel();
  return new Response(head ? null : copy.response.body, { status: 200, headers });
}

/**
 * When even the namespace's generation cannot be read from storage: this location's copy at the
 * last generation this isolate saw, served as STALE if the item still lives; else null.
 */
async function staleWithoutGeneration(c: AppContext, err: unknown): Promise<Response | null> {
  if (!isStorageFailure(err) || wantsFresh(c)) return null;
  const { namespace, key } = address(c, "read");
  const generation = lastKnownGeneration(c.get("config").s3.prefix, namespace);
  if (generation === null) return null;
  const copy = await LocationCache.default(c.get("metrics")).match(cacheKeyUrl(namespace, generation, encodeKeyPath(key)));
  if (!copy) return null;
  if (!canServeStale(err, copy.expiresAt, false)) {
    await copy.response.body?.cancel();
    return null;
  }
  return fromCopy(copy, "STALE", c.req.method === "HEAD", c.req.header("if-none-match"));
}

async function read(c: AppContext): Promise<Response> {
  const located = await locate(c, "read").catch(async (err: unknown) => {
    const stale = await staleWithoutGeneration(c, err);
    if (stale) return stale;
    throw err;
  });
  if (located instanceof Response) return located;
  const { storage, items } = located;
  let ref = located.ref;
  const config = c.get("config");
  const head = c.req.method === "HEAD";
  const ifNoneMatch = c.req.header("if-none-match");
  const cache = LocationCache.default(c.get("metrics"));

  // `Cache-Control: no-cache` asks for storage's answer: read-your-writes from any location.
  const noCache = /\bno-cache\b/i.test(c.req.header("cache-control") ?? "");
  // A copy past its freshness is revalidated, but kept at hand in case storage fails (stale-if-error).
  let copy: CachedItem | null = null;
  if (!noCache) {
    copy = await cache.match(ref.cacheUrl);
    if (copy?.fresh) return fromCopy(copy, "HIT", head, ifNoneMatch);
  }

  // Concurrent reads of one key share one storage GET (coalesce.ts); HEADs go on their own.
  const fetchStored = (at: ItemRef) =>
    head ? storage.head(at.objectKey) : sharedGet(storage, `${config.s3.endpoint}\n${config.s3.bucket}\n${at.objectKey}`, at.objectKey);
  let stored: StoredHead | StoredObject | null;
  try {
    stored = await fetchStored(ref);
    if (located.confirmed) {
      const current = await located.confirmed.catch(async (err: unknown) => {
        if (stored && hasBody(stored)) await stored.body.cancel();
        throw err;
      });
      if (current.objectKey !== ref.objectKey) {
        // The namespace was flushed since this location last looked: read the current generation.
        if (stored && hasBody(stored)) await stored.body.cancel();
        ref = current;
        stored = await fetchStored(ref);
      }
    }
  } catch (err) {
    // Storage failed: this location's copy, if the item still lives (never for `no-cache`, which has no copy).
    if (copy && canServeStale(err, copy.expiresAt, noCache)) return fromCopy(copy, "STALE", head, ifNoneMatch);
    await copy?.response.body?.cancel();
    throw err;
  }
  await copy?.response.body?.cancel();
  if (!stored || !isLive(stored)) {
    if (stored && hasBody(stored)) await stored.body.cancel();
    if (stored && isExpired(stored.meta.expiresAt)) items.expireLater(ref, stored);
    if (copy) c.executionCtx.waitUntil(cache.delete(ref.cacheUrl).catch(() => undefined));
    return notFound();
  }
  const headers = itemHeaders(stored.etag, stored.meta.expiresAt, "MISS");
  if (noneMatchHits(ifNoneMatch, stored.etag)) {
    if (hasBody(stored)) await stored.body.cancel();
    return new Response(null, { status: 304, headers });
  }
  headers.set("content-type", stored.meta.contentType);
  headers.set("content-length", String(stored.size));
  if (!hasBody(stored)) return new Response(null, { status: 200, headers });

  let body = stored.body;
  const maxAge = cacheMaxAge(stored.meta.expiresAt, config.edgeTtl);
  if (isCacheable(stored.size, maxAge)) {
    const [forClient, forCache] = body.tee();
    body = forClient;
    const entry = new Headers({ etag: stored.etag, "content-type": stored.meta.contentType, "content-length": String(stored.size) });
    c.executionCtx.waitUntil(cache.put(ref.cacheUrl, forCache, entry, stored.meta.expiresAt, maxAge).catch(() => undefined));
  }
  return new Response(body, { status: 200, headers });
}

function writeMode(c: AppContext): WriteMode {
  const ifMatch = parseEtagList(c.req.header("if-match"));
  const ifNoneMatch = parseEtagList(c.req.header("if-none-match"));
  if (ifMatch !== null && ifNoneMatch !== null) throw new ApiError("bad_request", "send If-Match or If-None-Match, not both");
  if (ifNoneMatch !== null) {
    if (ifNoneMatch !== "*") throw new ApiError("bad_request", "on PUT, If-None-Match must be '*' (add)");
    return { kind: "add" };
  }
  if (ifMatch === null) return { kind: "set" };
  if (ifMatch === "*") return { kind: "replace" };
  if (ifMatch.length !== 1 || !ifMatch[0]) throw new ApiError("bad_request", "If-Match must be '*' or one quoted ETag");
  return { kind: "cas", etag: ifMatch[0] };
}

/** The request body as a value source: small ones in memory (replayable), larger ones streamed. */
async function valueSource(c: AppContext, maxValueBytes: number): Promise<ValueSource> {
  const declared = c.req.header("content-length");
  const body = c.req.raw.body;
  if (declared === undefined) {
    if (body === null) return new Uint8Array(0);
    throw new ApiError("length_required", "send the value with a Content-Length");
  }
  if (!/^\d{1,16}$/.test(declared)) throw new ApiError("bad_request", "invalid Content-Length");
  const length = Number(declared);
  if (length > maxValueBytes) throw new ApiError("value_too_large", `the value is larger than ${maxValueBytes} bytes`);
  if (body === null || length === 0) return new Uint8Array(0);
  if (length <= REPLAYABLE_BYTES) return new Uint8Array(await c.req.arrayBuffer());
  return { stream: body, length };
}

async function write(c: AppContext): Promise<Response> {
  const target = address(c, "write");
  const config = c.get("config");
  const ttl = parseTtl(c.req.query("ttl"), config.defaultTtl, config.maxTtl);
  const contentType = normalizeContentType(c.req.header("content-type"));
  const mode = writeMode(c);
  const value = await valueSource(c, config.maxValueBytes);
  const { ref, items } = await locate(c, "write", target);
  const written = await items.write(ref, value, { contentType, expiresAt: expiresAtFor(ttl) }, mode);
  const headers = itemHeaders(written.etag, written.expiresAt, "MISS");
  headers.delete("x-cache");
  headers.delete("cache-control");
  return c.json({ etag: written.etag, expiresAt: written.expiresAt }, written.created ? 201 : 200, Object.fromEntries(headers));
}

async function operate(c: AppContext): Promise<Response> {
  const op = readEnum<"touch" | "incr" | "decr">(opParam, c.req.query("op"));
  const target = address(c, "write");
  const config = c.get("config");
  const rawTtl = c.req.query("ttl");
  if (op === "touch") {
    const ttl = parseTtl(rawTtl, config.defaultTtl, config.maxTtl);
    const { ref, items } = await locate(c, "write", target);
    const touched = await items.touch(ref, expiresAtFor(ttl));
    return c.json(touched, 200, { etag: touched.etag, ...(touched.expiresAt === null ? {} : { "x-expires-at": String(touched.expiresAt) }) });
  }
  const by = readInteger(byParam, c.req.query("by")) ?? 1;
  const initial = readInteger(initialParam, c.req.query("initial"));
  const ttl = rawTtl === undefined ? undefined : parseTtl(rawTtl, config.defaultTtl, config.maxTtl);
  const { ref, items } = await locate(c, "write", target);
  const counted = await items.count(ref, op === "incr" ? by : -by, {
    ...(initial === undefined ? {} : { initial }),
    ...(ttl === undefined ? {} : { ttl }),
    defaultTtl: config.defaultTtl,
  });
  return c.json(counted, 200, { etag: counted.etag });
}

async function remove(c: AppContext): Promise<Response> {
  const target = address(c, "write");
  const ifMatch = parseEtagList(c.req.header("if-match"));
  if (ifMatch !== null && ifMatch !== "*" && (ifMatch.length !== 1 || !ifMatch[0])) {
    throw new ApiError("bad_request", "If-Match must be '*' or one quoted ETag");
  }
  const { ref, items } = await locate(c, "write", target);
  await items.remove(ref, ifMatch === null ? null : ifMatch === "*" ? "*" : (ifMatch[0] as string));
  return c.body(null, 204);
}

