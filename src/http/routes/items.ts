import { Hono } from "hono";
import { authorize } from "../../auth/auth";
import type { Scope } from "../../auth/tokens";
import { ApiError, otherMethods } from "../errors";
import { noneMatchHits, parseEtagList } from "../../items/etag";
import type { AppContext, AppEnv } from "../http";
import { checkItemMetadataFits, expiresAtFor, normalizeContentType, nowSeconds, parseGrace, parseTtl } from "../../items/item";
import type { ItemRef, WriteMode } from "../../items/items";
import { parseTagsHeader, validateMeta } from "../../items/labels";
import { parseKey, validateNamespace } from "../../items/names";
import { readItem } from "../../items/read";
import { leaseHeaders, parseLeaseAsk, parseLeaseToken } from "../../items/lease";
import { leaseAfterRead, promiseLeaseCalls, releaseAfterWrite, releaseLease } from "../../items/leases";
import { rawPathOf } from "../request-path";
import type { ValueSource } from "../../storage/storage";
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

interface Address {
  namespace: string;
  key: string;
}

/** Validates the item's address and access: a refusal never costs a storage call. */
function address(c: AppContext, scope: Scope): Address {
  const match = ITEM_PATH.exec(rawPathOf(c.req.url));
  if (!match) throw new ApiError("no_such_route", "no such route");
  const namespace = validateNamespace(match[1] ?? "");
  const key = parseKey(match[2] ?? "");
  authorize(c.get("principal"), { scope, namespace, key });
  return { namespace, key };
}

/**
 * The item's place for a write: the namespace's generation as this isolate and location know it
 * (namespaces/generation.ts). Handlers validate the rest of the request before calling it, so a
 * 4xx never waits on storage.
 */
async function locate(c: AppContext, { namespace, key }: Address): Promise<ItemRef> {
  const ctx = c.get("context");
  return ctx.ref(namespace, await ctx.generations.current(namespace), key);
}

/** The headers every answer about one item carries; plain, so each response builds its Headers once. */
function itemHeaders(etag: string, expiresAt: number | null): Record<string, string> {
  return expiresAt === null ? { etag } : { etag, "x-expires-at": String(expiresAt) };
}

/**
 * GET and HEAD: the one read (read.ts), answered as API.md says (304 for a matching If-None-Match),
 * then the lease it asked for, if any (leases.ts): the answer is otherwise the same.
 */
async function read(c: AppContext): Promise<Response> {
  const { namespace, key } = address(c, "read");
  const head = c.req.method === "HEAD";
  const ask = parseLeaseAsk(c.req.header("x-lease"), c.req.header("x-refresh-below"));
  const ctx = c.get("context");
  const promised = ask ? promiseLeaseCalls(ctx) : 0;
  const readSince = Date.now();
  const found = await readItem(ctx, namespace, key, { head, maxStale: ctx.maxStale });
  // (A read that failed ends the request: what it promised goes with it.)
  if (promised) ctx.budget.release(promised);
  const lease = ask && (await leaseAfterRead(ctx, namespace, key, found, ask, readSince));
  if (!found) throw new ApiError("not_found", "no such item", leaseHeaders(lease));
  const headers = itemHeaders(found.etag, found.expiresAt);
  headers["cache-control"] = "private, no-cache";
  headers["x-cache"] = found.xCache;
  if (lease) Object.assign(headers, leaseHeaders(lease));
  if (found.tags.length > 0) headers["x-tags"] = found.tags.join(", ");
  if (found.userMeta !== null) headers["x-meta"] = found.userMeta;
  if (noneMatchHits(c.req.header("if-none-match"), found.etag)) {
    await found.body?.cancel();
    return new Response(null, { status: 304, headers });
  }
  headers["content-type"] = found.contentType;
  headers["content-length"] = String(found.size);
  return new Response(found.body, { status: 200, headers });
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
  const grace = parseGrace(c.req.query("grace"), config.maxTtl);
  const contentType = normalizeContentType(c.req.header("content-type"));
  const tags = parseTagsHeader(c.req.header("x-tags"));
  const userMeta = validateMeta(c.req.header("x-meta"));
  const mode = writeMode(c);
  const meta = { contentType, expiresAt: expiresAtFor(ttl), grace, tags, userMeta };
  checkItemMetadataFits(meta);
  const leaseToken = parseLeaseToken(c.req.header("x-lease-token"));
  const value = await valueSource(c, config.maxValueBytes);
  const ref = await locate(c, target);
  // The write time is taken as late as possible: a tag invalidated before it leaves the item alone.
  const written = await c.get("context").items.write(ref, value, { ...meta, writtenAt: tags.length > 0 ? Date.now() : null }, mode);
  // The value has landed: the lease its writer won is released (never failing the write).
  if (leaseToken) await releaseAfterWrite(c.get("context"), target.namespace, target.key, leaseToken);
  return c.json({ etag: written.etag, expiresAt: written.expiresAt }, mode.kind === "add" ? 201 : 200, itemHeaders(written.etag, written.expiresAt));
}

async function operate(c: AppContext): Promise<Response> {
  const op = readEnum<"touch" | "expire" | "incr" | "decr" | "release">(opParam, c.req.query("op"));
  const target = address(c, "write");
  if (op === "release") {
    // A lease given up without a write (its winner computed nothing to store): the item is left alone.
    const token = parseLeaseToken(c.req.header("x-lease-token"));
    if (token === null) throw new ApiError("bad_request", "op=release needs X-Lease-Token: the token a read's X-Lease: won gave");
    if (!(await releaseLease(c.get("context"), target.namespace, target.key, token))) {
      throw new ApiError("precondition_failed", "that token does not hold the lease (released, lapsed and taken over, or never given)");
    }
    return c.body(null, 204);
  }
  const config = c.get("config");
  const rawTtl = c.req.query("ttl");
  if (op === "touch" || op === "expire") {
    // Soft expiry is a touch to now: the item is stale from now on, for its grace, to max-stale readers.
    const expiresAt = op === "expire" ? nowSeconds() : expiresAtFor(parseTtl(rawTtl, config.defaultTtl, config.maxTtl));
    const touched = await c.get("context").items.touch(await locate(c, target), expiresAt);
    return c.json(touched, 200, itemHeaders(touched.etag, touched.expiresAt));
  }
  const by = readInteger(byParam, c.req.query("by")) ?? 1;
  const initial = readInteger(initialParam, c.req.query("initial"));
  const ttl = rawTtl === undefined ? undefined : parseTtl(rawTtl, config.defaultTtl, config.maxTtl);
  const counted = await c.get("context").items.count(await locate(c, target), op === "incr" ? by : -by, {
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
  const leaseToken = parseLeaseToken(c.req.header("x-lease-token"));
  await c.get("context").items.remove(await locate(c, target), ifMatch === null ? null : ifMatch === "*" ? "*" : (ifMatch[0] as string));
  if (leaseToken) await releaseAfterWrite(c.get("context"), target.namespace, target.key, leaseToken);
  return c.body(null, 204);
}

