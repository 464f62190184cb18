#!/usr/bin/env node
// `npm run reset`: starts the local stack afresh. Deletes the embedded store's data and credentials
// (.data/) and wrangler's local state (.wrangler/state: the location cache, which would otherwise go
// on answering deleted items as hits). Keeps .dev.vars (the tokens). Refuses while `npm run dev` runs
// on the same directory. CLOUDCACHED_DEV_DIR chooses the directory, as for `npm run dev`.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { lockHolder } from "./dev/lock.mjs";

const devDir = resolve(process.env.CLOUDCACHED_DEV_DIR || join(dirname(fileURLToPath(import.meta.url)), ".."));
const running = lockHolder(join(devDir, ".wrangler", "dev.lock"));
if (running) {
  console.error(`npm run reset: \`npm run dev\` is running on this directory (PID ${running.pid}, ${running.url}): stop it first.`);
  process.exit(1);
}
const removed = [];
for (const path of [join(devDir, ".data"), join(devDir, ".wrangler", "state")]) {
  if (!existsSync(path)) continue;
  await rm(path, { recursive: true, force: true });
  removed.push(path);
}
console.log(
  removed.length > 0
    ? `npm run reset: removed ${removed.join(" and ")}. The next \`npm run dev\` starts with an empty store and an empty local cache (.dev.vars is kept).`
    : "npm run reset: nothing to remove.",
);
