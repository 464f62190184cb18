import { storageUnavailableError } from "./failures";
import type { StoredHead, StoredObject } from "./object-format";
import { emptyStream } from "./streams";

/**
 * An empty value is read in two calls, both ways to storage: a ranged GET finds nothing after the
 * nonce, then a HEAD gives the object's metadata. A write landing between the two would pair the new
 * object's metadata (its ETag, its expiry) with the old, empty value: the HEAD must describe an
 * empty object too, or the read is made again.
 */
export const CHANGED_BETWEEN_CALLS = Symbol("changed between the GET and the HEAD");

/** The empty value a HEAD describes, or CHANGED_BETWEEN_CALLS when the object now holds a value. Pure. */
export function emptyValueOf(head: StoredHead | null): StoredObject | null | typeof CHANGED_BETWEEN_CALLS {
  if (head === null) return null;
  if (head.size > 0) return CHANGED_BETWEEN_CALLS;
  return { ...head, size: 0, body: emptyStream() };
}

/** Reads made before giving up on an object that keeps changing under the read (a 503, to retry). */
export const EMPTY_READ_ATTEMPTS = 3;

/** Runs `readOnce` until it gives an answer that is one version of the object. */
export async function readOneVersion(readOnce: () => Promise<StoredObject | null | typeof CHANGED_BETWEEN_CALLS>): Promise<StoredObject | null> {
  for (let attempt = 1; attempt <= EMPTY_READ_ATTEMPTS; attempt++) {
    const read = await readOnce();
    if (read !== CHANGED_BETWEEN_CALLS) return read;
  }
  throw storageUnavailableError("GET");
}
