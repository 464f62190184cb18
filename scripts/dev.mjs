#!/usr/bin/env node
// `npm run dev`: the Worker under `wrangler dev` on http://127.0.0.1:8787 (PORT overrides), and the
// embedded S3-compatible store it uses (data kept in .data/store), unless .dev.vars names a store of
// your own. Ctrl-C (or SIGTERM) stops both; if this process is killed outright, they stop by
// themselves (scripts/dev/launcher-pipe.mjs). See docs/dev.md.
//
// Environment: PORT (Worker, default 8787), STORE_PORT (embedded store, default: a free one),
// INSPECTOR_PORT (wrangler's debugger port, default: a free one), CLOUDCACHED_DEV_DIR (where .dev.vars,
// .data/ and .wrangler/ live; default: this repository), DEV_READY_TIMEOUT_MS (how long to wait for the
// Worker to answer, default 90000).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { formatBanner } from "./dev/banner.mjs";
import { parseDevVars, setDevVars } from "./dev/dev-vars.mjs";
import { LAUNCHER_PIPE_ENV, LAUNCHER_PIPE_FD } from "./dev/launcher-pipe.mjs";
import { acquireLock, lockHolder, releaseLock } from "./dev/lock.mjs";
import { DevSettingsError, parsePort, planDevSettings, S3_SWITCH, STORE_OPTIONS_ENV, splitBindings, wranglerDevArgs } from "./dev/settings.mjs";
import { writeS3WranglerConfig } from "./s3-wrangler-config.mjs";
import { isLauncherNotice, isRequestLogLine } from "./dev/wrangler-output.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const STOP_GRACE_MS = 10_000;

/** @param {string} message */
function fail(message) {
  console.error(`\nnpm run dev: ${message}`);
  process.exit(1);
}

/** @param {string} path */
function shown(path) {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") ? path : rel;
}

/** @param {string} path */
async function readIfExists(path) {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Resolves with the port once 127.0.0.1:port can be listened on (0: a free one); rejects with the listen error otherwise. */
function checkPortFree(port) {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === "object" && address ? address.port : port));
    });
  });
}

/** `spawn`'s stdio for a child that watches the launcher through the pipe on its fd 3. */
function withLauncherPipe(stdio) {
  return /** @type {import("node:child_process").StdioOptions} */ ([...stdio, "pipe"]);
}

/** The first line a child writes on stdout, or undefined if it exits first. */
function firstLine(child) {
  return new Promise((resolveLine) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      lines.close();
      resolveLine(line);
    });
    child.once("exit", () => resolveLine(undefined));
  });
}

/** The embedded store's credentials: generated once, then kept beside its data. */
async function storeCredentials(path) {
  const text = await readIfExists(path);
  if (text !== undefined) {
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const ok = parsed && typeof parsed.bucket === "string" && typeof parsed.accessKeyId === "string" && typeof parsed.secretAccessKey === "string";
    if (!ok) fail(`${shown(path)} is not valid (expected {"bucket","accessKeyId","secretAccessKey"}): fix or delete it (and the store data beside it).`);
    return /** @type {{ bucket: string, accessKeyId: string, secretAccessKey: string }} */ (parsed);
  }
  const created = { bucket: "cloudcached", accessKeyId: "cloudcached-local", secretAccessKey: randomBytes(24).toString("base64url") };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
}

/** Waits for GET /healthz to answer (any status), or for `gaveUp` to settle first. */
async function waitForWorker(url, deadline, gaveUp) {
  let stop = false;
  gaveUp.then(() => (stop = true), () => (stop = true));
  while (!stop && Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(Math.min(15_000, Math.max(1, deadline - Date.now()))) });
      return { status: response.status, body: await response.text() };
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return undefined;
}

/**
 * Refuses to start beside a running launcher on the same directory.
 * @param {{ pid: number, url: string }} holder
 * @param {string} devDir
 */
