import { MIN_SUBREQUEST_LIMIT, MIN_SWEEP_BUDGET, parseSubrequestLimit } from "./budget";
import { ApiError } from "../http/errors";
import { REQUIRED_SETTINGS, S3_CONNECTION_SETTINGS, STORE_BINDING, STORE_BUCKET_SETTING } from "./required-settings";

export { REQUIRED_SETTINGS };
import { dialectNamed, NAMED_DIALECTS, type StoreDialect } from "../storage/s3/dialect";
import { DEFAULT_STATS_DATASET, DEFAULT_STATS_SQL_API, type StatsSqlSettings } from "../stats/deployment-stats";

/** Settings of the Worker, parsed and checked once per set of bindings (see `configFor`). */
/**
 * ALLOWED_ORIGINS is read by src/http/cors.ts on its own: CORS runs before this, so that even an error
 * about the configuration reaches a browser.
 */
export interface Config {
  /** Every object key starts with it (S3_PREFIX, whichever way storage is reached), so one bucket can hold other things too. */
  prefix: string;
  /** How storage is reached: the S3 API, or the R2 binding STORE. */
  store: StoreSettings;
  defaultTtl: number;
  maxTtl: number;
  maxValueBytes: number;
  edgeTtl: number;
  maxTokenTtl: number;
  storageTimeoutMs: number;
  /** Calls to storage and the location cache one request may make (the plan's subrequests per invocation). */
  subrequestLimit: number;
  /** Calls to storage and the location cache one run of the sweep may make; held to `subrequestLimit` (src/platform/budget.ts, `sweepCallLimit`). */
  sweepBudget: number;
  publicReadNamespaces: readonly string[];
  adminToken: string;
  tokenSecret: string | undefined;
  /** Analytics Engine's SQL API, when both STATS_ACCOUNT_ID and STATS_API_TOKEN are set: stats of the whole deployment. */
  statsSql: StatsSqlSettings | null;
  /** `CONSOLE=off` turns `GET /console` off. */
  console: boolean;
}

/** One way to storage per deployment: both configured is refused (`parseConfig`). */
export type StoreSettings = { kind: "s3"; s3: S3Settings } | { kind: "r2"; bucket: R2Bucket; bucketName: string };

export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Every object key starts with it, so one bucket can hold other things too. */
  prefix: string;
  /** How the store reads conditional headers, as `S3_DIALECT` names it; null: learned by a probe. */
  dialect: StoreDialect | null;
}

export const DEFAULTS = {
  DEFAULT_TTL: 3600,
  MAX_TTL: 31_536_000,
  MAX_VALUE_BYTES: 100_000_000,
  EDGE_TTL: 60,
  MAX_TOKEN_TTL: 2_592_000,
  STORAGE_TIMEOUT_MS: 10_000,
  SWEEP_BUDGET: 45,
} as const;

type Source = Partial<Record<string, unknown>>;

function missing(name: string): never {
  throw new ApiError("internal", `server misconfigured: the setting ${name} is missing`);
}

function invalid(name: string, rule: string): never {
  throw new ApiError("internal", `server misconfigured: the setting ${name} must be ${rule}`);
}

function text(env: Source, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") return String(value);
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function required(env: Source, name: (typeof REQUIRED_SETTINGS)[number] | (typeof S3_CONNECTION_SETTINGS)[number]): string {
  return text(env, name) ?? missing(name);
}

function integer(env: Source, name: keyof typeof DEFAULTS, min: number): number {
  const raw = text(env, name);
  if (raw === undefined) return DEFAULTS[name];
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) {
    invalid(name, `a whole number >= ${min}`);
  }
  return Number(raw);
}

function list(env: Source, name: string): string[] {
  return (text(env, name) ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** Whether a binding is an R2 bucket (what `[[r2_buckets]]` gives the Worker). */
function isR2Bucket(value: unknown): value is R2Bucket {
  if (typeof value !== "object" || value === null) return false;
  const bucket = value as Record<string, unknown>;
  return typeof bucket.head === "function" && typeof bucket.put === "function" && typeof bucket.list === "function";
}

/** The S3 settings (S3_ENDPOINT, S3_BUCKET, the key), each named when missing or malformed. */
function parseS3(env: Source, prefix: string): S3Settings {
  const endpoint = required(env, "S3_ENDPOINT");
  let endpointUrl: URL;
  try {
    endpointUrl = new URL(endpoint);
  } catch {
    invalid("S3_ENDPOINT", "an http(s) URL");
  }
  if (endpointUrl.protocol !== "http:" && endpointUrl.protocol !== "https:") invalid("S3_ENDPOINT", "an http(s) URL");
  const dialectName = text(env, "S3_DIALECT");
  const dialect = dialectName === undefined ? null : (dialectNamed(dialectName) ?? invalid("S3_DIALECT", `one of ${Object.keys(NAMED_DIALECTS).join(", ")}, or empty`));
  return {
    endpoint: endpoint.replace(/\/+$/, ""),
    bucket: required(env, "S3_BUCKET"),
    region: text(env, "S3_REGION") ?? "auto",
    accessKeyId: required(env, "S3_ACCESS_KEY_ID"),
    secretAccessKey: required(env, "S3_SECRET_ACCESS_KEY"),
    prefix,
    dialect,
  };
}

/**
 * STORE_BUCKET: the name of the bucket bound as STORE (the binding does not tell it), which names the
 * deployment (src/platform/deployment.ts). An R2 bucket name: 3 to 63 lowercase letters, digits and
 * hyphens, starting and ending with a letter or digit.
 */
function parseBucketName(env: Source): string {
  const name = text(env, STORE_BUCKET_SETTING) ?? missing(STORE_BUCKET_SETTING);
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)) invalid(STORE_BUCKET_SETTING, "the bound R2 bucket's name (3-63 lowercase letters, digits and hyphens)");
  return name;
}

