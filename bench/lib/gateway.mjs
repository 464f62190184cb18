// The memcached gateway's cost (`cloudcached gateway`, in a process of its own as a user runs it):
// a hit through it with memjs (binary) and with pymemcache (text), beside the same hit over HTTP
// (from Node, and from Python for pymemcache), beside the typed client's hit over Node's own fetch
// and over cloudcached/node's nodeFetch (what a Node app rewritten for the HTTP API would pay) and
// beside memcached itself; a multi-get beside one batch request of the same keys, as many as one
// batch may hold on the deployment (GET /v1's limits.batchKeys). Each comparison is interleaved only
// with its own kind: a batch's background work in workerd would otherwise land on whichever hit
// follows it, and on a 2-core machine it hurts the three-process gateway path more than the
// two-process HTTP one.
//
// Goal: a gateway hit ≤ 1.15 × the HTTP hit with the Worker EDGE_ROUND_TRIP_MS away, as a backend
// beside a Cloudflare location sees it. On loopback the memcached round trip alone (memjs against
// memcached, which any memcached client pays to any server) is 10–20 % of the HTTP hit, so the
// loopback ratio is reported beside that floor and beside what the gateway adds beyond it, not judged.
// Missing tools (memcached, pymemcache) leave their rows out, said so in the results.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import memjs from "memjs";
import { cloudcachedClient } from "./cloudcached-client.mjs";
import { keepAliveAgent, request } from "./http.mjs";
import { startWanProxy } from "./wan-proxy.mjs";
import { expectStatus, interleave, RATIO_VALUE } from "./sides.mjs";
import { judge } from "./stats.mjs";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const run = promisify(execFile);
const NAMESPACE = "bench-gateway";
/** A backend in the same metro as a Cloudflare location: about the nearest the Worker ever is. */
export const EDGE_ROUND_TRIP_MS = 2;
export const GATEWAY_GOAL = {
  goal: 1.15,
  direction: "atMost",
  says: `gateway hit (memjs) p50 ≤ 1.15 × HTTP hit p50, the Worker ${EDGE_ROUND_TRIP_MS} ms away`,
};

/** The CLI bundled from this checkout's source, run as `cloudcached gateway` on a free port. */
async function startGatewayProcess({ base, token }) {
  const { build } = await import("esbuild");
  const dir = await mkdtemp(path.join(tmpdir(), "cloudcached-bench-gateway-"));
  const cli = path.join(dir, "cli.mjs");
  await build({ entryPoints: [path.join(ROOT, "client/src/cli.ts")], bundle: true, format: "esm", platform: "node", target: "node20", outfile: cli, logLevel: "silent" });
  // The token from the environment, as docs/gateway.md tells users: never on a command line, where a
  // random one starting with "-" would also be taken for an option.
  const child = spawn(process.execPath, [cli, "gateway", "--listen", "127.0.0.1:0", "--url", base, "--ns", NAMESPACE], {
    env: { ...process.env, CLOUDCACHED_TOKEN: token },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const killOnExit = () => child.kill("SIGTERM");
  process.on("exit", killOnExit);
  const port = await new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (part) => {
      err += part;
      const match = / on 127\.0\.0\.1:(\d+) /.exec(err);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`cloudcached gateway exited (${code}): ${err.trim()}`)));
  });
  return {
    port,
    async stop() {
      process.off("exit", killOnExit);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A text-protocol connection that sends one line and resolves when the answer's END arrives. */
function textConnection(port) {
  const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
  let received = "";
  let waiting = null;
  socket.setEncoding("latin1");
  socket.on("data", (part) => {
    received += part;
    if (waiting && received.endsWith("END\r\n")) {
      const done = waiting;
      waiting = null;
      const answer = received;
      received = "";
      done(answer);
    }
  });
  return {
    ready: new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    }),
    ask: (line) =>
      new Promise((resolve) => {
        waiting = resolve;
        socket.write(line);
      }),
    close: () => socket.destroy(),
  };
}

