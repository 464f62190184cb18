#!/usr/bin/env node
// `npm run bench` (full) and `npm run bench:quick` (CI: every part, small, no thresholds).
// Starts everything it measures by itself, on 127.0.0.1: the embedded S3 store, a WAN proxy in front
// of it, the Worker's deploy bundle in workerd through Miniflare's API beside a constant-response
// floor Worker, and memcached. See docs/bench.md for what each figure means.
import { createHash } from "node:crypto";
import http from "node:http";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { barChartSvg } from "./lib/chart.mjs";
import { cloudcachedClient } from "./lib/cloudcached-client.mjs";
import { pythonClient } from "./lib/python-client.mjs";
import { directS3 } from "./lib/direct-s3.mjs";
import { keepAliveAgent, request } from "./lib/http.mjs";
import { bindingFloorSides, expectStatus, floorSide, interleave, workerSides } from "./lib/sides.mjs";
import { startMemcached } from "./lib/memcached.mjs";
import { gatewayBench, renderGateway } from "./lib/gateway.mjs";
import { renderStampede, stampedeBench } from "./lib/stampede.mjs";
import { measurePeakRss, patternChunks } from "./lib/memory.mjs";
import { BINDING_HOST, CACHE_FLOOR_HOST, FLOOR_BODY, FLOOR_HOST, startStack, WAN_HOST } from "./lib/stack.mjs";
import { explainedRatios, GOALS, goalRatios } from "./lib/goals.mjs";
import { judge, median, rotation, shuffled, summarize } from "./lib/stats.mjs";
import { load } from "./lib/throughput.mjs";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const QUICK = process.argv.includes("--quick");

/** The seed's own GET time: what the WAN proxy adds per round trip. */
const WAN_ROUND_TRIP_MS = 28;
const MiB = 1024 * 1024;

const SETTINGS = QUICK
  ? { seedRuns: 10, seedWarmup: 1, warmup: 10, samples: 30, wanSamples: 10, loadRounds: 1, loadSeconds: 1, memoryBytes: 16 * MiB, stampedeRounds: 1, timeLimitS: 170 }
  : { seedRuns: 10, seedWarmup: 2, warmup: 50, samples: 300, wanSamples: 200, loadRounds: 3, loadSeconds: 5, memoryBytes: 256 * MiB, stampedeRounds: 5, timeLimitS: 900 };


const INT_VALUE = 42;
const STRING_32 = FLOOR_BODY; // 32 ASCII bytes
const STRING_512K = "abcdefghijklmnopqrstuvwxyz012345".repeat((512 * 1024) / 32);
const VALUES = [
  { name: "integer", value: INT_VALUE, bytes: Buffer.from(JSON.stringify(INT_VALUE)), contentType: "application/json" },
  { name: "string 32 B", value: STRING_32, bytes: Buffer.from(STRING_32), contentType: "text/plain; charset=utf-8" },
  { name: "string 512 KB", value: STRING_512K, bytes: Buffer.from(STRING_512K), contentType: "text/plain; charset=utf-8" },
];

/** The Python client's rows of the original table, and the TypeScript client's rows they sit beside. */
const PYTHON_HIT = "CloudCached hit (Python client)";
const PYTHON_PUT = "CloudCached PUT (Python client)";
const BESIDE_PYTHON = { GET: ["CloudCached hit", PYTHON_HIT], PUT: ["CloudCached PUT (set)", PYTHON_PUT] };

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

/**
 * Times `call`; resolves to milliseconds. A call made by another process (the Python client) resolves
 * to `{ reportedMs }`, the time that process measured itself, which is taken instead.
 */
async function time(call) {
  const started = performance.now();
  const result = await call();
  const elapsed = performance.now() - started;
  return typeof result?.reportedMs === "number" ? result.reportedMs : elapsed;
}

// ---- The seed's table ---------------------------------------------------------------------------

