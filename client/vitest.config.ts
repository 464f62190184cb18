// The typed client's tests, in Node (not in the Workers pool): `npm run test:client`.
// Project "client" runs against what main's Worker serves today (items, tokens, CORS; its browser
// test needs Debian's chromium: .ci/browser-deps.sh). Project "client-after-merge" needs the batch,
// keys and flush endpoints of API.md (the namespaces branch); it is run with
// `npm run test:client:after-merge` and joins `test:client` once those are merged.
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
      { test: { ...shared, name: "client-after-merge", include: ["client/test/after-merge/*.test.ts"] } },
    ],
  },
});
