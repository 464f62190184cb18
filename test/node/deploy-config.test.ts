import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { unstable_readConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import { requiredSettings, S3_CONNECTION_SETTINGS, STORE_BINDING, STORE_BUCKET_SETTING } from "../../src/platform/required-settings";

/**
 * `npm run deploy` (`wrangler deploy`, no environment) deploys wrangler.toml as it is: to workers.dev,
 * with every setting the Worker requires given as a required secret (set once with `wrangler secret
 * put`), and no placeholder left to edit. The bundle itself is built by `npm run bundle-size`
 * (`wrangler deploy --dry-run` of this same default configuration) in CI.
 */
type WranglerConfig = ReturnType<typeof unstable_readConfig>;

/** What stops a configuration from deploying as it is, to workers.dev, with only its secrets set. Pure. */
function deployProblems(config: WranglerConfig, options: { customDomain: boolean }): string[] {
  const problems: string[] = [];
  const vars = config.vars as Record<string, unknown>;
  const secrets = config.secrets?.required ?? [];
  const bound = config.r2_buckets.some((bucket: { binding: string }) => bucket.binding === STORE_BINDING);
  // With the binding, an S3 setting would be refused (a 500 naming both): none may be asked for.
  if (bound) for (const name of S3_CONNECTION_SETTINGS) if (secrets.includes(name) || name in vars) problems.push(`${name} is set beside the R2 binding ${STORE_BINDING}`);
  // The bound bucket's name names the deployment (src/platform/deployment.ts): the var must be the binding's bucket_name.
  const boundBucket = config.r2_buckets.find((bucket: { binding: string }) => bucket.binding === STORE_BINDING)?.bucket_name;
  if (bound && vars[STORE_BUCKET_SETTING] !== boundBucket) problems.push(`${STORE_BUCKET_SETTING} is not the bucket_name bound as ${STORE_BINDING}`);
  for (const name of requiredSettings(bound)) {
    const value = vars[name];
    if (!secrets.includes(name) && (typeof value !== "string" || value.trim() === "")) problems.push(`${name} is neither a required secret nor a var with a value`);
    if (secrets.includes(name) && name in vars) problems.push(`${name} is both a var and a secret (Cloudflare refuses a secret named as a var)`);
  }
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value === "string" && /<[A-Z_-]+>/.test(value)) problems.push(`var ${name} holds a placeholder`);
  }
  const routes = [...(config.routes ?? []), ...(config.route ? [config.route] : [])];
  if (!options.customDomain) {
    if (routes.length > 0) problems.push("the default deploy names routes (it needs none: workers.dev)");
    if (config.workers_dev === false) problems.push("workers_dev is off");
  }
  return problems;
}

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const read = (env?: string) => unstable_readConfig({ config: "wrangler.toml", ...(env ? { env } : {}) });

