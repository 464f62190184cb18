import type { Config } from "./config";

/**
 * The deployment a location-cache entry belongs to. `caches.default` is shared by every Worker on a
 * zone (staging and production on one domain, two deployments over different buckets), so every
 * entry's URL names the store it was read from: endpoint, bucket and prefix. An R2 binding does not
 * tell its bucket's name, so through one the admin token stands in for it: two deployments on one
 * zone bound to different buckets have different tokens (docs/deploy.md says so).
 */

/** A short, stable name for a store area (64-bit FNV-1a, hex). Not a secret and not a defence against a chosen collision: deployments are the operator's own. Pure. */
export function deploymentHash(endpoint: string, bucket: string, prefix: string): string {
  let hash = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(`${endpoint}\n${bucket}\n${prefix}`);
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0");
}

// One per parsed configuration, which configFor() makes once per isolate: computed at first use.
const ids = new WeakMap<Config, string>();

/** The deployment's name in location-cache URLs, computed once per isolate. */
export function deploymentOf(config: Config): string {
  let id = ids.get(config);
  if (id === undefined) {
    const { store } = config;
    id = store.kind === "s3" ? deploymentHash(store.s3.endpoint, store.s3.bucket, config.prefix) : deploymentHash("r2-binding:STORE", config.adminToken, config.prefix);
    ids.set(config, id);
  }
  return id;
}
