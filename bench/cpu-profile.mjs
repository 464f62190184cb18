#!/usr/bin/env node
// Where a hit's CPU time goes inside workerd: the Worker's deploy bundle in one Miniflare runtime
// with its inspector on, V8's sampling profiler around N sequential hits (keep-alive), and the
// samples summed per function (self time) and per source file. Not part of `npm run bench`.
// Usage: node bench/cpu-profile.mjs [--requests N] [--scoped] [--put] [--tagged]
import http from "node:http";
import path from "node:path";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import { startEmbeddedStore } from "../scripts/embedded-store.mjs";
import { buildBundle } from "./lib/stack.mjs";

const REQUESTS = process.argv.includes("--requests") ? Number(process.argv[process.argv.indexOf("--requests") + 1]) : 3000;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function request(agent, url, options = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, ...options }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

async function main() {
  const bundle = await buildBundle();
  const store = await startEmbeddedStore({ secretAccessKey: randomBytes(18).toString("base64url") });
  const inspectorPort = await freePort();
  const adminToken = randomBytes(24).toString("base64url");
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    inspectorPort,
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.resume();
      stderr.resume();
    },
    workers: [
      {
        name: "cloudcached",
        modules: true,
        modulesRoot: path.dirname(bundle.scriptPath),
        scriptPath: bundle.scriptPath,
        compatibilityDate: bundle.compatibilityDate,
        cache: true,
        bindings: { ...store.settings, S3_PREFIX: `cpu-${Date.now()}/`, ADMIN_TOKEN: adminToken, TOKEN_SECRET: randomBytes(24).toString("base64url"), EDGE_TTL: "60" },
      },
    ],
  });
  try {
    const base = (await mf.ready).href.replace(/\/$/, "");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let authorization = `Bearer ${adminToken}`;
    const item = `${base}/v1/cpu/items/k`;
    // `--tagged`: the item carries the bench's four tags (its hits check them; PUTs write them).
    const tags = process.argv.includes("--tagged") ? { "x-tags": "product-42,pages,catalog,locale-en" } : {};
    await request(agent, item, { method: "PUT", headers: { authorization, "content-length": "32", ...tags }, body: "0123456789abcdef0123456789abcdef" });
    if (process.argv.includes("--scoped")) {
      const minted = await request(agent, `${base}/v1/tokens`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify({ namespaces: ["cpu"], scopes: ["read"], ttl: 3600 }) });
      authorization = `Bearer ${JSON.parse(minted.body.toString()).token}`;
    }
    for (let i = 0; i < 200; i++) await request(agent, item, { headers: { authorization } });
    const ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/core:user:cloudcached`);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    let id = 0;
    const pending = new Map();
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString());
      if (message.id && pending.has(message.id)) pending.get(message.id)(message);
    });
    const send = (method, params = {}) => new Promise((resolve) => { id += 1; pending.set(id, resolve); ws.send(JSON.stringify({ id, method, params })); });
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 100 });
    await send("Profiler.start");
    let hits = 0;
    const PUT = process.argv.includes("--put");
    for (let i = 0; i < REQUESTS; i++) {
      const answer = PUT
        ? await request(agent, item, { method: "PUT", headers: { authorization, "content-length": "32", ...tags }, body: "0123456789abcdef0123456789abcdef" })
        : await request(agent, item, { headers: { authorization } });
      if (answer.headers["x-cache"] === "HIT" || (PUT && answer.status === 200)) hits += 1;
    }
    const { result } = await send("Profiler.stop");
    ws.close();
    const { nodes, samples, timeDeltas } = result.profile;
    const byId = new Map(nodes.map((node) => [node.id, node]));
    const self = new Map();
    for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
    const perFunction = new Map();
    const perFile = new Map();
    let total = 0;
    for (const [nodeId, micros] of self) {
      const { callFrame } = byId.get(nodeId);
      const file = callFrame.url.split("/").pop() || "(native)";
      const name = `${callFrame.functionName || "(anonymous)"} ${file}:${callFrame.lineNumber + 1}`;
      perFunction.set(name, (perFunction.get(name) ?? 0) + micros);
      perFile.set(file, (perFile.get(file) ?? 0) + micros);
      total += micros;
    }
    const idle = perFunction.get("(idle) (native):0") ?? 0;
    process.stdout.write(`${REQUESTS} requests (${hits} HIT or stored), profiled ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms; µs per request, self time:\n`);
    for (const [name, micros] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
      process.stdout.write(`${(micros / REQUESTS).toFixed(2).padStart(8)}  ${name}\n`);
    }
  } finally {
    await mf.dispose();
    await store.stop();
    await bundle.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`cpu-profile failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
