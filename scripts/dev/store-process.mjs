// The embedded store in a process of its own, started by `npm run dev` (scripts/dev.mjs) as the leader
// of a process group, so that it and its workerd can be stopped together and stop by themselves when
// the launcher is gone (launcher-pipe.mjs).
//
// Input: the options of startEmbeddedStore as JSON in STORE_OPTIONS_ENV (in the environment rather than
// on the command line, where anyone on the machine could read the secret key). Output: one JSON line on stdout, the store's
// settings (`{"settings":{...}}`) or why it did not start (`{"error":"..."}`). SIGTERM or SIGINT stop it.
import { startEmbeddedStore } from "../embedded-store.mjs";
import { killOwnGroup, whenLauncherGone } from "./launcher-pipe.mjs";
import { STORE_OPTIONS_ENV } from "./settings.mjs";

/** How long the store may take to stop before its group is killed. */
const STOP_GRACE_MS = 3_000;

/** @param {object} message */
function report(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** @type {Awaited<ReturnType<typeof startEmbeddedStore>> | undefined} */
let store;
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(killOwnGroup, STOP_GRACE_MS);
  void (store ? store.stop() : Promise.resolve()).finally(() => process.exit(0));
}
whenLauncherGone(stop);

// Miniflare adds SIGINT/SIGTERM listeners that exit at once (its exit hook then kills workerd):
// the ones below stop the store in order instead.
const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
try {
  const options = JSON.parse(process.env[STORE_OPTIONS_ENV] ?? "{}");
  delete process.env[STORE_OPTIONS_ENV];
  store = await startEmbeddedStore(options);
} catch (err) {
  report({ error: /** @type {Error} */ (err).message });
  process.exit(1);
}
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  for (const listener of process.listeners(signal)) {
    if (!before[signal].includes(listener)) process.removeListener(signal, listener);
  }
  process.on(signal, stop);
}
report({ settings: store.settings });
