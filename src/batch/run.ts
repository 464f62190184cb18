import { authorize, type Principal, type Scope } from "../auth";
import type { Config } from "../config";
import { ApiError, type ErrorBody } from "../errors";
import { expiresAtFor } from "../item";
import { isLive, Items, type ItemRef } from "../items";
import { cacheKeyUrl, cacheMaxAge, isCacheable, type LocationCache } from "../location-cache";
import { mapLimit } from "../concurrency";
import { encodeKeyPath, objectKey } from "../storage/object-key";
import type { Storage } from "../storage/storage";
import type { BatchRequest, BatchSet } from "./request";
import { encodeValue, type ValueEncoding } from "./encoding";

/** Storage calls of one batch in flight at once. */
export const BATCH_CONCURRENCY = 8;

/**
 * Largest value a batch `get` answers. JSON needs a value whole, so a larger one is that key's
 * `value_too_large` error (read it with GET, which streams). With BATCH_CONCURRENCY values read
 * ahead at most, a batch holds a few MiB of values in memory, never 100 of them.
 */
export const MAX_BATCH_VALUE_BYTES = 1024 * 1024;

export interface GotValue {
  value: string;
  encoding: ValueEncoding;
  contentType: string;
  etag: string;
  expiresAt: number | null;
}

export type KeyError = ErrorBody;

export interface BatchContext {
  config: Config;
  principal: Principal;
  namespace: string;
  generation: number;
  storage: Storage;
  cache: LocationCache;
  waitUntil: (promise: Promise<unknown>) => void;
  /** `Cache-Control: no-cache`: gets ask storage, not this location's cache. */
  fresh: boolean;
}

function keyError(err: unknown): KeyError {
  if (err instanceof ApiError) return err.body();
  console.error(JSON.stringify({ level: "error", at: "batch", error: err instanceof Error ? err.name : "unknown", message: err instanceof Error ? err.message : "" }));
  return { error: { code: "internal", message: "internal error" } };
}

/** Per-key access: 403 is that key's error; 401 (no usable token at all) fails the whole batch. */
function access(ctx: Pick<BatchContext, "principal" | "namespace">, scope: Scope, key: string): KeyError | null {
  try {
    authorize(ctx.principal, { scope, namespace: ctx.namespace, key });
    return null;
  } catch (err) {
    if (err instanceof ApiError && err.code !== "unauthorized") return err.body();
    throw err;
  }
}

function refFor(ctx: BatchContext, key: string): ItemRef {
  return {
    namespace: ctx.namespace,
    key,
    objectKey: objectKey(ctx.config.s3.prefix, ctx.namespace, ctx.generation, key),
    cacheUrl: cacheKeyUrl(ctx.namespace, ctx.generation, encodeKeyPath(key)),
  };
}

async function setOne(ctx: BatchContext, items: Items, entry: BatchSet, denied: KeyError | null): Promise<{ etag: string; expiresAt: number | null } | KeyError> {
  if (denied) return denied;
  try {
    if (entry.value.byteLength > ctx.config.maxValueBytes) throw new ApiError("value_too_large", `the value is larger than ${ctx.config.maxValueBytes} bytes`);
    const meta = { contentType: entry.contentType, expiresAt: expiresAtFor(entry.ttl ?? ctx.config.defaultTtl) };
    const written = await items.write(refFor(ctx, entry.key), entry.value, meta, { kind: "set" });
    return { etag: written.etag, expiresAt: written.expiresAt };
  } catch (err) {
    return keyError(err);
  }
}

async function deleteOne(ctx: BatchContext, items: Items, key: string, denied: KeyError | null): Promise<Record<string, never> | KeyError> {
  if (denied) return denied;
  try {
    await items.remove(refFor(ctx, key), null);
    return {};
  } catch (err) {
    return keyError(err);
  }
}

function tooLarge(key: string): ApiError {
  return new ApiError("value_too_large", `the value is larger than the ${MAX_BATCH_VALUE_BYTES} bytes a batch answers; read it with GET /v1/{ns}/items/${key}`);
}

