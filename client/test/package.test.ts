// The package an app installs: client/ packed by `npm pack` (its `prepack` builds dist/ from a copy
// that has none), installed from the tarball into a scratch project elsewhere, then used there as an
// app would — the library from plain Node 20 ESM and from TypeScript, and the `cloudcached` bin —
// against the real Worker. Also installed from a path, as `npm install /path/to/repo/client` does.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";
import { ROOT } from "./support/stack.js";

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 120_000;
const npmFlags = ["--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"];

interface PackedFile {
  path: string;
}
interface PackResult {
  filename: string;
  files: PackedFile[];
}

/** A project of its own, outside the repository, that depends on nothing yet. */
async function scratchProject(parent: string, name: string): Promise<string> {
  const dir = join(parent, name);
  await mkdir(dir);
  await writeFile(join(dir, "package.json"), JSON.stringify({ name, version: "0.0.0", private: true, type: "module" }));
  return dir;
}

/** The original four calls through the installed package, printed as one JSON line. */
const FOUR_CALLS = `
  import { CloudCached, CloudCachedError } from "cloudcached";
  const cache = new CloudCached({ url: process.env.URL, token: process.env.TOKEN, namespace: process.env.NS });
  const out = {};
  out.getAbsent = await cache.get("greeting");
  out.put = await cache.put("greeting", { hello: "world" }, 3600, false);
  out.putAgain = await cache.put("greeting", "ignored", 3600, false);
  out.get = await cache.get("greeting");
  out.update = await cache.update("greeting", "updated");
  out.getUpdated = await cache.get("greeting");
  out.delete = await cache.delete("greeting");
  out.getDeleted = await cache.get("greeting");
  out.updateAbsent = await cache.update("greeting", "nope");
  try { await new CloudCached({ url: process.env.URL, token: "wrong" }).get("x"); } catch (e) { out.wrongToken = e instanceof CloudCachedError ? e.code : String(e); }
  console.log(JSON.stringify(out));
`;

const FOUR_CALLS_ANSWER = {
  getAbsent: null,
  put: true,
  putAgain: false,
  get: { hello: "world" },
  update: true,
  getUpdated: "updated",
  delete: true,
  getDeleted: null,
  updateAbsent: false,
  wrongToken: "unauthorized",
};

