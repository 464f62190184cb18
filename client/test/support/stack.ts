// The real stack the client's tests talk to, started once per run from Node: the embedded S3 store
// (scripts/embedded-store.mjs), the Worker as `wrangler deploy --dry-run` bundles it, running in
// Miniflare (workerd) on 127.0.0.1 with the store's settings, and a static server on another
// origin for the browser test's page. The client is built first (tsc → client/dist), so the CLI
// tests run exactly what the package ships.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
// @ts-expect-error -- a plain ESM script shared with `npm run dev` and the Workers suite; its shape is checked at run time.
import { startEmbeddedStore } from "../../../scripts/embedded-store.mjs";

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, "../../..");

export interface Stack {
  workerUrl: string;
  adminToken: string;
  pageOrigin: string;
  /** A namespace in the Worker's PUBLIC_READ_NAMESPACES: its items are read with no token. */
  publicNamespace: string;
  stop(): Promise<void>;
}

interface Store {
  S3_ENDPOINT: string;
  S3_BUCKET: string;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  stop(): Promise<void>;
}

/** The page the browser test loads: it imports the browser bundle of the client and runs what the test tells it. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>CloudCached browser test</title></head>
<body><pre id="out">loading</pre>
<script type="module">
  import * as cc from "./cloudcached.js";
  window.cloudcached = cc;
  document.getElementById("out").textContent = "ready";
</script></body></html>`;

async function bundleForBrowser(): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, "client/src/index.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error("esbuild produced no bundle");
  return file.text;
}

async function startPageServer(script: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
    } else if (path === "/cloudcached.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(script);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("page server has no port");
  return { origin: `http://127.0.0.1:${address.port}`, server };
}

export async function startStack(): Promise<Stack> {
  const work = await mkdtemp(join(tmpdir(), "cloudcached-client-test-"));
  const wrangler = join(ROOT, "node_modules/.bin/wrangler");
  const tsc = join(ROOT, "node_modules/.bin/tsc");
  await Promise.all([
    run(wrangler, ["deploy", "--dry-run", "--outdir", work], { cwd: ROOT }),
    run(tsc, ["-p", "client/tsconfig.build.json"], { cwd: ROOT }),
  ]);
  const store = (await startEmbeddedStore({ secretAccessKey: randomBytes(18).toString("base64url") })) as Store;
  let page: { origin: string; server: Server } | undefined;
  let worker: Miniflare | undefined;
  const stop = async (): Promise<void> => {
    await worker?.dispose();
    if (page) {
      const { server } = page;
      await new Promise<void>((done) => server.close(() => done()));
    }
    await store.stop();
    await rm(work, { recursive: true, force: true });
  };
  try {
    page = await startPageServer(await bundleForBrowser());

  const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") }, { hideWarnings: true });
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.vars ?? {})) vars[name] = typeof value === "string" ? value : JSON.stringify(value);

  const adminToken = `admin-${randomBytes(12).toString("hex")}`;
  const publicNamespace = "public-read";
  worker = new Miniflare({
    modules: true,
    scriptPath: join(work, "index.js"),
    modulesRoot: work,
    compatibilityDate: config.compatibility_date ?? "2026-04-01",
    compatibilityFlags: config.compatibility_flags ?? [],
    host: "127.0.0.1",
    port: 0,
    bindings: {
      ...vars,
      S3_ENDPOINT: store.S3_ENDPOINT,
      S3_BUCKET: store.S3_BUCKET,
      S3_REGION: store.S3_REGION,
      S3_ACCESS_KEY_ID: store.S3_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: store.S3_SECRET_ACCESS_KEY,
      S3_PREFIX: `client-test-${Date.now()}-${randomBytes(3).toString("hex")}/`,
      ADMIN_TOKEN: adminToken,
      TOKEN_SECRET: randomBytes(32).toString("hex"),
      ALLOWED_ORIGINS: page.origin,
      PUBLIC_READ_NAMESPACES: publicNamespace,
    },
  });
  const url = await worker.ready;
  return { workerUrl: url.origin, adminToken, pageOrigin: page.origin, publicNamespace, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