/**
 * How storage is reached: the R2 binding STORE when the Worker has one, else the S3 API. Both at
 * once is refused, naming them: a silent choice would read one bucket while the operator looks at
 * the other.
 */
function parseStore(env: Source, prefix: string): StoreSettings {
  const binding = env[STORE_BINDING];
  if (binding === undefined || binding === null) return { kind: "s3", s3: parseS3(env, prefix) };
  if (!isR2Bucket(binding)) invalid(STORE_BINDING, "an R2 bucket binding ([[r2_buckets]] in wrangler.toml)");
  const alsoS3 = S3_CONNECTION_SETTINGS.filter((name) => text(env, name) !== undefined);
  if (alsoS3.length > 0) {
    throw new ApiError("internal", `server misconfigured: both the R2 binding ${STORE_BINDING} and ${alsoS3.join(", ")} are set; keep one way to storage (remove the binding, or delete the S3 settings)`);
  }
  return { kind: "r2", bucket: binding, bucketName: parseBucketName(env) };
}

/** Reads every setting of API.md's configuration; a missing or malformed one is named (never its value). */
export function parseConfig(bindings: object): Config {
  const env = bindings as Source;
  const rawPrefix = text(env, "S3_PREFIX") ?? "cloudcached/";
  if (rawPrefix.startsWith("/") || rawPrefix.includes("//")) invalid("S3_PREFIX", "a key prefix without leading or doubled slashes");
  const prefix = rawPrefix === "" || rawPrefix.endsWith("/") ? rawPrefix : `${rawPrefix}/`;
  return {
    prefix,
    store: parseStore(env, prefix),
    defaultTtl: integer(env, "DEFAULT_TTL", 0),
    maxTtl: integer(env, "MAX_TTL", 1),
    maxValueBytes: integer(env, "MAX_VALUE_BYTES", 1),
    edgeTtl: integer(env, "EDGE_TTL", 0),
    maxTokenTtl: integer(env, "MAX_TOKEN_TTL", 1),
    storageTimeoutMs: integer(env, "STORAGE_TIMEOUT_MS", 1),
    subrequestLimit: parseSubrequestLimit(text(env, "SUBREQUEST_LIMIT")) ?? invalid("SUBREQUEST_LIMIT", `a whole number >= ${MIN_SUBREQUEST_LIMIT} (50 on the Free plan, 1000 on Paid)`),
    sweepBudget: integer(env, "SWEEP_BUDGET", MIN_SWEEP_BUDGET),
    publicReadNamespaces: list(env, "PUBLIC_READ_NAMESPACES"),
    adminToken: required(env, "ADMIN_TOKEN"),
    tokenSecret: text(env, "TOKEN_SECRET"),
    statsSql: statsSqlSettings(env),
    console: consoleSetting(env),
  };
}

function statsSqlSettings(env: Source): StatsSqlSettings | null {
  const accountId = text(env, "STATS_ACCOUNT_ID");
  const apiToken = text(env, "STATS_API_TOKEN");
  if (accountId === undefined && apiToken === undefined) return null;
  if (accountId === undefined) missing("STATS_ACCOUNT_ID");
  if (apiToken === undefined) missing("STATS_API_TOKEN");
  if (!/^[0-9a-f]{32}$/i.test(accountId)) invalid("STATS_ACCOUNT_ID", "a 32-character account id");
  const dataset = text(env, "STATS_DATASET") ?? DEFAULT_STATS_DATASET;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(dataset)) invalid("STATS_DATASET", "a dataset name (letters, digits, _)");
  const apiBase = (text(env, "STATS_SQL_API") ?? DEFAULT_STATS_SQL_API).replace(/\/+$/, "");
  if (!/^https?:\/\//.test(apiBase)) invalid("STATS_SQL_API", "an http(s) URL");
  return { accountId, apiToken, dataset, apiBase };
}

function consoleSetting(env: Source): boolean {
  const value = text(env, "CONSOLE");
  if (value === undefined || value === "on") return true;
  if (value === "off") return false;
  return invalid("CONSOLE", "on or off");
}

// Bindings are the same object for every request of an isolate: parse them once, at first use.
const parsed = new WeakMap<object, Config>();

export function configFor(env: object): Config {
  let config = parsed.get(env);
  if (!config) {
    config = parseConfig(env);
    parsed.set(env, config);
  }
  return config;
}
