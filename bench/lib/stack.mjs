// Everything the benchmark runs against, started on 127.0.0.1 and stopped at the end: the embedded
// S3 store, a WAN proxy in front of it, and one workerd (through Miniflare's API) running the
// Worker's deploy bundle twice (local store, far store) beside a constant-response floor Worker.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { startEmbeddedStore } from "../../scripts/embedded-store.mjs";
import { startWanProxy } from "./wan-proxy.mjs";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** Hosts the entry worker routes to the floor and to the far-store Worker. */
export const FLOOR_HOST = "floor.bench";
export const WAN_HOST = "wan.bench";
/** The same Worker reaching storage through an R2 binding (Miniflare's local bucket), not the S3 API. */
export const BINDING_HOST = "binding.bench";

export const CACHE_FLOOR_HOST = "cache-floor.bench";
/** A Worker making one call to the bound bucket: the least a storage-bound answer through the binding can cost. */
export const BINDING_FLOOR_HOST = "binding-floor.bench";
/** The R2 bucket bound as STORE, shared by the binding Worker and the binding floor. */
const BENCH_BUCKET = "bench-store";

/**
 * The floor plus one Cache API lookup of a constant entry: the least a hit can cost in this runtime,
 * whatever the Worker does around it.
 */
const CACHE_FLOOR_SCRIPT = `
const KEY = "https://cloudcached.cache/bench/constant";
export default {
  async fetch() {
    const cached = await caches.default.match(KEY);
    if (cached) return new Response(cached.body, { headers: { "content-type": "text/plain; charset=utf-8", "x-cache": "HIT" } });
    await caches.default.put(KEY, new Response(BODY, { headers: { "cache-control": "max-age=86400" } }));
    return new Response(BODY, { headers: { "content-type": "text/plain; charset=utf-8", "x-cache": "MISS" } });
  },
};`;

/**
 * The binding's counterpart of "floor + direct S3 call": a Worker that makes exactly one call to the
 * bound bucket, a GET (404 when absent) or a PUT of the request's body, under a prefix of its own.
 */
const BINDING_FLOOR_SCRIPT = `
export default {
  async fetch(request, env) {
    const key = "binding-floor" + new URL(request.url).pathname;
    if (request.method === "PUT") {
      await env.STORE.put(key, await request.arrayBuffer(), { httpMetadata: { contentType: "text/plain" } });
      return new Response(null, { status: 204 });
    }
    const object = await env.STORE.get(key);
    if (!object) return new Response(null, { status: 404 });
    return new Response(object.body, { headers: { "content-type": "text/plain" } });
  },
};`;

/**
 * The Workers' console output (one JSON log line per request) is produced, as in production, and
 * discarded here: printed, it would bury the results and load the machine. BENCH_DEBUG=1 keeps it.
 */
function handleRuntimeStdio(stdout, stderr) {
  if (process.env.BENCH_DEBUG) {
    stdout.pipe(process.stderr);
    stderr.pipe(process.stderr);
    return;
  }
  stdout.resume();
  stderr.resume();
}

/** The floor's constant body: as long as the 32-byte string the ratios are measured with. */
export const FLOOR_BODY = "0123456789abcdef0123456789abcdef";

/** The bundle `wrangler deploy` would upload, built into a fresh temporary folder. */
export async function buildBundle() {
  const outdir = await mkdtemp(path.join(tmpdir(), "cloudcached-bench-bundle-"));
  await run(path.join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: ROOT,
    timeout: 120_000,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  const files = await readdir(outdir);
  const main = files.find((name) => name.endsWith(".js"));
  if (!main) throw new Error(`wrangler deploy --dry-run wrote no .js bundle into ${outdir}`);
  const toml = await readFile(path.join(ROOT, "wrangler.toml"), "utf8");
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!compatibilityDate) throw new Error("wrangler.toml has no compatibility_date");
  return { scriptPath: path.join(outdir, main), compatibilityDate, cleanup: () => rm(outdir, { recursive: true, force: true }) };
}

