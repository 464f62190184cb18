import { waitBeforeRetry, type BackoffPolicy } from "../platform/backoff";
import { budgetSpentError, type CallKind, PLANNED_CALLS, plannedCalls } from "../platform/budget";
import { ApiError } from "../http/errors";
import type { PhaseRecorder } from "../platform/metrics";
import { type EntryCodec, type EntryPlace, keepEntry, readEntry, ReservedPublication } from "./location-entry";
import type { Storage } from "../storage/storage";
import { trustedUntil } from "./generation";
import { confirmAhead, dueForRefresh } from "./refresh-ahead";

/**
 * A tag's state: when it was last expired and deleted (unix ms, 0: never). Every item written with
 * the tag before one of those times is expired (stale for its grace) or absent: an item's write time
 * is in its metadata, so invalidating a tag is one small write, whatever the number of items.
 *
 * It lives like a namespace's flush generation (generation.ts), with the same bound: in the bucket
 * for good, in the location cache for at most EDGE_TTL, in isolate memory trusted for a second. Its
 * times only grow, so any state seen is a floor for the current one.
 */
export interface TagState {
  expiredAt: number;
  deletedAt: number;
}

export const NEVER_INVALIDATED: TagState = { expiredAt: 0, deletedAt: 0 };

/** The later of two states, time by time (states only grow). Pure. */
export function laterState(a: TagState | undefined, b: TagState): TagState {
  if (a === undefined) return b;
  return { expiredAt: Math.max(a.expiredAt, b.expiredAt), deletedAt: Math.max(a.deletedAt, b.deletedAt) };
}

/** A stored state's text, or null when it is not one. Pure. */
export function parseTagState(text: string): TagState | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { expiredAt, deletedAt } = parsed as Record<string, unknown>;
  if (!Number.isSafeInteger(expiredAt) || !Number.isSafeInteger(deletedAt)) return null;
  return { expiredAt: expiredAt as number, deletedAt: deletedAt as number };
}

/** What a tag's states do to an item written at `writtenAt` (unix ms; null: unknown, so before any call). */
export interface TagVerdict {
  /** A delete of one of its tags came after the write: absent. */
  deleted: boolean;
  /** The item's expiry (unix seconds) with its tags' expiries applied: the earlier one. */
  expiresAt: number | null;
}

/**
 * Applies an item's tags' states: a delete after the write removes it; an expire after the write
 * expires it at that second (its grace starts then). A call in the same millisecond as the write
 * counts as after it. Pure.
 */
export function tagVerdict(expiresAt: number | null, writtenAt: number | null, states: readonly TagState[]): TagVerdict {
  const written = writtenAt ?? 0;
  let deleted = false;
  let expiry = expiresAt;
  for (const state of states) {
    if (state.deletedAt >= written && state.deletedAt > 0) deleted = true;
    if (state.expiredAt >= written && state.expiredAt > 0) {
      const at = Math.floor(state.expiredAt / 1000);
      expiry = expiry === null ? at : Math.min(expiry, at);
    }
  }
  return { deleted, expiresAt: expiry };
}

/** A tag in an object key or URL: hex of its bytes (tags are ASCII), so `/`, `.` or `%` never make a path. Pure. */
export function tagName(tag: string): string {
  let hex = "";
  for (let i = 0; i < tag.length; i++) hex += tag.charCodeAt(i).toString(16).padStart(2, "0");
  return hex;
}

/** Where a tag's state is kept. `.` sorts before any namespace and never starts one (the sweep skips it). */
export function tagObjectKey(prefix: string, namespace: string, tag: string): string {
  return `${prefix}.tags/${namespace}/${tagName(tag)}`;
}

/** The location-cache entry holding a tag's state, per deployment. */
export function tagCacheUrl(deployment: string, namespace: string, tag: string): string {
  return `https://cloudcached.cache/${deployment}/.tag/${namespace}/${tagName(tag)}`;
}

/** Reads a tag's state from storage (one GET), never from a cached copy; never invalidated when absent. */
export async function storedTagState(storage: Storage, prefix: string, namespace: string, tag: string): Promise<{ state: TagState; etag: string | null }> {
  const object = await storage.get(tagObjectKey(prefix, namespace, tag));
  if (!object) return { state: NEVER_INVALIDATED, etag: null };
  // A state is two numbers: anything larger is not one, and is not read.
  if (object.size > 256) await object.body.cancel();
  const state = object.size > 256 ? null : parseTagState(await new Response(object.body).text());
  if (state === null) throw new ApiError("storage_error", `the state of tag ${tag} of namespace ${namespace} is unreadable in storage`);
  return { state, etag: object.etag };
}

