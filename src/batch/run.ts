import { authorize, type Principal } from "../auth/auth";
import type { Scope } from "../auth/tokens";
import { plannedBatchCalls, plannedCalls, plannedKeyCalls } from "../platform/budget";
import { ApiError, type ErrorBody } from "../http/errors";
import { expiresAtFor } from "../items/item";
import type { ItemRef } from "../items/items";
import { mapLimit } from "../platform/concurrency";
import { readItem } from "../items/read";
import type { RequestContext } from "../http/request-context";
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
  /** The request's storage, location cache, generations and verbs (`no-cache` included). */
  context: RequestContext;
  principal: Principal;
  namespace: string;
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

async function setOne(ctx: BatchContext, ref: ItemRef, entry: BatchSet, denied: KeyError | null): Promise<{ etag: string; expiresAt: number | null } | KeyError> {
  if (denied) return denied;
  const { config, items } = ctx.context;
  try {
    if (entry.value.byteLength > config.maxValueBytes) throw new ApiError("value_too_large", `the value is larger than ${config.maxValueBytes} bytes`);
    const meta = { contentType: entry.contentType, expiresAt: expiresAtFor(entry.ttl ?? config.defaultTtl) };
    return await items.write(ref, entry.value, meta, { kind: "set" });
  } catch (err) {
    return keyError(err);
  }
}

async function deleteOne(ctx: BatchContext, ref: ItemRef, denied: KeyError | null): Promise<Record<string, never> | KeyError> {
  if (denied) return denied;
  try {
    await ctx.context.items.remove(ref, null);
    return {};
  } catch (err) {
    return keyError(err);
  }
}

function tooLarge(key: string): ApiError {
  return new ApiError("value_too_large", `the value is larger than the ${MAX_BATCH_VALUE_BYTES} bytes a batch answers; read it with GET /v1/{ns}/items/${key}`);
}

/** One batch get: exactly a single GET's read (read.ts), its value then given whole, as JSON text or base64. */
async function getOne(ctx: BatchContext, key: string): Promise<GotValue | KeyError | null> {
  const denied = access(ctx, "read", key);
  if (denied) return denied;
  try {
    const found = await readItem(ctx.context, ctx.namespace, key, { head: false });
    if (!found) return null;
    if (found.size > MAX_BATCH_VALUE_BYTES) {
      await found.body?.cancel();
      throw tooLarge(key);
    }
    const bytes = new Uint8Array(await new Response(found.body).arrayBuffer());
    return { ...encodeValue(bytes, found.contentType), contentType: found.contentType, etag: found.etag, expiresAt: found.expiresAt };
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

  // Every call the batch may need is promised up front, before any is made: a batch that cannot fit
  // this deployment's SUBREQUEST_LIMIT is a 400 naming it (src/platform/budget.ts). Each key gives its share
  // back once done, so retries and refills can use what is left.
  const { generations, fresh, budget } = ctx.context;
  const keyCount = request.get.length + request.set.length + request.delete.length;
  budget.reserve(plannedBatchCalls({ gets: request.get.length, sets: request.set.length, deletes: request.delete.length, fresh }, budget.metered), `a batch of ${keyCount} keys`);
  const done = (kind: "get" | "set" | "delete") => budget.release(plannedKeyCalls(kind, fresh, budget.metered));

  // The namespace's generation, once for the whole batch: when even it cannot be learned, the batch
  // fails as a whole. Writes go to it; each get's own read (read.ts) then finds it confirmed.
  const generation = await generations.current(ctx.namespace, { fresh }).finally(() => budget.release(plannedCalls("generation", budget.metered)));
  const refFor = (key: string) => ctx.context.ref(ctx.namespace, generation, key);
  type Change = { kind: "set"; index: number } | { kind: "delete"; index: number };
  const changes: Change[] = [...request.set.map((_, index) => ({ kind: "set" as const, index })), ...request.delete.map((_, index) => ({ kind: "delete" as const, index }))];
  const setAnswers: Record<string, unknown> = {};
  const deleteAnswers: Record<string, unknown> = {};
  await mapLimit(changes, BATCH_CONCURRENCY, async (change) => {
    if (change.kind === "set") {
      const entry = request.set[change.index] as BatchSet;
      setAnswers[entry.key] = await setOne(ctx, refFor(entry.key), entry, setAccess[change.index] ?? null);
    } else {
      const key = request.delete[change.index] as string;
      deleteAnswers[key] = await deleteOne(ctx, refFor(key), deleteAccess[change.index] ?? null);
    }
    done(change.kind);
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
      pending.set(index, getOne(ctx, gets[index] as string).finally(() => done("get")));
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
