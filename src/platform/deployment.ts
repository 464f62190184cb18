import type { S3Settings } from "./config";

/**
 * The deployment a location-cache entry (and a token: src/auth/tokens.ts) belongs to. `caches.default`
 * is shared by every Worker on a zone (staging and production on one domain, two deployments over
 * different buckets), so every entry's URL names the store it was read from: endpoint, bucket and
 * prefix, and the access key id — on one endpoint, two tenants' buckets may share a name (Ceph RGW
 * tenants), told apart only by whose credentials reach them. Never the secret key.
 */

/** What names a deployment's store: everything but the secret, which never enters the name. */
export type StoreIdentity = Pick<S3Settings, "endpoint" | "bucket" | "prefix" | "accessKeyId">;

/** A short, stable name for a store area (64-bit FNV-1a, hex). Not a secret and not a defence against a chosen collision: deployments are the operator's own. Pure. */
export function deploymentHash(store: StoreIdentity): string {
  let hash = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(`${store.endpoint}\n${store.bucket}\n${store.prefix}\n${store.accessKeyId}`);
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0");
}

// One per settings object, which configFor() parses once per isolate: computed at first use.
const ids = new WeakMap<S3Settings, string>();

/** The deployment's name in location-cache URLs and tokens, computed once per isolate. */
export function deploymentOf(s3: S3Settings): string {
  let id = ids.get(s3);
  if (id === undefined) {
    id = deploymentHash(s3);
    ids.set(s3, id);
  }
  return id;
}
