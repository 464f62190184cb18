/** Where a request's time went: the phases named in `Server-Timing` and the request's log line. */
export type Phase = "cache" | "storage";

/** A change a request made to an item: a write (set, add, replace, cas, touch, incr, decr) or a delete. */
export type Change = "write" | "delete";

export type ChangeCounts = Record<Change, number>;

/** Something that can be told a change landed (the item verbs, items.ts, tell one). */
export interface ChangeRecorder {
  changed(kind: Change): void;
}

/** Something that can be told how long a call took (the storage and location-cache code take one). */
export interface PhaseRecorder {
  record(phase: Phase, ms: number): void;
}

/** Times `work` under `phase` for `recorder` (if any), whether it succeeds or fails. */
export async function timed<T>(recorder: PhaseRecorder | undefined, phase: Phase, work: Promise<T>): Promise<T> {
  if (!recorder) return work;
  const started = Date.now();
  try {
    return await work;
  } finally {
    recorder.record(phase, Date.now() - started);
  }
}

/** What a request spent, for Server-Timing and its log line. */
export interface RequestSummary {
  total: number;
  cache: number;
  storage: number;
  cacheCalls: number;
  storageCalls: number;
  /** Leases asked for: won, busy, and the milliseconds spent asking. */
  leases: { won: number; busy: number; ms: number };
  /** Reads answered stale (by grace or by error) or from a copy past its freshness. */
  served: ServedCounts;
  /** This request's reads (one, or a batch's gets) by outcome, as the read decided it. */
  reads: ReadCounts;
  /** The storage calls its reads made (each read's own, and its lease's): what the cache did not save. */
  readStorageCalls: number;
  /** The changes that landed: one for a PUT, POST or DELETE of an item, one per `set` or `delete` of a batch. */
  changes: ChangeCounts;
}

/**
 * How a read's answer came about, beyond HIT and MISS: stale by the item's grace (a `max-stale`
 * reader given an expired item), stale-if-error (storage failed, a live copy stood in), or a
 * location copy past its freshness given to a `max-stale` reader and refreshed in the background.
 * X-Cache says STALE for both stale kinds; Server-Timing and the log line tell them apart.
 */
export type ServedKind = "staleGrace" | "staleError" | "refresh";

export type ServedCounts = Record<ServedKind, number>;

/** How a read ended: this location's copy, storage, stale by the item's grace or by a storage error, or absent. */
export type ReadOutcome = "hit" | "miss" | "staleGrace" | "staleError" | "notFound";

export type ReadCounts = Record<ReadOutcome, number>;

/**
 * One request's id and timings. Durations are wall-clock time around I/O (in Workers, `Date.now()`
 * advances across I/O), summed per phase: three storage calls of one request add up.
 */
export class RequestMetrics implements PhaseRecorder, ChangeRecorder {
  readonly started = Date.now();
  private readonly totals: Record<Phase, number> = { cache: 0, storage: 0 };
  private readonly calls: Record<Phase, number> = { cache: 0, storage: 0 };
  /** Reads of this request (one, or a batch's gets) answered each way. */
  private readonly servedCounts: ServedCounts = { staleGrace: 0, staleError: 0, refresh: 0 };
  /** Reads of this request by outcome (the stats count them). */
  private readonly readCounts: ReadCounts = { hit: 0, miss: 0, staleGrace: 0, staleError: 0, notFound: 0 };
  /** Leases this request asked for, by outcome, and the time spent asking. */
  private readonly leases = { won: 0, busy: 0, ms: 0 };
  /** Changes of this request that landed, by kind. */
  private readonly changeCounts: ChangeCounts = { write: 0, delete: 0 };
  /** Reads under way now (see `reading`), and the storage calls made while any was. */
  private readsUnderway = 0;
  private readStorageCallCount = 0;
  private bodyWork: Promise<unknown> | null = null;

  constructor(readonly requestId: string) {}

  /** Counts a read answered `kind` (read.ts). */
  served(kind: ServedKind): void {
    this.servedCounts[kind] += 1;
  }

  /** Counts a read that ended `outcome` (read.ts, once per read). */
  read(outcome: ReadOutcome): void {
    this.readCounts[outcome] += 1;
  }

  /** Counts a change that landed (items.ts, once per write or delete). */
  changed(kind: Change): void {
    this.changeCounts[kind] += 1;
  }

  /**
   * Runs one read's work (read.ts, and the lease it asks for, leases.ts): the storage calls that end
   * while a read is under way are its calls. A request's reads never run beside its own writes (a
   * batch runs its sets and deletes before its gets), so no write's call is taken for a read's.
   */
  async reading<T>(work: () => Promise<T>): Promise<T> {
    this.readsUnderway += 1;
    try {
      return await work();
    } finally {
      this.readsUnderway -= 1;
    }
  }

  /** A lease asked for (its storage calls are also timed under `storage`). */
  lease(outcome: "won" | "busy", ms: number): void {
    this.leases[outcome] += 1;
    this.leases.ms += ms;
  }

  record(phase: Phase, ms: number): void {
    this.totals[phase] += ms;
    this.calls[phase] += 1;
    if (phase === "storage" && this.readsUnderway > 0) this.readStorageCallCount += 1;
  }

  /** Times `work` under `phase`, whether it succeeds or fails. */
  time<T>(phase: Phase, work: Promise<T>): Promise<T> {
    return timed(this, phase, work);
  }

  /** Work that goes on after the answer's headers (a batch's gets, as its body streams): the log line waits for it. */
  continueUntil(done: Promise<unknown>): void {
    this.bodyWork = done;
  }

  /** The work the answer's body still does, if any (see `continueUntil`). */
  get ongoing(): Promise<unknown> | null {
    return this.bodyWork;
  }

  summary(now = Date.now()): RequestSummary {
    return {
      total: now - this.started,
      ...this.totals,
      cacheCalls: this.calls.cache,
      storageCalls: this.calls.storage,
      served: { ...this.servedCounts },
      reads: { ...this.readCounts },
      readStorageCalls: this.readStorageCallCount,
      changes: { ...this.changeCounts },
      leases: { ...this.leases },
    };
  }
}
