// What `npm run dev` hands the Worker, decided from `.dev.vars`: pure functions, no I/O.

/** The Worker's secrets (wrangler.toml `[secrets] required`, the bucket's name and endpoint too); everything else is a var. */
export const SECRET_NAMES = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "ADMIN_TOKEN", "TOKEN_SECRET"];

/** Secrets `npm run dev` generates (and writes into .dev.vars) when .dev.vars has none. */
export const GENERATED_NAMES = ["ADMIN_TOKEN", "TOKEN_SECRET"];

/** What names a store of the user's own, beside S3_ENDPOINT. */
export const EXTERNAL_STORE_NAMES = ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"];

/** The environment variable that hands the embedded store's process its options (store-process.mjs). */
export const STORE_OPTIONS_ENV = "CLOUDCACHED_STORE_OPTIONS";

/** A problem in the user's settings: printed as it is, without a stack trace. */
export class DevSettingsError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "DevSettingsError";
  }
}

/**
 * @param {Record<string, string>} devVars
 * @returns {Record<string, string>} the settings that have a value (an empty one means "not set")
 */
function present(devVars) {
  return Object.fromEntries(Object.entries(devVars).filter(([, value]) => value.trim() !== ""));
}

/** The switch to the S3 way with the embedded store: `npm run dev -- --s3`. */
export const S3_SWITCH = "--s3";

/**
 * Decides which store the Worker uses and which settings are missing.
 * - S3_ENDPOINT set: the user's own store over the S3 API; S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set too.
 * - else, with `--s3`, the embedded store over its S3 API; then S3_BUCKET and the S3 keys must not be set (they would be ignored);
 * - else the R2 binding STORE of wrangler.toml, over wrangler's local bucket: no S3 setting at all.
 * @param {Record<string, string>} devVars the parsed .dev.vars
 * @param {{ s3?: boolean }} [options] `s3`: the S3 way (`--s3`)
 * @returns {{ store: "external" | "embedded" | "binding", generate: string[] }}
 */
export function planDevSettings(devVars, options = {}) {
  const set = present(devVars);
  const endpoint = set.S3_ENDPOINT;
  let store;
  if (endpoint !== undefined) {
    const missing = EXTERNAL_STORE_NAMES.filter((name) => set[name] === undefined);
    if (missing.length > 0) {
      throw new DevSettingsError(
        `.dev.vars sets S3_ENDPOINT but not ${missing.join(", ")}: set ${missing.length > 1 ? "them" : "it"} to use your own bucket, ` +
          "or remove S3_ENDPOINT to use the embedded store.",
      );
    }
    let url;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new DevSettingsError(".dev.vars: S3_ENDPOINT must be an http(s) URL (path-style, without the bucket).");
    }
    store = /** @type {const} */ ("external");
  } else {
    const stray = EXTERNAL_STORE_NAMES.filter((name) => set[name] !== undefined);
    if (stray.length > 0) {
      throw new DevSettingsError(
        `.dev.vars sets ${stray.join(", ")} but not S3_ENDPOINT: set S3_ENDPOINT too to use your own bucket, ` +
          `or remove ${stray.length > 1 ? "them" : "it"} to use the embedded store.`,
      );
    }
    store = options.s3 ? /** @type {const} */ ("embedded") : /** @type {const} */ ("binding");
  }
  return { store, generate: GENERATED_NAMES.filter((name) => set[name] === undefined) };
}

/**
 * Splits the final settings into wrangler's two channels: secrets (given to wrangler in its
 * environment) and vars (given as `--var NAME:VALUE`). Empty values are left out, so wrangler.toml's
 * defaults apply.
 * @param {Record<string, string>} settings .dev.vars, with generated secrets and the store's settings applied
 * @returns {{ secrets: Record<string, string>, vars: Record<string, string> }}
 */
export function splitBindings(settings) {
  /** @type {Record<string, string>} */
  const secrets = {};
  /** @type {Record<string, string>} */
  const vars = {};
  for (const [name, value] of Object.entries(present(settings))) {
    if (SECRET_NAMES.includes(name)) secrets[name] = value;
    else vars[name] = value;
  }
  return { secrets, vars };
}

/**
 * The arguments of `wrangler dev`.
 * @param {{ configPath: string, envFile: string, persistTo: string, port: number, inspectorPort: number, vars: Record<string, string> }} options
 * @returns {string[]}
 */
export function wranglerDevArgs({ configPath, envFile, persistTo, port, inspectorPort, vars }) {
  return [
    "dev",
    "--config", configPath,
    "--local",
    "--ip", "127.0.0.1",
    "--port", String(port),
    // wrangler's default, 9229 when it is free, is the port a debugger or a second run wants.
    "--inspector-ip", "127.0.0.1",
    "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo,
    // With an env file named, wrangler reads no .dev.vars of its own, and (as wrangler.toml lists
    // [secrets]) takes the listed secrets from this file and from its environment, which wins.
    "--env-file", envFile,
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).map(([name, value]) => `--var=${name}:${value}`),
  ];
}

/**
 * Reads a port setting (PORT, STORE_PORT): a whole number 1–65535, or `fallback` when unset.
 * 0 ("any free port") is accepted only where it is the default.
 * @param {string | undefined} raw
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function parsePort(raw, name, fallback) {
  if (raw === undefined || raw.trim() === "") return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65535 || (port < 1 && fallback !== 0)) {
    throw new DevSettingsError(`${name} must be a port number (1-65535), not ${JSON.stringify(raw)}.`);
  }
  return port;
}
