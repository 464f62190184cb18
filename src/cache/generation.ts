import { waitBeforeRetry, type BackoffPolicy } from "../platform/backoff";
import { remember } from "../platform/bounded-memory";
import { PLANNED_CALLS, plannedCalls } from "../platform/budget";
import { ApiError } from "../http/errors";
import type { PhaseRecorder } from "../platform/metrics";
import type { Storage } from "../storage/storage";
import { type EntryCodec, type EntryPlace, keepEntry, readEntry, ReservedPublication } from "./location-entry";
import { confirmAhead, dueForRefresh } from "./refresh-ahead";

/**
 * A namespace's flush generation: part of every object key and every location-cache key of its
 * items, so a flush only has to count it up (O(1)); the old generation's objects are left for the
 * sweep. It lives in the bucket, in one small object per namespace changed by conditional writes;
 * each location keeps it in its cache for EDGE_TTL, and each isolate in memory for a second.
 *
 * The bound this gives (API.md): a flush is seen at once by the isolate that made it and by every
 * `no-cache` read, within MEMORY_TRUST_MS by the rest of the location, within EDGE_TTL everywhere.
 */

/** How long an isolate uses a generation it confirmed without asking the location cache again. */
export const MEMORY_TRUST_MS = 1000;

/** What this isolate knows of a namespace's generation. */
export interface KnownGeneration {
  generation: number;
  /** Unix ms until which it is used without asking (see `trustedUntil`). */
  trustedUntil: number;
}

/**
 * How a request learns its namespace's generation. Pure.
 * - `memory`: confirmed within the last second: no lookup at all.
 * - `beside`: the isolate knows one, but it is older (or the request is `no-cache`): the item is
 *   looked up under it while the generation is confirmed, never after; it is used only if they agree.
 * - `first`: nothing known: the generation is learned before anything else.
 */
export type GenerationPlan = "memory" | "beside" | "first";

export function generationPlan(known: KnownGeneration | undefined, nowMs: number, fresh: boolean): GenerationPlan {
  if (known === undefined) return "first";
  if (fresh) return "beside";
  return nowMs < known.trustedUntil ? "memory" : "beside";
}

/**
 * Until when a generation may be used without asking: a second after the lookup that confirmed it
 * began, and never past EDGE_TTL after storage was asked (so the bound across locations stays
 * EDGE_TTL, not EDGE_TTL + 1 s). Pure.
 */
export function trustedUntil(lookupStartedMs: number, fetchedFromStorageMs: number, edgeTtlSeconds: number): number {
  return Math.min(lookupStartedMs + MEMORY_TRUST_MS, fetchedFromStorageMs + edgeTtlSeconds * 1000);
}

/** The generation to use given what memory and a lookup say: generations only grow, so the higher. Pure. */
export function newerGeneration(known: number | undefined, looked: number): number {
  return known === undefined || looked > known ? looked : known;
}

/** Where a namespace's generation is kept. `.` sorts before any namespace and never starts one. */
export function generationObjectKey(prefix: string, namespace: string): string {
  return `${prefix}.generations/${namespace}`;
}

/** The location-cache entry holding a namespace's generation (a host no request URL can have), per deployment. */
export function generationCacheUrl(deployment: string, namespace: string): string {
  return `https://cloudcached.cache/${deployment}/.generation/${namespace}`;
}

