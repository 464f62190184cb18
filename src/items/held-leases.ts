import type { LeaseOutcome } from "./lease";

/**
 * What this isolate knows of the leases held on its keys, so that readers that have a value to
 * serve (stale within its grace, or live under an early refresh) are told "busy" without a storage
 * call each: a lease this isolate just won, or found held, is remembered until it lapses (at most
 * `HELD_MEMORY_MS`), and a reader arriving while an ask for the same key is in flight here is told
 * busy at once rather than making its own. Storage stays the only arbiter of winning: memory only
 * ever answers busy, never won, and a reader with nothing to serve always asks storage.
 */

/** How long a held lease is remembered after this isolate learned of it: its release elsewhere is seen within this. */
export const HELD_MEMORY_MS = 1000;
/** Keys remembered at most; past it the oldest is forgotten (memory is an optimisation, never a rule). */
export const HELD_MEMORY_KEYS = 1000;

/** One key's memory: until when (unix ms) readers are told busy, and when its lease lapses at the latest. */
export interface HeldMemory {
  until: number;
  lapsesAt: number;
}

/** The busy answer memory gives at `nowMs`, or null when it knows nothing (the reader asks storage). Pure. */
export function busyFromMemory(memory: HeldMemory | undefined, nowMs: number): LeaseOutcome | null {
  if (memory === undefined || nowMs >= memory.until) return null;
  return { state: "busy", retryAfterMs: Math.max(0, Math.ceil(memory.lapsesAt - nowMs)) };
}

/**
 * What an ask's outcome teaches, learned at `nowMs` by an ask for `seconds`: a lease won here or
 * found held is remembered until it lapses (at most HELD_MEMORY_MS); a busy one about to lapse, or
 * to be asked again at once, is not remembered. Pure.
 */
export function memoryOf(outcome: LeaseOutcome, seconds: number, nowMs: number): HeldMemory | undefined {
  const lapsesAt = outcome.state === "won" ? nowMs + seconds * 1000 : nowMs + outcome.retryAfterMs;
  if (lapsesAt <= nowMs) return undefined;
  return { until: Math.min(lapsesAt, nowMs + HELD_MEMORY_MS), lapsesAt };
}

/** The memory of one isolate, by deployment and lease object key. */
export class HeldLeases {
  private readonly memory = new Map<string, HeldMemory>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Busy, when a lease on `key` is known held here (or being asked for); else null. */
  busy(key: string): LeaseOutcome | null {
    const now = this.now();
    const known = this.memory.get(key);
    const answer = busyFromMemory(known, now);
    if (answer === null && known !== undefined) this.memory.delete(key);
    return answer;
  }

  /**
   * Remembers an ask for `seconds` in flight (readers with a value meanwhile are told busy), then
   * what its outcome teaches. Answers the ask's own outcome.
   */
  async track(key: string, seconds: number, ask: Promise<LeaseOutcome>): Promise<LeaseOutcome> {
    const started = this.now();
    const asking: HeldMemory = { until: Number.POSITIVE_INFINITY, lapsesAt: started + seconds * 1000 };
    this.remember(key, asking);
    let outcome: LeaseOutcome;
    try {
      outcome = await ask;
    } catch (err) {
      if (this.memory.get(key) === asking) this.memory.delete(key);
      throw err;
    }
    // A release here meanwhile (forget) wins over what the ask learned.
    if (this.memory.get(key) === asking) {
      const learned = memoryOf(outcome, seconds, this.now());
      if (learned) this.remember(key, learned);
      else this.memory.delete(key);
    }
    return outcome;
  }

  /** The lease on `key` was released here: readers ask storage again. */
  forget(key: string): void {
    this.memory.delete(key);
  }

  get size(): number {
    return this.memory.size;
  }

  private remember(key: string, memory: HeldMemory): void {
    this.memory.delete(key);
    if (this.memory.size >= HELD_MEMORY_KEYS) {
      const oldest = this.memory.keys().next();
      if (!oldest.done) this.memory.delete(oldest.value);
    }
    this.memory.set(key, memory);
  }
}
