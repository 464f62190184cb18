// The embedded S3-compatible store: Miniflare's local R2 bucket with its S3 endpoint, which checks
// SigV4 signatures and supports conditional writes, CopyObject and ListObjectsV2. Used by
// `npm run dev` and by the tests' global setup. Experimental in Miniflare: its version is pinned.
import { Miniflare } from "miniflare";

const S3_PATH = "/cdn-cgi/local/r2/s3";

/**
 * Starts the store on 127.0.0.1. `persistDir` keeps its data across restarts (omit it for a
 * throwaway in-memory store). Resolves to the settings a Worker needs to reach it, and `stop()`.
 */
export async function startEmbeddedStore({
  port = 0,
  persistDir,
  bucket = "cloudcached",
  accessKeyId = "cloudcached-local",
  secretAccessKey,
} = {}) {
  if (!secretAccessKey) throw new Error("startEmbeddedStore: secretAccessKey is required");
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('CloudCached embedded store', { status: 404 }) } }",
    host: "127.0.0.1",
    port,
    r2Buckets: { STORE: { id: bucket, s3Credentials: { accessKeyId, secretAccessKey } } },
    r2Persist: persistDir ?? false,
  });
  const url = await mf.ready;
  // The Worker's settings for this store, also as one object to hand on whole.
  const settings = {
    S3_ENDPOINT: new URL(S3_PATH, url).href,
    S3_BUCKET: bucket,
    S3_REGION: "auto",
    S3_ACCESS_KEY_ID: accessKeyId,
    S3_SECRET_ACCESS_KEY: secretAccessKey,
  };
  return { ...settings, settings, url: url.href, stop: () => mf.dispose() };
}
