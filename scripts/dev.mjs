#!/usr/bin/env node
// `npm run dev`: the Worker under `wrangler dev` on http://127.0.0.1:8787 (PORT overrides), and the
// embedded S3-compatible store it uses (data kept in .data/store), unless .dev.vars names a store of
// your own. Ctrl-C (or SIGTERM) stops both. See docs/dev.md.
//
// Environment: PORT (Worker, default 8787), STORE_PORT (embedded store, default: a free one),
// CLOUDCACHED_DEV_DIR (where .dev.vars and .data/ live; default: this repository),
// DEV_READY_TIMEOUT_MS (how long to wait for the Worker to answer, default 90000).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatBanner } from "./dev/banner.mjs";
import { parseDevVars, setDevVars } from "./dev/dev-vars.mjs";
import { DevSettingsError, parsePort, planDevSettings, splitBindings, wranglerDevArgs } from "./dev/settings.mjs";
import { startEmbeddedStore } from "./embedded-store.mjs";

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

/** Resolves when 127.0.0.1:port can be listened on; rejects with the listen error otherwise. */
function checkPortFree(port) {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolvePromise(undefined)));
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

/** Sends `signal` to a whole process group; false when the group is gone. */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const devDir = resolve(process.env.CLOUDCACHED_DEV_DIR || ROOT);
  const devVarsPath = join(devDir, ".dev.vars");
  const dataDir = join(devDir, ".data");
  let port;
  let storePort;
  let plan;
  const devVarsText = (await readIfExists(devVarsPath)) ?? "";
  const devVars = parseDevVars(devVarsText);
  try {
    port = parsePort(process.env.PORT, "PORT", 8787);
    storePort = parsePort(process.env.STORE_PORT, "STORE_PORT", 0);
    plan = planDevSettings(devVars);
  } catch (err) {
    if (err instanceof DevSettingsError) fail(err.message);
    throw err;
  }

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

  // Secrets the user has not set: generated once, written to .dev.vars, reused by later runs.
  /** @type {Record<string, string>} */
  const generated = Object.fromEntries(plan.generate.map((name) => [name, randomBytes(24).toString("base64url")]));
  if (plan.generate.length > 0) {
    await mkdir(devDir, { recursive: true });
    await writeFile(devVarsPath, setDevVars(devVarsText, generated), { mode: 0o600 });
  }

  /** @type {Awaited<ReturnType<typeof startEmbeddedStore>> | undefined} */
  let store;
  /** @type {Record<string, string>} */
  let storeSettings = {};
  if (plan.store === "embedded") {
    const credentialsPath = join(dataDir, "store-credentials.json");
    const credentials = await storeCredentials(credentialsPath);
    // Miniflare installs SIGINT/SIGTERM listeners that call process.exit() at once, which would end
    // this process before it has stopped wrangler: they are removed below (its "exit" hook, which
    // kills the store's workerd if this process exits abruptly, is kept), and stop() disposes the store.
    const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
    try {
      store = await startEmbeddedStore({ port: storePort, persistDir: join(dataDir, "store"), ...credentials });
      for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
        for (const listener of process.listeners(signal)) {
          if (!before[signal].includes(listener)) process.removeListener(signal, listener);
        }
      }
    } catch (err) {
      const message = /** @type {Error} */ (err).message;
      fail(
        /EADDRINUSE|address already in use/i.test(message)
          ? `STORE_PORT ${storePort} is already in use: choose another, or leave STORE_PORT unset for a free one.`
          : `the embedded store did not start: ${message}`,
      );
    }
    storeSettings = {
      S3_ENDPOINT: store.S3_ENDPOINT,
      S3_BUCKET: store.S3_BUCKET,
      S3_REGION: store.S3_REGION,
      S3_ACCESS_KEY_ID: store.S3_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: store.S3_SECRET_ACCESS_KEY,
    };
  }
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
    configPath: join(ROOT, "wrangler.toml"),
    envFile,
    persistTo: join(devDir, ".wrangler", "state"),
    port,
    vars,
  });
  // Its own process group, so that stopping it reaches workerd too; the launcher owns Ctrl-C.
  const wrangler = spawn(process.execPath, [wranglerBin, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...secrets,
      WRANGLER_SEND_METRICS: "false",
      // The Worker does not use request.cf: do not fetch Cloudflare's sample of it at every start.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
      ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: "1" } : {}),
    },
  });
  wrangler.stdout.pipe(process.stdout);
  wrangler.stderr.pipe(process.stderr);
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
        await Promise.race([store.stop().catch(() => {}), new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
      }
      process.exit(exitCode);
    })();
    return stopping;
  };
  let signals = 0;
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM", "SIGHUP"])) {
    process.on(signal, () => {
      signals += 1;
      if (signals === 1) {
        console.error(`\nnpm run dev: stopping the Worker${store ? " and the store" : ""}…`);
        void stop(0);
      } else {
        signalGroup(wranglerGroup, "SIGKILL");
        process.exit(1);
      }
    });
  }
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
    console.error(`\nnpm run dev: wrangler dev exited (${signal ?? `code ${code}`}); stopping.`);
    void stop(code === 0 ? 1 : (code ?? 1));
  });

  const workerUrl = `http://127.0.0.1:${port}`;
  const readyTimeout = Number(process.env.DEV_READY_TIMEOUT_MS) || 90_000;
  const answer = await waitForWorker(workerUrl, Date.now() + readyTimeout, wranglerExit);
  if (stopping) return;
  if (answer === undefined) {
    console.error(`\nnpm run dev: the Worker did not answer on ${workerUrl} within ${readyTimeout / 1000} s; stopping.`);
    await stop(1);
    return;
  }
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
      store: store
        ? {
            kind: "embedded",
            endpoint: store.S3_ENDPOINT,
            bucket: store.S3_BUCKET,
            accessKeyId: store.S3_ACCESS_KEY_ID,
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
