import { ApiError } from "../http/errors";
import type { RequestContext } from "../http/request-context";
import { plannedCalls, plannedLeaseCalls } from "../platform/budget";
import { leaseObjectKey } from "../storage/object-key";
import type { Storage, WriteCondition } from "../storage/storage";
import { HeldLeases } from "./held-leases";
import { busyFor, decodeLease, encodeLease, hasLapsed, leaseExpirySeconds, leaseWanted, newLeaseToken, releasedAt, releasedSince, type LeaseAsk, type LeaseOutcome, type LeaseRecord } from "./lease";

/**
 * Leases in storage (the rules are lease.ts): asked for by a read that found no live item, released
 * by the winner's write. Each is one object, written only with a condition, so that of all the
 * readers of every location exactly one wins a given version of it.
 */

const LEASE_CONTENT_TYPE = "application/json";

/** A lease as stored: its version and what it holds. */
interface HeldLease {
  etag: string;
  record: LeaseRecord;
}

export class Leases {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Asks for the lease at `objectKey` for `seconds`, for a read that began at `readSince` (unix ms):
   * created if there is none; taken over (at the version read) if it was released before that read
   * or has lapsed; busy, to be retried at once, if it was released since (its value was written after
   * the read looked); else busy until it lapses.
   */
  async ask(objectKey: string, seconds: number, readSince = 0): Promise<LeaseOutcome> {
    const token = newLeaseToken();
    if (await this.write(objectKey, { token, seconds }, { kind: "absent" })) return { state: "won", token };
    const held = await this.read(objectKey);
    // A create whose answer was lost may have landed all the same: then it is ours.
    if (held?.record.token === token) return { state: "won", token };
    if (held && !hasLapsed(held.record, this.now())) return busyFor(held.record, this.now());
    if (held && releasedSince(held.record, readSince)) return { state: "busy", retryAfterMs: 0 };
    // Released, lapsed, or removed since: taken with one write conditional on what was read.
    if (await this.write(objectKey, { token, seconds }, held ? { kind: "match", etag: held.etag } : { kind: "absent" })) return { state: "won", token };
    // Another reader took it first and holds it now; when it lapses is read again only out of spare calls.
    const now = await this.storage.budget.ifSpare(1, () => this.read(objectKey));
    if (now?.value?.record.token === token) return { state: "won", token };
    return busyFor(now?.value?.record ?? null, this.now());
  }

  /** Releases the lease at `objectKey` if `token` holds it (at the version read); false when it did not. */
  async release(objectKey: string, token: string): Promise<boolean> {
    const held = await this.read(objectKey);
    if (!held || held.record.token !== token) return false;
    const record = releasedAt(this.now());
    const released = await this.storage.put(objectKey, encodeLease(record), { contentType: LEASE_CONTENT_TYPE, expiresAt: leaseExpirySeconds(record) }, { kind: "match", etag: held.etag });
    return released.ok;
  }

  /** Writes the lease for `token`, lapsing `seconds` from now, under `condition`: whether it was stored. */
  private async write(objectKey: string, lease: { token: string; seconds: number }, condition: WriteCondition): Promise<boolean> {
    const record: LeaseRecord = { token: lease.token, lapsesAt: this.now() + lease.seconds * 1000 };
    try {
      const result = await this.storage.put(objectKey, encodeLease(record), { contentType: LEASE_CONTENT_TYPE, expiresAt: leaseExpirySeconds(record) }, condition);
      return result.ok;
    } catch (err) {
      // The answer was lost and whether the write landed is unknown: what is stored now decides.
      if (err instanceof ApiError && (err.code === "storage_unavailable" || err.code === "storage_timeout")) return false;
      throw err;
    }
  }

  private async read(objectKey: string): Promise<HeldLease | null> {
    const stored = await this.storage.get(objectKey);
    if (!stored) return null;
    return { etag: stored.etag, record: decodeLease(await new Response(stored.body).text()) };
  }
}

// Leases this isolate knows held (held-leases.ts), so that readers with a value to serve are told
// busy without a storage call each.
const heldLeases = new HeldLeases();

