/**
 * Request coalescing: concurrent callers asking for the same key share one call in flight. Used
 * for storage reads, so that a burst of misses for one key in an isolate costs one storage GET,
 * however slow storage is. A call is forgotten as soon as it settles: nothing is cached here.
 */
export class Flights<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** Joins the call in flight for `key`, or starts one; `leader` tells which. */
  run(key: string, start: () => Promise<T>): { promise: Promise<T>; leader: boolean } {
    const existing = this.inFlight.get(key);
    if (existing) return { promise: existing, leader: false };
    const promise = start().finally(() => {
      if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, promise);
    // A failure reaches every caller through `promise`; this only keeps it from being unhandled.
    promise.catch(() => undefined);
    return { promise, leader: true };
  }

  get size(): number {
    return this.inFlight.size;
  }
}
