// Exit codes of `cloudcached` (documented in --help and docs/client.md). Pure.

import { CloudCachedError } from "../errors.js";

export const EXIT = {
  ok: 0,
  /** Not found, or not stored (a memcached "false"). */
  no: 1,
  usage: 2,
  /** The server refused the request (4xx). */
  refused: 3,
  /** The server or its storage failed (5xx). */
  failed: 4,
  /** No answer: network error or timeout. */
  unreachable: 5,
} as const;

/** A local input the command cannot use (a --file that is missing, a folder, unreadable): said in our words. */
export class InputError extends Error {
  override readonly name = "InputError";
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CloudCachedError) {
    if (err.status === 0) return EXIT.unreachable;
    if (err.status >= 500) return EXIT.failed;
    return EXIT.refused;
  }
  // The client refuses a bad argument (a negative ttl, an unstorable value) with a TypeError; a
  // local file that cannot be read is the caller's mistake too.
  if (err instanceof TypeError || err instanceof InputError) return EXIT.usage;
  if (err instanceof Error && "code" in err && typeof err.code === "string" && /^E[A-Z]+$/.test(err.code)) return EXIT.usage;
  return EXIT.failed;
}