describe("the default deploy (npm run deploy)", () => {
  it("needs only the bucket binding and two secrets: no placeholder, no domain, workers.dev", () => {
    const config = read();
    expect(deployProblems(config, { customDomain: false })).toEqual([]);
    expect(config.workers_dev).toBe(true);
    expect(config.r2_buckets).toEqual([expect.objectContaining({ binding: STORE_BINDING, bucket_name: "cloudcached" })]);
    expect(config.secrets?.required).toEqual(["ADMIN_TOKEN", "TOKEN_SECRET"]);
  });

  it("the S3 way (the binding's lines deleted) asks for the S3 settings: the check names them until they are secrets", () => {
    const config = read();
    const s3Way = { ...config, r2_buckets: [] } as WranglerConfig;
    expect(deployProblems(s3Way, { customDomain: false })).toEqual(S3_CONNECTION_SETTINGS.map((name) => `${name} is neither a required secret nor a var with a value`));
    const withSecrets = { ...s3Way, secrets: { required: [...S3_CONNECTION_SETTINGS, "ADMIN_TOKEN", "TOKEN_SECRET"] } } as WranglerConfig;
    expect(deployProblems(withSecrets, { customDomain: false })).toEqual([]);
    // Kept beside the binding, they would be refused.
    expect(deployProblems({ ...withSecrets, r2_buckets: config.r2_buckets } as WranglerConfig, { customDomain: false })).toEqual(S3_CONNECTION_SETTINGS.map((name) => `${name} is set beside the R2 binding STORE`));
  });

  it("the check finds what would need an edit", () => {
    const config = read();
    const broken = { ...config, vars: { ...config.vars, ADMIN_TOKEN: "<ADMIN_TOKEN>" }, routes: [{ pattern: "cache.<YOUR-DOMAIN>", custom_domain: true }] } as WranglerConfig;
    expect(deployProblems(broken, { customDomain: false })).toEqual([
      "ADMIN_TOKEN is both a var and a secret (Cloudflare refuses a secret named as a var)",
      "var ADMIN_TOKEN holds a placeholder",
      "the default deploy names routes (it needs none: workers.dev)",
    ]);
    const otherBucket = { ...config, vars: { ...config.vars, STORE_BUCKET: "cloudcached-staging" } } as WranglerConfig;
    expect(deployProblems(otherBucket, { customDomain: false })).toEqual(["STORE_BUCKET is not the bucket_name bound as STORE"]);
    const noSecrets = { ...config, secrets: { required: [] } } as WranglerConfig;
    expect(deployProblems(noSecrets, { customDomain: false })).toEqual(["ADMIN_TOKEN is neither a required secret nor a var with a value"]);
  });

  it.each(["staging", "production"])("the %s environment (custom domain) binds its bucket, asks for the same secrets and sets the same vars (its own STORE_BUCKET)", (env) => {
    const config = read(env);
    expect(deployProblems(config, { customDomain: true })).toEqual([]);
    expect(config.r2_buckets.map((bucket: { binding: string }) => bucket.binding)).toEqual([STORE_BINDING]);
    expect(config.secrets?.required).toEqual(read().secrets?.required);
    expect({ ...config.vars, STORE_BUCKET: "" }).toEqual({ ...read().vars, STORE_BUCKET: "" });
  });
});

describe("the S3 way's configuration (npm run dev -- --s3, the vitest project worker)", () => {
  it("is wrangler.toml without its R2 bindings and with the S3 settings as required secrets, everything else as it is", async () => {
    const { writeS3WranglerConfig } = await import("../../scripts/s3-wrangler-config.mjs");
    const s3Way = unstable_readConfig({ config: writeS3WranglerConfig() });
    const original = read();
    expect(original.r2_buckets).not.toEqual([]);
    expect(s3Way.r2_buckets).toEqual([]);
    expect(s3Way.main).toBe(original.main);
    expect(s3Way.vars).toEqual(original.vars);
    expect(s3Way.triggers).toEqual(original.triggers);
    expect(s3Way.compatibility_date).toBe(original.compatibility_date);
    expect(s3Way.secrets?.required).toEqual([...S3_CONNECTION_SETTINGS, "ADMIN_TOKEN", "TOKEN_SECRET"]);
    expect(deployProblems(s3Way, { customDomain: false })).toEqual([]);
    for (const env of ["staging", "production"]) expect(unstable_readConfig({ config: writeS3WranglerConfig(), env }).r2_buckets).toEqual([]);
  });
});

describe("npm run deploy", () => {
  it("names its environment, so wrangler does not warn on every run that several are defined", async () => {
    const outdir = await mkdtemp(join(tmpdir(), "cloudcached-deploy-"));
    try {
      const { stdout, stderr } = await run("npm", ["run", "deploy", "--", "--dry-run", "--outdir", outdir], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
        timeout: 120_000,
      });
      expect(`${stdout}${stderr}`).toMatch(/--dry-run: exiting now/);
      expect(`${stdout}${stderr}`).not.toMatch(/Multiple environments are defined/);
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  }, 150_000);
});
