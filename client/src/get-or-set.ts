// getOrSet: the value of a key, computed by exactly one caller at a time across every process (the
// Worker's lease), the others served the stale value (grace) or waiting for the winner's. The
// decisions are get-or-set-plan.ts's; this file runs them against the Worker.

import type { CachedValue, Storable } from "./codec.js";
import { CloudCachedError } from "./errors.js";
import {
  type Found,
  type GetOrSetSettings,
  type LeaseState,
  pollDelayMs,
  type ResolvedSettings,
  resolveSettings,
  stepFor,
  waitBudgetMs,
} from "./get-or-set-plan.js";

/** Hands a promise to the runtime so that it may finish after the answer (a Worker's `ctx.waitUntil`). */
export type WaitUntil = (promise: Promise<unknown>) => void;

export interface GetOrSetOptions extends GetOrSetSettings {
  /** On Workers, `ctx.waitUntil`: a refresh that goes on after getOrSet returns runs under it. */
  waitUntil?: WaitUntil | undefined;
}

/** The client's defaults for getOrSet, over the built-in ones. */
export type GetOrSetDefaults = GetOrSetOptions;

/** getOrSet's counts for one client instance since it was made. */
export interface GetOrSetStats {
  /** Calls answered with a live value from the cache (after waiting for another caller's, too). */
  hits: number;
  /** Calls that found nothing to serve and computed the value themselves. */
  misses: number;
  /** Calls answered with a stale value (within its grace). */
  staleServed: number;
  /** Leases this client won (it computed, or refreshed early). */
  leasesWon: number;
  /** Calls that waited for another caller's value. */
  waits: number;
  /** Times the factory ran. */
  factoryRuns: number;
  /** Times the factory threw (or rejected). */
  factoryErrors: number;
  /** Calls that stopped waiting at their timeout (soft: served stale) or hard timeout (threw `factory_timeout`). */
  timeouts: number;
}

/** One read of getOrSet's: what it found (decoded) and what it said of the lease. */
export interface LeaseRead {
  found: Found;
  value: CachedValue | null;
  lease: LeaseState;
}

/** The Worker calls getOrSet needs, made by the client. */
export interface LeaseCalls {
  /** A read accepting a stale value, asking for the lease when `lease` is given. */
  read(key: string, lease: number | null, refreshBelow: number | undefined): Promise<LeaseRead>;
  /** Writes the value, releasing the lease `token` names. */
  write(key: string, value: Storable, settings: ResolvedSettings, token: string | null): Promise<void>;
  /** Releases the lease without writing; the item is left as it is. */
  release(key: string, token: string): Promise<void>;
}

