// The typed client's tests, in Node (not in the Workers pool): `npm run test:client`.
// They run against the real Worker (bundled as `wrangler deploy` would) and the embedded store; the
// browser test needs Debian's chromium (.ci/browser-deps.sh).
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

const root = resolve(import.meta.dirname, "..");

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
    projects: [
      { test: { ...shared, name: "client", include: ["client/src/**/*.test.ts", "client/test/*.test.ts"] } },
    ],
  },
});
