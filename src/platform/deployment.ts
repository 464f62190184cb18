import type { S3Settings } from "./config";

/**
 * The deployment a location-cache entry belongs to. `caches.default` is shared by every Worker on a
 * zone (staging and production on one domain, two deployments over different buckets), so every
 * entry's URL names the store it was read from: endpoint, bucket and prefix.
 */

/** A short, stable name for a store area (64-bit FNV-1a, hex). Not a secret and not a defence against a chosen collision: deployments are the operator's own. Pure. */
export function deploymentHash(endpoint: string, bucket: string, prefix: string): string {
  let hash = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(`${endpoint}\n${bucket}\n${prefix}`);
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0");
}

// One per settings object, which configFor() parses once per isolate: computed at first use.
const ids = new WeakMap<S3Settings, string>();

/** The deployment's name in location-cache URLs, computed once per isolate. */
export function deploymentOf(s3: S3Settings): string {
  let id = ids.get(s3);
  if (id === undefined) {
    id = deploymentHash(s3.endpoint, s3.bucket, s3.prefix);
    ids.set(s3, id);
  }
  return id;
}
