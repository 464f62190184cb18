import { ApiError } from "../http/errors";
import { MAX_BATCH_KEYS } from "../http/schema";

/**
 * A request's subrequests. Cloudflare allows one invocation of a Worker a fixed number of them
 * (50 on the Free plan, 1,000 or more on Paid), and every Cache API call (`match`, `put`, `delete`)
 * counts against the same quota as `fetch()`; past it the runtime throws, and the client would get a
 * 500. So every storage call (src/storage/s3/transport.ts) and every location-cache call (the item
 * cache, the generation, the dialect) is counted here, against `SUBREQUEST_LIMIT`, including work
 * left to `waitUntil` (it runs in the same invocation).
 *
 * Calls are of two kinds. The ones a request cannot do without are planned: a batch promises them
 * up front (`reserve`, a 400 naming the limit when they cannot fit), and single requests need few
 * enough that any allowed limit holds them (`MIN_SUBREQUEST_LIMIT`). The ones it can do without —
 * a retry, a refill of the location cache, emptying an expired object, a hygiene delete — happen
 * only out of what no planned call may still need (`tryTake`, `tryReserve`), so they can never
 * starve a planned one: a request does less rather than fail.
 *
 * Work that keeps a bound after a write (dropping this location's copy, publishing a flush's new
 * generation to the location) is planned, never optional: its calls are promised before the write
 * starts (`allot`, or the batch's own reservation: `withinPlan`), so no retry can take them and a
 * write that landed is never answered as failed for want of them.
 *
 * Through an R2 binding, storage calls are not subrequests of that quota: they count against the
 * limit on calls to Cloudflare services (`SERVICE_CALLS`, 1,000 on every plan), and only the location
 * cache's calls against `SUBREQUEST_LIMIT`. Planning then counts only the cache's calls (`Metered`),
 * and the binding's calls are held to their own limit.
 */

/** The Free plan's subrequests per invocation: the default, safe on every plan. */
export const FREE_PLAN_SUBREQUESTS = 50;
/** The Paid plan's (at least: Cloudflare's limits page has listed 1,000 and, later, 10,000). */
export const PAID_PLAN_SUBREQUESTS = 1000;
export const DEFAULT_SUBREQUEST_LIMIT = FREE_PLAN_SUBREQUESTS;

/** Calls to Cloudflare services (an R2 binding) per invocation, on every plan (Cloudflare's limits page). */
export const SERVICE_CALLS = 1000;

/**
 * Which calls count against `SUBREQUEST_LIMIT`: all of them (storage over the S3 API is `fetch()`), or
 * only the location cache's (storage through an R2 binding counts against `SERVICE_CALLS`).
 */
export type Metered = "all" | "cache";

/**
 * Worst-case planned calls, per part of a request. They name the calls of the code paths they plan
 * (tests count the real calls of each route's worst case and hold them to the limit).
 */
