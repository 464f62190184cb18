import type { Context } from "hono";
import type { Principal } from "./auth";
import type { Config } from "./config";
import type { ErrorCode } from "./errors";
import type { RequestMetrics } from "./observability";

/** Hono's typed bindings and per-request variables for the whole app. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    principal: Principal;
    metrics: RequestMetrics;
    /** Set by onError, for the request's log line. */
    errorCode: ErrorCode;
  };
}

export type AppContext = Context<AppEnv>;