export type Factory<T> = () => T | Promise<T>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves to `"timeout"` after `ms`, unless `work` settles first. */
async function within<T>(work: Promise<T>, ms: number): Promise<{ done: T } | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([work.then((done) => ({ done })), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function factoryTimeout(key: string, ms: number): CloudCachedError {
  return new CloudCachedError(0, "factory_timeout", `no value for ${JSON.stringify(key)} within the hard timeout (${ms} ms)`);
}

export class GetOrSetRunner {
  readonly stats: GetOrSetStats = { hits: 0, misses: 0, staleServed: 0, leasesWon: 0, waits: 0, factoryRuns: 0, factoryErrors: 0, timeouts: 0 };
  /** Keys whose factory failed while a stale value stood in: not recomputed by this client before the time here. */
  private readonly backoffUntil = new Map<string, number>();

  constructor(
    private readonly calls: LeaseCalls,
    private readonly defaults: GetOrSetDefaults,
  ) {}

  async run<T>(key: string, factory: Factory<T>, options: GetOrSetOptions): Promise<T> {
    const settings = resolveSettings(this.defaults, options);
    const waitUntil = options.waitUntil ?? this.defaults.waitUntil;
    const started = Date.now();
    const budgetMs = waitBudgetMs(settings);
    let polls = 0;
    let askLease = (this.backoffUntil.get(key) ?? 0) <= started;
    for (;;) {
      const read = await this.calls.read(key, askLease ? settings.lease : null, settings.refreshBelow);
      if (read.lease.kind === "won") this.stats.leasesWon += 1;
      const step = stepFor(read.found, read.lease);
      if (step === "compute" && !askLease) {
        // Backing off, and the stale value is gone: computing now needs the lease like any other caller.
        askLease = true;
        continue;
      }
      const token = read.lease.kind === "won" ? read.lease.token : null;
      switch (step) {
        case "return":
          if (read.found === "live") this.stats.hits += 1;
          else this.stats.staleServed += 1;
          return read.value as T;
        case "refresh":
          this.stats.hits += 1;
          this.background(this.produce(key, factory, settings, token, true), waitUntil);
          return read.value as T;
        case "compute":
          return read.found === "stale"
            ? this.computeHoldingStale(key, factory, settings, token, read.value as T, waitUntil)
            : this.computeFromNothing(key, factory, settings, token, waitUntil);
        case "wait": {
          if (polls === 0) this.stats.waits += 1;
          const remaining = budgetMs - (Date.now() - started);
          if (remaining <= 0) {
            this.stats.timeouts += 1;
            throw factoryTimeout(key, settings.hardTimeoutMs ?? 0);
          }
          polls += 1;
          await sleep(pollDelayMs(polls, read.lease.kind === "busy" ? read.lease.retryAfterMs : null, remaining, Math.random()));
        }
      }
    }
  }

  /** Nothing to serve: the caller waits for its factory, up to the hard timeout. */
  private async computeFromNothing<T>(key: string, factory: Factory<T>, settings: ResolvedSettings, token: string | null, waitUntil: WaitUntil | undefined): Promise<T> {
    this.stats.misses += 1;
    const work = this.produce(key, factory, settings, token, false);
    if (settings.hardTimeoutMs === undefined) return work;
    const outcome = await within(work, settings.hardTimeoutMs);
    if (outcome !== "timeout") return outcome.done;
    this.stats.timeouts += 1;
    // The factory goes on and writes its value when it finishes, for the callers after this one.
    this.background(work, waitUntil);
    throw factoryTimeout(key, settings.hardTimeoutMs);
  }

  /** A stale value in hand: it is served when the factory fails, or has not finished within the soft timeout. */
  private async computeHoldingStale<T>(
    key: string,
    factory: Factory<T>,
    settings: ResolvedSettings,
    token: string | null,
    stale: T,
    waitUntil: WaitUntil | undefined,
  ): Promise<T> {
    const work = this.produce(key, factory, settings, token, true);
    const serveStale = (): T => {
      this.stats.staleServed += 1;
      return stale;
    };
    if (settings.timeoutMs === 0) {
      this.background(work, waitUntil);
      return serveStale();
    }
    const failed = Symbol("failed");
    const settled = work.catch(() => failed);
    const outcome = settings.timeoutMs === undefined ? { done: await settled } : await within(settled, settings.timeoutMs);
    if (outcome !== "timeout") {
      if (outcome.done === failed) return serveStale();
      this.stats.misses += 1;
      return outcome.done as T;
    }
    this.stats.timeouts += 1;
    this.background(work, waitUntil);
    return serveStale();
  }

  /**
   * Runs the factory and writes its value (releasing the lease). A factory that throws releases the
   * lease without writing (so that another caller may take over at once; the item stays as it is);
   * with a value stored (stale, or live under an early refresh) this client then waits `graceBackoff`
   * before it tries again.
   */
  private async produce<T>(key: string, factory: Factory<T>, settings: ResolvedSettings, token: string | null, itemStored: boolean): Promise<T> {
    this.stats.factoryRuns += 1;
    let value: T;
    try {
      value = await factory();
    } catch (err) {
      this.stats.factoryErrors += 1;
      if (itemStored) this.backoffUntil.set(key, Date.now() + settings.graceBackoffMs);
      // A token that no longer holds the lease (it lapsed and another caller won it) releases nothing.
      if (token !== null) await this.calls.release(key, token).catch(() => undefined);
      throw err;
    }
    this.backoffUntil.delete(key);
    await this.calls.write(key, value as Storable, settings, token);
    return value;
  }

  private background(work: Promise<unknown>, waitUntil: WaitUntil | undefined): void {
    // Its failure is counted (factoryErrors) and told to the next caller by the value's absence.
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    waitUntil?.(settled);
  }
}
