import { env } from "cloudflare:test";
import { listAll } from "./store";

/**
 * Every object key the store holds for a namespace (ListObjectsV2 straight to the store, as the
 * test's own observer, not through the Worker), each without `<S3_PREFIX><namespace>/`.
 */
export async function storedObjectKeys(namespace: string): Promise<string[]> {
  const prefix = `${env.S3_PREFIX}${namespace}/`;
  return (await listAll(prefix)).map((object) => object.key.slice(prefix.length));
}
