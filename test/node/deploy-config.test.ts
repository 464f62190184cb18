import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { unstable_readConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import { REQUIRED_SETTINGS } from "../../src/platform/required-settings";

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
  for (const name of REQUIRED_SETTINGS) {
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
  it("needs only the required secrets: no placeholder, no domain, workers.dev", () => {
    const config = read();
    expect(deployProblems(config, { customDomain: false })).toEqual([]);
    expect(config.workers_dev).toBe(true);
    expect(config.secrets?.required).toEqual(expect.arrayContaining([...REQUIRED_SETTINGS, "TOKEN_SECRET"]));
  });

  it("the check finds what would need an edit", () => {
    const config = read();
    const broken = { ...config, vars: { ...config.vars, S3_ENDPOINT: "https://<ACCOUNT_ID>.r2.cloudflarestorage.com" }, routes: [{ pattern: "cache.<YOUR-DOMAIN>", custom_domain: true }] } as WranglerConfig;
    expect(deployProblems(broken, { customDomain: false })).toEqual([
      "S3_ENDPOINT is both a var and a secret (Cloudflare refuses a secret named as a var)",
      "var S3_ENDPOINT holds a placeholder",
      "the default deploy names routes (it needs none: workers.dev)",
    ]);
    const noSecrets = { ...config, secrets: { required: [] } } as WranglerConfig;
    expect(deployProblems(noSecrets, { customDomain: false })).toHaveLength(REQUIRED_SETTINGS.length);
  });

  it.each(["staging", "production"])("the %s environment (custom domain) asks for the same secrets and sets the same vars", (env) => {
    const config = read(env);
    expect(deployProblems(config, { customDomain: true })).toEqual([]);
    expect(config.secrets?.required).toEqual(read().secrets?.required);
    expect(config.vars).toEqual(read().vars);
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
