import { app } from "./http/app";
import { sweepCallLimit } from "./platform/budget";
import { configFor } from "./platform/config";
import { ApiError } from "./http/errors";
import { sweep, SWEEP_GRACE_SECONDS } from "./sweep/sweep";

export default {
  fetch: app.fetch,
  /** Cron Trigger (wrangler.toml `[triggers] crons`): one bounded run of the sweep. */
  async scheduled(_controller, env, _ctx) {
    try {
      const config = configFor(env);
      const report = await sweep(config, { budget: sweepCallLimit(config.sweepBudget, config.subrequestLimit), graceSeconds: SWEEP_GRACE_SECONDS });
      console.log(JSON.stringify({ level: report.stoppedBy === "error" ? "warn" : "info", sweep: report }));
    } catch (err) {
      console.error(JSON.stringify({ level: "error", sweep: "failed", message: err instanceof ApiError ? err.message : "internal error" }));
      throw err;
    }
  },
} satisfies ExportedHandler<Env>;
