import type { Context } from "hono";
import type { Principal } from "./auth";
import type { SubrequestBudget } from "./budget";
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
    /** The request's subrequests (storage and location-cache calls), bounded by SUBREQUEST_LIMIT. */
    budget: SubrequestBudget;
    /** Set by onError, for the request's log line. */
    errorCode: ErrorCode;
  };
}

export type AppContext = Context<AppEnv>;