const JS_READ_CONTROL_SCRIPT = `
export default {
  async fetch(request, env, ctx) {
    if (request.method === "PUT") {
      let received = 0;
      for await (const chunk of request.body) received += chunk.byteLength;
      return new Response(JSON.stringify({ received }), { headers: { "content-type": "application/json" } });
    }
    const size = Number(new URL(request.url).searchParams.get("size") ?? "0");
    const { readable, writable } = new FixedLengthStream(size);
    ctx.waitUntil((async () => {
      const writer = writable.getWriter();
      const chunk = new Uint8Array(65536);
      for (let sent = 0; sent < size; sent += chunk.length) await writer.write(chunk.subarray(0, Math.min(chunk.length, size - sent)));
      await writer.close();
    })());
    return new Response(readable, { headers: { "content-type": "application/octet-stream" } });
  },
};`;

/** One Worker in a workerd of its own: `{ url, pid, stop }`. */
async function startFreshRuntime(worker) {
  const before = new Set(await workerdChildren());
  const mf = new Miniflare({ host: "127.0.0.1", port: 0, handleRuntimeStdio, workers: [worker] });
  try {
    const url = await mf.ready;
    const pid = (await workerdChildren()).find((candidate) => !before.has(candidate)) ?? null;
    if (pid === null) throw new Error("could not find the fresh workerd process");
    return { url: url.href.replace(/\/$/, ""), pid, stop: () => mf.dispose() };
  } catch (err) {
    await mf.dispose();
    throw err;
  }
}

/** PIDs of this process's workerd children (Miniflare spawns one per instance). */
export async function workerdChildren() {
  const pids = [];
  for (const entry of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    const name = /^Name:\s*(\S+)/m.exec(status)?.[1];
    const parent = /^PPid:\s*(\d+)/m.exec(status)?.[1];
    if (name === "workerd" && Number(parent) === process.pid) pids.push(Number(entry));
  }
  return pids;
}

/** The Worker's bindings without the S3 way's connection settings. Pure. */
function withoutS3Settings(bindings) {
  const { S3_ENDPOINT: _endpoint, S3_BUCKET: _bucket, S3_ACCESS_KEY_ID: _key, S3_SECRET_ACCESS_KEY: _secret, S3_REGION: _region, ...rest } = bindings;
  return rest;
}

/**
 * Starts the stack. `wanRoundTripMs`: what the proxy adds per round trip. `maxValueBytes`: the
 * Worker's MAX_VALUE_BYTES (raised above the default so the memory test can send 256 MB).
 * `extraWorkers`: `[{ name, host, scriptPath }]`, more Workers in the same runtime (profiling).
 */