const INVALIDATE_ATTEMPTS = 12;
const INVALIDATE_RETRY: BackoffPolicy = { floorMs: 0, baseMs: 10, capMs: 200 };
/** A tag's state in the location cache: its JSON; a state covers another when neither of its times is earlier. */
const TAG_STATE_CODEC: EntryCodec<TagState> = {
  parse: parseTagState,
  serialize: (state) => JSON.stringify(state),
  covers: (existing, state) => existing.expiredAt >= state.expiredAt && existing.deletedAt >= state.deletedAt,
  merge: laterState,
};

/** What this isolate knows of a tag's state, and until when (unix ms) it is used without asking. */
export interface KnownTag {
  state: TagState;
  trustedUntil: number;
}

/** Whether a known state is used as it is: confirmed within the last second, never for `no-cache` (as a generation, generation.ts). Pure. */
export function isTrusted(known: KnownTag | undefined, fresh: boolean, now: number): known is KnownTag {
  return known !== undefined && !fresh && now < known.trustedUntil;
}

/** Known tags by deployment and namespace (`scope`), then by tag: a hit looks its namespace up once, not once per tag. */
const memory = new Map<string, Map<string, KnownTag>>();
const MAX_REMEMBERED = 10_000;
let remembered = 0;

function learn(scope: string, tag: string, state: TagState, until: number): TagState {
  let tags = memory.get(scope);
  const known = tags?.get(tag);
  const current = laterState(known?.state, state);
  if (known === undefined) {
    if (remembered >= MAX_REMEMBERED) {
      memory.clear();
      remembered = 0;
      tags = undefined;
    }
    remembered += 1;
  }
  if (tags === undefined) {
    tags = new Map();
    memory.set(scope, tags);
  }
  tags.set(tag, { state: current, trustedUntil: Math.max(until, known?.trustedUntil ?? 0) });
  return current;
}

export class TagStates {
  /** Confirmations this request started, by tag: a batch's gets share them. */
  private readonly confirming = new Map<string, Promise<TagState>>();

  constructor(
    private readonly storage: Storage,
    private readonly deployment: string,
    private readonly prefix: string,
    private readonly cache: Cache,
    private readonly edgeTtl: number,
    private readonly waitUntil: (promise: Promise<unknown>) => void = () => undefined,
    private readonly recorder?: PhaseRecorder,
  ) {}

  private scope(namespace: string): string {
    return `${this.deployment}\n${namespace}`;
  }

  /**
   * The states of an item's tags when every one was confirmed within the last second: memory alone,
   * nothing awaited (a hit's path; those in the last part of their second are confirmed again in the
   * background, refresh-ahead.ts). Null when one must be confirmed (`states`).
   */
  trusted(namespace: string, tags: readonly string[], fresh: boolean, now: number = Date.now()): TagState[] | null {
    const states: TagState[] = [];
    const scoped = memory.get(this.scope(namespace));
    if (scoped === undefined) return null;
    const due: string[] = [];
    for (const tag of tags) {
      const known = scoped.get(tag);
      if (!isTrusted(known, fresh, now)) return null;
      states.push(known.state);
      if (dueForRefresh(known.trustedUntil, now)) due.push(tag);
    }
    // In the last part of their second, they are confirmed again in the background (refresh-ahead.ts).
    if (due.length > 0) this.refreshAhead(namespace, due);
    return states;
  }

  /** Confirms tags in the background (refresh-ahead.ts), each once per isolate at a time: its calls only out of spare ones. */
  private refreshAhead(namespace: string, tags: readonly string[]): void {
    const scope = this.scope(namespace);
    for (const tag of tags) confirmAhead(`tag\n${scope}\n${tag}`, this.waitUntil, () => this.confirm(namespace, tag, false, Date.now(), "optional"));
  }

  /**
   * The states of an item's tags: from memory when each was confirmed within the last second (no
   * call at all), else every one not trusted is confirmed at once, in parallel (the location cache,
   * else storage; storage for `fresh`).
   */
  async states(namespace: string, tags: readonly string[], fresh: boolean, now: number = Date.now()): Promise<TagState[]> {
    const scoped = memory.get(this.scope(namespace));
    return Promise.all(
      tags.map((tag) => {
        const known = scoped?.get(tag);
        if (isTrusted(known, fresh, now)) return known.state;
        const memo = `${fresh ? "fresh" : "any"}\n${namespace}\n${tag}`;
        let confirmation = this.confirming.get(memo);
        if (!confirmation) {
          confirmation = this.confirm(namespace, tag, fresh, now);
          this.confirming.set(memo, confirmation);
          confirmation.catch(() => undefined);
        }
        return confirmation;
      }),
    );
  }

