import { authorize, type Principal } from "../auth/auth";
import type { Scope } from "../auth/tokens";
import { plannedBatchCalls, plannedBatchRetries, plannedBatchTagConfirmations, plannedCalls, plannedKeyCalls } from "../platform/budget";
import { ApiError, type ErrorBody } from "../http/errors";
import { expiresAtFor } from "../items/item";
import type { ItemRef } from "../items/items";
import { mapLimit } from "../platform/concurrency";
import { readItem } from "../items/read";
import type { LeaseOutcome } from "../items/lease";
import { leaseAfterRead } from "../items/leases";
import type { RequestContext } from "../http/request-context";
import type { MaxStale } from "../items/grace";
import type { BatchGet, BatchRequest, BatchSet } from "./request";
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
  /** The item's tags, when it has any. */
  tags?: string[];
  /** The item's metadata: the JSON object's text as written, placed in the answer as it is (`answerJson`). */
  meta?: string;
  /** Present (true) when the answer is STALE, as a GET's `X-Cache: STALE`: an expiry in the past means stale by grace. */
  stale?: true;
}

export type KeyError = ErrorBody;

/** A batch get's lease, as the answer's `leases` tells it (the headers of a single GET, as JSON). */
export type LeaseAnswer = { lease: "won"; token: string } | { lease: "busy"; retryAfterMs: number };

/** A lease's outcome as a batch answers it. Pure. */
export function leaseAnswer(outcome: LeaseOutcome): LeaseAnswer {
  return outcome.state === "won" ? { lease: "won", token: outcome.token } : { lease: "busy", retryAfterMs: outcome.retryAfterMs };
}

/** One get's answer: its value (or null, or its error), and its lease when it asked for one and one was decided. */
interface GetAnswer {
  value: GotValue | KeyError | null;
  lease: LeaseAnswer | null;
}

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
  const { config, items, budget } = ctx.context;
  try {
    if (entry.value.byteLength > config.maxValueBytes) throw new ApiError("value_too_large", `the value is larger than ${config.maxValueBytes} bytes`);
    const tags = entry.tags ?? [];
    const meta = { contentType: entry.contentType, expiresAt: expiresAtFor(entry.ttl ?? config.defaultTtl), grace: entry.grace ?? 0, tags, userMeta: entry.userMeta ?? null, writtenAt: tags.length > 0 ? Date.now() : null };
    // The drop of this location's copy is in the key's planned calls (PLANNED_CALLS.batchSet).
    return await items.write(ref, entry.value, meta, { kind: "set" }, budget.withinPlan());
  } catch (err) {
    return keyError(err);
  }
}

async function deleteOne(ctx: BatchContext, ref: ItemRef, denied: KeyError | null): Promise<Record<string, never> | KeyError> {
  if (denied) return denied;
  try {
    // The drop of this location's copy is in the key's planned calls (PLANNED_CALLS.batchDelete).
    await ctx.context.items.remove(ref, null, ctx.context.budget.withinPlan());
    return {};
  } catch (err) {
    return keyError(err);
  }
}

function tooLarge(key: string): ApiError {
  return new ApiError("value_too_large", `the value is larger than the ${MAX_BATCH_VALUE_BYTES} bytes a batch answers; read it with GET /v1/{ns}/items/${key}`);
}

/**
 * One batch get: exactly a single GET's read (read.ts) and, when it asks for one, the lease after it
 * (leases.ts); its value then given whole, as JSON text or base64. Its `max-stale` is the entry's own,
 * else the batch request's `Cache-Control` (`batchMaxStale`).
 */
async function getOne(ctx: BatchContext, get: BatchGet, batchMaxStale: MaxStale): Promise<GetAnswer> {
  const { key } = get;
  const ask = get.lease ?? null;
  const denied = access(ctx, "read", key);
  if (denied) return { value: denied, lease: null };
  let lease: LeaseAnswer | null = null;
  try {
    const readSince = Date.now();
    const found = await readItem(ctx.context, ctx.namespace, key, { head: false, maxStale: get.maxStale ?? batchMaxStale });
    const outcome = ask && (await leaseAfterRead(ctx.context, ctx.namespace, key, found, ask, readSince));
    if (outcome) lease = leaseAnswer(outcome);
    if (!found) return { value: null, lease };
    if (found.size > MAX_BATCH_VALUE_BYTES) {
      await found.body?.cancel();
      throw tooLarge(key);
    }
    const bytes = new Uint8Array(await new Response(found.body).arrayBuffer());
    const got: GotValue = { ...encodeValue(bytes, found.contentType), contentType: found.contentType, etag: found.etag, expiresAt: found.expiresAt };
    if (found.tags.length > 0) got.tags = found.tags;
    if (found.userMeta !== null) got.meta = found.userMeta;
    if (found.xCache === "STALE") got.stale = true;
    return { value: got, lease };
  } catch (err) {
    return { value: keyError(err), lease };
  }
}

/**
 * One get's answer as JSON. An item's metadata is placed as the object text it was written with,
 * byte for byte (parsing and writing it again could reorder keys or reformat numbers).
 */
