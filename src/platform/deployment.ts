import type { Config, S3Settings } from "./config";

/**
 * The deployment a location-cache entry (and a token: src/auth/tokens.ts) belongs to. `caches.default`
 * is shared by every Worker on a zone (staging and production on one domain, two deployments over
 * different buckets), so every entry's URL names the store it was read from: endpoint, bucket and
 * prefix, and the access key id — on one endpoint, two tenants' buckets may share a name (Ceph RGW
 * tenants), told apart only by whose credentials reach them. Through the R2 binding, the bucket is
 * the one STORE_BUCKET names (the binding itself does not tell it). Never a secret: the name is
 * readable in every token, and rotating a secret must not change it.
 */

/** What names a deployment's store: everything but the secret, which never enters the name. */
export type StoreIdentity = Pick<S3Settings, "endpoint" | "bucket" | "prefix" | "accessKeyId">;

/** Stands for the endpoint of a store reached through the R2 binding (no URL, no key). */
export const R2_BINDING_ENDPOINT = "r2-binding:STORE";

/** A short, stable name for a store area (64-bit FNV-1a, hex). Not a secret and not a defence against a chosen collision: deployments are the operator's own. Pure. */
export function deploymentHash(store: StoreIdentity): string {
  let hash = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(`${store.endpoint}\n${store.bucket}\n${store.prefix}\n${store.accessKeyId}`);
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0");
}

/** The store's identity, whichever way it is reached: the binding's bucket name and the prefix, with no key. Pure. */
export function storeIdentity(config: Pick<Config, "prefix" | "store">): StoreIdentity {
  const { store } = config;
  return store.kind === "s3" ? store.s3 : { endpoint: R2_BINDING_ENDPOINT, bucket: store.bucketName, prefix: config.prefix, accessKeyId: "" };
}

// One per parsed configuration, which configFor() makes once per isolate: computed at first use.
const ids = new WeakMap<Pick<Config, "prefix" | "store">, string>();

/** The deployment's name in location-cache URLs and tokens, computed once per isolate. */
export function deploymentOf(config: Pick<Config, "prefix" | "store">): string {
  let id = ids.get(config);
  if (id === undefined) {
    id = deploymentHash(storeIdentity(config));
    ids.set(config, id);
  }
  return id;
}