/** One batch get, as a single read would answer it: this location's cache first, then storage. */
async function getOne(ctx: BatchContext, items: Items, key: string): Promise<GotValue | KeyError | null> {
  const denied = access(ctx, "read", key);
  if (denied) return denied;
  const ref = refFor(ctx, key);
  try {
    if (!ctx.fresh) {
      const hit = await ctx.cache.match(ref.cacheUrl);
      if (hit) {
        if (Number(hit.response.headers.get("content-length") ?? "0") > MAX_BATCH_VALUE_BYTES) {
          await hit.response.body?.cancel();
          throw tooLarge(key);
        }
        const contentType = hit.response.headers.get("content-type") ?? "application/octet-stream";
        const bytes = new Uint8Array(await hit.response.arrayBuffer());
        return { ...encodeValue(bytes, contentType), contentType, etag: hit.response.headers.get("etag") ?? "", expiresAt: hit.expiresAt };
      }
    }
    const stored = await ctx.storage.get(ref.objectKey);
    if (!stored || !isLive(stored)) {
      await stored?.body.cancel();
      if (stored) items.expireLater(ref, stored);
      return null;
    }
    if (stored.size > MAX_BATCH_VALUE_BYTES) {
      await stored.body.cancel();
      throw tooLarge(key);
    }
    const bytes = new Uint8Array(await new Response(stored.body).arrayBuffer());
    const maxAge = cacheMaxAge(stored.meta.expiresAt, ctx.config.edgeTtl);
    if (isCacheable(bytes.byteLength, maxAge)) {
      const headers = new Headers({ etag: stored.etag, "content-type": stored.meta.contentType, "content-length": String(bytes.byteLength) });
      const body = new Response(bytes).body as ReadableStream<Uint8Array>;
      ctx.waitUntil(ctx.cache.put(ref.cacheUrl, body, headers, stored.meta.expiresAt, maxAge).catch(() => undefined));
    }
    return { ...encodeValue(bytes, stored.meta.contentType), contentType: stored.meta.contentType, etag: stored.etag, expiresAt: stored.meta.expiresAt };
  } catch (err) {
    return keyError(err);
  }
}

/**
 * Checks access before any storage call: a caller with no usable token for a key (or, for an
 * empty batch, for the namespace) gets 401 for the whole batch; a 403 stays that key's answer.
 */
export function preauthorize(principal: Principal, namespace: string, request: BatchRequest): void {
  const ctx = { principal, namespace };
  if (request.get.length + request.set.length + request.delete.length === 0) {
    try {
      authorize(principal, { scope: "read", namespace });
    } catch (err) {
      if (err instanceof ApiError && err.code === "unauthorized") throw err;
    }
    return;
  }
  for (const entry of request.set) access(ctx, "write", entry.key);
  for (const key of request.delete) access(ctx, "write", key);
  for (const key of request.get) access(ctx, "read", key);
}

/**
 * Runs a batch: sets and deletes first (concurrently, they touch distinct keys), then gets. The
 * answer's `get` part is streamed in the order asked, each value read at most BATCH_CONCURRENCY
 * ahead, so memory stays bounded whatever the batch holds.
 */
export async function runBatch(ctx: BatchContext, request: BatchRequest): Promise<ReadableStream<Uint8Array>> {
  // Access first, for every key: a batch without a usable token fails before it writes anything.
  const setAccess = request.set.map((entry) => access(ctx, "write", entry.key));
  const deleteAccess = request.delete.map((key) => access(ctx, "write", key));
  for (const key of request.get) access(ctx, "read", key);

  const items = new Items(ctx.storage, ctx.cache, ctx.waitUntil);
  type Change = { kind: "set"; index: number } | { kind: "delete"; index: number };
  const changes: Change[] = [...request.set.map((_, index) => ({ kind: "set" as const, index })), ...request.delete.map((_, index) => ({ kind: "delete" as const, index }))];
  const setAnswers: Record<string, unknown> = {};
  const deleteAnswers: Record<string, unknown> = {};
  await mapLimit(changes, BATCH_CONCURRENCY, async (change) => {
    if (change.kind === "set") {
      const entry = request.set[change.index] as BatchSet;
      setAnswers[entry.key] = await setOne(ctx, items, entry, setAccess[change.index] ?? null);
    } else {
      const key = request.delete[change.index] as string;
      deleteAnswers[key] = await deleteOne(ctx, items, key, deleteAccess[change.index] ?? null);
    }
  });
  // Answer keys in the order they were given.
  const ordered = (keys: string[], answers: Record<string, unknown>) => Object.fromEntries(keys.map((key) => [key, answers[key]]));
  const head = `{"set":${JSON.stringify(ordered(request.set.map((entry) => entry.key), setAnswers))},"delete":${JSON.stringify(ordered(request.delete, deleteAnswers))},"get":{`;

  const encoder = new TextEncoder();
  const gets = request.get;
  const pending = new Map<number, Promise<GotValue | KeyError | null>>();
  let launched = 0;
  let emitted = 0;
  const launch = () => {
    while (launched < gets.length && launched < emitted + BATCH_CONCURRENCY) {
      const index = launched++;
      pending.set(index, getOne(ctx, items, gets[index] as string));
    }
  };
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        launch();
        controller.enqueue(encoder.encode(head));
        return;
      }
      if (emitted >= gets.length) {
        controller.enqueue(encoder.encode("}}"));
        controller.close();
        return;
      }
      const answer = await (pending.get(emitted) as Promise<GotValue | KeyError | null>);
      pending.delete(emitted);
      const key = gets[emitted] as string;
      controller.enqueue(encoder.encode(`${emitted > 0 ? "," : ""}${JSON.stringify(key)}:${JSON.stringify(answer)}`));
      emitted += 1;
      launch();
    },
    cancel() {
      pending.clear();
    },
  });
}
