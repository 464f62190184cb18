/**
 * Settings without which the Worker answers 500 on every route (src/platform/config.ts). In wrangler.toml they
 * are required secrets, so that a deploy of the file as it is needs nothing else
 * (test/node/deploy-config.test.ts). A module of its own: the Node-side test reads it too.
 */
export const REQUIRED_SETTINGS = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "ADMIN_TOKEN"] as const;