/** A lease's place in this isolate's memory: its deployment and object key. */
function memoryKey(ctx: RequestContext, leaseKey: string): string {
  return `${ctx.deployment}\n${leaseKey}`;
}

/** Where the lease of an item is, at the namespace's generation as this request knows it (no call when the read learned it). */
async function leaseKeyOf(ctx: RequestContext, namespace: string, key: string): Promise<string> {
  const generation = await ctx.generations.current(namespace, { fresh: ctx.fresh });
  return leaseObjectKey(ctx.config.prefix, namespace, generation, key);
}

/**
 * A single read asking for a lease promises the lease's planned calls before it reads, so that the
 * read's optional calls (retries, refills) never take them; it gives them back (`budget.release`)
 * once read, just before asking. Answers the calls promised. (A batch plans its leases itself.)
 */
export function promiseLeaseCalls(ctx: RequestContext): number {
  const calls = plannedLeaseCalls(1, ctx.storage.dialectUnknown(), ctx.budget.metered);
  ctx.budget.reserve(calls, "a read asking for a lease");
  return calls;
}

/**
 * Where a read and a lease meet (GET, HEAD and every batch `get`): after the read, the lease it asked
 * for, when it found no live item (nothing, or a stale one served) or a live one close to expiry.
 * `readSince` is when the read began (unix ms): a lease released since then is not won again (lease.ts,
 * `releasedSince`). Null when no lease was asked. A value is served whatever became of its lease (a failure to ask
 * then answers no lease); with nothing to serve, a failure to ask is the request's error.
 */
export async function leaseAfterRead(
  ctx: RequestContext,
  namespace: string,
  key: string,
  found: { expiresAt: number | null } | null,
  ask: LeaseAsk | null,
  readSince: number,
): Promise<LeaseOutcome | null> {
  if (ask === null || !leaseWanted(found, ask, Date.now())) return null;
  const started = Date.now();
  try {
    // A lease's calls are its read's (a miss's cost, in the stats' storage calls per read).
    const asked = await ctx.metrics.reading(async (): Promise<{ outcome: LeaseOutcome; remembered: boolean }> => {
      const at = await leaseKeyOf(ctx, namespace, key);
      const remembered = heldLeases.busy(memoryKey(ctx, at));
      // A reader with a value to serve takes this isolate's word that the lease is held; one with
      // nothing to serve always asks storage (a release elsewhere must let it win at once).
      if (found !== null && remembered !== null) return { outcome: remembered, remembered: true };
      return { outcome: await heldLeases.track(memoryKey(ctx, at), ask.seconds, ctx.leases.ask(at, ask.seconds, readSince)), remembered: false };
    });
    ctx.metrics.lease(asked.outcome.state, asked.remembered ? 0 : Date.now() - started);
    return asked.outcome;
  } catch (err) {
    if (found === null) throw err;
    return null;
  }
}

/**
 * `op=release`: gives up the lease `token` holds, without writing; the item is not touched. Planned
 * work (the request exists for it). False when the token does not hold the lease.
 */
export async function releaseLease(ctx: RequestContext, namespace: string, key: string, token: string): Promise<boolean> {
  const at = await leaseKeyOf(ctx, namespace, key);
  const released = await ctx.leases.release(at, token);
  if (released) heldLeases.forget(memoryKey(ctx, at));
  return released;
}

/**
 * After a write or delete that carried `X-Lease-Token`: releases that lease if the token still holds
 * it. Optional (a lease left held lapses on its own): only out of spare calls, and it never fails
 * the write, which has already landed.
 */
export async function releaseAfterWrite(ctx: RequestContext, namespace: string, key: string, token: string): Promise<void> {
  const metered = ctx.storage.budget.metered;
  const calls = plannedCalls("leaseRelease", metered) + (ctx.storage.dialectUnknown() ? plannedCalls("dialectProbe", metered) : 0);
  try {
    await ctx.storage.budget.ifSpare(calls, () => releaseLease(ctx, namespace, key, token));
  } catch {
    // Not released: it lapses when its time is up.
  }
}
