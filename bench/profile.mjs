#!/usr/bin/env node
// `npm run bench:profile`: where a hit's and a PUT's time goes. Runs, interleaved in one loop in the
// same workerd, the floor and Workers that each add one layer of the hit path (a Cache API lookup;
// Hono routing; configuration + authentication), the real Worker's hit (admin and scoped token; an
// item with four tags), a read of an absent key, a no-cache miss and a PUT beside the direct S3
// calls they cannot avoid.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { directS3 } from "./lib/direct-s3.mjs";
import { load } from "./lib/throughput.mjs";
import { floorSide, interleave, workerSides } from "./lib/sides.mjs";
import { CACHE_FLOOR_HOST, FLOOR_HOST, startStack } from "./lib/stack.mjs";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const QUICK = process.argv.includes("--quick");
/** `--baseline REF[,REF…]`: also run the Worker built from each REF's src/ (e.g. main), side by side. */
const BASELINES = process.argv.includes("--baseline") ? process.argv[process.argv.indexOf("--baseline") + 1].split(",") : [];
/** `--only a,b,c`: run only these sides (names as printed); `--samples N`: rounds after warm-up. */
const ONLY = process.argv.includes("--only") ? new Set(process.argv[process.argv.indexOf("--only") + 1].split(",")) : null;
const SAMPLES = process.argv.includes("--samples") ? Number(process.argv[process.argv.indexOf("--samples") + 1]) : null;
/** `--warmup N`: rounds before the measured ones (default 50, as `npm run bench`). */
const WARMUP = process.argv.includes("--warmup") ? Number(process.argv[process.argv.indexOf("--warmup") + 1]) : null;
/**
 * `--pause MS`: a side that only waits, so each round lasts about as long as `npm run bench`'s
 * (~50 ms): every request then finds the runtime idle, as there, and tags trusted for a second
 * are confirmed about as often.
 */
const PAUSE_MS = process.argv.includes("--pause") ? Number(process.argv[process.argv.indexOf("--pause") + 1]) : 0;
/**
 * `--throughput`: instead of the latency loop, hits at 32 concurrent (autocannon), the cache floor's
 * and each Worker's (with `--baseline`, the baseline's and this checkout's) alternated, ROUNDS × 3 s.
 */
const THROUGHPUT = process.argv.includes("--throughput");
const ROUNDS = process.argv.includes("--rounds") ? Number(process.argv[process.argv.indexOf("--rounds") + 1]) : 5;
const VARIANTS = ["cache-delete-floor", "hono-floor", "hono-auth-floor", "observability-floor", "chain-floor", "chain-nolog-floor"];

async function bundleVariants() {
  const outdir = await mkdtemp(path.join(tmpdir(), "cloudcached-bench-profile-"));
  const workers = [];
  for (const name of VARIANTS) {
    const outfile = path.join(outdir, name, "index.js");
    await build({
      entryPoints: [path.join(ROOT, "bench/profile", `${name}.ts`)],
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      outfile,
      logLevel: "silent",
    });
    workers.push({ name, host: `${name}.bench`, scriptPath: outfile });
  }
  if (BASELINES.length > 0) {
    // Every side of the A/B built the same way (esbuild), from each REF's src/ and from this checkout's.
    // (client/src too: the Worker shares its name rules with the client.)
    const trees = [];
    for (const [i, ref] of BASELINES.entries()) {
      const tree = path.join(outdir, `baseline-${i}-tree`);
      await mkdir(tree, { recursive: true });
      execFileSync("sh", ["-c", `git archive ${JSON.stringify(ref)} src client/src package.json | tar -x -C ${JSON.stringify(tree)}`], { cwd: ROOT });
      trees.push([`baseline-${i}`, tree]);
    }
    for (const [name, srcRoot] of [...trees, ["candidate", ROOT]]) {
      const outfile = path.join(outdir, name, "index.js");
      await build({
        entryPoints: [path.join(srcRoot, "src/index.ts")],
        bundle: true,
        format: "esm",
        platform: "neutral",
        target: "es2022",
        conditions: ["workerd", "worker", "browser"],
        mainFields: ["module", "main"],
        nodePaths: [path.join(ROOT, "node_modules")],
        outfile,
        logLevel: "silent",
      });
      workers.push({ name, host: `${name}.bench`, scriptPath: outfile });
    }
  }
  return { workers, cleanup: () => rm(outdir, { recursive: true, force: true }) };
}

