import { Hono } from "hono";
import { authorize, type Scope } from "../auth";
import { ApiError } from "../errors";
import { noneMatchHits, parseEtagList } from "../etag";
import type { AppContext, AppEnv } from "../http";
import { expiresAtFor, isExpired, normalizeContentType, parseTtl } from "../item";
import { isLive, Items, type ItemRef, type WriteMode } from "../items";
import { cacheKeyUrl, cacheMaxAge, isCacheable, LocationCache } from "../location-cache";
import { parseKey, validateNamespace } from "../names";
import { generationsFor, wantsFresh } from "../namespaces/context";
import { refill } from "../refill";
import { encodeKeyPath, objectKey } from "../storage/object-key";
import { Storage, type StoredHead, type StoredObject, type ValueSource } from "../storage/storage";

/** Values up to this size are read into memory, so a conditional write that lost a race can be retried. */
export const REPLAYABLE_BYTES = 1024 * 1024;

const ITEM_PATH = /^\/v1\/([^/]*)\/items\/(.*)$/;

export const items = new Hono<AppEnv>();

items.get("/:ns/items/*", read);
items.put("/:ns/items/*", write);
items.post("/:ns/items/*", operate);
items.delete("/:ns/items/*", remove);
items.all("/:ns/items/*", () => {
  throw new ApiError("method_not_allowed", "allowed: GET, HEAD, PUT, POST, DELETE");
});

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
  if (!match) throw new ApiError("not_found", "no such route");
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
  const storage = new Storage(config.s3, config.storageTimeoutMs);
  const generations = generationsFor(c, storage);
  const refAt = (generation: number): ItemRef => ({
    namespace,
    key,
    objectKey: objectKey(config.s3.prefix, namespace, generation, key),
    cacheUrl: cacheKeyUrl(namespace, generation, encodeKeyPath(key)),
  });
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const fresh = scope === "read" && wantsFresh(c);
  const confirmed = fresh ? generations.current(namespace, { fresh: true, background: waitUntil }).then(refAt) : undefined;
  confirmed?.catch(() => undefined); // awaited by the read; never an unhandled rejection
  const known = fresh ? generations.known(namespace) : null;
  // A fresh read asks storage for the generation anyway (`confirmed`): it starts from the one this
  // isolate knows, if any, rather than first asking the location cache.
  const ref = refAt(fresh && known !== null ? known : await generations.current(namespace));
  return { ref, storage, items: new Items(storage, LocationCache.default(), waitUntil), ...(confirmed ? { confirmed } : {}) };
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

async function read(c: AppContext): Promise<Response> {
  const located = await locate(c, "read");
  const { storage, items } = located;
  let ref = located.ref;
  const config = c.get("config");
  const head = c.req.method === "HEAD";
  const ifNoneMatch = c.req.header("if-none-match");
  const cache = LocationCache.default();

  // `Cache-Control: no-cache` asks for storage's answer: read-your-writes from any location.
  if (!wantsFresh(c)) {
    const hit = await cache.match(ref.cacheUrl);
    if (hit) {
      const etag = hit.response.headers.get("etag") ?? "";
      const headers = itemHeaders(etag, hit.expiresAt, "HIT");
      if (noneMatchHits(ifNoneMatch, etag)) {
        await hit.response.body?.cancel();
        return new Response(null, { status: 304, headers });
      }
      headers.set("content-type", hit.response.headers.get("content-type") ?? "application/octet-stream");
      headers.set("content-length", hit.response.headers.get("content-length") ?? "0");
      return new Response(head ? null : hit.response.body, { status: 200, headers });
    }
  }

  const fetchStored = (at: ItemRef) => (head ? storage.head(at.objectKey) : storage.get(at.objectKey));
  let stored: StoredHead | StoredObject | null = await fetchStored(ref);
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
  if (!stored || !isLive(stored)) {
    if (stored && hasBody(stored)) await stored.body.cancel();
    if (stored && isExpired(stored.meta.expiresAt)) items.expireLater(ref, stored);
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

  const body = stored.body;
  const maxAge = cacheMaxAge(stored.meta.expiresAt, config.edgeTtl);
  if (isCacheable(stored.size, maxAge)) {
    const entry = new Headers({ etag: stored.etag, "content-type": stored.meta.contentType, "content-length": String(stored.size) });
    const copied = await refill(body, stored.size, (copy) => cache.put(ref.cacheUrl, copy, entry, stored.meta.expiresAt, maxAge));
    c.executionCtx.waitUntil(copied.written.catch(() => undefined));
    return new Response(copied.body, { status: 200, headers });
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

/** Whole number parameter within [0, 2^53−1] (or any sign for `initial`). */
function integerParam(raw: string | undefined, name: string, signed: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const pattern = signed ? /^-?[0-9]{1,16}$/ : /^[0-9]{1,16}$/;
  const value = Number(raw);
  if (!pattern.test(raw) || !Number.isSafeInteger(value)) {
    throw new ApiError("bad_request", `invalid ${name}: ${signed ? "an" : "a non-negative"} integer within ±(2^53−1)`);
  }
  return value;
}

async function operate(c: AppContext): Promise<Response> {
  const op = c.req.query("op");
  if (op !== "touch" && op !== "incr" && op !== "decr") {
    throw new ApiError("bad_request", "unknown op: use op=touch, op=incr or op=decr");
  }
  const target = address(c, "write");
  const config = c.get("config");
  const rawTtl = c.req.query("ttl");
  if (op === "touch") {
    const ttl = parseTtl(rawTtl, config.defaultTtl, config.maxTtl);
    const { ref, items } = await locate(c, "write", target);
    const touched = await items.touch(ref, expiresAtFor(ttl));
    return c.json(touched, 200, { etag: touched.etag, ...(touched.expiresAt === null ? {} : { "x-expires-at": String(touched.expiresAt) }) });
  }
  const by = integerParam(c.req.query("by"), "by", false) ?? 1;
  const initial = integerParam(c.req.query("initial"), "initial", true);
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

