import { ApiError } from "../http/errors";
import { COUNTED, MS_DOUBLE, type StatsTotals, zeroCounts } from "./totals";
import type { StatsWindow } from "./windows";

/** Where the deployment's counts are asked: Analytics Engine's SQL API (secrets STATS_ACCOUNT_ID, STATS_API_TOKEN). */
export interface StatsSqlSettings {
  accountId: string;
  apiToken: string;
  /** The dataset the `STATS` binding writes to (`STATS_DATASET`, default `cloudcached`). */
  dataset: string;
  /** `https://api.cloudflare.com/client/v4` unless `STATS_SQL_API` says otherwise (a test's stand-in). */
  apiBase: string;
}

export const DEFAULT_STATS_DATASET = "cloudcached";
export const DEFAULT_STATS_SQL_API = "https://api.cloudflare.com/client/v4";

/** The SQL API's address for an account (Cloudflare's docs: `/accounts/{id}/analytics_engine/sql`). Pure. */
export function sqlApiUrl(settings: StatsSqlSettings): string {
  return `${settings.apiBase}/accounts/${encodeURIComponent(settings.accountId)}/analytics_engine/sql`;
}

const INTERVALS: Record<StatsWindow, string> = { "1h": "INTERVAL '1' HOUR", "24h": "INTERVAL '1' DAY", "7d": "INTERVAL '7' DAY" };

/** The rows of one namespace over one window; each point stands for `_sample_interval` requests. Pure. */
function scope(dataset: string, namespace: string, window: StatsWindow): string {
  // Both were validated (dataset name, namespace pattern); quotes are doubled all the same.
  return `FROM ${dataset} WHERE index1 = '${namespace.replaceAll("'", "''")}' AND timestamp > NOW() - ${INTERVALS[window]}`;
}

/**
 * The totals query: every counted double summed, weighted by sampling, and the time's p50/p99.
 * Analytics Engine's SQL has `quantileExactWeighted(q)(column, weight)`, weighted by
 * `_sample_interval` (https://developers.cloudflare.com/analytics/analytics-engine/sql-reference/aggregate-functions/,
 * checked 2026-12-04; `quantileWeighted(q, column, weight)` is its older spelling). Pure.
 */
export function totalsQuery(dataset: string, namespace: string, window: StatsWindow): string {
  const sums = COUNTED.map((name, i) => `SUM(_sample_interval * double${i + 1}) AS ${name}`).join(", ");
  const ms = `double${MS_DOUBLE}`;
  return `SELECT ${sums}, quantileExactWeighted(0.5)(${ms}, _sample_interval) AS p50, quantileExactWeighted(0.99)(${ms}, _sample_interval) AS p99 ${scope(dataset, namespace, window)} FORMAT JSON`;
}

/** The errors query: requests per error code. Pure. */
export function errorsQuery(dataset: string, namespace: string, window: StatsWindow): string {
  return `SELECT blob2 AS code, SUM(_sample_interval) AS count ${scope(dataset, namespace, window)} AND blob2 != '' GROUP BY code FORMAT JSON`;
}

type Row = Record<string, unknown>;

/** A number from the SQL API's JSON (64-bit integers may come as strings); NaN and absent → 0. Pure. */
function numberOf(value: unknown): number {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : 0;
}

/** The totals from the two queries' rows (FORMAT JSON's `data`). Pure. */
export function totalsFromRows(totalsRows: readonly Row[], errorRows: readonly Row[]): StatsTotals {
  const counts = zeroCounts();
  const row = totalsRows[0] ?? {};
  for (const name of COUNTED) counts[name] = Math.round(numberOf(row[name]));
  const errors: Record<string, number> = {};
  for (const error of errorRows) {
    if (typeof error.code === "string" && error.code !== "") errors[error.code] = Math.round(numberOf(error.count));
  }
  return { counts, errors, ms: { p50: numberOf(row.p50), p99: numberOf(row.p99) } };
}

/** Runs one query: POST the SQL as the body, bearer token; the answer's `data` rows. */
async function query(settings: StatsSqlSettings, sql: string, timeoutMs: number, fetcher: typeof fetch): Promise<Row[]> {
  let response: Response;
  try {
    response = await fetcher(sqlApiUrl(settings), { method: "POST", headers: { authorization: `Bearer ${settings.apiToken}` }, body: sql, signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new ApiError("storage_unavailable", "the Analytics Engine SQL API could not be reached");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ApiError("storage_error", `the Analytics Engine SQL API answered ${response.status}`);
  }
  const body = (await response.json().catch(() => null)) as { data?: unknown } | null;
  if (!body || !Array.isArray(body.data)) throw new ApiError("storage_error", "the Analytics Engine SQL API answered something other than FORMAT JSON");
  return body.data as Row[];
}

/** The namespace's totals over the window across the whole deployment (every location and instance). */
export async function deploymentTotals(settings: StatsSqlSettings, namespace: string, window: StatsWindow, timeoutMs: number, fetcher: typeof fetch = fetch): Promise<StatsTotals> {
  const [totalsRows, errorRows] = await Promise.all([
    query(settings, totalsQuery(settings.dataset, namespace, window), timeoutMs, fetcher),
    query(settings, errorsQuery(settings.dataset, namespace, window), timeoutMs, fetcher),
  ]);
  return totalsFromRows(totalsRows, errorRows);
}