  /** Reads a tag's state from storage (one GET), never from a cached copy. */
  stored(namespace: string, tag: string): Promise<{ state: TagState; etag: string | null }> {
    return storedTagState(this.storage, this.prefix, namespace, tag);
  }

  private async confirm(namespace: string, tag: string, fresh: boolean, now: number, need: "planned" | "optional" = "planned"): Promise<TagState> {
    // A planned need of the read, though not known in advance: promised out of a batch's pool of
    // them, else only when it fits (never past the limit), each promised call given back as it is made.
    // A confirmation ahead of time (optional) is made only out of spare calls, never a batch's pool.
    const budget = this.storage.budget;
    let promised = plannedCalls(fresh ? "tagConfirmationFresh" : "tagConfirmation", budget.metered);
    const reserved = need === "planned" ? budget.reserveTagConfirmation(promised) : budget.tryReserve(promised);
    if (!reserved) throw budgetSpentError(budget.limit);
    // The location cache's lookup is not planned: made when a call is spare (it saves a trip to
    // storage), else storage is asked at once, so a batch's plan holds one call per tag.
    const cacheFirst = !fresh && budget.tryReserve(1);
    if (cacheFirst) promised += 1;
    const spend = (kind: CallKind) => {
      if (promised < 1 || !budget.counts(kind)) return;
      budget.release(1);
      promised -= 1;
    };
    try {
      const scope = this.scope(namespace);
      const url = tagCacheUrl(this.deployment, namespace, tag);
      if (cacheFirst) {
        spend("cache");
        const cached = await this.cached(url, now);
        if (cached !== null) return learn(scope, tag, cached.state, trustedUntil(now, cached.fetchedAt, this.edgeTtl));
      }
      spend("storage");
      const { state } = await this.stored(namespace, tag);
      const current = learn(scope, tag, state, trustedUntil(now, now, this.edgeTtl));
      this.waitUntil(this.remember(url, current, now).catch(() => undefined));
      return current;
    } finally {
      budget.release(promised);
    }
  }

  /**
   * Expires or deletes every item written with the tag before now: the state's time is set to now
   * by one conditional write (a concurrent call's time is never lowered). Seen at once here.
   */
  async invalidate(namespace: string, tag: string, kind: "expire" | "delete", waitUntil?: (promise: Promise<unknown>) => void): Promise<void> {
    // As a flush's (generation.ts): its publication to this location is promised before the write.
    const publish = ReservedPublication.reserve(this.place());
    try {
      await this.writeState(namespace, tag, kind, publish, waitUntil);
    } finally {
      publish.close();
    }
  }

  private async writeState(namespace: string, tag: string, kind: "expire" | "delete", publish: ReservedPublication, waitUntil?: (promise: Promise<unknown>) => void): Promise<void> {
    const key = tagObjectKey(this.prefix, namespace, tag);
    for (let attempt = 1; attempt <= INVALIDATE_ATTEMPTS; attempt++) {
      const { next, result } = await this.storage.budget.attempt(attempt, PLANNED_CALLS.retriedFlush, async () => {
        const { state, etag } = await this.stored(namespace, tag);
        const at = Date.now();
        const next = kind === "expire" ? { ...state, expiredAt: Math.max(state.expiredAt, at) } : { ...state, deletedAt: Math.max(state.deletedAt, at) };
        const written = await this.storage.put(
          key,
          new TextEncoder().encode(JSON.stringify(next)),
          { contentType: "application/json", expiresAt: null },
          etag === null ? { kind: "absent" } : { kind: "match", etag },
        );
        return { next, result: written };
      });
      if (result.ok) {
        const now = Date.now();
        const current = learn(this.scope(namespace), tag, next, trustedUntil(now, now, this.edgeTtl));
        await publish.publish(tagCacheUrl(this.deployment, namespace, tag), current, TAG_STATE_CODEC, waitUntil);
        return;
      }
      await waitBeforeRetry(attempt, INVALIDATE_RETRY);
    }
    throw new ApiError("storage_unavailable", "too many concurrent invalidations of this tag; retry");
  }

  private place(): EntryPlace {
    return { cache: this.cache, budget: this.storage.budget, edgeTtl: this.edgeTtl, recorder: this.recorder };
  }

  private async cached(url: string, now: number): Promise<{ state: TagState; fetchedAt: number } | null> {
    const entry = await readEntry(this.place(), url, now, TAG_STATE_CODEC);
    return entry && { state: entry.value, fetchedAt: entry.fetchedAt };
  }

  /** Keeps the state in the location cache for EDGE_TTL; never replaces a later one. Optional work. */
  private remember(url: string, state: TagState, now: number): Promise<void> {
    return keepEntry(this.place(), url, state, now, TAG_STATE_CODEC);
  }
}
