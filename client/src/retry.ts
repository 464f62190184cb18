// When a failed request may be sent again, and how long to wait first. Pure functions.

/** Statuses worth another try: the server could not reach or hear from its storage. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([503, 504]);

export interface RetryPolicy {
  /** Further attempts after the first. */
  retries: number;
  /** Wait before the first retry, doubled each time. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 100, maxDelayMs: 2000 };

/**
 * Whether a request can be repeated without changing its outcome: reads (GET, HEAD, a batch of
 * gets only) and an unconditional DELETE. A write, a conditional delete, an op or a flush could have
 * been applied before the failure, and a second try would answer differently (an `add` that
 * succeeded answers 412 the second time), so they are never retried.
 */
export function isIdempotent(method: string, conditional: boolean): boolean {
  const upper = method.toUpperCase();
  if (upper === "GET" || upper === "HEAD") return true;
  return upper === "DELETE" && !conditional;
}

/**
 * The wait before retry number `attempt` (1 for the first retry): exponential, with jitter between half and all of it,
 * at least `Retry-After` when the server sent one (capped by `maxDelayMs`).
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: number, retryAfterSeconds?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + (ceiling / 2) * random);
  const floor = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 0;
  return Math.min(policy.maxDelayMs, Math.max(jittered, floor));
}

/** `Retry-After` in seconds (the delta form only), or undefined. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}