function failAlreadyRunning(holder, devDir) {
  fail(
    `already running on ${shown(devDir)}: PID ${holder.pid}, serving ${holder.url}. ` +
      `Use that one, stop it (Ctrl-C in its terminal, or kill ${holder.pid}), or run another with CLOUDCACHED_DEV_DIR=<dir>.`,
  );
}

/** Sends `signal` to a whole process group; false when the group is gone. */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** What Ctrl-C, SIGTERM and SIGHUP do: until the children run, exit (which releases the lock; a child
 * being started stops by itself once this process is gone). */
let onStopSignal = () => process.exit(1);
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) process.on(signal, () => onStopSignal());

async function main() {
  const devDir = resolve(process.env.CLOUDCACHED_DEV_DIR || ROOT);
  const devVarsPath = join(devDir, ".dev.vars");
  const dataDir = join(devDir, ".data");
  const lockPath = join(devDir, ".wrangler", "dev.lock");
  let port;
  let storePort;
  let inspectorPort;
  let plan;
  const devVarsText = (await readIfExists(devVarsPath)) ?? "";
  const devVars = parseDevVars(devVarsText);
  try {
    port = parsePort(process.env.PORT, "PORT", 8787);
    storePort = parsePort(process.env.STORE_PORT, "STORE_PORT", 0);
    inspectorPort = parsePort(process.env.INSPECTOR_PORT, "INSPECTOR_PORT", 0);
    plan = planDevSettings(devVars, { s3: process.argv.slice(2).includes(S3_SWITCH) });
  } catch (err) {
    if (err instanceof DevSettingsError) fail(err.message);
    throw err;
  }

  const running = lockHolder(lockPath);
  if (running) failAlreadyRunning(running, devDir);

  try {
    await checkPortFree(port);
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    fail(
      code === "EADDRINUSE"
        ? `port ${port} on 127.0.0.1 is already in use (another \`npm run dev\`?). Stop what uses it, or choose another port: PORT=8788 npm run dev`
        : `cannot listen on 127.0.0.1:${port}: ${/** @type {Error} */ (err).message}`,
    );
  }
  try {
    inspectorPort = await checkPortFree(inspectorPort);
  } catch (err) {
    fail(`INSPECTOR_PORT ${inspectorPort} cannot be used: ${/** @type {Error} */ (err).message}`);
  }

  const workerUrl = `http://127.0.0.1:${port}`;
  await mkdir(dirname(lockPath), { recursive: true });
  const lock = acquireLock(lockPath, { pid: process.pid, url: workerUrl });
  if (!lock.acquired) failAlreadyRunning(lock.holder, devDir);
  process.on("exit", () => releaseLock(lockPath, process.pid));
  if (lock.stale !== undefined) {
    console.error(`npm run dev: a previous run (PID ${lock.stale}) ended without stopping; its lock in ${shown(lockPath)} is cleared.`);
  }

  // Secrets the user has not set: generated once, written to .dev.vars, reused by later runs.
  /** @type {Record<string, string>} */
  const generated = Object.fromEntries(plan.generate.map((name) => [name, randomBytes(24).toString("base64url")]));
  if (plan.generate.length > 0) {
    await mkdir(devDir, { recursive: true });
    await writeFile(devVarsPath, setDevVars(devVarsText, generated), { mode: 0o600 });
  }

  // Every child leads a process group of its own (so that Ctrl-C reaches the launcher alone, which
  // stops them in order) and holds the read end of the launcher's pipe (so that it stops by itself
  // when the launcher is killed outright).
  const childEnv = { ...process.env, [LAUNCHER_PIPE_ENV]: String(LAUNCHER_PIPE_FD) };

  /** @type {import("node:child_process").ChildProcess | undefined} */
  let store;
  /** @type {Record<string, string>} */
  let storeSettings = {};
  if (plan.store === "embedded") {
    const credentialsPath = join(dataDir, "store-credentials.json");
    const credentials = await storeCredentials(credentialsPath);
    const options = { port: storePort, persistDir: join(dataDir, "store"), ...credentials };
    store = spawn(process.execPath, [join(ROOT, "scripts", "dev", "store-process.mjs")], {
      cwd: ROOT,
      detached: true,
      stdio: withLauncherPipe(["ignore", "pipe", "inherit"]),
      env: { ...childEnv, [STORE_OPTIONS_ENV]: JSON.stringify(options) },
    });
    const line = await firstLine(store);
    /** @type {{ settings?: Record<string, string>, error?: string }} */
    let answer = {};
    try {
      answer = JSON.parse(line ?? "{}");
    } catch {
      answer = { error: `unexpected output: ${line}` };
    }
    if (!answer.settings) {
      const message = answer.error ?? "it exited";
      fail(
        /EADDRINUSE|address already in use/i.test(message)
          ? `STORE_PORT ${storePort} is already in use: choose another, or leave STORE_PORT unset for a free one.`
          : `the embedded store did not start: ${message}`,
      );
    }
    storeSettings = /** @type {Record<string, string>} */ (answer.settings);
  }
  /** Resolves when the store's process has exited (at once when there is none). */
  const storeExit = new Promise((resolveExit) => {
    if (!store || store.exitCode !== null || store.signalCode !== null) resolveExit(undefined);
    else store.once("exit", () => resolveExit(undefined));
  });
  const settings = { ...devVars, ...generated, ...storeSettings };
  const { secrets, vars } = splitBindings(settings);

  const wranglerPackage = createRequire(import.meta.url).resolve("wrangler/package.json");
  const wranglerBin = join(dirname(wranglerPackage), "bin", "wrangler.js");
  // wrangler reads this file, which holds no setting, instead of a .dev.vars beside wrangler.toml.
  // The secrets reach it through its environment, as they are: from a file, wrangler would expand `$NAME`.
  const envFile = join(devDir, ".wrangler", "dev.env");
  await mkdir(dirname(envFile), { recursive: true });
  await writeFile(envFile, "# Written by `npm run dev` (scripts/dev.mjs): the secrets are given to wrangler in its environment.\n");
  const args = wranglerDevArgs({
    // The S3 way runs wrangler.toml without its R2 binding (a Worker with both refuses to run).
    configPath: plan.store === "binding" ? join(ROOT, "wrangler.toml") : writeS3WranglerConfig(),
    envFile,
    persistTo: join(devDir, ".wrangler", "state"),
    port,
    inspectorPort,
    vars,
  });
  // Its own process group, so that stopping it reaches workerd too. Two preloaded modules: one kills
  // that group when the launcher is gone; the other keeps wrangler's inspector proxy from opening a
  // connection for every chunk of a response body the Worker reads (gate-inspector-network.mjs).
  const preloads = ["exit-with-launcher.mjs", "gate-inspector-network.mjs"].flatMap((name) => ["--import", pathToFileURL(join(ROOT, "scripts", "dev", name)).href]);
  const wrangler = spawn(process.execPath, [...preloads, wranglerBin, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: withLauncherPipe(["ignore", "pipe", "pipe"]),
    env: {
      ...childEnv,
      ...secrets,
      WRANGLER_SEND_METRICS: "false",
      // The Worker does not use request.cf: do not fetch Cloudflare's sample of it at every start.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
      ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: "1" } : {}),
    },
  });
  // wrangler's start-up output (its banner, the bindings table, warnings about features this project
  // does not use) is kept back, and shown only if the Worker does not start; then its lines pass,
  // except its own line per request, which the Worker's log line already says. The launcher's own
  // notices from inside wrangler pass at once.
  /** @type {string[]} */
  const startupOutput = [];
  let started = false;
  for (const [stream, sink] of /** @type {const} */ ([[wrangler.stdout, process.stdout], [wrangler.stderr, process.stderr]])) {
    createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
      if (!started && !isLauncherNotice(line)) startupOutput.push(line);
      else if (!isRequestLogLine(line)) sink.write(`${line}\n`);
    });
  }
  const showStartupOutput = () => {
    if (startupOutput.length > 0) console.error(startupOutput.splice(0).join("\n"));
  };
  /** @type {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} */
  const wranglerExit = new Promise((resolveExit) => {
    wrangler.once("exit", (code, signal) => resolveExit({ code, signal }));
  });
  const wranglerGroup = /** @type {number} */ (wrangler.pid);

  let stopping;
  /** Stops wrangler (and workerd under it) and the store, then exits. Idempotent. */
  const stop = (exitCode) => {
    stopping ??= (async () => {
      if (wrangler.exitCode === null && wrangler.signalCode === null) {
        signalGroup(wranglerGroup, "SIGINT");
        const timer = setTimeout(() => signalGroup(wranglerGroup, "SIGKILL"), STOP_GRACE_MS);
        await wranglerExit;
        clearTimeout(timer);
      }
      // Whatever wrangler left behind in its group.
      signalGroup(wranglerGroup, "SIGKILL");
      if (store) {
        store.kill("SIGTERM");
        await Promise.race([storeExit, new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
        signalGroup(/** @type {number} */ (store.pid), "SIGKILL");
      }
      process.exit(exitCode);
    })();
    return stopping;
  };
  let signals = 0;
  onStopSignal = () => {
    signals += 1;
    if (signals === 1) {
      console.error(`\nnpm run dev: stopping the Worker${store ? " and the store" : ""}…`);
      void stop(0);
    } else {
      signalGroup(wranglerGroup, "SIGKILL");
      if (store) signalGroup(/** @type {number} */ (store.pid), "SIGKILL");
      process.exit(1);
    }
  };
  // `npm run dev` stopped by a signal to npm: npm passes it to the shell that runs this script,
  // not to this process, which is then left alone. Stop when the parent is gone.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !stopping) {
      console.error("\nnpm run dev: its parent process has exited; stopping.");
      void stop(0);
    }
  }, 1000).unref();
  void wranglerExit.then(({ code, signal }) => {
    if (stopping) return;
    showStartupOutput();
    console.error(`\nnpm run dev: wrangler dev exited (${signal ?? `code ${code}`}); stopping.`);
    void stop(code === 0 ? 1 : (code ?? 1));
  });
  void storeExit.then(() => {
    if (stopping || !store) return;
    console.error("\nnpm run dev: the embedded store exited; stopping.");
    void stop(1);
  });

  const readyTimeout = Number(process.env.DEV_READY_TIMEOUT_MS) || 90_000;
  const answer = await waitForWorker(workerUrl, Date.now() + readyTimeout, wranglerExit);
  if (stopping) return;
  if (answer === undefined) {
    showStartupOutput();
    console.error(`\nnpm run dev: the Worker did not answer on ${workerUrl} within ${readyTimeout / 1000} s; stopping.`);
    await stop(1);
    return;
  }
  startupOutput.length = 0;
  started = true;
  let health;
  if (answer.status === 503) {
    health = `GET /healthz answered 503: the Worker cannot reach the store (${answer.body}).`;
  } else if (answer.status !== 200) {
    health = `GET /healthz answered ${answer.status}: ${answer.body}`;
  }
  const adminToken = /** @type {string} */ (settings.ADMIN_TOKEN);
  console.log(
    formatBanner({
      workerUrl,
      adminToken,
      generated: plan.generate,
      devVarsPath: shown(devVarsPath),
      inspectorPort,
      store:
        plan.store === "binding"
          ? { kind: "binding", dataPath: shown(join(devDir, ".wrangler", "state")) }
          : store
        ? {
            kind: "embedded",
            endpoint: storeSettings.S3_ENDPOINT,
            bucket: storeSettings.S3_BUCKET,
            accessKeyId: storeSettings.S3_ACCESS_KEY_ID,
            credentialsPath: shown(join(dataDir, "store-credentials.json")),
            dataPath: shown(join(dataDir, "store")),
          }
        : { kind: "external", endpoint: /** @type {string} */ (settings.S3_ENDPOINT), bucket: /** @type {string} */ (settings.S3_BUCKET) },
      ...(health ? { health } : {}),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
