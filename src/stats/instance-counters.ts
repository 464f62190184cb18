import type { RequestTally } from "./outcome";
import { COUNTED, type Counted, type StatsTotals, zeroCounts } from "./totals";
import { STATS_WINDOWS, type StatsWindow } from "./windows";

/** Upper bounds (ms) of the time histogram's bins; the last bin holds everything slower. */
export const MS_BINS = [1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200, 300, 500, 800, 1200, 2000, 3000, 5000, 10_000] as const;

/**
 * Namespaces one instance keeps counters for; past it, a new namespace takes the place of the one
 * least recently counted (a busy instance keeps counting the namespaces it serves now).
 */
export const MAX_COUNTED_NAMESPACES = 64;

interface Bucket {
  /** The bucket's start, in whole units of its ring's width since the epoch. */
  slot: number;
  counts: Float64Array;
  errors: Map<string, number>;
  ms: Uint32Array;
}

/** A ring of `size` buckets of `widthMs` each: memory stays bounded whatever the traffic. */
class Ring {
  private readonly buckets: (Bucket | undefined)[];
  constructor(
    private readonly widthMs: number,
    private readonly size: number,
  ) {
    this.buckets = new Array<Bucket | undefined>(size);
  }

  bucketAt(nowMs: number): Bucket {
    const slot = Math.floor(nowMs / this.widthMs);
    const index = slot % this.size;
    let bucket = this.buckets[index];
    if (bucket === undefined) {
      bucket = { slot, counts: new Float64Array(COUNTED.length), errors: new Map(), ms: new Uint32Array(MS_BINS.length + 1) };
      this.buckets[index] = bucket;
    } else if (bucket.slot !== slot) {
      // An old bucket is reused in place: nothing is allocated per request once the ring has turned.
      bucket.slot = slot;
      bucket.counts.fill(0);
      bucket.errors.clear();
      bucket.ms.fill(0);
    }
    return bucket;
  }

  /** The buckets that began within the last `seconds` (the current one included). */
  within(nowMs: number, seconds: number): Bucket[] {
    const newest = Math.floor(nowMs / this.widthMs);
    const oldest = newest - Math.ceil((seconds * 1000) / this.widthMs) + 1;
    return this.buckets.filter((bucket): bucket is Bucket => bucket !== undefined && bucket.slot >= oldest && bucket.slot <= newest);
  }
}

/** The bin of a duration in MS_BINS. Pure. */
export function msBin(ms: number): number {
  for (let i = 0; i < MS_BINS.length; i++) if (ms <= (MS_BINS[i] as number)) return i;
  return MS_BINS.length;
}

/** The q-quantile of a histogram over MS_BINS, as the upper bound of its bin (0 when empty). Pure. */
export function quantileOf(histogram: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i] as number;
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] as number;
    if (seen >= rank) return MS_BINS[Math.min(i, MS_BINS.length - 1)] as number;
  }
  return MS_BINS[MS_BINS.length - 1] as number;
}

/** Adds one request to a bucket, in COUNTED's order. */
function addTo(bucket: Bucket, tally: RequestTally, bin: number): void {
  const c = bucket.counts;
  c[0] = (c[0] as number) + 1;
  c[1] = (c[1] as number) + tally.hits;
  c[2] = (c[2] as number) + tally.misses;
  c[3] = (c[3] as number) + tally.notFound;
  c[4] = (c[4] as number) + tally.staleGrace;
  c[5] = (c[5] as number) + tally.staleError;
  c[6] = (c[6] as number) + tally.leaseWon;
  c[7] = (c[7] as number) + tally.leaseBusy;
  c[8] = (c[8] as number) + tally.writes;
  c[9] = (c[9] as number) + tally.deletes;
  c[10] = (c[10] as number) + tally.storageCalls;
  c[11] = (c[11] as number) + tally.cacheCalls;
  c[12] = (c[12] as number) + tally.bytes;
  c[13] = (c[13] as number) + tally.readStorageCalls;
  if (tally.error !== undefined) bucket.errors.set(tally.error, (bucket.errors.get(tally.error) ?? 0) + 1);
  bucket.ms[bin] = (bucket.ms[bin] as number) + 1;
}

