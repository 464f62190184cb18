import { ApiError } from "../http/errors";
import type { BackoffPolicy } from "../platform/backoff";

/** An idempotent storage call is tried once more, 20–50 ms later (either way to storage). */
export const IDEMPOTENT_ATTEMPTS = 2;
export const RETRY_BACKOFF: BackoffPolicy = { floorMs: 20, baseMs: 15, capMs: 30 };

/**
 * An answer storage gave that the operation did not expect, as the error the client sees:
 * always `502 storage_error`, naming what failed but never the URL, bucket or credentials.
 */
export function storageAnswerError(operation: string, status: number, code: string | undefined): ApiError {
  const detail = code ? `${status} ${code}` : `${status}`;
  if (status === 403 && (code === "SignatureDoesNotMatch" || code === "InvalidAccessKeyId" || code === "AccessDenied")) {
    return new ApiError("storage_error", `storage refused the ${operation} (${detail}): check the Worker's storage credentials`);
  }
  return new ApiError("storage_error", `storage answered the ${operation} with an error (${detail})`);
}

export function storageTimeoutError(operation: string, timeoutMs: number): ApiError {
  return new ApiError("storage_timeout", `storage did not answer the ${operation} within ${timeoutMs} ms`);
}

export function storageUnavailableError(operation: string): ApiError {
  return new ApiError("storage_unavailable", `storage could not be reached for the ${operation}`);
}

/** Statuses worth one more try for an idempotent call: the store was busy or briefly broken. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}