function pick(sides) {
  return ONLY ? Object.fromEntries(Object.entries(sides).filter(([name]) => ONLY.has(name))) : sides;
}

async function main() {
  const variants = await bundleVariants();
  const stack = await startStack({ wanRoundTripMs: 28, maxValueBytes: 100 * 1024 * 1024, extraWorkers: variants.workers });
  const closers = [];
  try {
    const s3Raw = directS3(stack.store, stack.store.endpoint);
    const s3 = {
      ...s3Raw,
      getVia: (agent, key) => s3Raw.getVia(agent, `${stack.prefix}${key}`),
      putVia: (agent, key, ...rest) => s3Raw.putVia(agent, `${stack.prefix}${key}`, ...rest),
    };
    const auth = { authorization: `Bearer ${stack.adminToken}` };
    const itemPath = "/v1/profile/items/ratio-hit";
    const sides = {
      floor: floorSide(stack.url),
      cacheFloor: floorSide(stack.url, CACHE_FLOOR_HOST),
      cacheDeleteFloor: floorSide(stack.url, "cache-delete-floor.bench"),
      honoFloor: floorSide(stack.url, "hono-floor.bench", itemPath),
      honoAuthFloor: floorSide(stack.url, "hono-auth-floor.bench", itemPath, auth),
      observabilityFloor: floorSide(stack.url, "observability-floor.bench", itemPath, auth),
      chainFloor: floorSide(stack.url, "chain-floor.bench", itemPath, auth),
      chainNologFloor: floorSide(stack.url, "chain-nolog-floor.bench", itemPath, auth),
    };
    for (const side of Object.values(sides)) closers.push(side.close);
    const worker = workerSides({ base: stack.url, token: stack.adminToken, namespace: "profile", s3, memcached: null, label: "local" });
    closers.push(worker.close);
    await worker.prime();
    const ab = (name) => workerSides({ base: stack.url, host: `${name}.bench`, token: stack.adminToken, namespace: `profile-${name}`, s3, memcached: null, label: name });
    // Each built Worker by the name its sides print: the REF given, or "checkout".
    const builds = BASELINES.length > 0 ? [...BASELINES.map((ref, i) => [ref, ab(`baseline-${i}`)]), ["checkout", ab("candidate")]] : [];
    for (const [, side] of builds) {
      closers.push(side.close);
      await side.prime();
    }
    await sides.cacheFloor.run(); // fills its cache entry
    if (THROUGHPUT) {
      await worker.hit();
      await worker.hitTagged();
      for (const [, side] of builds) {
        await side.hit();
        await side.hitTagged();
      }
      await measureThroughput(stack, auth);
      return;
    }
    const medians = await interleave(
      {
        ...pick({
          floor: sides.floor.run,
          cacheFloor: sides.cacheFloor.run,
          cacheDeleteFloor: sides.cacheDeleteFloor.run,
          honoFloor: sides.honoFloor.run,
          honoAuthFloor: sides.honoAuthFloor.run,
          observabilityFloor: sides.observabilityFloor.run,
          chainFloor: sides.chainFloor.run,
          chainNologFloor: sides.chainNologFloor.run,
          hit: worker.hit,
          hitScoped: worker.hitScoped,
          hitTagged: worker.hitTagged,
          absent: worker.absent,
          miss: worker.miss,
          s3Get: worker.s3Get,
          put: worker.put,
          putTagged: worker.putTagged,
          s3Put: worker.s3Put,
          ...Object.fromEntries(
            builds.flatMap(([label, side]) => ["hit", "hitScoped", "hitTagged", "absent", "miss", "put", "putTagged"].map((op) => [`${op}@${label}`, side[op]])),
          ),
        }),
        ...(PAUSE_MS > 0 ? { pause: () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS)) } : {}),
      },
      { warmup: WARMUP ?? (QUICK ? 10 : 50), samples: SAMPLES ?? (QUICK ? 30 : 300) },
    );
    const floor = medians.floor?.p50Ms ?? 0;
    process.stdout.write("side                n   p50 ms   p99 ms   p50 − floor\n");
    for (const [name, side] of Object.entries(medians)) {
      process.stdout.write(
        `${name.padEnd(18)} ${String(side.n).padStart(3)} ${side.p50Ms.toFixed(3).padStart(8)} ${side.p99Ms.toFixed(3).padStart(8)} ${(side.p50Ms - floor).toFixed(3).padStart(12)}${side.refused ? `  (${side.refused} left out)` : ""}\n`,
      );
    }
  } finally {
    for (const close of closers.reverse()) close();
    await stack.stop();
    await variants.cleanup();
  }
}

