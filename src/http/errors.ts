import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The error codes of API.md, each with the one status it is answered with. */
export const ERROR_STATUS = {
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
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Headers an error carries whatever raised it: a 401 names the scheme that would succeed (RFC 9110 §11.6.1). */
const ERROR_HEADERS: Partial<Record<ErrorCode, Record<string, string>>> = {
  unauthorized: { "www-authenticate": "Bearer" },
};

export interface ErrorBody {
  /** `requestId` ties an error a client saw to the Worker's log line of that request. */
  error: { code: ErrorCode; message: string; requestId?: string };
}

/**
 * The one error type of the Worker. Its message is shown to the client, so it must never hold a
 * secret, a token or a storage URL.
 */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  /** Response headers that belong to this error (`Allow`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(ERROR_STATUS[code], { message });
    this.code = code;
    this.headers = { ...ERROR_HEADERS[code], ...headers };
    this.name = "ApiError";
  }

  body(requestId?: string): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(requestId ? { requestId } : {}) } };
  }
}

/** A 405 that names the methods the route answers, in its message and in the `Allow` header (RFC 9110 §15.5.6). */
export function methodNotAllowed(allowed: readonly string[]): ApiError {
  const list = allowed.join(", ");
  return new ApiError("method_not_allowed", `allowed: ${list}`, { allow: list });
}

/** A route's handler for every method it does not answer. */
export function otherMethods(allowed: readonly string[]): () => never {
  return () => {
    throw methodNotAllowed(allowed);
  };
}

/** Maps a status that Hono or the runtime raised on its own to the closest code of API.md. */
export function codeForStatus(status: number): ErrorCode {
  const found = (Object.keys(ERROR_STATUS) as ErrorCode[]).find((code) => ERROR_STATUS[code] === status);
  if (found) return found;
  return status >= 500 ? "internal" : "bad_request";
}

export function errorResponse(err: ApiError, requestId?: string): Response {
  return Response.json(err.body(requestId), { status: err.status, headers: err.headers });
}