export function answerJson(answer: GotValue | KeyError | null): string {
  if (answer === null || !("meta" in answer) || answer.meta === undefined) return JSON.stringify(answer);
  const { meta, ...rest } = answer;
  return `${JSON.stringify(rest).slice(0, -1)},"meta":${meta}}`;
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
  for (const get of request.get) access(ctx, "read", get.key);
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
  for (const get of request.get) access(ctx, "read", get.key);
  // A malformed `Cache-Control: max-stale` fails the batch before it writes anything.
  const batchMaxStale = ctx.context.maxStale;

  // Every call the batch may need is promised up front, before any is made: a batch that cannot fit
  // this deployment's SUBREQUEST_LIMIT is a 400 naming it (src/platform/budget.ts). Each key gives its share
  // back once done, so retries and refills can use what is left.
  const { generations, fresh, budget } = ctx.context;
  const keyCount = request.get.length + request.set.length + request.delete.length;
  const leases = request.leases.size;
  const what = leases === 0 ? `a batch of ${keyCount} keys` : `a batch of ${keyCount} keys (${leases} asking for a lease)`;
  budget.reserve(plannedBatchCalls({ gets: request.get.length, leases, sets: request.set.length, deletes: request.delete.length, fresh }, budget.metered), what);
  // One retry per get, for any read of the batch that fails transiently (src/storage/s3/transport.ts);
  // through a binding, its storage calls are held to their own limit and none is planned here.
  budget.planRetries(plannedBatchRetries(request.get.length, budget.metered));
  // The confirmations of the gets' tags, one per get in a pool they share: distinct tags are
  // confirmed once for the whole batch (tag-state.ts), all of an item's at once.
  budget.planTagConfirmations(plannedBatchTagConfirmations(request.get.length, fresh, budget.metered));
  // The dialect probe a lease's takeover may need is promised once, for the whole batch (given back at its end).
  const leaseProbe = leases === 0 ? 0 : plannedCalls("dialectProbe", budget.metered);
  const done = (kind: "get" | "leaseGet" | "set" | "delete") => budget.release(plannedKeyCalls(kind, fresh, budget.metered));

  // The namespace's generation, confirmed once for the whole batch: when even it cannot be learned,
  // the batch fails as a whole. Each set and delete then takes the generation as it begins (as each
  // get's own read does, read.ts): the same confirmation, so no further call, but a flush this isolate
  // has seen since is seen by every key begun after it, as by a single request.
  await generations.current(ctx.namespace, { fresh }).finally(() => budget.release(plannedCalls("generation", budget.metered)));
  const refFor = async (key: string) => ctx.context.ref(ctx.namespace, await generations.current(ctx.namespace, { fresh }), key);
  type Change = { kind: "set"; index: number } | { kind: "delete"; index: number };
  const changes: Change[] = [...request.set.map((_, index) => ({ kind: "set" as const, index })), ...request.delete.map((_, index) => ({ kind: "delete" as const, index }))];
  const setAnswers: Record<string, unknown> = {};
  const deleteAnswers: Record<string, unknown> = {};
  await mapLimit(changes, BATCH_CONCURRENCY, async (change) => {
    if (change.kind === "set") {
      const entry = request.set[change.index] as BatchSet;
      setAnswers[entry.key] = await setOne(ctx, await refFor(entry.key), entry, setAccess[change.index] ?? null);
    } else {
      const key = request.delete[change.index] as string;
      deleteAnswers[key] = await deleteOne(ctx, await refFor(key), deleteAccess[change.index] ?? null);
    }
    done(change.kind);
  });
  // Answer keys in the order they were given.
  const ordered = (keys: string[], answers: Record<string, unknown>) => Object.fromEntries(keys.map((key) => [key, answers[key]]));
  const head = `{"set":${JSON.stringify(ordered(request.set.map((entry) => entry.key), setAnswers))},"delete":${JSON.stringify(ordered(request.delete, deleteAnswers))},"get":{`;

  const encoder = new TextEncoder();
  const gets = request.get;
  const pending = new Map<number, Promise<GetAnswer>>();
  // The leases decided, in the order of the gets: answered after them, only by a batch that asked for any.
  const leaseAnswers: [string, LeaseAnswer][] = [];
  let launched = 0;
  let emitted = 0;
  const launch = () => {
    while (launched < gets.length && launched < emitted + BATCH_CONCURRENCY) {
      const index = launched++;
      const get = gets[index] as BatchGet;
      pending.set(index, getOne(ctx, get, batchMaxStale).finally(() => done(get.lease ? "leaseGet" : "get")));
    }
  };
  // The log line counts every call of the batch, the gets made while its answer streams included.
  let ended!: () => void;
  ctx.context.metrics.continueUntil(new Promise<void>((resolve) => (ended = resolve)));
  const end = () => {
    budget.releaseRetries();
    budget.releaseTagConfirmations();
    ended();
  };
  // The first gets are read before the answer starts (as many as are read ahead anyway), so that
  // its Server-Timing counts their calls too.
  launch();
  await Promise.all(pending.values());
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(head));
        return;
      }
      if (emitted >= gets.length) {
        budget.release(leaseProbe);
        controller.enqueue(encoder.encode(leases === 0 ? "}}" : `},"leases":${JSON.stringify(Object.fromEntries(leaseAnswers))}}`));
        controller.close();
        end();
        return;
      }
      const answer = await (pending.get(emitted) as Promise<GetAnswer>);
      pending.delete(emitted);
      const key = (gets[emitted] as BatchGet).key;
      if (answer.lease) leaseAnswers.push([key, answer.lease]);
      controller.enqueue(encoder.encode(`${emitted > 0 ? "," : ""}${JSON.stringify(key)}:${answerJson(answer.value)}`));
      emitted += 1;
      launch();
    },
    cancel() {
      pending.clear();
      end();
    },
  });
}