/**
 * 10 runs of each (operation, value) per system, the systems interleaved run by run (shuffled), after
 * a warm-up. A hit that was not answered from the location cache, or a miss that was, fails the run.
 */
async function seedTable({ cc, py, s3, memcached }) {
  const systems = {
    PUT: {
      "CloudCached PUT (set)": (v, k) => cc.set(`seed/put/${k}`, v.value),
      ...(py.missing ? {} : { [PYTHON_PUT]: async (v, k) => ({ reportedMs: await py.set(`seed/put-py/${k}`, VALUES.indexOf(v)) }) }),
      "direct S3 (client signs)": (v, k) => s3.put(`direct/seed/put/${k}`, v.bytes, v.contentType),
      ...(memcached.missing ? {} : { "memcached (memjs, loopback)": (v, k) => memcached.set(`seed-put-${k}`, v.bytes) }),
    },
    GET: {
      "CloudCached hit": async (v, k) => {
        const got = await cc.get(`seed/get/${k}`);
        if (got.cache !== "HIT") throw new Error(`expected a hit, got X-Cache: ${got.cache}`);
        if (JSON.stringify(got.value) !== JSON.stringify(v.value)) throw new Error("CloudCached hit: wrong value");
      },
      // the same items, read by the Python client: it checks the hit and the value itself
      ...(py.missing ? {} : { [PYTHON_HIT]: async (v, k) => ({ reportedMs: await py.get(`seed/get/${k}`, VALUES.indexOf(v)) }) }),
      "CloudCached miss (no-cache)": async (v, k) => {
        const got = await cc.get(`seed/get/${k}`, { fresh: true });
        if (got.cache !== "MISS") throw new Error(`expected a miss, got X-Cache: ${got.cache}`);
        if (JSON.stringify(got.value) !== JSON.stringify(v.value)) throw new Error("CloudCached miss: wrong value");
      },
      "direct S3 (client signs)": async (v, k) => {
        const bytes = await s3.get(`direct/seed/get/${k}`);
        if (bytes.byteLength !== v.bytes.byteLength) throw new Error("direct S3: wrong value");
      },
      ...(memcached.missing
        ? {}
        : {
            "memcached (memjs, loopback)": async (v, k) => {
              const bytes = await memcached.get(`seed-get-${k}`);
              if (bytes.byteLength !== v.bytes.byteLength) throw new Error("memcached: wrong value");
            },
          }),
    },
  };
  const rows = [];
  for (const op of ["GET", "PUT"]) {
    for (const [index, v] of VALUES.entries()) {
      const k = `v${index}`;
      if (op === "GET") {
        await cc.set(`seed/get/${k}`, v.value);
        await cc.get(`seed/get/${k}`); // fills the location cache (in the background)
        await s3.put(`direct/seed/get/${k}`, v.bytes, v.contentType);
        if (!memcached.missing) await memcached.set(`seed-get-${k}`, v.bytes);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const names = Object.keys(systems[op]);
      const samples = Object.fromEntries(names.map((name) => [name, []]));
      for (let round = 0; round < SETTINGS.seedWarmup + SETTINGS.seedRuns; round++) {
        for (const name of shuffled(names, round)) {
          const ms = await time(() => systems[op][name](v, k));
          if (round >= SETTINGS.seedWarmup) samples[name].push(ms);
        }
      }
      for (const name of names) rows.push({ system: name, op, value: v.name, ...summarize(samples[name]) });
    }
  }
  return rows;
}

// ---- Throughput ---------------------------------------------------------------------------------

async function throughput({ base, token }) {
  const hit = { url: `${base}/v1/bench-load/items/load-hit`, headers: { authorization: `Bearer ${token}` } };
  const floor = { url: `${base}/`, headers: { host: FLOOR_HOST } };
  const cacheFloor = { url: `${base}/`, headers: { host: CACHE_FLOOR_HOST } };
  const agent = keepAliveAgent();
  const checkHit = async () => {
    const answer = await request(agent, hit.url, { headers: hit.headers });
    return answer.status === 200 && answer.headers["x-cache"] === "HIT";
  };
  try {
    expectStatus(
      await request(agent, hit.url, { method: "PUT", headers: { ...hit.headers, "content-type": "text/plain" }, body: STRING_32 }),
      [200, 201],
      "load PUT",
    );
    await request(agent, hit.url, { headers: hit.headers });
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!(await checkHit())) throw new Error("the throughput key is not answered from the location cache");
    const sides = { hit, floor, cacheFloor };
    const names = Object.keys(sides);
    const runs = { hit: [], floor: [], cacheFloor: [] };
    for (const name of names) await load({ ...sides[name], connections: 32, durationS: 1 }); // warm-up
    for (let round = 0; round < SETTINGS.loadRounds * names.length; round++) {
      const name = rotation(names, round)[0];
      const result = await load({ ...sides[name], connections: 32, durationS: SETTINGS.loadSeconds });
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`${name} load: ${result.errors} errors, ${result.non2xx} non-2xx`);
      runs[name].push(result);
      if (name === "hit" && !(await checkHit())) throw new Error("the throughput key fell out of the location cache");
    }
    return {
      connections: 32,
      secondsPerRun: SETTINGS.loadSeconds,
      hitRps: median(runs.hit.map((run) => run.rps)),
      floorRps: median(runs.floor.map((run) => run.rps)),
      cacheFloorRps: median(runs.cacheFloor.map((run) => run.rps)),
      runs,
    };
  } finally {
    agent.destroy();
  }
}