export const PLANNED_CALLS = {
  /** The namespace's generation: the location cache (match), then storage (GET). Keeping it (a match and a put) is optional. */
  generation: 2,
  /** A probe of the store's dialect: the location cache (match), up to four PUTs, the DELETE of its scratch object. */
  dialectProbe: 6,
  /** A batch get: the location cache (match), storage (GET), and a HEAD when the value is empty (S3 answers its ranged GET 416). */
  batchGet: 3,
  /**
   * A batch get's one retry of a storage read that failed transiently (a reset kept-alive connection,
   * a 5xx): planned, so that a full batch still retries it. Held for the whole batch (any read may use it).
   */
  batchReadRetry: 1,
  /** Without the location cache (`Cache-Control: no-cache`). */
  batchGetFresh: 2,
  /** A batch set: the PUT, a check whether a PUT whose answer was lost landed, the location cache's entry removed beside it (delete). */
  batchSet: 3,
  /** A retried PUT: the PUT and a check whether it landed when its answer was lost. */
  retriedPut: 2,
  /** A retried conditional write: the state (HEAD), the PUT, a check whether it landed. */
  retriedConditionalWrite: 3,
  /** A retried touch: the state (HEAD), the copy (or, on Ceph RGW, a GET, a PUT and a check). */
  retriedTouch: 4,
  /** A retried counter step: the value (GET), the PUT, a check whether it landed. */
  retriedCount: 3,
  /** A retried flush: the generation (GET), its PUT, a check whether it landed. */
  retriedFlush: 3,
  /** A batch delete: the DELETE and the location cache's entry removed. */
  batchDelete: 2,
  /**
   * Asking for a lease (src/items/leases.ts): its create (PUT, and a check whether it landed when its
   * answer was lost), the lease held (GET), its takeover (PUT and check). Reading the lease again after
   * a lost takeover is optional; a takeover may first need the dialect probe (planned apart, once).
   */
  lease: 5,
  /** Releasing a lease after a write: the lease (GET), the release (a PUT at its version, and a check). Optional. */
  leaseRelease: 3,
  /** This location's copy of an item removed after a write (a Cache API delete). */
  dropCopy: 1,
  /**
   * A tag's state confirmed (src/cache/tag-state.ts): storage (GET). The location cache's lookup
   * before it (a match) is not planned: made only out of spare calls, it saves a trip to storage,
   * so a batch plans one call per tag, not two.
   */
  tagConfirmation: 1,
  /** Without the location cache (`Cache-Control: no-cache`): storage (GET). */
  tagConfirmationFresh: 1,
  /** A small value kept in the location cache (location-entry.ts: a flush's generation, a tag's state): the entry checked (match) and written (put). */
  publishEntry: 2,
} as const;

/**
 * The location cache's calls among `PLANNED_CALLS`: with an R2 binding, only these count against
 * `SUBREQUEST_LIMIT` (no dialect probe there: the binding has one dialect).
 */
export const PLANNED_CACHE_CALLS: Record<keyof typeof PLANNED_CALLS, number> = {
  generation: 1,
  dialectProbe: 0,
  batchGet: 1,
  batchReadRetry: 0,
  batchGetFresh: 0,
  batchSet: 1,
  retriedPut: 0,
  retriedConditionalWrite: 0,
  retriedTouch: 0,
  retriedCount: 0,
  retriedFlush: 0,
  batchDelete: 1,
  lease: 0,
  leaseRelease: 0,
  dropCopy: 1,
  tagConfirmation: 0,
  tagConfirmationFresh: 0,
  publishEntry: 2,
};

/** The planned calls of one part of a request that count against `SUBREQUEST_LIMIT`. Pure. */
export function plannedCalls(part: keyof typeof PLANNED_CALLS, metered: Metered = "all"): number {
  return metered === "all" ? PLANNED_CALLS[part] : PLANNED_CACHE_CALLS[part];
}

/** The planned storage calls of one part of a request: through an R2 binding, held to `SERVICE_CALLS`. Pure. */
function plannedStorageCalls(part: keyof typeof PLANNED_CALLS): number {
  return PLANNED_CALLS[part] - PLANNED_CACHE_CALLS[part];
}

/**
 * The smallest `SUBREQUEST_LIMIT` accepted: every single-item request fits in it with room to spare
 * (its planned calls: generation 3, dialect probe 6, a read-modify-write of 5 and the cache's entry;
 * a read asking for a lease: the read's 5 or so, the lease's 5 and the dialect probe's 6).
 */
export const MIN_SUBREQUEST_LIMIT = 20;

export interface BatchShape {
  /** Each get also plans the confirmation of one tag: the batch's gets share a pool of them (`plannedBatchTagConfirmations`). */
  gets: number;
  sets: number;
  deletes: number;
  /** Of the gets, those asking for a lease. */
  leases?: number;
  /** `Cache-Control: no-cache`: gets skip the location cache. */
  fresh: boolean;
}

type PlannedPart = (part: keyof typeof PLANNED_CALLS) => number;

/**
 * `leases` asks for a lease, counted with `planned` per part: each ask's own calls, and once for them
 * all the dialect probe when `dialectUnknown` (a lease taken over is a write at a version). Pure.
 */