/** Hits per second at 32 concurrent, sides alternated; medians of ROUNDS runs of 3 s each. */
async function measureThroughput(stack, auth) {
  const hitOf = (host, namespace, key) => ({ url: `${stack.url}/v1/${namespace}/items/${key}`, headers: { ...auth, ...(host ? { host } : {}) } });
  const sides = pick({
    cacheFloor: { url: `${stack.url}/`, headers: { host: CACHE_FLOOR_HOST } },
    floor: { url: `${stack.url}/`, headers: { host: FLOOR_HOST } },
    honoFloor: { url: `${stack.url}/v1/profile/items/ratio-hit`, headers: { host: "hono-floor.bench" } },
    chainFloor: { url: `${stack.url}/v1/profile/items/ratio-hit`, headers: { ...auth, host: "chain-floor.bench" } },
    chainNologFloor: { url: `${stack.url}/v1/profile/items/ratio-hit`, headers: { ...auth, host: "chain-nolog-floor.bench" } },
    ...(BASELINES.length > 0
      ? Object.fromEntries(
          [...BASELINES.map((ref, i) => [ref, `baseline-${i}`]), ["checkout", "candidate"]].flatMap(([label, name]) => [
            [`hit@${label}`, hitOf(`${name}.bench`, `profile-${name}`, "ratio-hit")],
            [`hitTagged@${label}`, hitOf(`${name}.bench`, `profile-${name}`, "ratio-hit-tagged")],
          ]),
        )
      : { hit: hitOf(null, "profile", "ratio-hit"), hitTagged: hitOf(null, "profile", "ratio-hit-tagged") }),
  });
  const names = Object.keys(sides);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  const cpuUs = Object.fromEntries(names.map((name) => [name, []]));
  // workerd's own CPU time (user + system, /proc): per request it is far steadier than req/s on a busy machine.
  const workerdCpuMs = () => {
    if (!stack.workerdPid) return NaN;
    const fields = readFileSync(`/proc/${stack.workerdPid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  };
  for (const name of names) await load({ ...sides[name], connections: 32, durationS: 1 }); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const cpuBefore = workerdCpuMs();
      const result = await load({ ...sides[name], connections: 32, durationS: 3 });
      const cpuAfter = workerdCpuMs();
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`${name}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      runs[name].push(result.rps);
      cpuUs[name].push(((cpuAfter - cpuBefore) * 1000) / result.requests);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const floorRps = median(runs.cacheFloor ?? [NaN]);
  const floorCpu = median(cpuUs.cacheFloor ?? [NaN]);
  process.stdout.write("side                req/s (median)   × cache floor   workerd CPU µs/req   cache floor's ÷ this   runs (req/s)\n");
  for (const name of names) {
    const rps = median(runs[name]);
    const cpu = median(cpuUs[name]);
    process.stdout.write(`${name.padEnd(20)} ${rps.toFixed(0).padStart(8)} ${(rps / floorRps).toFixed(3).padStart(14)} ${cpu.toFixed(0).padStart(20)} ${(floorCpu / cpu).toFixed(3).padStart(22)}   ${runs[name].map((r) => r.toFixed(0)).join(" ")}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`profile failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
