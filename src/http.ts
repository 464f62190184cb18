import type { Context } from "hono";
import type { Principal } from "./auth";
import type { Config } from "./config";

/** Hono's typed bindings and per-request variables for the whole app. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    principal: Principal;
  };
}

export type AppContext = Context<AppEnv>;