/** Debian's python3 with pymemcache, or null. */
async function python() {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    if (candidate.startsWith("/") && !existsSync(candidate)) continue;
    try {
      await run(candidate, ["-c", "import pymemcache"]);
      return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

/** pymemcache's gets of `key`, timed in Python; with `http`, interleaved with the same hit over HTTP from Python. */
async function pymemcacheHit(interpreter, port, key, settings, http) {
  const args = [path.join(ROOT, "bench/lib/pymemcache-hit.py"), "127.0.0.1", String(port), key, String(settings.warmup), String(settings.samples)];
  if (http) args.push(http.url, http.token);
  const { stdout } = await run(interpreter, args, { timeout: 120_000 });
  return JSON.parse(stdout);
}

/**
 * The figures the report and the goal use, from the medians (p50 ms) of each comparison.
 * `loopbackFloor` is what a gateway costing nothing but the memcached round trip would measure.
 */
export function gatewayRatios({ hits, typedHits, near, batches, pymemcache }) {
  const memcachedMs = hits.memcachedMemjsGet?.p50Ms;
  const ratios = {
    memjsHitOverHttpHitNear: near.gatewayMemjsHit.p50Ms / near.httpHit.p50Ms,
    memjsHitOverHttpHit: hits.gatewayMemjsHit.p50Ms / hits.httpHit.p50Ms,
    memjsHitOverTypedClientHit: typedHits.gatewayMemjsHit.p50Ms / typedHits.typedClientHit.p50Ms,
    ...(typedHits.typedClientNodeFetchHit ? { memjsHitOverTypedClientNodeFetchHit: typedHits.gatewayMemjsHit.p50Ms / typedHits.typedClientNodeFetchHit.p50Ms } : {}),
    ...(memcachedMs === undefined
      ? {}
      : {
          loopbackFloor: (hits.httpHit.p50Ms + memcachedMs) / hits.httpHit.p50Ms,
          memjsHitBeyondMemcachedOverHttpHit: (hits.gatewayMemjsHit.p50Ms - memcachedMs) / hits.httpHit.p50Ms,
        }),
    ...(pymemcache?.gateway?.http ? { pymemcacheHitOverHttpHit: pymemcache.gateway.p50Ms / pymemcache.gateway.http.p50Ms } : {}),
    multigetOverBatch: batches.gatewayMultiget.p50Ms / batches.httpBatch.p50Ms,
  };
  return ratios;
}

/** The HTTP hit (ms) from which the gateway's added time is within the goal, taking the larger of the two measures. */
export function breakEvenMs(addedMs) {
  return Math.max(addedMs.loopback, addedMs.near) / (GATEWAY_GOAL.goal - 1);
}

/** The goal, judged on the hit as a backend beside a Cloudflare location sees it. */
export function gatewayGoal(ratios) {
  return { ...judge(ratios.memjsHitOverHttpHitNear, GATEWAY_GOAL.goal, GATEWAY_GOAL.direction), says: GATEWAY_GOAL.says };
}

/**
 * Measures the gateway against the Worker at `base`, beside memcached (from bench/lib/memcached.mjs,
 * or `{ missing }`). Registers what it starts in `cleanups`.
 */
export async function gatewayBench({ base, token, memcached, settings, cleanups }) {
  const gateway = await startGatewayProcess({ base, token });
  cleanups.push(() => gateway.stop());
  const worker = new URL(base);
  const edge = await startWanProxy({ host: worker.hostname, port: Number(worker.port) }, EDGE_ROUND_TRIP_MS);
  cleanups.push(() => edge.close());
  const nearBase = `http://127.0.0.1:${edge.port}`;
  const nearGateway = await startGatewayProcess({ base: nearBase, token });
  cleanups.push(() => nearGateway.stop());
  const agent = keepAliveAgent();
  cleanups.push(async () => agent.destroy());
  const nearAgent = keepAliveAgent();
  cleanups.push(async () => nearAgent.destroy());
  const auth = { authorization: `Bearer ${token}` };
  const itemUrl = (key, at = base) => `${at}/v1/${NAMESPACE}/items/${key}`;
  const body = Buffer.from(RATIO_VALUE);
  const index = expectStatus(await request(agent, `${base}/v1`, { headers: auth, keepBody: true }), [200], "GET /v1");
  const batchKeys = JSON.parse(index.body.toString("utf8")).limits?.batchKeys;
  if (!Number.isInteger(batchKeys) || batchKeys < 1) throw new Error("GET /v1 names no limits.batchKeys");
  const MULTI_KEYS = Array.from({ length: batchKeys }, (_, i) => `multi-${i}`);
  for (const key of ["ratio-hit", ...MULTI_KEYS]) {
    expectStatus(await request(agent, itemUrl(key), { method: "PUT", headers: { ...auth, "content-type": "text/plain", "content-length": String(body.length) }, body }), [200, 201], "gateway bench PUT");
  }
  const memjsClient = (port) => {
    const client = memjs.Client.create(`127.0.0.1:${port}`, { retries: 0, timeout: 10, logger: { log: () => undefined } });
    cleanups.push(async () => client.close());
    return client;
  };
  const viaGateway = memjsClient(gateway.port);
  const viaNearGateway = memjsClient(nearGateway.port);
  // What a Node app calling the HTTP API through the typed client pays (Node's own fetch).
  const typed = await cloudcachedClient({ url: base, token, namespace: NAMESPACE });
  // …and through cloudcached/node's nodeFetch, when this checkout has it.
  const typedNode = await cloudcachedClient({ url: base, token, namespace: NAMESPACE, transport: "node" });
  if (typedNode) cleanups.push(async () => typedNode.close());
  const multi = textConnection(gateway.port);
  await multi.ready;
  cleanups.push(async () => multi.close());
  const batchBody = JSON.stringify({ get: MULTI_KEYS });
  const multiLine = `get ${MULTI_KEYS.join(" ")}\r\n`;
  const httpHit = (via, at) => async () => {
    const answer = expectStatus(await request(via, itemUrl("ratio-hit", at), { headers: auth }), [200], "HTTP hit");
    if (answer.size !== body.length) throw new Error(`HTTP hit: ${answer.size} bytes`);
    return answer.headers["x-cache"] === "HIT";
  };
  const memjsHit = (client) => async () => {
    const { value } = await client.get("ratio-hit");
    if (value?.length !== body.length) throw new Error("gateway (memjs) hit: wrong value");
  };
  const typedHit = (client) => async () => {
    const { value, cache } = await client.get("ratio-hit");
    if (value !== RATIO_VALUE) throw new Error("typed client hit: wrong value");
    return cache === "HIT";
  };
  const rounds = { warmup: settings.warmup, samples: settings.samples };

  const hits = await interleave(
    {
      httpHit: httpHit(agent, base),
      gatewayMemjsHit: memjsHit(viaGateway),
      ...(memcached.missing ? {} : { memcachedMemjsGet: async () => {
        const bytes = await memcached.get("ratio-get");
        if (bytes.byteLength !== body.length) throw new Error("memcached GET: wrong size");
      } }),
    },
    rounds,
  );
  // The typed client over Node's fetch is heavy in this process (its CPU and garbage would land on
  // whichever side follows it), so it is compared in a loop of its own, with the gateway's hit.
  const typedHits = await interleave(
    { gatewayMemjsHit: memjsHit(viaGateway), typedClientHit: typedHit(typed), ...(typedNode ? { typedClientNodeFetchHit: typedHit(typedNode) } : {}) },
    rounds,
  );
  const batches = await interleave(
    {
      httpBatch: async () => {
        const answer = expectStatus(
          await request(agent, `${base}/v1/${NAMESPACE}/batch`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: batchBody }),
          [200],
          "HTTP batch",
        );
        if (answer.size < batchKeys * body.length) throw new Error("HTTP batch: short answer");
      },
      gatewayMultiget: async () => {
        const answer = await multi.ask(multiLine);
        if (answer.split("VALUE ").length !== batchKeys + 1) throw new Error(`gateway multi-get: not ${batchKeys} values`);
      },
    },
    rounds,
  );
  const near = await interleave({ httpHit: httpHit(nearAgent, nearBase), gatewayMemjsHit: memjsHit(viaNearGateway) }, rounds);

  const interpreter = await python();
  const pymemcache = interpreter
    ? {
        gateway: await pymemcacheHit(interpreter, gateway.port, "ratio-hit", settings, { url: itemUrl("ratio-hit"), token }),
        ...(memcached.missing ? {} : { memcached: await pymemcacheHit(interpreter, memcached.port, "ratio-get", settings) }),
      }
    : { missing: "apt-get update && apt-get install -y python3-pymemcache" };
  const ratios = gatewayRatios({ hits, typedHits, near, batches, pymemcache });
  // What a hit through the gateway costs beyond the HTTP hit, whatever the distance (p50 ms).
  const addedMs = { loopback: hits.gatewayMemjsHit.p50Ms - hits.httpHit.p50Ms, near: near.gatewayMemjsHit.p50Ms - near.httpHit.p50Ms };
  // The proxy's timers make the distance a little longer than asked: what it added, measured.
  const edgeAddedMs = near.httpHit.p50Ms - hits.httpHit.p50Ms;
  return { breakEvenHttpHitMs: breakEvenMs(addedMs), batchKeys, typedClient: [typed.kind, typedNode?.kind ?? "no cloudcached/node in this checkout"], edgeRoundTripMs: EDGE_ROUND_TRIP_MS, edgeAddedMs, medians: { hits, typedHits, batches, near }, pymemcache, ratios, addedMs, goal: gatewayGoal(ratios) };
}

/** The report's lines for the gateway's part. */
export function renderGateway(result) {
  const ms = (value) => (value === undefined ? "—" : value.toFixed(3));
  const row = (name, side, note = `n ${side.n}, p99 ${ms(side.p99Ms)}`) => `  ${name.padEnd(28)} ${ms(side.p50Ms).padStart(8)}   (${note})`;
  const { hits, typedHits, batches, near } = result.medians;
  const lines = ["", `memcached gateway (\`cloudcached gateway\`, its own process; 32-byte value; multi-get and batch of ${result.batchKeys} keys; p50 ms):`, ""];
  for (const [name, side] of Object.entries(hits)) lines.push(row(name, side));
  for (const [name, side] of Object.entries(typedHits)) lines.push(row(name === "gatewayMemjsHit" ? "gatewayMemjsHit (again)" : name, side));
  for (const [name, side] of Object.entries(batches)) lines.push(row(name, side));
  for (const [name, side] of Object.entries(near)) lines.push(row(`${name} (${result.edgeRoundTripMs} ms away)`, side));
  lines.push(`  (the proxy added ${ms(result.edgeAddedMs)} ms to the HTTP hit for a ${result.edgeRoundTripMs} ms round trip: its timers wake late)`);
  if (result.pymemcache.missing) lines.push(`  pymemcache rows left out: ${result.pymemcache.missing}`);
  else {
    const { gateway, memcached } = result.pymemcache;
    lines.push(row("pymemcache via gateway", gateway, `timed in Python, n ${gateway.n}`));
    lines.push(row("HTTP hit from Python", gateway.http, "interleaved with the line above"));
    if (memcached) lines.push(row("pymemcache memcached", memcached, "timed in Python"));
  }
  lines.push("");
  for (const [name, value] of Object.entries(result.ratios)) lines.push(`  ${name.padEnd(36)} ${value.toFixed(2)}`);
  lines.push(`  added per hit (memjs): ${ms(result.addedMs.loopback)} ms on loopback, ${ms(result.addedMs.near)} ms with the Worker ${result.edgeRoundTripMs} ms away`);
  lines.push(`  so a gateway hit is within ${Math.round((GATEWAY_GOAL.goal - 1) * 100)} % of any HTTP hit that takes ${ms(breakEvenMs(result.addedMs))} ms or more`);
  lines.push(`  goal: ${result.goal.says}: ${result.goal.met ? "yes" : "NO"}`);
  return lines;
}
