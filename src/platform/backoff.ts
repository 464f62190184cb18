/**
 * How long to wait before trying again, for every retry loop of the Worker (a storage call, a write
 * that lost a race, a flush that lost to another): "full jitter" under a ceiling that doubles with
 * each attempt up to a cap, plus a fixed floor. The jitter spreads racing retries apart; the cap
 * keeps a request's total wait bounded.
 */
export interface BackoffPolicy {
  /** Always waited, before the jitter. */
  floorMs: number;
  /** The jitter's ceiling at attempt 0; it doubles with each attempt... */
  baseMs: number;
  /** ...up to this. */
  capMs: number;
}

/** The wait before retry `attempt` (1 = the first retry), for a `random` number in [0, 1). Pure. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return policy.floorMs + random * ceiling;
}

/** Waits the policy's delay for `attempt`. */
export function waitBeforeRetry(attempt: number, policy: BackoffPolicy): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, policy, Math.random())));
}
