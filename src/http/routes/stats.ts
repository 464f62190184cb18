import { Hono } from "hono";
import { authorize } from "../../auth/auth";
import { validateNamespace } from "../../items/names";
import { deploymentTotals } from "../../stats/deployment-stats";
import { instanceCounters } from "../../stats/instance-counters";
import { statsBody } from "../../stats/totals";
import type { StatsWindow } from "../../stats/windows";
import { readEnum, windowParam } from "../schema";
import { otherMethods } from "../errors";
import type { AppContext, AppEnv } from "../http";

/** API.md's Stats: `GET /v1/{ns}/stats?window=1h|24h|7d`. */
export const stats = new Hono<AppEnv>();

stats.get("/:ns/stats", answerStats);
stats.all("/:ns/stats", otherMethods(["GET", "HEAD"]));

/**
 * The deployment's counts when Analytics Engine's SQL API is configured, else this instance's,
 * labelled by `scope`: never one presented as the other.
 */
async function answerStats(c: AppContext): Promise<Response> {
  const namespace = validateNamespace(c.req.param("ns") ?? "");
  const window = readEnum<StatsWindow>(windowParam, c.req.query("window") ?? "1h");
  // Always a token, even for a public-read namespace: its traffic is not one of its items.
  authorize(c.get("principal"), { scope: "read", namespace, publicRead: false });
  const config = c.get("config");
  const body = config.statsSql
    ? statsBody(namespace, window, "deployment", await deploymentTotals(config.statsSql, namespace, window, config.storageTimeoutMs))
    : statsBody(namespace, window, "instance", instanceCounters.totals(namespace, window));
  return c.json(body, 200, { "cache-control": "no-store" });
}
