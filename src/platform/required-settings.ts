/**
 * Settings without which the Worker answers 500 on every route (src/platform/config.ts). In wrangler.toml they
 * are required secrets, so that a deploy of the file as it is needs nothing else
 * (test/node/deploy-config.test.ts). A module of its own: the Node-side test reads it too.
 */
export const REQUIRED_SETTINGS = ["ADMIN_TOKEN"] as const;

/** The R2 binding through which the Worker reaches its bucket, when it has one (`[[r2_buckets]]`). */
export const STORE_BINDING = "STORE";

/** The name of the bucket bound as STORE: a var beside the binding in wrangler.toml, required with it. */
export const STORE_BUCKET_SETTING = "STORE_BUCKET";

/** What the S3 way needs, and only it: with a STORE binding none of them may be set. */
export const S3_CONNECTION_SETTINGS = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const;

/** Every setting required, with or without the STORE binding. Pure. */
export function requiredSettings(hasStoreBinding: boolean): readonly string[] {
  return hasStoreBinding ? REQUIRED_SETTINGS : [...S3_CONNECTION_SETTINGS, ...REQUIRED_SETTINGS];
}
