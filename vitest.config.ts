import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_ADMIN_TOKEN, TEST_TOKEN_SECRET } from "./test/constants.ts";
import { hideRuntimeNoise, VERBOSE } from "./test/node/quiet-output.ts";
import { writeS3WranglerConfig } from "./scripts/s3-wrangler-config.mjs";

hideRuntimeNoise();

/** Settings of the Worker under test, both ways to storage. */
const testBindings = {
  ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  TOKEN_SECRET: TEST_TOKEN_SECRET,
  EDGE_TTL: "60",
  // The suite runs batches of 100 keys, as on Workers Paid; test/subrequests.test.ts
  // holds every route's worst case to the Free plan's 50 and to 1000 itself.
  SUBREQUEST_LIMIT: "1000",
  // test/fuzz.test.ts replays a run when given its seed: FUZZ_SEED=123 npx vitest run test/fuzz.test.ts
  FUZZ_SEED: process.env.FUZZ_SEED ?? "",
};

/** Tests of the binding alone, left out of `worker`: its calls counted on the binding itself. */
const BINDING_ONLY_TESTS = ["test/subrequests-binding.test.ts"];

/**
 * Tests of the S3 way alone, left out of `worker-r2` (docs/testing.md says why for each): the S3
 * implementation's units, the store's dialect and its probe, and S3's DeleteObjects (its Content-MD5,
 * a store refusing it). Faults and counts run both ways (test/faults.ts picks the mechanism).
 */
const S3_ONLY_TESTS = [
  "src/storage/s3/**",
  "test/storage-dialect.test.ts",
  "test/storage-dialect-kept.test.ts",
  "test/sweep-fallback.test.ts",
];

export default defineConfig({
  test: {
    // Each test's console output is shown when it fails (all of it with CLOUDCACHED_TEST_VERBOSE=1).
    silent: VERBOSE ? false : "passed-only",
    // The Worker logs one JSON line per request (src/http/observability.ts): thousands in a run.
    // test/observability.test.ts checks them itself; here they would bury the report.
    onConsoleLog: (log: string) => !log.includes('"requestId":'),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        // The Worker, inside workerd, over the S3 API: the embedded store (test/global-setup.ts), or
        // the store S3_ENDPOINT names (Ceph RGW in CI). wrangler.toml without its R2 binding.
        extends: true,
        plugins: [
          cloudflareTest(async ({ inject }) => {
            const { STORE_KIND: _kind, ...store } = inject("storeBindings");
            return {
              wrangler: { configPath: writeS3WranglerConfig() },
              miniflare: {
                // The test runner itself imports node: modules; the Worker's own bundle needs none.
                compatibilityFlags: ["nodejs_compat"],
                bindings: { ...store, ...testBindings },
              },
            };
          }),
        ],
        test: {
          name: "worker",
          // The fault proxy sits in front of whatever store global-setup.ts provides (test/faults.ts).
          globalSetup: ["./test/global-setup.ts", "./test/node/fault-proxy-setup.ts"],
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["test/node/**", ...BINDING_ONLY_TESTS],
        },
      },
      {
        // The same Worker suite through the R2 binding STORE (Miniflare's local R2 bucket, as
        // wrangler.toml binds it) and no S3 setting: everything behavioural runs both ways.
        extends: true,
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              compatibilityFlags: ["nodejs_compat"],
              bindings: { S3_PREFIX: inject("storeBindings").S3_PREFIX, ...testBindings },
            },
          })),
        ],
        test: {
          name: "worker-r2",
          globalSetup: ["./test/global-setup.ts", "./test/node/fault-proxy-setup.ts"],
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["test/node/**", ...S3_ONLY_TESTS],
        },
      },
      {
        // Node-side tests of the tools around the Worker (`npm run dev`: test/node/dev.test.ts).
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
        },
      },
    ],
  },
});
