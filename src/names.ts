import { ApiError } from "./errors";
import { MAX_KEY_BYTES, NAMESPACE_PATTERN } from "./schema";

/** Longest key, in bytes of UTF-8 (API.md). */
export { MAX_KEY_BYTES };

const NAMESPACE = new RegExp(NAMESPACE_PATTERN);
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Whether `text` holds a control character (U+0000–U+001F, U+007F): refused anywhere in a key or prefix. */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

export function validateNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace)) {
    throw new ApiError(
      "bad_request",
      "invalid namespace: 1-64 characters of a-z 0-9 _ -, starting with a letter or digit",
    );
  }
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
  if (key.length === 0) throw new ApiError("bad_request", "invalid key: empty");
  if (utf8Length(key) > MAX_KEY_BYTES) {
    throw new ApiError("bad_request", `invalid key: longer than ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  if (hasControlCharacter(key)) throw new ApiError("bad_request", "invalid key: contains a control character");
  if (/[\ud800-\udfff]/u.test(key.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) {
    throw new ApiError("bad_request", "invalid key: not valid UTF-8");
  }
  for (const segment of key.split("/")) {
    if (segment === "") throw new ApiError("bad_request", "invalid key: empty path segment");
    if (segment === "." || segment === "..") {
      throw new ApiError("bad_request", "invalid key: '.' and '..' segments are not allowed");
    }
  }
  return key;
}

const encoder = new TextEncoder();

export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}
