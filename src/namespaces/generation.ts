import { waitBeforeRetry, type BackoffPolicy } from "../backoff";
import { ApiError } from "../errors";
import type { Storage } from "../storage/storage";

/**
 * A namespace's flush generation: part of every object key and every location-cache key of its
 * items, so a flush only has to count it up (O(1)); the old generation's objects are left for the
 * sweep. It lives in the bucket, in one small object per namespace changed by conditional writes.
 */

/** Where a namespace's generation is kept. `.` sorts before any namespace and never starts one. */
export function generationObjectKey(prefix: string, namespace: string): string {
  return `${prefix}.generations/${namespace}`;
}

/** The location-cache entry holding a namespace's generation (a host no request URL can have). */
export function generationCacheUrl(prefix: string, namespace: string): string {
  return `https://cloudcached.cache/.generation/${encodeURIComponent(prefix)}/${namespace}`;
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

/** After a flush, its location-cache entry is checked and, if lower, written again this much later. */
const REMEMBER_AGAIN_MS = 100;

/** Header on the cached entry: when storage was asked (unix ms), checked against EDGE_TTL on a hit. */
const FETCHED_AT = "x-fetched-at";

/**
 * Highest generation this isolate has seen per namespace (generations only grow, so any one seen
 * is a floor for the current one). It costs nothing to consult and closes the window in which a
 * slow read of the old generation could overwrite a flush's entry in the location cache.
 */
const floors = new Map<string, number>();
const MAX_FLOORS = 10_000;

function raiseFloor(id: string, generation: number): number {
  const floor = floors.get(id);
  // Generation 0 is recorded too: lastKnownGeneration tells "seen 0" from "never seen".
  if (floor !== undefined && generation <= floor) return floor;
  if (floors.size >= MAX_FLOORS) floors.clear();
  floors.set(id, generation);
  return generation;
}

/**
 * The highest generation of a namespace this isolate has seen, or null: what a read falls back to
 * when storage cannot be asked, to find this location's copy and serve it as STALE (src/stale.ts).
 */
export function lastKnownGeneration(prefix: string, namespace: string): number | null {
  return floors.get(`${prefix}\n${namespace}`) ?? null;
}

export interface StoredGeneration {
  generation: number;
  /** The generation object's ETag, or null when it does not exist yet (generation 0). */
  etag: string | null;
}

export class Generations {
  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly cache: Cache,
    private readonly edgeTtl: number,
  ) {}

  /** Reads the generation from storage: one GET. */
  async stored(namespace: string): Promise<StoredGeneration> {
    const object = await this.storage.get(generationObjectKey(this.prefix, namespace));
    if (!object) return { generation: 0, etag: null };
    // A generation is a few digits: anything larger is not one, and is not read.
    if (object.size > 64) await object.body.cancel();
    const text = object.size > 64 ? "" : await new Response(object.body).text();
    const generation = parseGeneration(text);
    if (generation === null) throw new ApiError("storage_error", `the flush generation of namespace ${namespace} is unreadable in storage`);
    return { generation, etag: object.etag };
  }

  /**
   * The namespace's current generation as this location knows it: from the location cache (no
   * storage call), else from storage at most once per EDGE_TTL. `fresh` asks storage regardless.
   */
  async current(namespace: string, options: { fresh?: boolean; now?: number } = {}): Promise<number> {
    const id = `${this.prefix}\n${namespace}`;
    const url = generationCacheUrl(this.prefix, namespace);
    const now = options.now ?? Date.now();
    if (!options.fresh) {
      const cached = await this.cached(url, now);
      if (cached !== null) return raiseFloor(id, cached);
    }
    const { generation } = await this.stored(namespace);
    const current = raiseFloor(id, generation);
    await this.remember(url, current, now);
    return current;
  }

  /**
   * Counts the generation up by one, atomically (a conditional write); answers the new one. With
   * `waitUntil`, the location's entry is written once more a moment later: a read elsewhere in this
   * location that fetched the old generation just before the flush, and stored it just after the
   * flush's own entry, is overwritten rather than left for EDGE_TTL.
   */
  async flush(namespace: string, waitUntil?: (promise: Promise<unknown>) => void): Promise<number> {
    const key = generationObjectKey(this.prefix, namespace);
    for (let attempt = 1; attempt <= FLUSH_ATTEMPTS; attempt++) {
      const { generation, etag } = await this.stored(namespace);
      const next = generation + 1;
      const result = await this.storage.put(
        key,
        new TextEncoder().encode(String(next)),
        { contentType: "text/plain", expiresAt: null },
        etag === null ? { kind: "absent" } : { kind: "match", etag },
      );
      if (result.ok) {
        const current = raiseFloor(`${this.prefix}\n${namespace}`, next);
        // This location sees the flush at once: its entry now names the new generation.
        const url = generationCacheUrl(this.prefix, namespace);
        await this.remember(url, current, Date.now());
        waitUntil?.(
          new Promise((resolve) => setTimeout(resolve, REMEMBER_AGAIN_MS))
            .then(() => this.remember(url, current, Date.now()))
            .catch(() => undefined),
        );
        return next;
      }
      // Another flush won this round: count up again from its generation (a flush is never skipped).
      await waitBeforeRetry(attempt, FLUSH_RETRY);
    }
    throw new ApiError("storage_unavailable", "too many concurrent flushes of this namespace; retry");
  }

  private async cached(url: string, now: number): Promise<number | null> {
    const hit = await this.cache.match(url);
    if (!hit) return null;
    const fetchedAt = Number(hit.headers.get(FETCHED_AT));
    const generation = parseGeneration(await hit.text());
    // Whatever the cache's own clock does, an entry older than EDGE_TTL is not trusted.
    if (generation === null || !Number.isFinite(fetchedAt) || now - fetchedAt >= this.edgeTtl * 1000) return null;
    return generation;
  }

  /**
   * Keeps the generation in the location cache for EDGE_TTL. Never lowers it: an entry already
   * naming a newer generation (a flush made here meanwhile) stays.
   */
  private async remember(url: string, generation: number, now: number): Promise<void> {
    if (this.edgeTtl < 1) return;
    const existing = await this.cached(url, now);
    if (existing !== null && existing >= generation) return;
    const headers = { "content-type": "text/plain", "cache-control": `max-age=${this.edgeTtl}`, [FETCHED_AT]: String(now) };
    await this.cache.put(url, new Response(String(generation), { headers }));
  }
}
