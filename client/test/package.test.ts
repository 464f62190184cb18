// What `npm run build` ships: `import { CloudCached } from "cloudcached/client"` from plain Node 20
// ESM and from TypeScript (types included), and a library with no Node-only import in it.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, uniqueNamespace, workerUrl } from "./support/helpers.js";
import { ROOT } from "./support/stack.js";

const run = promisify(execFile);

describe("the built package", () => {
  let consumer: string;
  beforeAll(async () => {
    // A project elsewhere that depends on cloudcached (linked, as `npm install ../cloudcached` would).
    consumer = await mkdtemp(join(tmpdir(), "cloudcached-consumer-"));
    await mkdir(join(consumer, "node_modules"));
    await symlink(ROOT, join(consumer, "node_modules/cloudcached"), "dir");
    await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  });
  afterAll(() => rm(consumer, { recursive: true, force: true }));

  it("imports as cloudcached/client in plain Node ESM and round-trips against the Worker", async () => {
    const script = `
      import { CloudCached, CloudCachedError } from "cloudcached/client";
      const cache = new CloudCached({ url: process.env.URL, token: process.env.TOKEN, namespace: process.env.NS });
      const stored = await cache.put("from-node", { n: 42, s: "42" });
      const value = await cache.get("from-node");
      const absent = await cache.get("absent");
      let error = null;
      try { await new CloudCached({ url: process.env.URL, token: "wrong" }).get("x"); } catch (e) { error = e instanceof CloudCachedError ? e.code : String(e); }
      console.log(JSON.stringify({ stored, value, absent, error }));
    `;
    await writeFile(join(consumer, "app.mjs"), script);
    const { stdout } = await run(process.execPath, ["app.mjs"], {
      cwd: consumer,
      env: { PATH: process.env.PATH ?? "", URL: workerUrl(), TOKEN: adminToken(), NS: uniqueNamespace("pkg") },
    });
    expect(JSON.parse(stdout)).toStrictEqual({ stored: true, value: { n: 42, s: "42" }, absent: null, error: "unauthorized" });
  });

  it("ships its types: a TypeScript consumer type-checks, and a wrong call does not", async () => {
    const good = `
      import { CloudCached, CloudCachedError, type WriteResult } from "cloudcached/client";
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
      import { CloudCached } from "cloudcached/client";
      const cache = new CloudCached({ url: "https://cache.example" });
      export const wrong: Promise<string> = cache.put("k", "v");
    `;
    await writeFile(join(consumer, "good.ts"), good);
    await writeFile(join(consumer, "bad.ts"), bad);
    const tsc = join(ROOT, "node_modules/.bin/tsc");
    const flags = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom", "--skipLibCheck", "false"];
    await run(tsc, [...flags, "good.ts"], { cwd: consumer });
    const failed = await run(tsc, [...flags, "bad.ts"], { cwd: consumer }).then(
      () => null,
      (err: { stdout: string }) => err.stdout,
    );
    expect(failed).toContain("TS2322");
  });

  it("the library (everything but the CLI) imports no node: module and uses no Buffer or process", async () => {
    const dir = join(ROOT, "dist/client");
    const files = (await readdir(dir)).filter((name) => name.endsWith(".js") && name !== "cli.js");
    expect(files).toContain("index.js");
    for (const name of files) {
      const text = await readFile(join(dir, name), "utf8");
      expect(text, name).not.toMatch(/from\s+["']node:|import\(["']node:|require\(|\bBuffer\.[a-z]|\bprocess\.[a-z]/);
    }
  });

  it("package.json: exports ./client with types, bin cloudcached", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
      bin: Record<string, string>;
    };
    expect(pkg.exports["./client"]).toMatchObject({ types: "./dist/client/index.d.ts", import: "./dist/client/index.js" });
    expect(pkg.bin.cloudcached).toBe("dist/client/cli.js");
  });

  it("imports as cloudcached/keyv and cloudcached/unstorage beside a stock keyv and unstorage, which stay optional peers", async () => {
    for (const peer of ["keyv", "unstorage"]) await symlink(join(ROOT, "node_modules", peer), join(consumer, "node_modules", peer), "dir");
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
    await writeFile(join(consumer, "adapters.mjs"), script);
    const { stdout } = await run(process.execPath, ["adapters.mjs"], {
      cwd: consumer,
      env: { PATH: process.env.PATH ?? "", URL: workerUrl(), TOKEN: adminToken(), NS: uniqueNamespace("pkg") },
    });
    expect(JSON.parse(stdout)).toStrictEqual({ keyv: { n: 1 }, unstorage: "v", keys: ["a:b"] });
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, Record<string, string>>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const name of ["keyv", "unstorage"]) {
      expect(pkg.exports[`./${name}`]).toMatchObject({ types: `./dist/client/${name}.d.ts`, import: `./dist/client/${name}.js` });
      expect(pkg.peerDependencies[name]).toBeDefined();
      expect(pkg.peerDependenciesMeta[name]).toStrictEqual({ optional: true });
    }
    // The client itself never loads them: only the adapters' own modules name them.
    for (const name of await readdir(join(ROOT, "dist/client"))) {
      if (!name.endsWith(".js") || name === "keyv.js" || name === "unstorage.js") continue;
      expect(await readFile(join(ROOT, "dist/client", name), "utf8"), name).not.toMatch(/from\s+["'](keyv|unstorage)["']/);
    }
  });
});
