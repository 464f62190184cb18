/**
 * How the R2 binding fails, sorted as the S3 way sorts an answer (R2's error codes: "Error codes",
 * developers.cloudflare.com/r2/api/error-codes/, checked 2026-12-04; codes are 5 or 6 digits): the binding rejects with an Error whose message ends in R2's code,
 * e.g. "get: We encountered an internal error. Please try again. (10001)"; without a code, the
 * binding could not reach R2 at all (the runtime's "Network connection lost.").
 */
export type BindingFailure =
  /** No answer from R2: as a dropped connection over S3 (503 storage_unavailable). */
  | { kind: "unreachable" }
  /** R2 refused the write as one of too many to one object at once: as S3's 429/409 (a conflict, sent again). */
  | { kind: "conflict"; code: number }
  /** R2 answered with an error: as S3's 5xx (502 storage_error). */
  | { kind: "error"; code: number; status: number };

/** R2's codes for a busy or briefly broken bucket, and the HTTP status R2's S3 API gives each. */
const TRANSIENT_CODES: ReadonlyMap<number, number> = new Map([
  [10001, 500], // InternalError
  [10043, 503], // ServiceUnavailable
]);
/** TooManyRequests: more than one write a second to one object key (R2's 429 on the S3 API). */
const CONTENDED_CODE = 10058;

/** What a rejection of a binding call says about storage. Pure. */
export function bindingFailureOf(err: unknown): BindingFailure {
  const message = err instanceof Error ? err.message : "";
  const match = /\((\d{5,6})\)\s*$/.exec(message);
  if (!match) return { kind: "unreachable" };
  const code = Number(match[1]);
  if (code === CONTENDED_CODE) return { kind: "conflict", code };
  return { kind: "error", code, status: TRANSIENT_CODES.get(code) ?? 500 };
}

/** Whether an idempotent call is worth one more try after this failure (as `isRetryableStatus` over S3). Pure. */
export function isRetryableBindingFailure(failure: BindingFailure): boolean {
  return failure.kind !== "error" || TRANSIENT_CODES.has(failure.code);
}