function leaseAskCalls(leases: number, dialectUnknown: boolean, planned: PlannedPart): number {
  if (leases === 0) return 0;
  return leases * planned("lease") + (dialectUnknown ? planned("dialectProbe") : 0);
}

/**
 * The planned calls of `leases` asks for a lease in one request (a single read's one, or a batch's
 * gets'), that count against `SUBREQUEST_LIMIT`: with the dialect probe when the store's dialect is
 * not known yet. Pure.
 */
export function plannedLeaseCalls(leases: number, dialectUnknown: boolean, metered: Metered = "all"): number {
  return leaseAskCalls(leases, dialectUnknown, (part) => plannedCalls(part, metered));
}

/** A batch's worst case (without optional retries or refills), counted with `planned` per part. Pure. */
function batchCalls(shape: BatchShape, planned: PlannedPart): number {
  const perGet = (shape.fresh ? planned("batchGetFresh") : planned("batchGet")) + planned("batchReadRetry");
  // Planned as if the dialect were unknown: the batch sizes told to clients hold whatever the store.
  const leaseCalls = leaseAskCalls(shape.leases ?? 0, true, planned);
  const tagConfirmations = shape.gets * planned(shape.fresh ? "tagConfirmationFresh" : "tagConfirmation");
  return planned("generation") + shape.gets * perGet + tagConfirmations + leaseCalls + shape.sets * planned("batchSet") + shape.deletes * planned("batchDelete");
}

/** The calls a batch plans (its worst case without retries or refills) that count against `SUBREQUEST_LIMIT`. Pure. */
export function plannedBatchCalls(shape: BatchShape, metered: Metered = "all"): number {
  return batchCalls(shape, (part) => plannedCalls(part, metered));
}

/** The storage calls of a batch's worst case: through an R2 binding, held to `SERVICE_CALLS`. Pure. */
export function plannedBatchStorageCalls(shape: BatchShape): number {
  return batchCalls(shape, plannedStorageCalls);
}

/** The read retries a batch plans against `SUBREQUEST_LIMIT`: one per get (none metered there through a binding). Pure. */
export function plannedBatchRetries(gets: number, metered: Metered = "all"): number {
  return gets * plannedCalls("batchReadRetry", metered);
}

/**
 * The tag confirmations a batch plans against `SUBREQUEST_LIMIT`: one tag per get, in a pool the
 * gets share (a tag several of its items carry is confirmed once), so a batch whose items carry no
 * more distinct tags than it has gets, none confirmed within the second, is answered whole. Pure.
 */
export function plannedBatchTagConfirmations(gets: number, fresh: boolean, metered: Metered = "all"): number {
  return gets * plannedCalls(fresh ? "tagConfirmationFresh" : "tagConfirmation", metered);
}

/** The most keys (at most MAX_BATCH_KEYS) for which every shape `shapeOf` gives fits `limit` (and, through a binding, `SERVICE_CALLS`). Pure. */
function mostKeys(limit: number, metered: Metered, shapesOf: (keys: number) => BatchShape[]): number {
  const fits = (keys: number) =>
    shapesOf(keys).every((shape) => plannedBatchCalls(shape, metered) <= limit && (metered === "all" || plannedBatchStorageCalls(shape) <= SERVICE_CALLS));
  let keys = MAX_BATCH_KEYS;
  while (keys > 0 && !fits(keys)) keys -= 1;
  return keys;
}

/** The most keys of any kind one batch may hold under `limit` (at most MAX_BATCH_KEYS). Pure. */
export function maxBatchKeys(limit: number, metered: Metered = "all"): number {
  const none: BatchShape = { gets: 0, sets: 0, deletes: 0, fresh: false };
  return mostKeys(limit, metered, (keys) => [
    { ...none, gets: keys },
    { ...none, sets: keys },
    { ...none, deletes: keys },
  ]);
}

