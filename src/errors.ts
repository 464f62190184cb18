import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The error codes of API.md, each with the one status it is answered with. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
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

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * The one error type of the Worker. Its message is shown to the client, so it must never hold a
 * secret, a token or a storage URL.
 */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(ERROR_STATUS[code], { message });
    this.code = code;
    this.name = "ApiError";
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Maps a status that Hono or the runtime raised on its own to the closest code of API.md. */
export function codeForStatus(status: number): ErrorCode {
  const found = (Object.keys(ERROR_STATUS) as ErrorCode[]).find((code) => ERROR_STATUS[code] === status);
  if (found) return found;
  return status >= 500 ? "internal" : "bad_request";
}

export function errorResponse(err: ApiError, headers?: HeadersInit): Response {
  const response = Response.json(err.body(), { status: err.status, headers });
  return response;
}

/** Hono's onError: every failure leaves as API.md's JSON shape, never as a stack trace. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(err);
  if (err instanceof HTTPException) {
    return errorResponse(new ApiError(codeForStatus(err.status), err.status >= 500 ? "internal error" : err.message || "bad request"));
  }
  // Unexpected: log the type and message for the operator (no request data), answer a bare 500.
  console.error(JSON.stringify({ level: "error", at: c.req.method, error: err.name, message: err.message }));
  return errorResponse(new ApiError("internal", "internal error"));
}
