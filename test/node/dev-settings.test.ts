// The decisions of `npm run dev` (scripts/dev/*.mjs): .dev.vars parsing and updating, store choice,
// wrangler's arguments, the banner, the correction of wrangler's inspector proxy. The launcher itself
// is exercised in dev.test.ts.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { formatBanner, shellQuote } from "../../scripts/dev/banner.mjs";
import { parseDevVars, setDevVars } from "../../scripts/dev/dev-vars.mjs";
import { DevSettingsError, parsePort, planDevSettings, splitBindings, wranglerDevArgs } from "../../scripts/dev/settings.mjs";
import { gateNetworkEnable } from "../../scripts/dev/inspector-network.mjs";
import { isLauncherNotice, isRequestLogLine } from "../../scripts/dev/wrangler-output.mjs";

describe("parseDevVars", () => {
  it("reads dotenv lines as wrangler does", () => {
    const text = [
      "# a comment",
      "ADMIN_TOKEN=abc",
      "export TOKEN_SECRET = 'spaced value'",
      'S3_ENDPOINT="http://127.0.0.1:9000" # trailing comment',
      "EMPTY=",
      "MULTI=\"line1\\nline2\"",
      "DEFAULT_TTL=60 # one minute",
      "ADMIN_TOKEN=later",
      "not a line",
    ].join("\r\n");
    expect(parseDevVars(text)).toEqual({
      ADMIN_TOKEN: "later",
      TOKEN_SECRET: "spaced value",
      S3_ENDPOINT: "http://127.0.0.1:9000",
      EMPTY: "",
      MULTI: "line1\nline2",
      DEFAULT_TTL: "60",
    });
  });

  it("reads an empty file as no settings", () => {
    expect(parseDevVars("")).toEqual({});
  });
});

describe("setDevVars", () => {
  it("fills an empty assignment in place and keeps every other line", () => {
    const text = "# mine\nADMIN_TOKEN=\nS3_ENDPOINT=\nDEFAULT_TTL=60\n";
    const updated = setDevVars(text, { ADMIN_TOKEN: "tok", TOKEN_SECRET: "sec" });
    expect(updated).toBe("# mine\nADMIN_TOKEN=tok\nS3_ENDPOINT=\nDEFAULT_TTL=60\nTOKEN_SECRET=sec\n");
    expect(parseDevVars(updated)).toMatchObject({ ADMIN_TOKEN: "tok", TOKEN_SECRET: "sec", DEFAULT_TTL: "60" });
  });

  it("appends after a last line without a newline, and creates a file from nothing", () => {
    expect(setDevVars("DEFAULT_TTL=60", { ADMIN_TOKEN: "tok" })).toBe("DEFAULT_TTL=60\nADMIN_TOKEN=tok\n");
    expect(setDevVars("", { ADMIN_TOKEN: "tok" })).toBe("ADMIN_TOKEN=tok\n");
  });

  it("does not touch a key that only starts like the one written", () => {
    expect(setDevVars("ADMIN_TOKEN_OLD=\n", { ADMIN_TOKEN: "tok" })).toBe("ADMIN_TOKEN_OLD=\nADMIN_TOKEN=tok\n");
  });

  it("refuses a value that would not read back as written", () => {
    expect(() => setDevVars("", { ADMIN_TOKEN: "a b" })).toThrow(/plain dotenv line/);
    expect(() => setDevVars("", { ADMIN_TOKEN: "a#b" })).toThrow(/plain dotenv line/);
  });
});