/**
 * The most `get` entries asking for a lease one batch may hold under `limit` (at most MAX_BATCH_KEYS):
 * each may cost a read and a lease, planned apart from `maxBatchKeys` so that batches without leases
 * keep their size. Pure.
 */
export function maxBatchLeaseKeys(limit: number, metered: Metered = "all"): number {
  return mostKeys(limit, metered, (keys) => [{ gets: keys, leases: keys, sets: 0, deletes: 0, fresh: false }]);
}

/**
 * What the index (`GET /v1`) tells clients: the subrequests a request may make, the batch size that
 * fits, and how many lease-asking gets fit in one batch. Pure.
 */
export function indexLimits(subrequestLimit: number, metered: Metered = "all"): { subrequestsPerRequest: number; batchKeys: number; batchLeaseKeys: number } {
  return { subrequestsPerRequest: subrequestLimit, batchKeys: maxBatchKeys(subrequestLimit, metered), batchLeaseKeys: maxBatchLeaseKeys(subrequestLimit, metered) };
}

/** Worst-case calls per step of a run of the sweep (src/sweep/): every one also a subrequest. */
export const SWEEP_CALLS = {
  /** Reading the cursor, at the start of a run. */
  cursorRead: 1,
  /** Saving it, at the end: kept from the start of the run. */
  cursorSave: 1,
  list: 1,
  /** A namespace's generation from storage: the GET, and a HEAD if the object were empty (a ranged GET's 416). */
  generation: 2,
  head: 1,
  /** Rewriting a generation object: the copy, or (Ceph RGW) a GET, a conditional PUT and a check whether it landed. */
  refresh: 3,
  /** One DeleteObjects for a chunk's deletions. */
  deleteMany: 1,
  /** Where a store refuses DeleteObjects: one DELETE per object instead. */
  singleDelete: 1,
} as const;

/**
 * The smallest `SWEEP_BUDGET` accepted: a run that can finish at least one object whatever it is,
 * so that its cursor always moves — the cursor read, a listing, the cursor saved, and the dearest
 * object: an item of a namespace not met yet (its generation, its HEAD, a DeleteObjects refused,
 * the store's dialect probed for its single delete at that version).
 */
export const MIN_SWEEP_BUDGET =
  SWEEP_CALLS.cursorRead + SWEEP_CALLS.list + SWEEP_CALLS.cursorSave + SWEEP_CALLS.generation + SWEEP_CALLS.head + SWEEP_CALLS.deleteMany + SWEEP_CALLS.singleDelete + PLANNED_CALLS.dialectProbe;

/**
 * The calls one run of the sweep may make: `SWEEP_BUDGET`, held to `SUBREQUEST_LIMIT` — a scheduled
 * invocation has the same subrequest limit as a request, so a larger budget could never be spent. Pure.
 */
export function sweepCallLimit(sweepBudget: number, subrequestLimit: number): number {
  return Math.min(sweepBudget, subrequestLimit);
}

/** A batch's planned calls per key, to give back as each key is done (a get asking for a lease: its lease's too). Pure. */
export function plannedKeyCalls(kind: "get" | "set" | "delete" | "leaseGet", fresh: boolean, metered: Metered = "all"): number {
  const planned = (part: keyof typeof PLANNED_CALLS) => plannedCalls(part, metered);
  if (kind === "get" || kind === "leaseGet") return planned(fresh ? "batchGetFresh" : "batchGet") + (kind === "leaseGet" ? planned("lease") : 0);
  return planned(kind === "set" ? "batchSet" : "batchDelete");
}

/** `SUBREQUEST_LIMIT`: a whole number ≥ MIN_SUBREQUEST_LIMIT; unset → the default. Pure. */
export function parseSubrequestLimit(raw: string | undefined): number | null {
  if (raw === undefined) return DEFAULT_SUBREQUEST_LIMIT;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < MIN_SUBREQUEST_LIMIT) return null;
  return Number(raw);
}

export type CallKind = "storage" | "cache";