describe("the cloudcached package, packed and installed into another project", () => {
  let work: string;
  let packed: PackResult;
  let app: string;
  let source: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "cloudcached-package-"));
    // A copy of client/ without dist/: `npm pack` must build it itself. The copy sits inside this
    // repository, where a clone's `npm install` puts tsc and @types/node, as client/ itself does.
    await mkdir(join(ROOT, "node_modules/.cache"), { recursive: true });
    source = await mkdtemp(join(ROOT, "node_modules/.cache/cloudcached-package-"));
    for (const entry of ["package.json", "README.md", "LICENSE", "tsconfig.json", "tsconfig.build.json", "src"]) {
      await cp(join(ROOT, "client", entry), join(source, entry), { recursive: true });
    }
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", work, ...npmFlags], { cwd: source, timeout: INSTALL_TIMEOUT_MS });
    // npm prints the prepack script's output before the JSON array.
    const parsed = JSON.parse(stdout.slice(stdout.indexOf("\n[") + 1)) as PackResult[];
    const first = parsed[0];
    if (!first) throw new Error(`npm pack printed no result: ${stdout}`);
    packed = first;
    app = await scratchProject(work, "app");
    await run("npm", ["install", join(work, packed.filename), ...npmFlags], { cwd: app, timeout: INSTALL_TIMEOUT_MS });
  }, INSTALL_TIMEOUT_MS * 2);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
    if (source) await rm(source, { recursive: true, force: true });
  });

  it("ships the built library, its types and the bin — no tests, no Worker code, no dependencies", async () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/cli.js"]));
    expect(files.filter((f) => /\.test\.|^test\/|tsconfig|vitest/.test(f))).toStrictEqual([]);
    const installed = JSON.parse(await readFile(join(app, "node_modules/cloudcached/package.json"), "utf8")) as Record<string, unknown>;
    expect(installed.name).toBe("cloudcached");
    expect(installed.dependencies).toBeUndefined();
    expect(installed.bin).toStrictEqual({ cloudcached: "dist/cli.js" });
    // The app's install brought in nothing but the package itself.
    expect((await readdir(join(app, "node_modules"))).filter((n) => !n.startsWith("."))).toStrictEqual(["cloudcached"]);
  });

  it("the original four calls (get, put with ttl 3600 and replace=false, update, delete) from plain Node ESM", async () => {
    await writeFile(join(app, "four-calls.mjs"), FOUR_CALLS);
    const { stdout } = await run(process.execPath, ["four-calls.mjs"], {
      cwd: app,
      env: { PATH: process.env.PATH ?? "", URL: workerUrl(), TOKEN: adminToken(), NS: uniqueNamespace("pkg") },
    });
    expect(JSON.parse(stdout)).toStrictEqual(FOUR_CALLS_ANSWER);
  });

  it("the cloudcached bin runs right after install: set, get, delete, and get of an absent key exits 1", async () => {
    const bin = join(app, "node_modules/.bin/cloudcached");
    const env = { PATH: process.env.PATH ?? "", CLOUDCACHED_URL: workerUrl(), CLOUDCACHED_TOKEN: adminToken(), CLOUDCACHED_NAMESPACE: uniqueNamespace("pkgcli") };
    const set = await run(bin, ["set", "k", "from the bin", "--ttl", "3600"], { cwd: app, env });
    expect(set.stdout).toMatch(/^stored/);
    expect((await run(bin, ["get", "k"], { cwd: app, env })).stdout).toBe("from the bin");
    await run(bin, ["delete", "k"], { cwd: app, env });
    const absent = await run(bin, ["get", "k"], { cwd: app, env }).then(
      () => null,
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(absent).toMatchObject({ code: 1, stderr: expect.stringContaining("not found") });
    const version = await run(bin, ["--version"], { cwd: app, env });
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, "client/package.json"), "utf8")).version);
  });

  it("ships its types: a TypeScript consumer type-checks, and a wrong call does not", async () => {
    const good = `
      import { CloudCached, CloudCachedError, type WriteResult } from "cloudcached";
      const cache = new CloudCached({ url: "https://cache.example", token: "t", namespace: "app", timeoutMs: 1000, retries: 1 });
      export async function use(): Promise<void> {
        const ok: boolean = await cache.put("k", { a: 1 }, 60, true);
        const again: boolean = await cache.put("k", "v", { ttl: 60, replace: false });
        const updated: boolean = await cache.update("k", 1);
        const value = await cache.get<{ a: number }>("k");
        const n: number | undefined = value?.a;
        const written: WriteResult = await cache.set("k", new Uint8Array(3));
        const count: number | null = await cache.incr("c", 2, { initial: 0 });
        try { await cache.delete("k"); } catch (e) { if (e instanceof CloudCachedError) { const s: number = e.status; void s; } }
        void ok; void again; void updated; void n; void written; void count;
      }
    `;
    const bad = `
      import { CloudCached } from "cloudcached";
      const cache = new CloudCached({ url: "https://cache.example" });
      export const wrong: Promise<string> = cache.put("k", "v");
    `;
    await writeFile(join(app, "good.ts"), good);
    await writeFile(join(app, "bad.ts"), bad);
    const tsc = join(ROOT, "node_modules/.bin/tsc");
    const flags = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom", "--skipLibCheck", "false"];
    await run(tsc, [...flags, "good.ts"], { cwd: app });
    const failed = await run(tsc, [...flags, "bad.ts"], { cwd: app }).then(
      () => null,
      (err: { stdout: string }) => err.stdout,
    );
    expect(failed).toContain("TS2322");
  });

  it("the universal library (., keyv, unstorage and all they import) loads no node: module and uses no Buffer or process", async () => {
    const dir = join(app, "node_modules/cloudcached/dist");
    const seen = new Set<string>();
    const pending = ["index.js", "keyv.js", "unstorage.js"];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const text = await readFile(join(dir, name), "utf8");
      expect(text, name).not.toMatch(/from\s+["']node:|import\(["']node:|require\(|\bBuffer\.[a-z]|\bprocess\.[a-z]/);
      for (const [, imported] of text.matchAll(/(?:from|import)\s*\(?\s*["']\.\/([^"']+)["']/g)) if (imported) pending.push(imported);
    }
    expect(seen).toContain("client.js");
    expect(seen).not.toContain("node-fetch.js");
  });

  it("imports as cloudcached/node: a call over nodeFetch, then close", async () => {
    const installed = JSON.parse(await readFile(join(app, "node_modules/cloudcached/package.json"), "utf8")) as { exports: Record<string, Record<string, string>> };
    expect(installed.exports["./node"]).toStrictEqual({ types: "./dist/node-fetch.d.ts", default: "./dist/node-fetch.js" });
    const script = `
      import { CloudCached } from "cloudcached";
      import { nodeFetch } from "cloudcached/node";
      const fetch = nodeFetch({ maxSockets: 4 });
      const cache = new CloudCached({ url: process.env.URL, token: process.env.TOKEN, namespace: process.env.NS, fetch });
      await cache.set("k", { over: "node:http" });
      console.log(JSON.stringify({ get: await cache.get("k"), has: await cache.has("absent") }));
      fetch.close();
    `;
    await writeFile(join(app, "node-fetch.mjs"), script);
    const { stdout } = await run(process.execPath, ["node-fetch.mjs"], {
      cwd: app,
      env: { PATH: process.env.PATH ?? "", URL: workerUrl(), TOKEN: adminToken(), NS: uniqueNamespace("pkgnode") },
    });
    expect(JSON.parse(stdout)).toStrictEqual({ get: { over: "node:http" }, has: false });
  });

  it("imports as cloudcached/keyv and cloudcached/unstorage beside a stock keyv and unstorage, which stay optional peers", async () => {
    const installed = JSON.parse(await readFile(join(app, "node_modules/cloudcached/package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const name of ["keyv", "unstorage"]) {
      expect(installed.exports[`./${name}`]).toMatchObject({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
      expect(installed.peerDependencies[name]).toBeDefined();
      expect(installed.peerDependenciesMeta[name]).toStrictEqual({ optional: true });
    }
    // The client itself never loads them: only the adapters' own modules name them.
    const dist = join(app, "node_modules/cloudcached/dist");
    for (const name of await readdir(dist)) {
      if (!name.endsWith(".js") || name === "keyv.js" || name === "unstorage.js") continue;
      expect(await readFile(join(dist, name), "utf8"), name).not.toMatch(/from\s+["'](keyv|unstorage)["']/);
    }
    // An app of its own that brings the stock peers (the ones this repository tests against).
    const withPeers = await scratchProject(work, "app-with-peers");
    // A copy, not a link: Node resolves a linked package's imports from where it really lies.
    await cp(join(app, "node_modules/cloudcached"), join(withPeers, "node_modules/cloudcached"), { recursive: true });
    for (const peer of ["keyv", "unstorage"]) await symlink(join(ROOT, "node_modules", peer), join(withPeers, "node_modules", peer), "dir");
    const script = `
      import Keyv from "keyv";
      import { createStorage } from "unstorage";
      import { KeyvCloudCached } from "cloudcached/keyv";
      import cloudcachedDriver from "cloudcached/unstorage";
      const settings = { url: process.env.URL, token: process.env.TOKEN, namespace: process.env.NS };
      const keyv = new Keyv({ store: new KeyvCloudCached(settings), namespace: "app" });
      await keyv.set("k", { n: 1 }, 60_000);
      const storage = createStorage({ driver: cloudcachedDriver({ ...settings, base: "u" }) });
      await storage.setItem("a/b", "v");
      console.log(JSON.stringify({ keyv: await keyv.get("k"), unstorage: await storage.getItem("a:b"), keys: await storage.getKeys() }));
    `;
    await writeFile(join(withPeers, "adapters.mjs"), script);
    const { stdout } = await run(process.execPath, ["adapters.mjs"], {
      cwd: withPeers,
      env: { PATH: process.env.PATH ?? "", URL: workerUrl(), TOKEN: adminToken(), NS: uniqueNamespace("pkgadapt") },
    });
    expect(JSON.parse(stdout)).toStrictEqual({ keyv: { n: 1 }, unstorage: "v", keys: ["a:b"] });
  });

  it("installs from a path too (npm install /path/to/repo/client): the four calls and the bin", async () => {
    const fromPath = await scratchProject(work, "app-from-path");
    await run("npm", ["install", join(ROOT, "client"), ...npmFlags], { cwd: fromPath, timeout: INSTALL_TIMEOUT_MS });
    await writeFile(join(fromPath, "four-calls.mjs"), FOUR_CALLS);
    const { stdout } = await run(process.execPath, ["four-calls.mjs"], {
      cwd: fromPath,
      env: { PATH: process.env.PATH ?? "", URL: workerUrl(), TOKEN: adminToken(), NS: uniqueNamespace("pkgpath") },
    });
    expect(JSON.parse(stdout)).toStrictEqual(FOUR_CALLS_ANSWER);
    const help = await run(join(fromPath, "node_modules/.bin/cloudcached"), ["--help"], { cwd: fromPath });
    expect(help.stdout).toContain("Usage: cloudcached");
  }, INSTALL_TIMEOUT_MS);
});
