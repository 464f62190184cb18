// How the benchmark talks to CloudCached for the seed's table: through the typed client
// (`cloudcached/client`) when this checkout has its source, else through plain fetch (said so in
// the results). The client's TypeScript source is bundled with esbuild into a temporary module.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** The typed client's source entry: this checkout's `client/src`, or `BENCH_CLIENT_SRC` (a folder). */
function clientSource() {
  const candidates = [process.env.BENCH_CLIENT_SRC, path.join(ROOT, "client/src")].filter(Boolean);
  for (const folder of candidates) {
    const entry = path.join(folder, "index.ts");
    if (existsSync(entry)) return entry;
  }
  return null;
}

export async function loadTypedClient() {
  const entry = clientSource();
  if (!entry) return null;
  const { build } = await import("esbuild");
  const outdir = await mkdtemp(path.join(tmpdir(), "cloudcached-bench-client-"));
  const outfile = path.join(outdir, "client.mjs");
  // The client and, when this checkout has it, cloudcached/node's nodeFetch, in one module.
  const nodeEntry = path.join(path.dirname(entry), "node-fetch.ts");
  const hasNode = existsSync(nodeEntry);
  const contents = `export { CloudCached } from ${JSON.stringify(entry)};\n${hasNode ? `export { nodeFetch } from ${JSON.stringify(nodeEntry)};\n` : ""}`;
  await build({ stdin: { contents, resolveDir: path.dirname(entry), loader: "ts" }, bundle: true, format: "esm", platform: "node", target: "node20", outfile, logLevel: "silent" });
  const module = await import(pathToFileURL(outfile).href);
  await rm(outdir, { recursive: true, force: true });
  return { CloudCached: module.CloudCached, nodeFetch: module.nodeFetch ?? null, source: path.relative(ROOT, entry) || entry };
}

function contentTypeOf(value) {
  return typeof value === "string" ? "text/plain; charset=utf-8" : "application/json";
}

/**
 * The adapter the table's CloudCached rows use: `get(key, { fresh })` → `{ value, cache }`, `set(key, value)`.
 * `transport: "node"` gives the typed client cloudcached/node's nodeFetch (null when this checkout has none).
 */
export async function cloudcachedClient({ url, token, namespace, transport = "fetch" }) {
  const typed = await loadTypedClient();
  if (transport === "node" && !typed?.nodeFetch) return null;
  if (typed) {
    const fetch = transport === "node" ? typed.nodeFetch() : undefined;
    const client = new typed.CloudCached({ url, token, namespace, retries: 0, ...(fetch ? { fetch } : {}) });
    return {
      kind: `typed client (cloudcached/client, bundled from ${typed.source}${fetch ? ", over nodeFetch" : ", over Node's fetch"})`,
      close: () => fetch?.close(),
      async get(key, { fresh = false } = {}) {
        const item = await client.gets(key, { fresh });
        if (item === null) throw new Error(`CloudCached: ${key} is absent`);
        return { value: item.value, cache: item.cache };
      },
      async set(key, value) {
        await client.set(key, value);
      },
    };
  }
  const itemUrl = (key) => `${url}/v1/${namespace}/items/${encodeURIComponent(key)}`;
  const auth = { authorization: `Bearer ${token}` };
  return {
    kind: "plain fetch (the typed client's source is not in this checkout)",
    close: () => undefined,
    async get(key, { fresh = false } = {}) {
      const response = await fetch(itemUrl(key), { headers: { ...auth, ...(fresh ? { "cache-control": "no-cache" } : {}) } });
      if (response.status !== 200) throw new Error(`CloudCached GET answered ${response.status}`);
      const text = await response.text();
      const value = response.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(text) : text;
      return { value, cache: response.headers.get("x-cache") };
    },
    async set(key, value) {
      const body = typeof value === "string" ? value : JSON.stringify(value);
      const response = await fetch(itemUrl(key), { method: "PUT", headers: { ...auth, "content-type": contentTypeOf(value) }, body });
      await response.arrayBuffer();
      if (response.status !== 200 && response.status !== 201) throw new Error(`CloudCached PUT answered ${response.status}`);
    },
  };
}
