import type { Context } from "hono";
import type { Principal } from "../auth/auth";
import type { Config } from "../platform/config";
import type { ErrorCode } from "./errors";
import type { RequestMetrics } from "../platform/metrics";
import type { RequestContext } from "./request-context";

/** Hono's typed bindings and per-request variables for the whole app. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    principal: Principal;
    metrics: RequestMetrics;
    /** The request's storage, location cache, generations and verbs, each built at first use (request-context.ts). */
    context: RequestContext;
    /** The console's own Content-Security-Policy, set only by its routes (content-safety.ts). */
    pagePolicy: string | undefined;
    /** Set by onError, for the request's log line. */
    errorCode: ErrorCode;
  };
}

export type AppContext = Context<AppEnv>;

/**
 * Sets (or appends) a header on the answer a middleware has after `next()`: in place, copying the
 * response only if its headers are immutable (a fetched one). Hono's `c.header` would copy it
 * every time once the answer is final.
 */
export function setResponseHeader(c: AppContext, name: string, value: string, options: { append?: boolean } = {}): void {
  try {
    if (options.append) c.res.headers.append(name, value);
    else c.res.headers.set(name, value);
  } catch {
    c.res = new Response(c.res.body, c.res);
    if (options.append) c.res.headers.append(name, value);
    else c.res.headers.set(name, value);
  }
}
