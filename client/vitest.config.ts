// The client's tests, in Node (not in the Workers pool), against the real Worker (bundled as
// `wrangler deploy` would) and the embedded store.
//   project "client" (`npm run test:client`, part of `npm test`): Node, workerd and Chromium, which
//     the first run installs into the per-user tools cache (scripts/tools.mjs), and the memcached
//     gateway's paired tests and the Python client's, whose Debian programs it installs when missing
//     (scripts/debian-tools.mjs);
//   project "runtimes" (`npm run test:runtimes`, which installs Bun and Deno first; CI runs it).
import { resolve } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";
import { hideRuntimeNoise, VERBOSE } from "../test/node/quiet-output.ts";

hideRuntimeNoise();

const root = resolve(import.meta.dirname, "..");
const RUNTIMES = "client/test/runtimes.test.ts";

const shared: { root: string; globalSetup: string[]; testTimeout: number; hookTimeout: number; environment: "node" } = {
  root,
  globalSetup: ["./client/test/support/global-setup.ts"],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  environment: "node",
};

export default defineConfig({
  root,
  test: {
    // Each test's console output is shown when it fails (all of it with CLOUDCACHED_TEST_VERBOSE=1).
    silent: VERBOSE ? false : "passed-only",
    projects: [
      {
        test: {
          ...shared,
          name: "client",
          globalSetup: [
            "./client/test/support/browser-setup.ts",
            "./client/test/support/memcached-setup.ts",
            "./client/test/support/python-setup.ts",
            ...shared.globalSetup,
          ],
          include: ["client/src/**/*.test.ts", "client/test/*.test.ts"],
          exclude: [...configDefaults.exclude, RUNTIMES],
        },
      },
      { test: { ...shared, name: "runtimes", include: [RUNTIMES] } },
    ],
  },
});