/** The error of a planned call with no subrequest left: a clear, retryable 503, never the runtime's 500. */
export function budgetSpentError(limit: number): ApiError {
  return new ApiError("storage_unavailable", `this request used all ${limit} calls to storage and the location cache it may make (SUBREQUEST_LIMIT); retry`);
}

/**
 * Calls promised to one piece of planned work (`SubrequestBudget.allot`): each is counted as it is
 * made, and what is left is given back with `close`. Made by `withinPlan`, it promises nothing of its
 * own: the caller's reservation (a batch's, per key) already holds the calls.
 */
export class Allotment {
  constructor(
    private readonly budget: SubrequestBudget,
    private left: number,
  ) {}

  /** One promised call, made: counted against the limit, which the promise keeps room for. */
  take(kind: CallKind): void {
    if (this.left > 0 && this.budget.counts(kind)) {
      this.left -= 1;
      this.budget.release(1);
    }
    this.budget.take(kind);
  }

  /** Gives back the promised calls not made (the work ended early or failed). */
  close(): void {
    this.budget.release(this.left);
    this.left = 0;
  }
}

/**
 * One request's count of subrequests, bounded by `limit`. With `serviceCalls` (storage through an R2
 * binding), storage calls are held to that limit instead, and everything else here — planning,
 * spare calls — is about the location cache's calls alone.
 */
export class SubrequestBudget {
  private usedCalls = 0;
  private serviceCallsUsed = 0;
  private reservedCalls = 0;
  /** Calls planned for retries of idempotent reads (a batch's), taken by `tryTakeRetry` only. */
  private retryCalls = 0;
  /** Calls planned for confirming tags (a batch's pool), promised by `reserveTagConfirmation` first. */
  private tagCalls = 0;
  /** Calls made, by kind (for the log line and the tests). */
  readonly calls: Record<CallKind, number> = { storage: 0, cache: 0 };

  constructor(
    readonly limit: number,
    /** Storage calls' own limit when they are calls to a Cloudflare service, not subrequests. */
    readonly serviceCalls?: number,
  ) {}

  /** Which calls `limit`, `reserve` and `spare` are about. */
  get metered(): Metered {
    return this.serviceCalls === undefined ? "all" : "cache";
  }

  /** Whether a call of `kind` counts against `limit` (not, through a binding, a storage call). */
  counts(kind: CallKind): boolean {
    return kind === "cache" || this.serviceCalls === undefined;
  }

  /** No bound: for work that has a budget of its own (the sweep) and for unit tests. */
  static unbounded(): SubrequestBudget {
    return new SubrequestBudget(Number.POSITIVE_INFINITY);
  }

  get used(): number {
    return this.usedCalls;
  }

  /** Calls that no planned work may still need. */
  get spare(): number {
    return this.limit - this.usedCalls - this.reservedCalls - this.retryCalls - this.tagCalls;
  }

  /** A planned call: counted; when none is left at all, the request's clear 503 (planning keeps this from happening). */
  take(kind: CallKind): void {
    if (!this.counts(kind) && this.serviceCalls !== undefined) {
      if (this.serviceCallsUsed >= this.serviceCalls) throw budgetSpentError(this.serviceCalls);
      this.serviceCallsUsed += 1;
    } else {
      if (this.usedCalls >= this.limit) throw budgetSpentError(this.limit);
      this.usedCalls += 1;
    }
    this.calls[kind] += 1;
  }

  /** A call the request can do without: made (and counted) only out of spare calls. */
  tryTake(kind: CallKind): boolean {
    const left = !this.counts(kind) && this.serviceCalls !== undefined ? this.serviceCalls - this.serviceCallsUsed : this.spare;
    if (left < 1) return false;
    this.take(kind);
    return true;
  }

  /**
   * Promises `calls` to planned work, so that nothing optional takes them; a `400` naming the limit
   * when they do not fit (what: the work, as the client would name it).
   */
  reserve(calls: number, what: string): void {
    if (calls > this.spare) {
      throw new ApiError("bad_request", `${what} needs up to ${calls} calls to storage and the location cache, more than this deployment's limit of ${this.limit} per request (SUBREQUEST_LIMIT); split it (GET /v1 tells the batch size that fits)`);
    }
    this.reservedCalls += calls;
  }

