import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_ADMIN_TOKEN, TEST_TOKEN_SECRET } from "./test/constants";

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => {
      const { STORE_KIND: _kind, ...store } = inject("storeBindings");
      return {
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // The test runner itself imports node: modules; the Worker's own bundle needs none.
          compatibilityFlags: ["nodejs_compat"],
          bindings: {
            ...store,
            ADMIN_TOKEN: TEST_ADMIN_TOKEN,
            TOKEN_SECRET: TEST_TOKEN_SECRET,
            EDGE_TTL: "60",
          },
        },
      };
    }),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts", "./test/node/fault-proxy-setup.ts"],
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
