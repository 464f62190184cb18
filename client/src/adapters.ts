// What the Keyv store (keyv.ts) and the unstorage driver (unstorage.ts) share: how they get their
// client, and deleting every key under a prefix.
import { type CallOptions, CloudCached, type CloudCachedOptions, MAX_LIST_LIMIT } from "./client.js";
import { throwIfAnyFailed } from "./errors.js";

/** An adapter is given either the client's own options or a client already made. */
export type ClientSource = CloudCachedOptions | { client: CloudCached };

export function clientOf(source: ClientSource): CloudCached {
  return "client" in source ? source.client : new CloudCached(source);
}

/**
 * Deletes every key starting with `prefix` (a stored prefix): page by page, the batch size a
 * request. A page with keys that could not be deleted ends it with a PartialFailureError naming them.
 */
export async function deleteByPrefix(client: CloudCached, prefix: string, options: CallOptions = {}): Promise<void> {
  for await (const page of client.keyPages({ ...options, prefix, limit: MAX_LIST_LIMIT })) {
    if (page.keys.length > 0) throwIfAnyFailed(await client.deleteMany(page.keys.map(({ key }) => key), options), "deleted");
  }
}
