// What the Keyv store (keyv.ts) and the unstorage driver (unstorage.ts) share: how they get their
// client, how a batch's per-key errors surface, and deleting every key under a prefix.
import { type CallOptions, CloudCached, type CloudCachedOptions } from "./client.js";
import { CloudCachedError } from "./errors.js";

/** An adapter is given either the client's own options or a client already made. */
export type ClientSource = CloudCachedOptions | { client: CloudCached };

/** Keys per listing page while deleting by prefix (the listing's maximum). */
const DELETE_PAGE = 1000;

export function clientOf(source: ClientSource): CloudCached {
  return "client" in source ? source.client : new CloudCached(source);
}

/** Throws the first per-key error of a batch call's results, if any (the other keys were applied). */
export function throwFirstError(results: Map<string, unknown>): void {
  for (const result of results.values()) if (result instanceof CloudCachedError) throw result;
}

/** Deletes every key starting with `prefix` (a stored prefix): page by page, 100 keys a batch. */
export async function deleteByPrefix(client: CloudCached, prefix: string, options: CallOptions = {}): Promise<void> {
  for await (const page of client.keyPages({ ...options, prefix, limit: DELETE_PAGE })) {
    if (page.keys.length > 0) throwFirstError(await client.deleteMany(page.keys.map(({ key }) => key), options));
  }
}
