import { hasControlCharacter, keyProblem, MAX_KEY_BYTES, namespaceProblem, utf8Length } from "../../client/src/names";
import { ApiError } from "../http/errors";

// The rules themselves live in the client's names module, so the client refuses exactly what the
// Worker refuses, with the same message, before a request leaves (the client never imports the Worker).

/** Longest key, in bytes of UTF-8 (API.md). */
export { hasControlCharacter, MAX_KEY_BYTES, utf8Length };

export function validateNamespace(namespace: string): string {
  const problem = namespaceProblem(namespace);
  if (problem !== null) throw new ApiError("bad_request", problem);
  return namespace;
}

/**
 * Turns the raw (still percent-encoded) URL text after `/items/` into the key, decoded once, or
 * throws `400 bad_request`. Refuses what would let a key escape its place: `.` and `..` segments
 * (the runtime resolves plain ones, but not `%2F..%2F`), empty segments and control characters.
 */
export function parseKey(raw: string): string {
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw new ApiError("bad_request", "invalid key: malformed percent-encoding or invalid UTF-8");
  }
  return validateKey(key);
}

/** Validates an already-decoded key (as a batch body gives it). */
export function validateKey(key: string): string {
  const problem = keyProblem(key);
  if (problem !== null) throw new ApiError("bad_request", problem);
  return key;
}