/** A stored generation's text: a non-negative whole number. Pure. */
export function parseGeneration(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** Flushes lost to concurrent flushes before this one gives up (each loss means another flush won). */
const FLUSH_ATTEMPTS = 12;
/** Between those tries: up to 20, 40, … 200 ms. */
const FLUSH_RETRY: BackoffPolicy = { floorMs: 0, baseMs: 10, capMs: 200 };

/** A generation in the location cache: its digits; a higher one covers a lower one. */
const GENERATION_CODEC: EntryCodec<number> = {
  parse: parseGeneration,
  serialize: (generation) => String(generation),
  covers: (existing, generation) => existing >= generation,
  merge: (existing, generation) => newerGeneration(existing, generation),
};

/**
 * What this isolate knows per deployment and namespace. Generations only grow, so any one seen is
 * a floor for the current one: a slow read of the old generation can never undo a flush seen here.
 */
const memory = new Map<string, KnownGeneration>();
const MAX_REMEMBERED = 10_000;

function learn(id: string, generation: number, until: number): number {
  const known = memory.get(id);
  const current = newerGeneration(known?.generation, generation);
  remember(memory, MAX_REMEMBERED, id, { generation: current, trustedUntil: Math.max(until, known?.generation === current ? known.trustedUntil : 0) });
  return current;
}

/** A request's generation: the one to look the item up under now (null: none known yet), and its confirmation if one is needed. */
export interface GenerationLookup {
  known: number | null;
  confirmation: Promise<number> | null;
}

export interface StoredGeneration {
  generation: number;
  /** The generation object's ETag, or null when it does not exist yet (generation 0). */
  etag: string | null;
}

/** Reads a namespace's generation from storage (one GET), never from a cached copy. */
export async function storedGeneration(storage: Storage, prefix: string, namespace: string): Promise<StoredGeneration> {
  const object = await storage.get(generationObjectKey(prefix, namespace));
  if (!object) return { generation: 0, etag: null };
  // A generation is a few digits: anything larger is not one, and is not read.
  if (object.size > 64) await object.body.cancel();
  const text = object.size > 64 ? "" : await new Response(object.body).text();
  const generation = parseGeneration(text);
  if (generation === null) throw new ApiError("storage_error", `the flush generation of namespace ${namespace} is unreadable in storage`);
  return { generation, etag: object.etag };
}

export class Generations {
  /** Confirmations this request started, by namespace (one object serves one request): a batch's many gets share one. */
  private readonly confirming = new Map<string, Promise<number>>();

  constructor(
    private readonly storage: Storage,
    /** The deployment's name (deployment.ts): this isolate's memory and the location's entries are per deployment. */
    private readonly deployment: string,
    private readonly prefix: string,
    private readonly cache: Cache,
    private readonly edgeTtl: number,
    /** Background work (a refreshed location entry) that must not delay the answer. */
    private readonly waitUntil: (promise: Promise<unknown>) => void = () => undefined,
    /** Told how long each Cache API call took (the request's Server-Timing). */
    private readonly recorder?: PhaseRecorder,
  ) {}

  private id(namespace: string): string {
    return `${this.deployment}\n${namespace}`;
  }

  /** Reads the generation from storage: one GET. */
  stored(namespace: string): Promise<StoredGeneration> {
    return storedGeneration(this.storage, this.prefix, namespace);
  }

  /**
   * What a request uses: the generation this isolate knows (if any) and, unless it was confirmed
   * within the last second, its confirmation (the location cache, else storage; storage for `fresh`),
   * already under way so the caller can run its own lookup beside it.
   */
  lookup(namespace: string, options: { fresh?: boolean; now?: number } = {}): GenerationLookup {
    const now = options.now ?? Date.now();
    const known = memory.get(this.id(namespace));
    const plan = generationPlan(known, now, options.fresh ?? false);
    if (plan === "memory") {
      if (known !== undefined && dueForRefresh(known.trustedUntil, now)) this.refreshAhead(namespace);
      return { known: known?.generation ?? null, confirmation: null };
    }
    const memo = `${options.fresh ? "fresh" : "any"}\n${namespace}`;
    let confirmation = this.confirming.get(memo);
    if (!confirmation) {
      confirmation = this.confirm(namespace, options.fresh ?? false, now);
      this.confirming.set(memo, confirmation);
      // Awaited by the caller, or dropped when its own lookup failed first: never an unhandled rejection.
      confirmation.catch(() => undefined);
    }
    return { known: plan === "beside" ? (known?.generation ?? null) : null, confirmation };
  }

  /**
   * The namespace's current generation as this isolate and location know it: from memory (confirmed
   * within a second), the location cache, else storage at most once per EDGE_TTL. `fresh` asks storage
   * (once per request). Never lower than a flush this isolate has seen when it answers.
   */
  async current(namespace: string, options: { fresh?: boolean; now?: number } = {}): Promise<number> {
    const { known, confirmation } = this.lookup(namespace, options);
    if (!confirmation) return known as number;
    const confirmed = await confirmation;
    // A request's confirmations are shared (a batch's keys): a flush seen in this isolate since it
    // was asked is newer, and generations only grow.
    return newerGeneration(memory.get(this.id(namespace))?.generation, confirmed);
  }

  /** Confirms the generation in the background (refresh-ahead.ts): its calls only out of spare ones. */
  private refreshAhead(namespace: string): void {
    const budget = this.storage.budget;
    confirmAhead(`generation\n${this.id(namespace)}`, this.waitUntil, () =>
      budget.ifSpare(plannedCalls("generation", budget.metered), () => this.confirm(namespace, false, Date.now())),
    );
  }

  private async confirm(namespace: string, fresh: boolean, now: number): Promise<number> {
    const id = this.id(namespace);
    const url = generationCacheUrl(this.deployment, namespace);
    if (!fresh) {
      const cached = await readEntry(this.place(), url, now, GENERATION_CODEC);
      if (cached !== null) return learn(id, cached.value, trustedUntil(now, cached.fetchedAt, this.edgeTtl));
    }
    const { generation } = await this.stored(namespace);
    const current = learn(id, generation, trustedUntil(now, now, this.edgeTtl));
    // Optional (the next request asks storage again): only out of spare subrequests.
    this.waitUntil(keepEntry(this.place(), url, current, now, GENERATION_CODEC).catch(() => undefined));
    return current;
  }

  /**
   * Counts the generation up by one, atomically (a conditional write); answers the new one. With
   * `waitUntil`, the location's entry is written once more a moment later: a read elsewhere in this
   * location that fetched the old generation just before the flush, and stored it just after the
   * flush's own entry, is overwritten rather than left for EDGE_TTL.
   */
  async flush(namespace: string, waitUntil?: (promise: Promise<unknown>) => void): Promise<number> {
    // Publishing the new generation to this location keeps the flush's bound (the rest of the
    // location sees it within a second): its calls are promised before the write, never left to
    // what retries spare (src/platform/budget.ts).
    const publish = ReservedPublication.reserve(this.place());
    try {
      return await this.countUp(namespace, publish, waitUntil);
    } finally {
      publish.close();
    }
  }

  private async countUp(namespace: string, publish: ReservedPublication, waitUntil?: (promise: Promise<unknown>) => void): Promise<number> {
    const key = generationObjectKey(this.prefix, namespace);
    for (let attempt = 1; attempt <= FLUSH_ATTEMPTS; attempt++) {
      // A retry only out of spare subrequests (src/platform/budget.ts).
      const { next, result } = await this.storage.budget.attempt(attempt, PLANNED_CALLS.retriedFlush, async () => {
        const { generation, etag } = await this.stored(namespace);
        const written = await this.storage.put(
          key,
          new TextEncoder().encode(String(generation + 1)),
          { contentType: "text/plain", expiresAt: null },
          etag === null ? { kind: "absent" } : { kind: "match", etag },
        );
        return { next: generation + 1, result: written };
      });
      if (result.ok) {
        const now = Date.now();
        // This isolate sees the flush at once; the rest of the location once its entry names the new generation.
        const current = learn(this.id(namespace), next, trustedUntil(now, now, this.edgeTtl));
        await publish.publish(generationCacheUrl(this.deployment, namespace), current, GENERATION_CODEC, waitUntil);
        return next;
      }
      // Another flush won this round: count up again from its generation (a flush is never skipped).
      await waitBeforeRetry(attempt, FLUSH_RETRY);
    }
    throw new ApiError("storage_unavailable", "too many concurrent flushes of this namespace; retry");
  }

  private place(): EntryPlace {
    return { cache: this.cache, budget: this.storage.budget, edgeTtl: this.edgeTtl, recorder: this.recorder };
  }
}