/** A request as counted: its namespace and its tally. */
export interface CountedRequest {
  namespace: string;
  tally: RequestTally;
}

/** A request whose counting waits for its answer to leave (`InstanceCounters.countLater`). */
export interface PendingCount {
  /** Counts the request, once; its namespace and tally, or undefined when it is not counted. */
  settle(): CountedRequest | undefined;
}

/** A namespace's counters: minutes for the last hour, hours for the last week. */
class NamespaceCounters {
  readonly minutes = new Ring(60_000, 60);
  readonly hours = new Ring(3_600_000, 168);
}

/**
 * The counters of this Worker instance (isolate), per namespace, in time buckets. Recording a
 * request is a few additions into two preallocated buckets: no I/O, no await.
 */
export class InstanceCounters {
  private readonly namespaces = new Map<string, NamespaceCounters>();
  /** Requests answered and not yet counted (see `countLater`). */
  private readonly pending = new Set<PendingCount>();

  /**
   * Counts a request after its answer has left, so that counting never delays it: its tally is made
   * once, when it is settled (the caller settles it after the answer), or by the first read of the
   * totals before that, so a stats request still sees every request answered before it. Recorded
   * at `nowMs`, the answer's time. `tallyOf` gives undefined for a request not counted (no namespace).
   */
  countLater(tallyOf: () => CountedRequest | undefined, nowMs = Date.now()): PendingCount {
    let settled: { counted: CountedRequest | undefined } | undefined;
    const pending: PendingCount = {
      settle: () => {
        if (settled === undefined) {
          this.pending.delete(pending);
          settled = { counted: tallyOf() };
          if (settled.counted !== undefined) this.record(settled.counted.namespace, settled.counted.tally, nowMs);
        }
        return settled.counted;
      },
    };
    this.pending.add(pending);
    return pending;
  }

  record(namespace: string, tally: RequestTally, nowMs = Date.now()): void {
    let counters = this.namespaces.get(namespace);
    if (counters === undefined) {
      if (this.namespaces.size >= MAX_COUNTED_NAMESPACES) {
        // The Map keeps insertion order, and a counted namespace is moved to its end: the first is the least recent.
        const leastRecent = this.namespaces.keys().next().value;
        if (leastRecent !== undefined) this.namespaces.delete(leastRecent);
      }
      counters = new NamespaceCounters();
    } else {
      this.namespaces.delete(namespace);
    }
    this.namespaces.set(namespace, counters);
    const bin = msBin(tally.ms);
    addTo(counters.minutes.bucketAt(nowMs), tally, bin);
    addTo(counters.hours.bucketAt(nowMs), tally, bin);
  }

  /** The namespace's totals over the window: the last hour from minute buckets, longer windows from hour buckets. */
  totals(namespace: string, window: StatsWindow, nowMs = Date.now()): StatsTotals {
    for (const pending of this.pending) pending.settle();
    const counts = zeroCounts();
    const errors: Record<string, number> = {};
    const histogram = new Array<number>(MS_BINS.length + 1).fill(0);
    const counters = this.namespaces.get(namespace);
    if (counters) {
      const ring = window === "1h" ? counters.minutes : counters.hours;
      for (const bucket of ring.within(nowMs, STATS_WINDOWS[window])) {
        COUNTED.forEach((name: Counted, i) => {
          counts[name] += bucket.counts[i] as number;
        });
        for (const [code, count] of bucket.errors) errors[code] = (errors[code] ?? 0) + count;
        bucket.ms.forEach((count, i) => {
          histogram[i] = (histogram[i] as number) + count;
        });
      }
    }
    return { counts, errors, ms: { p50: quantileOf(histogram, 0.5), p99: quantileOf(histogram, 0.99) } };
  }
}

/** This isolate's counters: module state lives as long as the isolate. */
export const instanceCounters = new InstanceCounters();
