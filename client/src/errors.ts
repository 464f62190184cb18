/**
 * The error codes of API.md, and the client's own for failures that never reached an answer
 * (`network_error`: the request could not be sent or its answer not read; `timeout`: no answer
 * within `timeoutMs`; `factory_timeout`: getOrSet had no value within its `hardTimeout`). Those carry `status` 0.
 */
export type ApiErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "no_such_route"
  | "method_not_allowed"
  | "not_a_number"
  | "out_of_range"
  | "length_required"
  | "precondition_failed"
  | "value_too_large"
  | "internal"
  | "storage_error"
  | "storage_unavailable"
  | "storage_timeout";

export type ErrorCode = ApiErrorCode | "network_error" | "timeout" | "factory_timeout";

/** The one error the client throws for anything the server (or the network) refused. */
export class CloudCachedError extends Error {
  /** The HTTP status, or 0 when no answer arrived (`network_error`, `timeout`, `factory_timeout`). */
  readonly status: number;
  /** API.md's error code (or `network_error` / `timeout`); an unknown code from a newer server is kept as sent. */
  readonly code: ErrorCode | (string & {});

  constructor(status: number, code: ErrorCode | (string & {}), message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CloudCachedError";
    this.status = status;
    this.code = code;
  }
}

interface ErrorShape {
  error: { code: string; message: string };
}

function isErrorShape(value: unknown): value is ErrorShape {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { code?: unknown }).code === "string" &&
    typeof (error as { message?: unknown }).message === "string"
  );
}

/**
 * The code a status stands for when the answer carries no JSON error (a proxy's page, say). A 404
 * without one is `no_such_route`, never `not_found`: only the API says an item is absent, so a URL
 * that reaches some other server is an error, not a cache miss.
 */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "no_such_route";
    case 405: return "method_not_allowed";
    case 409: return "out_of_range";
    case 411: return "length_required";
    case 412: return "precondition_failed";
    case 413: return "value_too_large";
    case 502: return "storage_error";
    case 503: return "storage_unavailable";
    case 504: return "storage_timeout";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

/** Builds the error from an error body's text (API.md's `{"error": {"code", "message"}}`), or from the status alone. */
export function errorFromBody(status: number, text: string): CloudCachedError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isErrorShape(parsed)) return new CloudCachedError(status, parsed.error.code, parsed.error.message);
  const hint = status === 404 ? " without a CloudCached error: is the URL the Worker's origin (no path)?" : "";
  return new CloudCachedError(status, codeForStatus(status), `HTTP ${status}${hint}`);
}

/** Whether an error says the item is absent: API.md's `404 not_found`, and nothing else. */
export function isAbsent(error: unknown): boolean {
  return error instanceof CloudCachedError && error.status === 404 && error.code === "not_found";
}

const STATUS_OF_CODE: Record<ApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  no_such_route: 404,
  method_not_allowed: 405,
  not_a_number: 409,
  out_of_range: 409,
  length_required: 411,
  precondition_failed: 412,
  value_too_large: 413,
  internal: 500,
  storage_error: 502,
  storage_unavailable: 503,
  storage_timeout: 504,
};

/** The status API.md answers a code with (500 for a code this client does not know). */
export function statusForCode(code: string): number {
  return Object.hasOwn(STATUS_OF_CODE, code) ? STATUS_OF_CODE[code as ApiErrorCode] : 500;
}

/** A per-key error inside a batch answer (`{"error": {"code", "message"}}`), or null when it is none. */
export function errorFromBatch(value: unknown): CloudCachedError | null {
  if (!isErrorShape(value)) return null;
  return new CloudCachedError(statusForCode(value.error.code), value.error.code, value.error.message);
}

/**
 * Thrown by a call over many keys that has no other way to tell that some of them failed (an
 * adapter's `setItems`, a `clear` by prefix): its message names the failed keys and says how many
 * others succeeded; `results` holds each key's outcome (its result, or its own CloudCachedError).
 * Its `status` and `code` are the first failed key's.
 */
export class PartialFailureError extends CloudCachedError {
  readonly results: ReadonlyMap<string, unknown>;

  constructor(results: ReadonlyMap<string, unknown>, done: string) {
    const failed = [...results].filter((entry): entry is [string, CloudCachedError] => entry[1] instanceof CloudCachedError);
    const first = failed[0]?.[1];
    const shown = failed.slice(0, 5).map(([key, error]) => `${JSON.stringify(key)} (${error.code}: ${error.message})`);
    const more = failed.length > shown.length ? `, and ${failed.length - shown.length} more` : "";
    super(
      first?.status ?? 500,
      first?.code ?? "internal",
      `${failed.length} of ${results.size} keys failed: ${shown.join(", ")}${more}; the other ${results.size - failed.length} were ${done}`,
      { cause: first },
    );
    this.name = "PartialFailureError";
    this.results = results;
  }
}

/** Throws a PartialFailureError when any key of a call over many keys failed. */
export function throwIfAnyFailed(results: ReadonlyMap<string, unknown>, done: string): void {
  for (const result of results.values()) if (result instanceof CloudCachedError) throw new PartialFailureError(results, done);
}