  /**
   * Promises `calls` to planned work of a single request before it starts (the drop after a write,
   * the publication of a flush); when they are not spare, the request's clear 503 before anything is
   * written.
   */
  allot(calls: number): Allotment {
    if (!this.tryReserve(calls)) throw budgetSpentError(this.limit);
    return new Allotment(this, calls);
  }

  /** Promises `calls` to optional work when they are spare; null (nothing promised) when not. */
  tryAllot(calls: number): Allotment | null {
    return this.tryReserve(calls) ? new Allotment(this, calls) : null;
  }

  /** Calls a caller's reservation already holds (a batch plans each key's): nothing more is promised. */
  withinPlan(): Allotment {
    return new Allotment(this, 0);
  }

  /**
   * Turns `calls` already reserved into planned retries of idempotent reads (a batch plans one per
   * get), which only `tryTakeRetry` uses, until `releaseRetries`.
   */
  planRetries(calls: number): void {
    this.retryCalls += this.unreserve(calls);
  }

  /** Takes up to `calls` out of what is reserved, for a pool of planned calls: how many it took. */
  private unreserve(calls: number): number {
    const moved = Math.min(calls, this.reservedCalls);
    this.reservedCalls -= moved;
    return moved;
  }

  /** Gives back the planned retries not used (the batch is done). */
  releaseRetries(): void {
    this.retryCalls = 0;
  }

  /** Turns `calls` already reserved into the pool of planned tag confirmations (a batch's), until `releaseTagConfirmations`. */
  planTagConfirmations(calls: number): void {
    this.tagCalls += this.unreserve(calls);
  }

  /** Gives back the planned tag confirmations not used (the batch is done). */
  releaseTagConfirmations(): void {
    this.tagCalls = 0;
  }

  /**
   * Promises `calls` to the confirmation of a tag: out of the planned pool while it holds them, else
   * only out of spare calls; false (nothing promised) when neither has them. Given back with `release`.
   */
  reserveTagConfirmation(calls: number): boolean {
    if (calls <= this.tagCalls) {
      this.tagCalls -= calls;
      this.reservedCalls += calls;
      return true;
    }
    return this.tryReserve(calls);
  }

  /** The retry of an idempotent read: a planned retry if one is left, else only out of spare calls. */
  tryTakeRetry(kind: CallKind): boolean {
    if (this.retryCalls > 0) {
      this.retryCalls -= 1;
      this.take(kind);
      return true;
    }
    return this.tryTake(kind);
  }

  /** Promises `calls` to optional work when they are spare; false (nothing promised) when not. */
  tryReserve(calls: number): boolean {
    if (calls > this.spare) return false;
    this.reservedCalls += calls;
    return true;
  }

  /** Gives back a promise made by `reserve`/`tryReserve`, once that work is done. */
  release(calls: number): void {
    this.reservedCalls = Math.max(0, this.reservedCalls - calls);
  }

  /**
   * Try `n` of a retry loop whose tries cost at most `calls` calls each: the first is planned; a
   * further one runs only out of spare calls, else the request's clear 503 — retries stop at the
   * limit, never past it.
   */
  async attempt<T>(n: number, calls: number, work: () => Promise<T>): Promise<T> {
    if (n <= 1) return work();
    const done = await this.ifSpare(calls, work);
    if (!done) throw budgetSpentError(this.limit);
    return done.value;
  }

  /**
   * Optional work of at most `calls` calls (a retry, a cleanup): run only when they are spare, and
   * promised to it while it runs; null when they are not spare (the work does not run).
   */
  async ifSpare<T>(calls: number, work: () => Promise<T>): Promise<{ value: T } | null> {
    if (!this.tryReserve(calls)) return null;
    try {
      return { value: await work() };
    } finally {
      this.release(calls);
    }
  }
}