export async function startStack({ wanRoundTripMs, maxValueBytes, extraWorkers = [] }) {
  const cleanups = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const bundle = await buildBundle();
    cleanups.push(bundle.cleanup);
    const store = await startEmbeddedStore({ secretAccessKey: randomBytes(18).toString("base64url") });
    cleanups.push(store.stop);
    const storeUrl = new URL(store.S3_ENDPOINT);
    const proxy = await startWanProxy({ host: storeUrl.hostname, port: Number(storeUrl.port) }, wanRoundTripMs);
    cleanups.push(proxy.close);
    const wanEndpoint = new URL(store.S3_ENDPOINT);
    wanEndpoint.port = String(proxy.port);

    const adminToken = randomBytes(24).toString("base64url");
    const prefix = `bench-${Date.now()}/`;
    const bindings = {
      ...store.settings,
      S3_PREFIX: prefix,
      ADMIN_TOKEN: adminToken,
      TOKEN_SECRET: randomBytes(24).toString("base64url"),
      EDGE_TTL: "60",
      DEFAULT_TTL: "3600",
      MAX_VALUE_BYTES: String(maxValueBytes),
    };
    const before = new Set(await workerdChildren());
    // The Analytics Engine binding a deployment may have (STATS): with it the Worker writes a data
    // point per request, so the hit is measured with its point written, as a counting deployment pays.
    const analytics = { analyticsEngineDatasets: { STATS: { dataset: "cloudcached" } } };
    const worker = { modules: true, modulesRoot: path.dirname(bundle.scriptPath), scriptPath: bundle.scriptPath, compatibilityDate: bundle.compatibilityDate, cache: true, ...analytics };
    const mf = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      handleRuntimeStdio,
      workers: [
        { name: "cloudcached", ...worker, bindings },
        { name: "cloudcached-wan", ...worker, routes: [`${WAN_HOST}/*`], bindings: { ...bindings, S3_ENDPOINT: wanEndpoint.href.replace(/\/$/, "") } },
        // Through the binding STORE: no S3 setting (a Worker given both refuses to run), and the bound
        // bucket's name, which the Worker needs (the binding does not tell it).
        { name: "cloudcached-binding", ...worker, routes: [`${BINDING_HOST}/*`], bindings: { ...withoutS3Settings(bindings), STORE_BUCKET: BENCH_BUCKET }, r2Buckets: { STORE: BENCH_BUCKET } },
        {
          name: "binding-floor",
          modules: true,
          compatibilityDate: bundle.compatibilityDate,
          routes: [`${BINDING_FLOOR_HOST}/*`],
          r2Buckets: { STORE: BENCH_BUCKET },
          script: BINDING_FLOOR_SCRIPT,
        },
        {
          name: "floor",
          modules: true,
          compatibilityDate: bundle.compatibilityDate,
          routes: [`${FLOOR_HOST}/*`],
          script: `export default { fetch() { return new Response(${JSON.stringify(FLOOR_BODY)}, { headers: { "content-type": "text/plain; charset=utf-8" } }); } };`,
        },
        {
          name: "cache-floor",
          modules: true,
          compatibilityDate: bundle.compatibilityDate,
          cache: true,
          routes: [`${CACHE_FLOOR_HOST}/*`],
          script: `const BODY = ${JSON.stringify(FLOOR_BODY)};\n${CACHE_FLOOR_SCRIPT}`,
        },
        // Variants for `npm run bench:profile`, each on a host of its own, with the Worker's bindings.
        ...extraWorkers.map(({ name, host, scriptPath }) => ({
          name,
          modules: true,
          modulesRoot: path.dirname(scriptPath),
          scriptPath,
          compatibilityDate: bundle.compatibilityDate,
          cache: true,
          routes: [`${host}/*`],
          bindings,
          ...analytics,
        })),
      ],
    });
    cleanups.push(() => mf.dispose());
    const url = await mf.ready;
    const workerdPid = (await workerdChildren()).find((pid) => !before.has(pid)) ?? null;
    return {
      url: url.href.replace(/\/$/, ""),
      adminToken,
      prefix,
      workerdPid,
      scriptPath: bundle.scriptPath,
      /** Starts the Worker alone in a fresh workerd (for memory: no earlier allocations retained). */
      freshWorker: () => startFreshRuntime({ name: "cloudcached", ...worker, bindings }),
      /** A control in a fresh workerd: a Worker that reads uploads chunk by chunk in JavaScript, and sends `?size=N` bytes. */
      freshJsReadControl: () =>
        startFreshRuntime({ name: "js-read-control", modules: true, compatibilityDate: bundle.compatibilityDate, script: JS_READ_CONTROL_SCRIPT }),
      store: {
        endpoint: store.S3_ENDPOINT,
        wanEndpoint: wanEndpoint.href.replace(/\/$/, ""),
        bucket: store.S3_BUCKET,
        region: store.S3_REGION,
        accessKeyId: store.S3_ACCESS_KEY_ID,
        secretAccessKey: store.S3_SECRET_ACCESS_KEY,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