// ---- Memory -------------------------------------------------------------------------------------

async function expectedDigest(size) {
  const hash = createHash("sha256");
  for await (const chunk of patternChunks(size)) hash.update(chunk);
  return hash.digest("hex");
}

/** PUT then GET (no-cache) of `size` pattern bytes at `url`, the runtime's peak RSS measured around each. */
async function streamBoth({ pid, putUrl, getUrl, headers, verify }) {
  const size = SETTINGS.memoryBytes;
  const agent = keepAliveAgent();
  try {
    const put = await measurePeakRss(pid, async () => {
      const started = performance.now();
      const answer = await request(agent, putUrl, {
        method: "PUT",
        headers: { ...headers, "content-type": "application/octet-stream", "content-length": String(size) },
        body: patternChunks(size),
      });
      expectStatus(answer, [200, 201], "memory PUT");
      return { ms: performance.now() - started };
    });
    const get = await measurePeakRss(pid, async () => {
      const started = performance.now();
      const hash = createHash("sha256");
      const answer = await new Promise((resolve, reject) => {
        const target = new URL(getUrl);
        const req = http.request(
          { host: target.hostname, port: target.port, path: target.pathname + target.search, headers: { ...headers, "cache-control": "no-cache" }, agent },
          (res) => {
            let received = 0;
            res.on("data", (part) => {
              received += part.length;
              if (verify) hash.update(part);
            });
            res.on("end", () => resolve({ status: res.statusCode, received }));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end();
      });
      expectStatus(answer, [200], "memory GET");
      if (answer.received !== size) throw new Error(`memory GET: ${answer.received} of ${size} bytes`);
      if (verify && hash.digest("hex") !== (await expectedDigest(size))) throw new Error("memory GET: the value did not come back byte for byte");
      return { ms: performance.now() - started };
    });
    return {
      growthBytes: Math.max(put.growthBytes, get.growthBytes),
      put: { growthBytes: put.growthBytes, baselineBytes: put.baselineBytes, ms: put.result.ms },
      get: { growthBytes: get.growthBytes, baselineBytes: get.baselineBytes, ms: get.result.ms },
      method: put.method,
    };
  } finally {
    agent.destroy();
  }
}

/**
 * The Worker in a workerd of its own (so memory freed earlier in the run does not hide a peak), one
 * small PUT/GET to warm it, then the large value; and the same through a Worker that only streams,
 * in another fresh workerd: what the runtime itself needs to move that many bytes.
 */
async function memory(stack) {
  const size = SETTINGS.memoryBytes;
  const auth = { authorization: `Bearer ${stack.adminToken}` };
  const worker = await stack.freshWorker();
  let cloudcached;
  try {
    const url = `${worker.url}/v1/bench-memory/items/big-value`;
    const agent = keepAliveAgent();
    expectStatus(await request(agent, url, { method: "PUT", headers: { ...auth, "content-type": "text/plain" }, body: "warm" }), [200, 201], "warm-up PUT");
    expectStatus(await request(agent, url, { headers: { ...auth, "cache-control": "no-cache" } }), [200], "warm-up GET");
    agent.destroy();
    cloudcached = await streamBoth({ pid: worker.pid, putUrl: url, getUrl: url, headers: auth, verify: true });
  } finally {
    await worker.stop();
  }
  const floor = await stack.freshJsReadControl();
  let jsReadControl;
  try {
    const agent = keepAliveAgent();
    expectStatus(await request(agent, `${floor.url}/?size=4`), [200], "warm-up control");
    agent.destroy();
    jsReadControl = await streamBoth({ pid: floor.pid, putUrl: `${floor.url}/`, getUrl: `${floor.url}/?size=${size}`, headers: {}, verify: false });
  } finally {
    await floor.stop();
  }
  return { streamedBytes: size, peakRssGrowthBytes: cloudcached.growthBytes, ...cloudcached, jsReadControl };
}

// ---- Output -------------------------------------------------------------------------------------

function pad(text, width, right = false) {
  const s = String(text);
  return right ? s.padStart(width) : s.padEnd(width);
}

function table(headers, rows, rightAligned) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => pad(cell, widths[i], rightAligned.includes(i))).join(" | ")} |`;
  return [line(headers), `| ${widths.map((w, i) => (rightAligned.includes(i) ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`, ...rows.map(line)].join("\n");
}

const ms = (value) => (Number.isFinite(value) ? value.toFixed(value < 1 ? 3 : 2) : "—");
const ratio = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "—");

function render(results) {
  const out = [];
  out.push(`CloudCached benchmark (${results.mode}) — ${results.machine.date}, ${results.machine.cpus} × ${results.machine.cpuModel}, load ${results.machine.loadavgStart.join(" ")}`);
  out.push(`CloudCached rows: ${results.machine.cloudcachedClient}.`);
  out.push("", "The original table: 10 runs each (p99 of 10 runs = the slowest run).", "");
  out.push(
    table(
      ["system", "op", "value", "runs", "avg s", "total s", "p50 ms", "p99 ms"],
      results.seedTable.map((r) => [r.system, r.op, r.value, r.runs, r.avgS.toFixed(5), r.totalS.toFixed(4), ms(r.p50Ms), ms(r.p99Ms)]),
      [3, 4, 5, 6, 7],
    ),
  );
  if (results.memcachedMissing) out.push("", `memcached is not installed: its rows are left out. Install it with: ${results.memcachedMissing}`);
  out.push("", ...renderPythonColumn(results));
  out.push("", `Medians, every side interleaved in one loop (32-byte value; n per side after ${SETTINGS.warmup} warm-up rounds):`, "");
  const sideRows = [];
  for (const [scenario, sides] of Object.entries(results.medians)) {
    for (const [name, s] of Object.entries(sides)) sideRows.push([scenario, name, s.n, s.refused, s.errors, ms(s.p50Ms), ms(s.p99Ms)]);
  }
  out.push(table(["scenario", "side", "n", "left out", "transport errors", "p50 ms", "p99 ms"], sideRows, [2, 3, 4, 5, 6]));
  if (results.gateway) out.push(...renderGateway(results.gateway));
  if (results.stampede) out.push(...renderStampede(results.stampede));
  out.push("", "Ratios against the goals:", "");
  out.push(
    table(
      ["ratio", "value", "goal", "met"],
      Object.entries(results.goals).map(([name, g]) => [
        name,
        name === "memoryGrowth" ? `${(g.value / MiB).toFixed(1)} MiB` : ratio(g.value),
        g.says,
        g.met ? "yes" : "NO",
      ]),
      [1],
    ),
  );
  out.push("", "Where the time goes (same run):", "");
  out.push(
    table(
      ["ratio", "value", "meaning"],
      [
        ["cacheLookupOverFloor", ratio(results.explained.cacheLookupOverFloor), "floor + one Cache API lookup, over the floor: the runtime's cost of a hot tier"],
        ["hitOverFloor", ratio(results.explained.hitOverFloor), "hit over the floor (a Worker answering a constant)"],
        ["missOverStorage", ratio(results.explained.missOverStorage), "no-cache read over (floor + direct S3 GET), storage on loopback"],
        ["hitThroughputOverFloor", ratio(results.explained.hitThroughputOverFloor), "hit throughput over the floor's"],
      ],
      [1],
    ),
  );
  const t = results.throughput;
  out.push("", `Throughput at ${t.connections} concurrent (median of ${t.runs.hit.length} × ${t.secondsPerRun} s runs, alternated): hit ${t.hitRps.toFixed(0)} req/s, floor ${t.floorRps.toFixed(0)} req/s, floor + Cache API lookup ${t.cacheFloorRps.toFixed(0)} req/s.`);
  const m = results.memory;
  out.push(
    `Memory: ${(m.streamedBytes / MiB).toFixed(0)} MiB PUT then GET through the Worker; workerd peak RSS growth: PUT ${(m.put.growthBytes / MiB).toFixed(1)} MiB, GET ${(m.get.growthBytes / MiB).toFixed(1)} MiB; control, a Worker that reads each chunk in JavaScript (shows the measure sees allocations): PUT ${(m.jsReadControl.put.growthBytes / MiB).toFixed(1)} MiB, GET ${(m.jsReadControl.get.growthBytes / MiB).toFixed(1)} MiB (${m.method}).`,
  );
  return `${out.join("\n")}\n`;
}

/** The original table's CloudCached rows, the TypeScript client's and the Python client's side by side. */
function renderPythonColumn(results) {
  if (results.machine.pythonClient.missing) return [`Python client rows left out: ${results.machine.pythonClient.missing}`];
  const row = (system, op, value) => results.seedTable.find((r) => r.system === system && r.op === op && r.value === value);
  const rows = [];
  for (const [op, [tsSystem, pySystem]] of Object.entries(BESIDE_PYTHON)) {
    for (const { name } of VALUES) {
      const ts = row(tsSystem, op, name);
      const py = row(pySystem, op, name);
      rows.push([op, name, ts.avgS.toFixed(5), ts.totalS.toFixed(4), py.avgS.toFixed(5), py.totalS.toFixed(4)]);
    }
  }
  return [
    `The same CloudCached rows from each client (hits and sets, ${results.seedTable[0]?.runs ?? 0} runs, interleaved): TypeScript (${results.machine.cloudcachedClient}) and Python (${results.machine.pythonClient.kind}).`,
    "",
    table(["op", "value", "TypeScript avg s", "TypeScript total s", "Python avg s", "Python total s"], rows, [2, 3, 4, 5]),
  ];
}

function chart(results) {
  const local = results.medians.local;
  const wan = results.medians.wan;
  const bars = [
    ...(local.memcachedGet ? [{ label: "memcached GET (loopback)", valueMs: local.memcachedGet.p50Ms, group: "memcached" }] : []),
    { label: "floor: constant Worker", valueMs: local.floor.p50Ms, group: "floor" },
    { label: "floor + one Cache API lookup", valueMs: local.cacheFloor.p50Ms, group: "floor" },
    { label: "CloudCached hit", valueMs: local.hit.p50Ms, group: "cloudcached" },
    { label: "CloudCached hit, scoped token", valueMs: local.hitScoped.p50Ms, group: "cloudcached" },
    { label: "CloudCached hit, 4 tags", valueMs: local.hitTagged.p50Ms, group: "cloudcached" },
    { label: "direct S3 GET (loopback)", valueMs: local.s3Get.p50Ms, group: "s3" },
    { label: "CloudCached read of an absent key", valueMs: local.absent.p50Ms, group: "cloudcached" },
    { label: "CloudCached miss", valueMs: local.miss.p50Ms, group: "cloudcached" },
    { label: "direct S3 PUT (loopback)", valueMs: local.s3Put.p50Ms, group: "s3" },
    { label: "CloudCached PUT", valueMs: local.put.p50Ms, group: "cloudcached" },
    { label: "CloudCached PUT, 4 tags", valueMs: local.putTagged.p50Ms, group: "cloudcached" },
    { label: "WAN: CloudCached hit", valueMs: wan.hit.p50Ms, group: "wan" },
    { label: "WAN: direct S3 GET (+28 ms RTT)", valueMs: wan.s3Get.p50Ms, group: "s3" },
    { label: "WAN: CloudCached miss", valueMs: wan.miss.p50Ms, group: "wan" },
    { label: "WAN: direct S3 PUT (+28 ms RTT)", valueMs: wan.s3Put.p50Ms, group: "s3" },
    { label: "WAN: CloudCached PUT", valueMs: wan.put.p50Ms, group: "wan" },
  ];
  return barChartSvg({
    title: "CloudCached: p50 latency of a 32-byte value, sides interleaved in one run (log scale)",
    subtitle: `${results.machine.date.slice(0, 10)} · ${results.machine.cpus} × ${results.machine.cpuModel} · workerd via Miniflare ${results.machine.miniflare} · ${results.mode}`,
    bars,
  });
}

// ---- Main ---------------------------------------------------------------------------------------

async function main() {
  const machine = {
    date: new Date().toISOString(),
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? "unknown",
    totalMemoryBytes: os.totalmem(),
    loadavgStart: os.loadavg().map((n) => Number(n.toFixed(2))),
    node: process.version,
    miniflare: versionOf("miniflare"),
    workerd: versionOf("workerd"),
    wrangler: versionOf("wrangler"),
    commit: gitCommit(),
  };
  log(`${QUICK ? "quick" : "full"} run: building the Worker bundle and starting the stack`);
  const stack = await startStack({ wanRoundTripMs: WAN_ROUND_TRIP_MS, maxValueBytes: 512 * MiB });
  cleanups.push(() => stack.stop());
  try {
    let memcached;
    try {
      memcached = await startMemcached();
    } catch (err) {
      memcached = { missing: `memcached failed to start (${err.message}); reinstall it with: apt-get install -y memcached` };
    }
    if (!memcached.missing) cleanups.push(() => memcached.stop());
    else log(`memcached left out: ${memcached.missing}`);
    machine.memcached = memcached.missing ? null : memcached.version;
    const cc = await cloudcachedClient({ url: stack.url, token: stack.adminToken, namespace: "bench-seed" });
    machine.cloudcachedClient = cc.kind;
    const py = await pythonClient({ url: stack.url, token: stack.adminToken, namespace: "bench-seed", values: VALUES.map((v) => v.value) });
    if (!py.missing) cleanups.push(() => py.close());
    else log(`Python client left out: ${py.missing}`);
    machine.pythonClient = py.missing ? { missing: py.missing } : { kind: py.kind };
    const s3 = directS3(stack.store, stack.store.endpoint);
    const s3Wan = directS3(stack.store, stack.store.wanEndpoint);
    const prefixed = (client) => ({
      ...client,
      get: (key) => client.get(`${stack.prefix}${key}`),
      put: (key, ...rest) => client.put(`${stack.prefix}${key}`, ...rest),
      getVia: (agent, key) => client.getVia(agent, `${stack.prefix}${key}`),
      headVia: (agent, key) => client.headVia(agent, `${stack.prefix}${key}`),
      putVia: (agent, key, ...rest) => client.putVia(agent, `${stack.prefix}${key}`, ...rest),
    });

    log("the original table");
    const seedRows = await seedTable({ cc, py, s3: prefixed(s3), memcached });

    log(`local sides, interleaved: ${SETTINGS.warmup} warm-up + ${SETTINGS.samples} rounds`);
    const floor = floorSide(stack.url);
    cleanups.push(async () => floor.close());
    const cacheFloor = floorSide(stack.url, CACHE_FLOOR_HOST);
    cleanups.push(async () => cacheFloor.close());
    await cacheFloor.run(); // stores its constant entry
    const local = workerSides({ base: stack.url, token: stack.adminToken, namespace: "bench-local", s3: prefixed(s3), memcached, label: "local" });
    cleanups.push(async () => local.close());
    await local.prime();
    const localMedians = await interleave(
      {
        floor: floor.run,
        cacheFloor: cacheFloor.run,
        hit: local.hit,
        hitScoped: local.hitScoped,
        hitTagged: local.hitTagged,
        absent: local.absent,
        miss: local.miss,
        s3Get: local.s3Get,
        put: local.put,
        putTagged: local.putTagged,
        s3Put: local.s3Put,
        ...(memcached.missing ? {} : { memcachedGet: local.memcachedGet }),
      },
      { warmup: SETTINGS.warmup, samples: SETTINGS.samples },
    );

    log(`the two ways to storage, interleaved: S3 API (embedded store) beside the R2 binding, ${SETTINGS.samples} rounds`);
    const local2 = workerSides({ base: stack.url, token: stack.adminToken, namespace: "bench-ways", s3: prefixed(s3), memcached: null, label: "S3 API" });
    const bound = workerSides({ base: stack.url, host: BINDING_HOST, token: stack.adminToken, namespace: "bench-ways", s3: prefixed(s3), memcached: null, label: "R2 binding" });
    cleanups.push(async () => local2.close());
    const bindingFloor = bindingFloorSides(stack.url);
    cleanups.push(async () => bound.close());
    cleanups.push(async () => bindingFloor.close());
    await local2.prime();
    await bound.prime();
    await bindingFloor.put();
    // The binding's goals are judged against the cache floor and the binding floor measured in this loop.
    const waysMedians = await interleave(
      {
        cacheFloor: cacheFloor.run,
        bindingFloorAbsent: bindingFloor.absent,
        bindingFloorPut: bindingFloor.put,
        s3Hit: local2.hit,
        bindingHit: bound.hit,
        s3Absent: local2.absent,
        bindingAbsent: bound.absent,
        s3Set: local2.put,
        bindingSet: bound.put,
        s3Batch: local2.batch,
        bindingBatch: bound.batch,
        s3Touch: local2.touch,
        bindingTouch: bound.touch,
      },
      { warmup: SETTINGS.warmup, samples: SETTINGS.samples },
    );

    log("memcached gateway: memjs and pymemcache hits, a multi-get of one batch's keys, beside HTTP");
    const gateway = await gatewayBench({ base: stack.url, token: stack.adminToken, memcached, settings: SETTINGS, cleanups });

    log(`stampede: 64 callers on one expired key, naive get-then-set against getOrSet, ${SETTINGS.stampedeRounds} round(s)`);
    const stampede = await stampedeBench({ base: stack.url, token: stack.adminToken, rounds: SETTINGS.stampedeRounds });

    log(`WAN sides (+${WAN_ROUND_TRIP_MS} ms round trip to storage), interleaved: ${SETTINGS.wanSamples} rounds`);
    const wan = workerSides({ base: stack.url, host: WAN_HOST, token: stack.adminToken, namespace: "bench-wan", s3: prefixed(s3Wan), memcached: null, label: "WAN" });
    cleanups.push(async () => wan.close());
    await wan.prime();
    const wanMedians = await interleave(
      { hit: wan.hit, miss: wan.miss, s3Get: wan.s3Get, put: wan.put, s3Put: wan.s3Put },
      { warmup: Math.min(SETTINGS.warmup, 10), samples: SETTINGS.wanSamples },
    );

    log(`throughput: 32 concurrent, ${SETTINGS.loadRounds} × ${SETTINGS.loadSeconds} s per side, alternated`);
    const load32 = await throughput({ base: stack.url, token: stack.adminToken });

    log(`memory: ${SETTINGS.memoryBytes / MiB} MiB PUT and GET through the Worker`);
    const mem = await memory(stack);
    machine.loadavgEnd = os.loadavg().map((n) => Number(n.toFixed(2)));

    const measured = { local: localMedians, wan: wanMedians, throughput: load32, ways: waysMedians };
    const ratios = goalRatios(measured);
    // Where the time goes, beside the goals: the runtime's own cost of a lookup, and the old ratios.
    const explained = explainedRatios(measured);
    // The memory goal is stated for 256 MB; a quick run streams less and is not held to it.
    const memoryGoal = (GOALS.memoryGrowth.goal * SETTINGS.memoryBytes) / (256 * MiB);
    const goals = Object.fromEntries(
      Object.entries(GOALS).map(([name, g]) => {
        const value = name === "memoryGrowth" ? mem.peakRssGrowthBytes : ratios[name];
        const goal = name === "memoryGrowth" ? memoryGoal : g.goal;
        return [name, { ...judge(value, goal, g.direction), says: g.says }];
      }),
    );
    const results = {
      mode: QUICK ? "quick" : "full",
      settings: { ...SETTINGS, wanRoundTripMs: WAN_ROUND_TRIP_MS, ratioValueBytes: 32 },
      seedTable: seedRows,
      ratios,
      goals,
      explained,
      medians: { local: localMedians, wan: wanMedians, storageWays: waysMedians },
      throughput: load32,
      memory: {
        streamedBytes: mem.streamedBytes,
        peakRssGrowthBytes: mem.peakRssGrowthBytes,
        put: mem.put,
        get: mem.get,
        jsReadControl: mem.jsReadControl,
        method: `${mem.method}, each in a fresh workerd`,
      },
      memcachedMissing: memcached.missing ?? null,
      gateway,
      stampede,
      machine,
    };
    const outdir = path.join(ROOT, "bench/results", QUICK ? "quick" : "");
    await mkdir(outdir, { recursive: true });
    await writeFile(path.join(outdir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(outdir, "latency.svg"), chart(results));
    process.stdout.write(render(results));
    log(`wrote ${path.relative(ROOT, path.join(outdir, "latest.json"))} and latency.svg`);
  } finally {
    await stopAll();
  }
}

/** What must be stopped at the end (the stack, memcached, connections), last started first. */
const cleanups = [];

let stopping = null;

/** Stops everything once, whoever asks first (the run's end, a signal, the time limit); others wait for it. */
function stopAll() {
  stopping ??= (async () => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop();
      if (process.env.BENCH_DEBUG) log(`stopping: ${cleanup.toString().slice(0, 60)}`);
      await Promise.resolve().then(cleanup).catch(() => undefined);
    }
  })();
  return stopping;
}

const limit = setTimeout(() => {
  log(`the benchmark did not finish within ${SETTINGS.timeLimitS} s: stopping what it started`);
  const forced = setTimeout(() => process.exit(2), 15_000);
  forced.unref();
  stopAll().finally(() => process.exit(2));
}, SETTINGS.timeLimitS * 1000);
limit.unref();
// On SIGINT/SIGTERM, Miniflare's own handler stops its workerd processes and exits at once;
// memcached is stopped by its "exit" listener (bench/lib/memcached.mjs).

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
