import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, codeForStatus, errorResponse } from "./errors";
import type { AppEnv } from "./http";

/** Hono's onError: every failure leaves as API.md's JSON shape, never as a stack trace. */
export function onError(err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get("metrics")?.requestId;
  let apiError: ApiError;
  if (err instanceof ApiError) apiError = err;
  else if (err instanceof HTTPException) {
    apiError = new ApiError(codeForStatus(err.status), err.status >= 500 ? "internal error" : err.message || "bad request");
  } else {
    // Unexpected: log the type and message for the operator (no request data), answer a bare 500.
    console.error(JSON.stringify({ level: "error", requestId, error: err.name, message: err.message }));
    apiError = new ApiError("internal", "internal error");
  }
  c.set("errorCode", apiError.code);
  return errorResponse(apiError, requestId);
}