describe("planDevSettings", () => {
  it("uses the R2 binding and generates both secrets for an empty .dev.vars; --s3: the embedded store", () => {
    expect(planDevSettings({})).toEqual({ store: "binding", generate: ["ADMIN_TOKEN", "TOKEN_SECRET"] });
    expect(planDevSettings({}, { s3: true })).toEqual({ store: "embedded", generate: ["ADMIN_TOKEN", "TOKEN_SECRET"] });
  });

  it("treats empty values (as in .dev.vars.example) as not set", () => {
    const example = { ADMIN_TOKEN: "", TOKEN_SECRET: "", S3_ENDPOINT: "", S3_BUCKET: "", S3_ACCESS_KEY_ID: "", S3_SECRET_ACCESS_KEY: "" };
    expect(planDevSettings(example)).toEqual({ store: "binding", generate: ["ADMIN_TOKEN", "TOKEN_SECRET"] });
    expect(planDevSettings(example, { s3: true })).toEqual({ store: "embedded", generate: ["ADMIN_TOKEN", "TOKEN_SECRET"] });
  });

  it("keeps the user's secrets", () => {
    expect(planDevSettings({ ADMIN_TOKEN: "a", TOKEN_SECRET: "b" }).generate).toEqual([]);
    expect(planDevSettings({ ADMIN_TOKEN: "a" }).generate).toEqual(["TOKEN_SECRET"]);
  });

  it("uses the user's store when S3_ENDPOINT and its three companions are set", () => {
    const own = { S3_ENDPOINT: "https://s3.example.com", S3_BUCKET: "b", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s" };
    expect(planDevSettings(own).store).toBe("external");
    expect(planDevSettings(own, { s3: true }).store).toBe("external");
  });

  it("names what is missing beside S3_ENDPOINT", () => {
    const call = () => planDevSettings({ S3_ENDPOINT: "https://s3.example.com", S3_BUCKET: "b" });
    expect(call).toThrow(DevSettingsError);
    expect(call).toThrow(/sets S3_ENDPOINT but not S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY/);
  });

  it("refuses an S3_ENDPOINT that is not an http(s) URL", () => {
    const own = { S3_BUCKET: "b", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s" };
    expect(() => planDevSettings({ ...own, S3_ENDPOINT: "s3.example.com" })).toThrow(/S3_ENDPOINT must be an http\(s\) URL/);
    expect(() => planDevSettings({ ...own, S3_ENDPOINT: "ftp://s3.example.com" })).toThrow(/S3_ENDPOINT must be an http\(s\) URL/);
  });

  it("refuses store settings without S3_ENDPOINT, rather than ignoring them", () => {
    expect(() => planDevSettings({ S3_BUCKET: "mine" })).toThrow(/sets S3_BUCKET but not S3_ENDPOINT/);
  });
});

describe("splitBindings", () => {
  it("sends the secrets (the bucket's endpoint and name too) apart from the vars, and leaves empty values to wrangler.toml", () => {
    const { secrets, vars } = splitBindings({
      ADMIN_TOKEN: "a",
      TOKEN_SECRET: "t",
      S3_ACCESS_KEY_ID: "k",
      S3_SECRET_ACCESS_KEY: "s",
      S3_ENDPOINT: "http://127.0.0.1:1/x",
      DEFAULT_TTL: "60",
      ALLOWED_ORIGINS: "",
    });
    expect(secrets).toEqual({ ADMIN_TOKEN: "a", TOKEN_SECRET: "t", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s", S3_ENDPOINT: "http://127.0.0.1:1/x" });
    expect(vars).toEqual({ DEFAULT_TTL: "60" });
  });
});

describe("wranglerDevArgs", () => {
  it("runs locally on 127.0.0.1, reads no other .dev.vars, and passes each var", () => {
    const args = wranglerDevArgs({
      configPath: "/repo/wrangler.toml",
      envFile: "/dir/.wrangler/dev.env",
      persistTo: "/dir/.wrangler/state",
      port: 8787,
      inspectorPort: 40123,
      vars: { S3_ENDPOINT: "http://127.0.0.1:9/cdn-cgi/local/r2/s3", DEFAULT_TTL: "60" },
    });
    const argAfter = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args[0]).toBe("dev");
    expect(args).toContain("--local");
    expect(argAfter("--ip")).toBe("127.0.0.1");
    expect(argAfter("--port")).toBe("8787");
    expect(argAfter("--inspector-ip")).toBe("127.0.0.1");
    expect(argAfter("--inspector-port")).toBe("40123");
    expect(argAfter("--env-file")).toBe("/dir/.wrangler/dev.env");
    expect(argAfter("--persist-to")).toBe("/dir/.wrangler/state");
    expect(args).toContain("--var=S3_ENDPOINT:http://127.0.0.1:9/cdn-cgi/local/r2/s3");
    expect(args).toContain("--var=DEFAULT_TTL:60");
    expect(args.join(" ")).not.toMatch(/ADMIN_TOKEN|SECRET/);
  });
});

describe("parsePort", () => {
  it("defaults, accepts a port, refuses anything else", () => {
    expect(parsePort(undefined, "PORT", 8787)).toBe(8787);
    expect(parsePort(" ", "PORT", 8787)).toBe(8787);
    expect(parsePort("9000", "PORT", 8787)).toBe(9000);
    expect(parsePort("0", "STORE_PORT", 0)).toBe(0);
    expect(() => parsePort("0", "PORT", 8787)).toThrow(/PORT must be a port number/);
    expect(() => parsePort("70000", "PORT", 8787)).toThrow(/PORT must be a port number/);
    expect(() => parsePort("80a", "PORT", 8787)).toThrow(/PORT must be a port number/);
  });
});

describe("formatBanner", () => {
  const base = {
    workerUrl: "http://127.0.0.1:8787",
    adminToken: "TOKEN123",
    devVarsPath: ".dev.vars",
    inspectorPort: 40123,
    store: {
      kind: "embedded" as const,
      endpoint: "http://127.0.0.1:9/cdn-cgi/local/r2/s3",
      bucket: "cloudcached",
      accessKeyId: "cloudcached-local",
      credentialsPath: ".data/store-credentials.json",
      dataPath: ".data/store",
    },
  };

  it("shows the Worker, the store, the token, a curl example and where the settings are", () => {
    const text = formatBanner({ ...base, generated: ["ADMIN_TOKEN", "TOKEN_SECRET"] });
    expect(text).toMatch(/Worker: +http:\/\/127\.0\.0\.1:8787\n/);
    expect(text).toContain("Inspector:    127.0.0.1:40123");
    expect(text).toMatch(/PORT, STORE_PORT, INSPECTOR_PORT, CLOUDCACHED_DEV_DIR/);
    expect(text).toContain("`npm run reset`");
    expect(text).toContain("Store:        http://127.0.0.1:9/cdn-cgi/local/r2/s3 (embedded; bucket cloudcached, data in .data/store)");
    expect(text).toMatch(/Admin token: +TOKEN123\n.*generated now and written to \.dev\.vars/);
    expect(text).toContain("Also generated and written to .dev.vars: TOKEN_SECRET");
    expect(text).toContain('curl -H "Authorization: Bearer $ADMIN_TOKEN" http://127.0.0.1:8787/v1/default/items/greeting');
    expect(text).not.toContain("Warning");
  });

  it("says where a kept token comes from, names a store of the user's own, and warns about health", () => {
    const text = formatBanner({
      ...base,
      generated: [],
      store: { kind: "external", endpoint: "https://s3.example.com", bucket: "mine" },
      health: "GET /healthz answered 503",
    });
    expect(text).toContain("(from .dev.vars)");
    expect(text).toContain("https://s3.example.com (yours, from .dev.vars; bucket mine)");
    expect(text).not.toContain("generated");
    expect(text).toContain("Warning: GET /healthz answered 503");
  });
});

describe("shellQuote", () => {
  it("leaves plain words alone and single-quotes the rest", () => {
    expect(shellQuote("gLLuwA_0Wps-gm0cb")).toBe("gLLuwA_0Wps-gm0cb");
    expect(shellQuote("a$HOME b")).toBe("'a$HOME b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});

describe("isRequestLogLine", () => {
  it("picks wrangler's own line per request, coloured or not, and nothing else", () => {
    expect(isRequestLogLine("[wrangler:info] GET /v1/demo/items/a 200 OK (3ms)")).toBe(true);
    expect(isRequestLogLine("\x1b[2m[wrangler:info] PUT /v1/demo/items/a 201 Created (12ms)\x1b[22m")).toBe(true);
    expect(isRequestLogLine("[wrangler:info] Ready on http://127.0.0.1:8787")).toBe(false);
    expect(isRequestLogLine('{"level":"info","method":"GET","route":"/healthz","status":200}')).toBe(false);
    expect(isRequestLogLine("✘ [ERROR] Build failed")).toBe(false);
  });
});

describe("isLauncherNotice", () => {
  it("picks the launcher's own lines from wrangler's output", () => {
    expect(isLauncherNotice("npm run dev: this wrangler's inspector proxy is not the one expected, …")).toBe(true);
    expect(isLauncherNotice("\x1b[33mnpm run dev: coloured\x1b[39m")).toBe(true);
    expect(isLauncherNotice("[wrangler:info] Ready on http://127.0.0.1:8787")).toBe(false);
    expect(isLauncherNotice("see npm run dev: not at the start")).toBe(false);
  });
});

describe("gateNetworkEnable (wrangler's inspector proxy)", () => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const proxyPath = join(dirname(createRequire(join(root, "package.json")).resolve("wrangler/package.json")), "wrangler-dist", "InspectorProxyWorker.js");
  const shipped = readFileSync(proxyPath, "utf8");
  const networkEnable = /this\.sendRuntimeMessage\(\s*\{\s*method: "Network\.enable"/g;

  it("turns the installed wrangler's Network events on only with a debugger attached, and changes nothing else", () => {
    const { outcome, source } = gateNetworkEnable(shipped);
    expect(outcome).toBe("gated");
    expect(source.match(networkEnable)).toHaveLength(1);
    expect(source).toMatch(/if \(this\.websockets\.devtools !== void 0\) \{ this\.sendRuntimeMessage\(\s*\{ method: "Network\.enable", id: this\.nextCounter\(\) \},\s*runtime\s*\); \}/);
    // Everything else is as shipped: taking the condition out again gives the shipped source.
    expect(source.replace(/if \(this\.websockets\.devtools !== void 0\) \{ (this\.sendRuntimeMessage\(\s*\{ method: "Network\.enable"[^;]*;) \}/, "$1")).toBe(shipped);
  });

  it("leaves a proxy that has the fix as it is, its own output included", () => {
    const once = gateNetworkEnable(shipped).source;
    expect(gateNetworkEnable(once)).toEqual({ outcome: "already-gated", source: once });
    // The shape of the upstream fix (wrangler 4.100.0's InspectorProxyWorker.js).
    const upstream = [
      "    if (this.websockets.devtools !== void 0) {",
      "      this.sendRuntimeMessage(",
      '        { method: "Network.enable", id: this.nextCounter() },',
      "        runtime",
      "      );",
      "    }",
    ].join("\n");
    expect(gateNetworkEnable(upstream)).toEqual({ outcome: "already-gated", source: upstream });
  });

  it("leaves a source it does not know as it is", () => {
    expect(gateNetworkEnable("export default {}")).toEqual({ outcome: "not-found", source: "export default {}" });
    const twice = 'this.sendRuntimeMessage({ method: "Network.enable", id: this.nextCounter() }, runtime);'.repeat(2);
    expect(gateNetworkEnable(twice).outcome).toBe("not-found");
  });

  it("is what wrangler reads when gate-inspector-network.mjs is preloaded (as a Buffer or a string), and other files are read as they are", () => {
    const preload = pathToFileURL(join(root, "scripts/dev/gate-inspector-network.mjs")).href;
    const script = [
      'const fs = require("node:fs");',
      "const [proxy, other] = process.argv.slice(1);",
      'const asBuffer = fs.readFileSync(proxy); const asString = fs.readFileSync(proxy, { encoding: "utf8" });',
      'process.stdout.write(JSON.stringify({ buffer: Buffer.isBuffer(asBuffer) && asBuffer.toString("utf8") === asString, proxy: asString, other: fs.readFileSync(other, "utf8") }));',
    ].join("\n");
    const output = execFileSync(process.execPath, ["--import", preload, "-e", script, proxyPath, join(root, "package.json")], { cwd: root, encoding: "utf8" });
    const read = JSON.parse(output) as { buffer: boolean; proxy: string; other: string };
    expect(read.buffer).toBe(true);
    expect(read.proxy).toBe(gateNetworkEnable(shipped).source);
    expect(read.other).toBe(readFileSync(join(root, "package.json"), "utf8"));
  });
});
